# Wraps the model in a small class; module-level instance set in init().
import json
import os

import joblib
import numpy as np


class Predictor:
    def __init__(self, model_dir: str) -> None:
        self.model = joblib.load(os.path.join(model_dir, "model.pkl"))
        self.scaler = joblib.load(os.path.join(model_dir, "scaler.pkl"))

    def predict(self, rows):
        return self.model.predict(self.scaler.transform(np.asarray(rows)))


predictor = None


def init():
    global predictor
    predictor = Predictor(os.environ["AZUREML_MODEL_DIR"])


def run(raw_data):
    return {"predictions": predictor.predict(json.loads(raw_data)["data"]).tolist()}
