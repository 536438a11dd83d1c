# A script debugged with `debugkit up`: no debugpy calls in the code itself.
import json
import logging
import os

import joblib

logging.basicConfig(level=logging.INFO)


def init():
    global model
    model_dir = os.getenv("AZUREML_MODEL_DIR")
    logging.info("loading from %s: %s", model_dir, os.listdir(model_dir))
    model = joblib.load(os.path.join(model_dir, "model.pkl"))


def run(raw_data):
    data = json.loads(raw_data)["data"]
    logging.debug("received %d rows", len(data))
    return model.predict(data).tolist()
