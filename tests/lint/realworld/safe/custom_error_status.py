# Input validation answered with explicit error statuses; unexpected errors re-raised.
import json
import logging
import os

import joblib
from azureml.contrib.services.aml_response import AMLResponse

logger = logging.getLogger(__name__)
N_FEATURES = 10


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))


def run(raw_data):
    try:
        rows = json.loads(raw_data)["data"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return AMLResponse(json.dumps({"error": "body must be {\"data\": [[...]]}"}), 400)
    if any(len(row) != N_FEATURES for row in rows):
        return AMLResponse(json.dumps({"error": f"each row needs {N_FEATURES} values"}), 422)
    try:
        return {"predictions": model.predict(rows).tolist()}
    except Exception:
        logger.exception("prediction failed")
        return AMLResponse(json.dumps({"error": "internal error"}), 500)
