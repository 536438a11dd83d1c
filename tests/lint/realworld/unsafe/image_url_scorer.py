# Scores an image the client points at by URL, and answers a failure with a 200.
import io
import json
import logging
import os

import requests
import torch
from PIL import Image
from torchvision import transforms

PREPROCESS = transforms.Compose([transforms.Resize(224), transforms.ToTensor()])


def init():
    global model
    model = torch.jit.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pt"))
    for key, value in os.environ.items():  # expect: DK114
        logging.info("%s=%s", key, value)


def run(raw_data):
    url = json.loads(raw_data)["image_url"]
    try:
        image = Image.open(io.BytesIO(requests.get(url, timeout=10).content))  # expect: DK116
        scores = model(PREPROCESS(image).unsqueeze(0))
        result = {"scores": scores.tolist()}
    except Exception:
        logging.exception("scoring failed")
        result = {"error": "could not score the image"}
    return result  # expect: DK103
