"""Real server runs whose log 'debugkit logs' diagnoses (debugkit/diagnose.py): the signal
comes from the real server and the real libraries, not from log text written by hand."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from debugkit.config import ModelSpec
from debugkit.diagnose import diagnose
from tests.helpers import REPO_ROOT, RETURNS_NDARRAY, RETURNS_NDARRAY_LINE, project_config


def test_run_returning_an_array_names_its_return_line(write_project, serve, tmp_path):
    server = serve(write_project(RETURNS_NDARRAY))
    result = server.score({"a": 1})
    assert result.status == 502  # aks: what the deployed front end answers
    body = result.json()
    assert body["message"].startswith("run() returned a numpy.ndarray, which JSON cannot encode")
    assert "raised" not in body["message"] and ".tolist()" in body["message"]
    assert (body["error"]["file"], body["error"]["line"]) == ("score.py", RETURNS_NDARRAY_LINE)
    log = server.wait_for_log(f"score.py:{RETURNS_NDARRAY_LINE}: error: TypeError: run() returned")
    (found,) = diagnose(log, None, project_config(tmp_path))
    assert found.title == "run() returned a value JSON cannot encode"
    assert found.detail.startswith(
        f"{tmp_path / 'score.py'}:{RETURNS_NDARRAY_LINE}: TypeError: run()"
    )
    assert f"at {tmp_path / 'score.py'}:{RETURNS_NDARRAY_LINE}" in found.remedy


SEVERAL_RETURNS = """
def run(data, flag):
    if flag:
        return {1, 2}
    return [1]
"""


def test_the_exact_return_is_recorded_where_python_can_monitor_it(tmp_path):
    """Python 3.12+ (the container's): sys.monitoring says which of several returns ran;
    older Pythons name every return statement of run()."""
    (tmp_path / "m.py").write_text(textwrap.dedent(SEVERAL_RETURNS))
    probe = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "import m\n"
        "from debugkit.server import returnsite\n"
        "sites = returnsite.sites()\n"
        "sites.start(m.run); m.run(None, True)\n"
        "print(returnsite.where(m.run, sites.recorded()).lines)\n"
    )
    # run by this interpreter and, where one is installed, by a 3.12+ one (stdlib only)
    pythons = [sys.executable]
    for version in ("3.13", "3.12"):
        found = subprocess.run(
            ["python" + version, "-c", "import sys; print(sys.executable)"],
            capture_output=True,
            text=True,
            env={
                "PATH": "/usr/bin:/usr/local/bin:" + str(Path.home() / ".pyenv/shims"),
                "PYENV_VERSION": {"3.13": "3.13.0", "3.12": "3.12.1"}[version],
            },
        )
        if found.returncode == 0:
            pythons.append(found.stdout.strip())
    for python in pythons:
        out = subprocess.run(
            [python, "-c", probe, str(tmp_path), str(REPO_ROOT)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        monitored = subprocess.run(
            [python, "-c", "import sys; print(hasattr(sys, 'monitoring'))"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert out == ("(4,)" if monitored == "True" else "(4, 5)"), (python, out)


SLEEPS = """
import json, time

def init():
    pass

def run(data):
    time.sleep(json.loads(data)["sleep"])
    return {"ok": True}
"""


def test_refusals_are_diagnosed_with_the_projects_keys(write_project, serve, tmp_path):
    server = serve(write_project(SLEEPS), max_concurrent=1, settings_format="v1")
    answers: dict[str, object] = {}
    slow = threading.Thread(target=lambda: answers.setdefault("slow", server.score({"sleep": 2})))
    slow.start()
    for _ in range(500):
        if server.status()["busy_workers"] >= 1:
            break
        time.sleep(0.01)
    refused = server.score({"sleep": 0})
    slow.join(20)
    assert refused.status == 503
    message = refused.json()["message"]
    assert "maxConcurrentRequestsPerContainer in deploymentconfig.json" in message
    assert "maxQueueWaitMs in deploymentconfig.json" in message
    log = server.wait_for_log("POST /score 503")
    config = project_config(tmp_path, config_file=tmp_path / "inferenceconfig.json")
    found = {d.title: d for d in diagnose(log, None, config)}
    assert set(found) == {"too many requests at once"}
    assert "maxConcurrentRequestsPerContainer in deploymentconfig.json" in (
        found["too many requests at once"].remedy
    )


def test_timeouts_are_diagnosed_with_the_projects_keys(write_project, serve, tmp_path):
    server = serve(write_project(SLEEPS), request_timeout=1, settings_format="v2")
    assert server.score({"sleep": 3}).status == 504
    log = server.wait_for_log("POST /score 504")
    config = project_config(tmp_path, config_file=tmp_path / "blue.yml")
    (found,) = diagnose(log, None, config)
    assert found.title == "run() timed out"
    assert "request_settings.request_timeout_ms in blue.yml" in found.remedy
    assert f"run() was at {tmp_path / 'score.py'}:8" in found.detail


SKEWED_MODEL = """
import sys, types
import joblib, numpy as np, sklearn.base
from sklearn.ensemble import GradientBoostingClassifier

# what scikit-learn < 1.4 pickled as a fitted GradientBoostingClassifier's loss_
old = types.ModuleType("sklearn.ensemble._gb_losses")
class BinomialDeviance:
    pass
BinomialDeviance.__module__ = old.__name__
old.BinomialDeviance = BinomialDeviance
sys.modules[old.__name__] = old
model = GradientBoostingClassifier(n_estimators=2).fit(
    np.arange(20.0).reshape(10, 2), np.arange(10) % 2
)
model.loss_ = BinomialDeviance()
sklearn.base.__version__ = "1.1.3"  # the version BaseEstimator.__getstate__ records
joblib.dump(model, sys.argv[1])
"""

LOADS_MODEL = """
import os
import joblib

def init():
    global model
    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

def run(data):
    return model.predict([[1.0, 2.0]]).tolist()
"""


def test_a_model_pickled_by_an_older_scikit_learn_is_diagnosed(write_project, serve, tmp_path):
    models = tmp_path / "model"
    models.mkdir()
    subprocess.run([sys.executable, "-c", SKEWED_MODEL, str(models / "model.pkl")], check=True)
    server = serve(write_project(LOADS_MODEL), model_dir=str(models))
    assert server.status()["state"] == "init_failed"
    log = server.wait_for_log("No module named 'sklearn.ensemble._gb_losses'")
    config = project_config(tmp_path, models=(ModelSpec("gb", 1, models / "model.pkl"),))
    (found,) = diagnose(log, None, config)
    assert found.title == "model pickled with another scikit-learn version"
    assert "pickled with scikit-learn 1.1.3" in found.detail
    assert "does not install" not in found.detail
    assert "scikit-learn==1.1.3" in found.remedy


def test_503_before_init_returned_is_diagnosed(write_project, serve, tmp_path):
    slow_init = """
    import time

    def init():
        time.sleep(3)

    def run(data):
        return 1
    """
    server = serve(write_project(slow_init), wait=None)
    for _ in range(200):
        try:
            if server.status()["state"] == "starting":
                break
        except OSError:
            time.sleep(0.02)
    assert server.score({}).status == 503
    server.wait_until(("ready",))
    assert server.score({}).status == 200
    log = server.wait_for_log("POST /score 200")
    (found,) = diagnose(log, None, project_config(tmp_path))
    assert found.title == "scored before the server was ready"
    assert found.detail.startswith("1 request(s) answered 503 while init() was still running")
