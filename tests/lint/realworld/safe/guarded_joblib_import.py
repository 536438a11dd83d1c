# Old sample kept working on both old and new scikit-learn: the removed import is guarded.
import json
import os

try:
    from sklearn.externals import joblib
except ImportError:
    import joblib


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))


def run(raw_data):
    data = json.loads(raw_data)["data"]
    return model.predict(data).tolist()
