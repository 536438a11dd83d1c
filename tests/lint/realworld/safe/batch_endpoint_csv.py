# Batch endpoint: run(mini_batch) gets a list of file paths, returns one row per file.
import os

import joblib
import pandas as pd


def init():
    global model
    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "model.joblib"))


def run(mini_batch):
    results = []
    for file_path in mini_batch:
        frame = pd.read_csv(file_path)
        predictions = model.predict(frame)
        results.append(
            pd.DataFrame({"file": os.path.basename(file_path), "prediction": predictions})
        )
    return pd.concat(results)
