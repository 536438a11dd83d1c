# A notebook turned into score.py: prints the environment to "debug" the deployment,
# loads the model on import, and returns the raw numpy predictions.
import json
import os

import joblib
import numpy as np
import pandas as pd


def init():
    global model
    print("environment:", os.environ)  # expect: DK114
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))


init()  # expect: DK115


def run(raw_data):
    frame = pd.read_json(raw_data)  # expect: DK113
    probabilities = model.predict_proba(frame.values)
    best = np.argmax(probabilities, axis=1)
    return {"classes": best, "probabilities": probabilities.tolist()}  # expect: DK112
