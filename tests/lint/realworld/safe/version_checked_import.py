# Chooses the import by the installed scikit-learn version.
import json
import os

import sklearn
from packaging.version import parse as parse_version

if parse_version(sklearn.__version__) < parse_version("0.23"):
    from sklearn.externals import joblib
else:
    import joblib


def init():
    global model
    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.joblib"))


def run(raw_data):
    return {"predictions": model.predict(json.loads(raw_data)["data"]).tolist()}
