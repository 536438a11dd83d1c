# Tabular input as records; column order enforced; numpy types converted for JSON.
import json
import os

import joblib
import pandas as pd

COLUMNS = ["tenure", "monthly_charges", "total_charges", "contract"]


def init():
    global pipeline
    pipeline = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "churn_pipeline.pkl"))


def run(raw_data):
    records = json.loads(raw_data)
    frame = pd.DataFrame.from_records(records)[COLUMNS]
    probabilities = pipeline.predict_proba(frame)[:, 1]
    return [{"churn_probability": round(float(p), 4)} for p in probabilities]
