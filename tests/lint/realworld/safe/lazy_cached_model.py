# Lazy loading: the model is loaded on the first request and cached in a global.
import json
import os
import threading

import joblib

model = None
_lock = threading.Lock()


def _model_path():
    return os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")


def init():
    global model
    model = None  # loaded on first use to keep start-up fast


def run(raw_data):
    global model
    if model is None:
        with _lock:
            if model is None:
                model = joblib.load(_model_path())
    return model.predict(json.loads(raw_data)["data"]).tolist()
