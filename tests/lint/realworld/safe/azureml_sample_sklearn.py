# Azure ML docs sample: scikit-learn diabetes model, AZUREML_MODEL_DIR + joblib.
import json
import logging
import os

import joblib
import numpy as np


def init():
    """Called once when the container starts: load the model into a global."""
    global model
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "sklearn_regression_model.pkl")
    model = joblib.load(model_path)
    logging.info("Init complete")


def run(raw_data):
    """Called per request: raw_data is the request body."""
    logging.info("Request received")
    data = json.loads(raw_data)["data"]
    data = np.array(data)
    result = model.predict(data)
    logging.info("Request processed")
    return result.tolist()
