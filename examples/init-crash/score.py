"""init() fails the way real ones do: a missing configuration value."""

import os


def init():
    global threshold
    threshold = float(os.environ["SCORING_THRESHOLD"])  # line 8: KeyError unless set


def run(raw_data):
    return {"threshold": threshold}
