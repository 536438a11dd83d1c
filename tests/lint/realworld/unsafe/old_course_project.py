# A 2019 course project: old sklearn import, notebook paths, no global, error swallowed.
import json

import numpy as np
from sklearn.externals import joblib  # expect: DK109

model = None


def init():
    try:
        model = joblib.load("outputs/model.pkl")  # expect: DK105  # expect: DK107
    except Exception as e:  # expect: DK110
        print("Failed to load the model: " + str(e))


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"])
    y_hat = model.predict(data)
    return y_hat.tolist()
