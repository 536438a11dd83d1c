"""A reload keeps init()'s state (the loaded model) when nothing init() reads changed, and
runs init() again when anything it reads did: real servers, real files, an init() that
sleeps like a slow model load and counts its calls in a file."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from debugkit.server.initdeps import compare
from tests.helpers import RunningServer

SCORE = """\
import json
import os
import time

import loader
import shapes

COUNTER = os.environ["INIT_COUNTER"]
MODEL_FILE = "model.txt"
SECONDS = 0.3  # a slow model load


def init():
    global model
    time.sleep(SECONDS)
    with open(COUNTER, "a") as f:
        f.write("init\\n")
    model = loader.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], MODEL_FILE))


def run(raw):
    return {"answer": shapes.shape(model), "version": 1}
"""

LOADER = """\
def load(path):
    with open(path) as f:
        return f.read().strip()
"""

SHAPES = """\
def shape(model):
    return "model " + model
"""


class Project:
    def __init__(self, root: Path, counter: Path, server: RunningServer) -> None:
        self.root, self.counter, self.server = root, counter, server

    @property
    def init_calls(self) -> int:
        return self.counter.read_text().count("init")

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.root / name
        text = path.read_text()
        assert old in text, (old, name)
        path.write_text(text.replace(old, new))

    def reload(self, query: str = "") -> dict:
        result = self.server.post("/debugkit/reload" + query, b"", timeout=60).json()
        assert result["ok"], result
        return result

    def answer(self) -> dict:
        response = self.server.score("{}")
        assert response.status == 200, response.text
        return response.json()


@pytest.fixture
def project(tmp_path: Path, serve: Callable[..., RunningServer]) -> Project:
    source, models = tmp_path / "src", tmp_path / "models"
    source.mkdir()
    models.mkdir()
    (source / "score.py").write_text(SCORE)
    (source / "loader.py").write_text(LOADER)
    (source / "shapes.py").write_text(SHAPES)
    (models / "model.txt").write_text("A")
    (models / "other.txt").write_text("B")
    counter = tmp_path / "init-calls.txt"
    counter.write_text("")
    server = serve(source / "score.py", model_dir=str(models), env={"INIT_COUNTER": str(counter)})
    project = Project(source, counter, server)
    assert project.answer() == {"answer": "model A", "version": 1}
    assert project.init_calls == 1
    return project


def test_saving_run_keeps_the_model_and_answers_with_the_new_code(project: Project) -> None:
    project.edit("score.py", '"version": 1', '"version": 2')
    result = project.reload()
    assert result["init"]["ran"] is False, result
    assert result["init"]["saved_ms"] >= 300  # the init() it did not run slept 0.3 s
    assert project.answer() == {"answer": "model A", "version": 2}
    # a helper only run() uses: new code, model still kept
    project.edit("shapes.py", '"model "', '"shape of "')
    assert project.reload()["init"]["ran"] is False
    assert project.answer() == {"answer": "shape of A", "version": 2}
    # comments, blank lines and constants init() does not read change nothing for init()
    project.edit("score.py", "def run(raw):", "THRESHOLD = 0.5  # new\n\n\ndef run(raw):")
    assert project.reload()["init"]["ran"] is False
    assert project.init_calls == 1
    assert project.server.status()["generation"] == 4


@pytest.mark.parametrize(
    ("file", "old", "new", "reason", "expected"),
    [
        ("score.py", "time.sleep(SECONDS)", "time.sleep(SECONDS)\n    x = 1", "init()", "A"),
        ("score.py", '"model.txt"', '"other.txt"', "MODEL_FILE", "B"),
        ("loader.py", "f.read().strip()", "f.read().strip().lower()", "loader.py", "a"),
        ("model", "", "", "model or data file", "B"),
    ],
    ids=["init-changed", "constant-it-reads", "helper-it-calls", "model-file"],
)
def test_a_change_init_reads_runs_it_again(
    project: Project, file: str, old: str, new: str, reason: str, expected: str
) -> None:
    if file == "model":
        (project.root.parent / "models" / "model.txt").write_text("B")  # same size
    else:
        project.edit(file, old, new)
    result = project.reload()
    assert result["init"]["ran"] is True, result
    assert reason in result["init"]["reason"]
    assert project.init_calls == 2
    assert project.answer()["answer"] == f"model {expected}"


def test_reload_init_always_runs_it_and_a_bad_mode_is_refused(project: Project) -> None:
    result = project.reload("?init=always")
    assert result["init"] == {"ran": True, "reason": "asked to", "ms": result["init"]["ms"]}
    assert project.init_calls == 2
    refused = project.server.post("/debugkit/reload?init=sometimes", b"")
    assert refused.status == 400 and "auto or always" in refused.json()["message"]


def test_a_failed_reload_after_a_kept_one_keeps_serving_the_kept_model(project: Project) -> None:
    project.edit("score.py", '"version": 1', '"version": 2')
    assert project.reload()["init"]["ran"] is False
    project.edit("score.py", "def run(raw):", "BROKEN = undefined_name\n\n\ndef run(raw):")
    failed = project.server.post("/debugkit/reload", b"", timeout=60).json()
    assert not failed["ok"] and failed["error"]["type"] == "NameError"
    assert project.answer() == {"answer": "model A", "version": 2}  # generation 2 serves
    project.edit("score.py", "BROKEN = undefined_name", "FIXED = 1")
    assert project.reload()["init"]["ran"] is False
    assert project.answer() == {"answer": "model A", "version": 2}
    assert project.init_calls == 1


def test_a_service_that_may_not_keep_runs_init_every_time(tmp_path: Path) -> None:
    """What production mode builds (keep_init=False): a reload with nothing changed runs
    init() and says why."""
    from debugkit.server.service import ScoringService

    score = tmp_path / "score.py"
    score.write_text("def init():\n    global n\n    n = 1\n\n\ndef run(raw):\n    return n\n")
    service = ScoringService(str(score), str(tmp_path), keep_init=False)
    service.start()
    result = service.reload()
    assert result.ok and result.init is not None
    assert (result.init["ran"], result.init["reason"]) == (True, "keeping init() is off")
    assert service.baseline is None  # nothing recorded to compare against


# --- the source analysis alone (pure) ----------------------------------------------------------

BASE = """
import os
import helpers
LIMIT = 3
def _path():
    return os.path.join(os.environ["D"], "m")
def init():
    global model
    model = helpers.load(_path())
def run(raw):
    return model
"""


SCHEMA = BASE.replace(
    "def run(raw):", "@input_schema('data', NumpyParameterType(1))\ndef run(raw):"
)
MAIN_BLOCK = """
if __name__ == "__main__":
    init()
    print(run([1]))
"""


@pytest.mark.parametrize(
    ("new", "same"),
    [
        (BASE.replace("return model", "return [model]"), True),
        (BASE.replace("LIMIT = 3", "LIMIT = 4"), True),  # init() does not read it
        (BASE.replace("import os", '"""doc"""\nimport os  # comment'), True),
        (BASE + "\nimport json\n", True),  # an import init() does not use
        (BASE.replace('"m"', '"n"'), False),  # a function init() calls
        (BASE + "\nos.environ['X'] = '1'\n", False),  # module-level effect
        (BASE + "\nclass Model:\n    pass\n", False),  # classes may be pickled by init()
        (BASE.replace("model = helpers", "exec('x')\n    model = helpers"), False),
        (BASE.replace("def init():", "@cache\ndef init():"), False),
        # a decorated run() (inference-schema) changes freely; its decorator may not
        (SCHEMA.replace("return model", "return [model]"), True),
        (SCHEMA.replace("NumpyParameterType(1)", "NumpyParameterType(2)"), False),
        # `if __name__ == "__main__":` never runs in the server
        (BASE + MAIN_BLOCK.replace("[1]", "[2]"), True),
    ],
)
def test_compare_keeps_only_what_init_cannot_see(new: str, same: bool) -> None:
    old = SCHEMA if "input_schema" in new else BASE + MAIN_BLOCK if "__main__" in new else BASE
    result = compare(old, new)
    assert result.same is same, result.reason
    if same:
        assert "model" in result.carry and "helpers" in result.modules
