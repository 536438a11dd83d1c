"""Settings azmlinfsrv users already have, honoured by ``debugkit serve`` (a drop-in)."""

from __future__ import annotations

from tests.helpers import start_server

ENV_SCORE = """
import os

def init():
    pass

def run(data):
    return {"model_dir": os.environ.get("AZUREML_MODEL_DIR")}
"""


def test_relative_model_dir_is_kept_as_given(write_project, tmp_path):
    score = write_project(ENV_SCORE, **{"my__dir__model.pkl": "x"})
    server = start_server(score, model_dir="./my/dir", cwd=tmp_path)
    try:
        assert server.score({}).json() == {"model_dir": "./my/dir"}
    finally:
        server.stop()
