# Model data collection when the monitoring package is present; scoring works without it.
import json
import logging
import os

import joblib
import numpy as np


def init():
    global model, inputs_dc, prediction_dc
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))
    try:
        from azureml.monitoring import ModelDataCollector

        inputs_dc = ModelDataCollector("model", designation="inputs", feature_names=["a", "b"])
        prediction_dc = ModelDataCollector("model", designation="predictions")
    except Exception:
        logging.warning("data collection disabled", exc_info=True)
        inputs_dc = None
        prediction_dc = None


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"])
    result = model.predict(data)
    if inputs_dc is not None and prediction_dc is not None:
        inputs_dc.collect(data)
        prediction_dc.collect(result)
    return result.tolist()
