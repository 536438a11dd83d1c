# Optional dependency in init(): falls back to CPU when cupy is not installed.
import json
import os

import joblib
import numpy as np


def init():
    global model, xp
    try:
        import cupy

        xp = cupy
    except ImportError:
        xp = np
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))


def run(raw_data):
    data = xp.asarray(json.loads(raw_data)["data"])
    return model.predict(data).tolist()
