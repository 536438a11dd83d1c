"""POST /debugkit/reload: fresh import + init(), atomic swap, last good generation kept."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

VERSIONED = """
import json, time
VERSION = {version}

def init():
    global started
    started = True

def run(data):
    body = json.loads(data or "{{}}")
    time.sleep(body.get("sleep", 0))
    return {{"version": VERSION}}
"""


def rewrite(path: Path, source: str) -> None:
    path.write_text(textwrap.dedent(source))


def test_reload_swaps_to_the_new_code(write_project, serve):
    score = write_project(VERSIONED.format(version=1))
    server = serve(score)
    assert server.score({}).json() == {"version": 1}
    rewrite(score, VERSIONED.format(version=2))
    result = server.reload()
    assert result["ok"] is True
    assert result["generation"] == 2
    assert result["error"] is None
    assert result["duration_ms"] >= 0
    answer = server.score({})
    assert answer.json() == {"version": 2}
    assert answer.header("x-debugkit-generation") == "2"
    status = server.status()
    assert status["generation"] == 2
    assert status["reloads"] == 1
    assert "reloaded, generation 2" in server.log


def test_syntax_error_keeps_the_last_good_generation(write_project, serve):
    score = write_project(VERSIONED.format(version=1))
    server = serve(score)
    rewrite(score, "def init():\n    pass\n\ndef run(data)\n    return 1\n")
    result = server.reload()
    assert result["ok"] is False
    assert result["generation"] == 1
    error = result["error"]
    assert error["type"] == "SyntaxError"
    assert error["file"] == "score.py"
    assert error["line"] == 4
    assert error["column"] is not None
    answer = server.score({})
    assert answer.status == 200
    assert answer.json() == {"version": 1}
    assert answer.header("x-debugkit-generation") == "1"
    status = server.status()
    assert status["state"] == "ready"
    assert status["last_error"]["type"] == "SyntaxError"
    assert "score.py:4:" in server.log


def test_failing_init_on_reload_keeps_the_last_good_generation(write_project, serve):
    score = write_project(VERSIONED.format(version=1))
    server = serve(score)
    rewrite(
        score, "def init():\n    raise RuntimeError('no model')\n\ndef run(data):\n    return 2\n"
    )
    result = server.reload()
    assert result["ok"] is False
    assert result["error"]["type"] == "RuntimeError"
    assert result["error"]["line"] == 2
    assert server.score({}).json() == {"version": 1}


def test_reload_from_init_failed_to_ready(write_project, serve):
    score = write_project(
        "def init():\n    raise RuntimeError('broken')\n\ndef run(data):\n    return 1\n"
    )
    server = serve(score)
    assert server.status()["state"] == "init_failed"
    assert server.status()["generation"] == 0
    rewrite(score, VERSIONED.format(version=7))
    result = server.reload()
    assert result["ok"] is True
    assert result["generation"] == 1
    status = server.status()
    assert status["state"] == "ready"
    assert status["last_error"] is None
    assert server.get("/").status == 200
    assert server.score({}).json() == {"version": 7}


USES_HELPER = """
import utils

def init():
    pass

def run(data):
    return {"answer": utils.answer()}
"""


def test_helper_module_changes_take_effect(write_project, serve):
    score = write_project(USES_HELPER, **{"utils.py": "def answer():\n    return 1\n"})
    helper = score.parent / "utils.py"
    server = serve(score)
    assert server.score({}).json() == {"answer": 1}
    helper.write_text("def answer():\n    return 2\n")
    assert server.reload()["ok"] is True
    assert server.score({}).json() == {"answer": 2}


def test_failed_reload_restores_helper_modules(write_project, serve):
    score = write_project(USES_HELPER, **{"utils.py": "def answer():\n    return 1\n"})
    helper = score.parent / "utils.py"
    server = serve(score)
    helper.write_text("def answer(:\n")
    result = server.reload()
    assert result["ok"] is False
    assert result["error"]["file"] == "utils.py"
    assert server.score({}).json() == {"answer": 1}


def test_in_flight_request_finishes_on_its_generation(write_project, serve):
    score = write_project(VERSIONED.format(version=1))
    server = serve(score, max_concurrent=0)
    results = {}

    def slow_request():
        results["slow"] = server.score({"sleep": 1.5})

    worker = threading.Thread(target=slow_request)
    worker.start()
    # Wait until the slow request is really running on generation 1.
    for _ in range(100):
        if server.status()["in_flight"] >= 1:
            break
        threading.Event().wait(0.02)
    rewrite(score, VERSIONED.format(version=2))
    assert server.reload()["ok"] is True
    worker.join(10)
    slow = results["slow"]
    assert slow.status == 200
    assert slow.json() == {"version": 1}
    assert slow.header("x-debugkit-generation") == "1"
    fresh = server.score({})
    assert fresh.json() == {"version": 2}
    assert fresh.header("x-debugkit-generation") == "2"


def test_missing_run_is_reported_as_init_failed(write_project, serve):
    server = serve(write_project("def init():\n    pass\n"))
    status = server.status()
    assert status["state"] == "init_failed"
    assert "does not have a run() function" in status["last_error"]["message"]


SCHEMA_SCORE = """
from inference_schema.parameter_types.standard_py_parameter_type import (
    StandardPythonParameterType,
)
from inference_schema.schema_decorators import input_schema, output_schema


def init():
    pass


@input_schema("{param}", StandardPythonParameterType([1.0]))
@output_schema(StandardPythonParameterType({{"n": 1}}))
def run({param}):
    return {{"n": len({param})}}
"""


def test_schema_decorated_script_reloads_with_its_new_schema(write_project, serve):
    score = write_project(SCHEMA_SCORE.format(param="data"))
    server = serve(score)
    assert server.score({"data": [1, 2]}).json() == {"n": 2}
    rewrite(score, SCHEMA_SCORE.format(param="values"))
    result = server.reload()
    assert result["ok"] is True, result
    assert server.score({"values": [1, 2, 3]}).json() == {"n": 3}
    assert server.score({"data": [1]}).status == 400
    properties = server.get("/swagger.json").json()["definitions"]["ServiceInput"]["properties"]
    assert list(properties) == ["values"]


def test_failed_reload_of_a_schema_script_keeps_the_old_schema(write_project, serve):
    score = write_project(SCHEMA_SCORE.format(param="data"))
    server = serve(score)
    rewrite(score, SCHEMA_SCORE.format(param="values") + "\nraise RuntimeError('late')\n")
    assert server.reload()["ok"] is False
    assert server.score({"data": [1, 2]}).json() == {"n": 2}
    properties = server.get("/swagger.json").json()["definitions"]["ServiceInput"]["properties"]
    assert list(properties) == ["data"]


def test_a_stale_pyc_with_matching_mtime_and_size_is_never_used(write_project, serve):
    """A .pyc from a local run matches an edit of the same size in the same second."""
    import importlib.util
    import os
    import py_compile

    score = write_project(
        """
        import helper

        VERSION = 1

        def init():
            pass

        def run(data):
            return {"version": VERSION, "helper": helper.VERSION}
        """
    )
    helper = score.parent / "helper.py"
    helper.write_text("VERSION = 1\n")
    for path in (score, helper):
        py_compile.compile(str(path), cfile=importlib.util.cache_from_source(str(path)))
        stat = path.stat()
        path.write_text(path.read_text().replace("VERSION = 1", "VERSION = 2"))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    server = serve(score)
    assert server.score({}).json() == {"version": 2, "helper": 2}
