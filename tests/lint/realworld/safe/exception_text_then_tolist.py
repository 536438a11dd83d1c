# Stores a failure message but converts the result before returning: a failure raises there.
import json
import logging
import os

import joblib


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))


def run(raw_data):
    try:
        result = model.predict(json.loads(raw_data)["data"])
    except Exception as e:
        logging.exception("prediction failed")
        result = str(e)
    return {"predictions": result.tolist()}
