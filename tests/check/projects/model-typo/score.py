"""The model is registered as "greeter"; init() asks for "greeterr"."""

from azureml.core.model import Model

greeting = None


def init():
    global greeting
    with open(Model.get_model_path("greeterr")) as file:
        greeting = file.read().strip()


def run(raw_data):
    return {"greeting": greeting}
