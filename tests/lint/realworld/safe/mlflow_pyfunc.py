# MLflow model deployed without no-code deployment: pyfunc flavor.
import json
import logging
import os

import mlflow
import pandas as pd


def init():
    global model
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model")
    model = mlflow.pyfunc.load_model(model_path)
    logging.info("MLflow model loaded from %s", model_path)


def run(raw_data):
    payload = json.loads(raw_data)
    frame = pd.DataFrame(payload["input_data"]["data"], columns=payload["input_data"]["columns"])
    predictions = model.predict(frame)
    return pd.DataFrame(predictions).to_dict(orient="records")
