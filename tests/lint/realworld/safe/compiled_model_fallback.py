# Tries torch.compile as an optimisation; the eager model serves if it fails.
import json
import logging
import os

import torch

logger = logging.getLogger(__name__)


def init():
    global model
    model = torch.jit.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pt"))
    model.eval()
    try:
        model = torch.compile(model)
    except Exception:
        logger.warning("torch.compile unavailable; serving the eager model", exc_info=True)


def run(raw_data):
    batch = torch.tensor(json.loads(raw_data)["data"], dtype=torch.float32)
    with torch.no_grad():
        scores = model(batch)
    return {"scores": scores.tolist()}
