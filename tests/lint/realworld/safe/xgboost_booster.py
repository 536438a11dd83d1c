# XGBoost booster saved with save_model().
import json
import os

import numpy as np
import xgboost as xgb


def init():
    global booster
    booster = xgb.Booster()
    booster.load_model(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.json"))


def run(raw_data):
    matrix = xgb.DMatrix(np.array(json.loads(raw_data)["data"]))
    return booster.predict(matrix).tolist()
