# rawhttp: the full request object in, an AMLResponse out (validation errors answered with 400).
import json
import logging
import os

import joblib
from azureml.contrib.services.aml_request import AMLRequest, rawhttp
from azureml.contrib.services.aml_response import AMLResponse


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))


@rawhttp
def run(request: AMLRequest):
    if request.method == "GET":
        return AMLResponse("send a POST with {'data': [[...]]}", 200)
    if request.method != "POST":
        return AMLResponse("bad request", 500)
    try:
        rows = json.loads(request.get_data(False))["data"]
    except (ValueError, KeyError):
        logging.warning("rejected a malformed request")
        return AMLResponse("expected a JSON body with a 'data' list", 400)
    return AMLResponse(json.dumps(model.predict(rows).tolist()), 200)
