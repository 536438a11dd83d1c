# pathlib style paths from AZUREML_MODEL_DIR; a labels file shipped in the model folder.
import json
import os
from pathlib import Path

import joblib

MODEL_DIR = Path(os.environ.get("AZUREML_MODEL_DIR", "."))


def init():
    global model, labels
    model = joblib.load(MODEL_DIR / "pipeline.joblib")
    labels = json.loads((MODEL_DIR / "labels.json").read_text())


def run(raw_data):
    rows = json.loads(raw_data)["data"]
    return [labels[str(int(p))] for p in model.predict(rows)]
