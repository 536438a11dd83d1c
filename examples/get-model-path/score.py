"""Finds its model with the azureml-core API: Model.get_model_path("my-best-model").

Works without azureml-core installed: debugkit supplies Model.get_model_path with
azureml-core's lookup rules ($AML_APP_ROOT/azureml-models/<name>/<version>/).
"""

import json

from azureml.core.model import Model

weights = None


def init():
    global weights
    path = Model.get_model_path("my-best-model")
    with open(path) as file:
        weights = json.load(file)


def run(raw_data):
    values = json.loads(raw_data)["data"]
    return {"result": [weights["scale"] * v + weights["offset"] for v in values]}
