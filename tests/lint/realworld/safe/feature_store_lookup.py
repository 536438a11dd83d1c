# Enriches the request from an internal feature service (with a timeout).
import json
import os

import joblib
import requests

FEATURE_URL = os.getenv("FEATURE_SERVICE_URL", "http://features.internal/v1/customers")
session = requests.Session()


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.joblib"))


def run(raw_data):
    customer_ids = json.loads(raw_data)["customer_ids"]
    response = requests.post(FEATURE_URL, json={"ids": customer_ids}, timeout=3)
    response.raise_for_status()
    features = response.json()["features"]
    return {"scores": model.predict_proba(features)[:, 1].tolist()}
