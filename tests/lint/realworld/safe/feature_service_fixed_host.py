# Enriches the request from an internal feature service; the client picks only the entity id.
import json
import os
from urllib.parse import quote

import joblib
import requests

FEATURE_SERVICE = "https://features.internal.example.com/v1/entities/"


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))


def run(raw_data):
    request = json.loads(raw_data)
    answer = requests.get(FEATURE_SERVICE + quote(str(request["entity_id"])), timeout=3)
    answer.raise_for_status()
    features = answer.json()["features"]
    return {"prediction": model.predict([features]).tolist()[0]}


if __name__ == "__main__":
    init()
    print(run(json.dumps({"entity_id": 42})))
