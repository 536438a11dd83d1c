# Class names from an optional labels file; numeric classes when the file is absent.
import json
import logging
import os

import joblib


def init():
    global model, class_names
    model_dir = os.getenv("AZUREML_MODEL_DIR")
    model = joblib.load(os.path.join(model_dir, "model.pkl"))
    try:
        with open(os.path.join(model_dir, "labels.json"), encoding="utf-8") as handle:
            class_names = json.load(handle)
    except FileNotFoundError:
        logging.info("no labels.json; answering class numbers")
        class_names = None


def run(raw_data):
    classes = model.predict(json.loads(raw_data)["data"]).tolist()
    if class_names is None:
        return classes
    return [class_names[str(c)] for c in classes]
