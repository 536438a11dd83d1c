# Keeps the failure for the log, answers with an error status.
import json
import logging
import os

import joblib
import numpy as np
import pandas as pd
from azureml.contrib.services.aml_response import AMLResponse

logger = logging.getLogger(__name__)


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))
    logger.info("model dir: %s", os.environ["AZUREML_MODEL_DIR"])


def run(raw_data):
    problem = None
    try:
        frame = pd.DataFrame(json.loads(raw_data)["data"])
    except (ValueError, KeyError) as exc:
        logger.warning("bad request: %s", exc)
        problem = "request body must be JSON with a 'data' list"
    if problem is not None:
        return AMLResponse(problem, 400)
    predictions = model.predict(frame)
    return {"predictions": np.asarray(predictions).tolist(), "rows": int(frame.shape[0])}
