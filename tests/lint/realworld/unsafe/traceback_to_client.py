# Returns the full traceback in the response body.
import json
import os
import traceback

import joblib


def init():
    global model
    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))


def run(data):
    response = {}
    try:
        response["predictions"] = model.predict(json.loads(data)["data"]).tolist()
    except Exception:
        response["error"] = traceback.format_exc()
        response["status"] = "failed"
    return response  # expect: DK101  # expect: DK103 (the stored error is returned with 200)
