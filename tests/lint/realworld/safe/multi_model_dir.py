# Several models deployed together: AZUREML_MODEL_DIR is the azureml-models root.
import json
import os

import joblib

MODELS_ROOT = os.getenv("AZUREML_MODEL_DIR", "")


def init():
    global churn_model, upsell_model
    churn_model = joblib.load(os.path.join(MODELS_ROOT, "churn", "1", "churn.pkl"))
    upsell_model = joblib.load(os.path.join(MODELS_ROOT, "upsell", "2", "upsell.pkl"))


def run(raw_data):
    request = json.loads(raw_data)
    rows = request["data"]
    which = request.get("model", "churn")
    model = churn_model if which == "churn" else upsell_model
    return {"model": which, "predictions": model.predict(rows).tolist()}
