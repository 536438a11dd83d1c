import os

import six  # installed from requirements.txt: proves the image build reached the package index


def init():
    global greeting
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.txt")) as f:
        greeting = f.read().strip()


def run(raw_data):
    return {"greeting": greeting, "input": raw_data, "six": six.__version__}
