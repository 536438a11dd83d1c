"""run() takes longer than the deployment's request timeout (2 s in debugkit.yaml)."""

import json
import time


def init():
    pass


def run(raw_data):
    seconds = json.loads(raw_data).get("seconds", 5)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # line 14: a busy loop, like a slow model
        time.sleep(0.01)
    return {"slept": seconds}
