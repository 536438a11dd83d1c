# LightGBM; run() also takes request_headers to echo the correlation id.
import json
import logging
import os

import lightgbm as lgb

log = logging.getLogger("score")


def init():
    global booster
    booster = lgb.Booster(model_file=os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.txt"))


def run(raw_data, request_headers):
    request_id = request_headers.get("X-Ms-Request-Id", "")
    log.info("scoring request %s", request_id)
    rows = json.loads(raw_data)["data"]
    return {"request_id": request_id, "predictions": booster.predict(rows).tolist()}
