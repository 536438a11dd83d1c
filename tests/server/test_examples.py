"""Each example project, served as a deployment would serve it."""

from __future__ import annotations

from tests.helpers import start_example


def test_sklearn_model_predicts(tmp_path):
    with start_example("sklearn-model", tmp_path) as server:
        assert server.status()["state"] == "ready"
        result = server.score({"data": [[1, 2], [3, 4]]})
        assert result.status == 200, result.text
        prediction = result.json()["prediction"]
        assert [round(p, 6) for p in prediction] == [0.0, 2.0]


def test_get_model_path_example_resolves_through_the_shim(tmp_path):
    with start_example("get-model-path", tmp_path) as server:
        assert server.status()["state"] == "ready", server.log
        result = server.score({"data": [1, 2]})
        assert result.status == 200
        assert result.json() == {"result": [2.5, 4.5]}
        # The stand-in logs each candidate path at DEBUG level.
        assert "azureml-models/my-best-model" in server.log


def test_inference_schema_example_parses_input_and_serves_swagger(tmp_path):
    with start_example("inference-schema", tmp_path) as server:
        ok = server.score({"data": [1, 2, 3]})
        assert ok.status == 200
        assert ok.json() == {"total": 6.0, "count": 3}
        missing = server.score({"other": 1})
        assert missing.status == 400
        assert "'data'" in missing.json()["message"]
        malformed = server.score("{not json")
        assert malformed.status == 400
        assert "could not be decoded as JSON" in malformed.json()["message"]
        not_dict = server.score([1, 2])
        assert not_dict.status == 400
        wrong_type = server.score('{"data": [1]}', headers={"Content-Type": "text/plain"})
        assert wrong_type.status == 415
        swagger = server.get("/swagger.json").json()
        assert swagger["swagger"] == "2.0"
        assert swagger["definitions"]["ServiceInput"]["properties"]["data"]["type"] == "array"
        v3 = server.get("/swagger.json?version=3").json()
        assert v3["openapi"] == "3.0.3"
        assert server.get("/swagger.json?version=7").status == 404


def test_init_crash_example_stays_up_in_init_failed(tmp_path):
    with start_example("init-crash", tmp_path) as server:
        status = server.status()
        assert status["state"] == "init_failed"
        error = status["last_error"]
        assert error["type"] == "KeyError"
        assert error["file"] == "score.py"
        assert error["line"] == 8
        assert "SCORING_THRESHOLD" in error["traceback"]
        assert server.get("/").status == 503
        score = server.score({"a": 1})
        assert score.status == 503
        assert score.json()["error"]["line"] == 8
        assert "score.py:8: error: KeyError: 'SCORING_THRESHOLD'" in server.log


def test_init_crash_example_recovers_when_the_cause_is_fixed(tmp_path):
    with start_example("init-crash", tmp_path, env={"SCORING_THRESHOLD": "0.5"}) as server:
        assert server.status()["state"] == "ready"
        assert server.score({}).json() == {"threshold": 0.5}


def test_misspelt_model_example_fails_and_model_path_suggests_the_name(tmp_path):
    with start_example("misspelt-model", tmp_path) as server:
        status = server.status()
        assert status["state"] == "init_failed"
        assert status["last_error"]["type"] == "ModelNotFoundException"
        assert "Model price-modle not found in cache at" in status["last_error"]["message"]
        assert status["last_error"]["line"] == 12
        assert (
            "score.py:12: error: ModelNotFoundException: Model price-modle not found in cache"
            in server.log
        )
        answer = server.get("/debugkit/model-path?name=price-modle").json()
        assert answer["resolved"] is None
        assert answer["suggestion"] == "price-model"
        assert "price-model" in answer["diagnosis"]
        right = server.get("/debugkit/model-path?name=price-model").json()
        assert right["resolved"].endswith("azureml-models/price-model/1/prices.json")
        assert right["exists"] is True


def test_slow_run_example_times_out_with_504_and_logs_the_stack(tmp_path):
    with start_example("slow-run", tmp_path) as server:
        assert server.status()["limits"]["request_timeout_s"] == 2
        slow = server.score({"seconds": 30})
        assert slow.status == 504
        assert "Scoring timeout after 2000 ms" in slow.json()["message"]
        log = server.wait_for_log("exceeded the request timeout")
        assert "score.py:1" in log.split("exceeded the request timeout", 1)[1]
        # The stuck run() is stopped, so the slot frees and the next request is served.
        server.wait_for_log("was stopped")
        fast = server.score({"seconds": 0.05})
        assert fast.status == 200
        assert fast.json() == {"slept": 0.05}


def test_inference_schema_example_reloads(tmp_path):
    with start_example("inference-schema", tmp_path) as server:
        assert server.reload()["ok"] is True
        assert server.status()["input_mode"] == "schema"
        assert server.score({"data": [2, 2]}).json() == {"total": 4.0, "count": 2}
        assert server.score({"other": 1}).status == 400
        assert (
            "data"
            in server.get("/swagger.json").json()["definitions"]["ServiceInput"]["properties"]
        )
