# PyTorch image classifier: base64 image in, top class out.
import base64
import io
import json
import logging
import os

import torch
import torchvision.transforms as transforms
from PIL import Image

logger = logging.getLogger(__name__)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
preprocess = transforms.Compose(
    [
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ]
)


def init():
    global model, classes
    model_dir = os.getenv("AZUREML_MODEL_DIR")
    model = torch.load(os.path.join(model_dir, "model.pt"), map_location=device)
    model.eval()
    with open(os.path.join(model_dir, "classes.json")) as f:
        classes = json.load(f)
    logger.info("model loaded on %s", device)


def run(input_data):
    payload = json.loads(input_data)
    image = Image.open(io.BytesIO(base64.b64decode(payload["image"]))).convert("RGB")
    batch = preprocess(image).unsqueeze(0).to(device)
    with torch.no_grad():
        scores = torch.nn.functional.softmax(model(batch)[0], dim=0)
    top = int(scores.argmax())
    return {"label": classes[top], "probability": float(scores[top])}
