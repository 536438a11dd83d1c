# Records in, records out: the JSON text goes to pandas through a buffer.
import io
import os

import joblib
import pandas as pd


def init():
    global pipeline
    pipeline = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "pipeline.joblib"))


def run(raw_data):
    frame = pd.read_json(io.StringIO(raw_data), orient="records")
    frame["score"] = pipeline.predict_proba(frame)[:, 1]
    return frame.to_dict(orient="records")
