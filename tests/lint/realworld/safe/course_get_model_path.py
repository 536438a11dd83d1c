# Course project (DP-100 style): v1 SDK, Model.get_model_path, json in and out.
import json

import joblib
import numpy as np
from azureml.core.model import Model


def init():
    global model
    # the model is registered as 'diabetes_model'
    model_path = Model.get_model_path("diabetes_model")
    model = joblib.load(model_path)


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"])
    predictions = model.predict(data)
    classnames = ["not-diabetic", "diabetic"]
    predicted_classes = []
    for prediction in predictions:
        predicted_classes.append(classnames[prediction])
    return json.dumps(predicted_classes)
