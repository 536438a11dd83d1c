"""run() fails on one realistic request: a row with a missing value."""

import json


def init():
    pass


def run(raw_data):
    rows = json.loads(raw_data)["data"]
    return {"sums": [sum(row) for row in rows]}  # TypeError on a null value: 502
