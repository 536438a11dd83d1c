# Loads the model inside run() and calls a remote service without a timeout.
import json
import os

import joblib
import requests


def init():
    pass


def run(raw_data):
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))  # expect: DK106
    enrich = requests.get("http://features.internal/v1", params={"q": raw_data}).json()  # expect: DK111
    return model.predict([enrich["features"]]).tolist()
