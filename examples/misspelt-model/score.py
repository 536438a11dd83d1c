"""The model is registered as "price-model" but init() asks for "price-modle"."""

import json

from azureml.core.model import Model

prices = None


def init():
    global prices
    path = Model.get_model_path("price-modle")  # line 12: typo, the model is "price-model"
    with open(path) as file:
        prices = json.load(file)


def run(raw_data):
    item = json.loads(raw_data)["item"]
    return {"price": prices[item]}
