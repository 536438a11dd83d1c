# Logs the failure with context, then re-raises so the service answers 502.
import json
import logging
import os
import time

import joblib

logger = logging.getLogger(__name__)


def init():
    global model
    path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl")
    try:
        model = joblib.load(path)
    except FileNotFoundError:
        logger.error("model file missing at %s", path)
        raise


def run(raw_data):
    started = time.perf_counter()
    try:
        rows = json.loads(raw_data)["data"]
        result = model.predict(rows).tolist()
    except Exception as exc:
        logger.exception("scoring failed: %s", exc)
        raise
    logger.info("scored %d rows in %.1f ms", len(rows), (time.perf_counter() - started) * 1000)
    return {"predictions": result}
