# Accepts either of two file names the training pipeline has produced over time.
import json
import os

import joblib


def init():
    global model
    base = os.getenv("AZUREML_MODEL_DIR")
    try:
        model = joblib.load(os.path.join(base, "model.joblib"))
    except FileNotFoundError:
        model = joblib.load(os.path.join(base, "model.pkl"))


def run(raw_data):
    return model.predict(json.loads(raw_data)["data"]).tolist()
