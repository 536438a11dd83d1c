"""A scikit-learn regression loaded the way Azure ML deployments do: from AZUREML_MODEL_DIR."""

import json
import logging
import os

import joblib
import numpy as np

model = None


def init():
    global model
    # One model deployed: AZUREML_MODEL_DIR is azureml-models/<name>/<version>/.
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
    model = joblib.load(model_path)
    logging.info("loaded %s", model_path)


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"])
    prediction = model.predict(data)
    return {"prediction": prediction.tolist()}
