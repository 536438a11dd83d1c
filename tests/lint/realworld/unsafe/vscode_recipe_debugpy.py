# The manual VS Code recipe pasted into score.py.
import json
import os

import debugpy
import joblib

debugpy.listen(("0.0.0.0", 5678))  # expect: DK102
print("Waiting for debugger attach")
debugpy.wait_for_client()  # expect: DK102


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))  # ok: DK107


def run(raw_data):
    return model.predict(json.loads(raw_data)["data"]).tolist()
