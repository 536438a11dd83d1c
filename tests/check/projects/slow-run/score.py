"""run() takes 1.5 s, over the deployment's 1 s request timeout."""

import time


def init():
    pass


def run(raw_data):
    time.sleep(1.5)
    return {"done": True}
