"""Azure ML's run() contract details: request_headers, GET input, form bodies, return
values (JSON, AMLResponse, @rawhttp)."""

from __future__ import annotations


def test_request_headers_parameter_receives_the_headers(write_project, serve):
    server = serve(
        write_project(
            """
            def init():
                pass

            def run(data, request_headers):
                return {"data": data, "custom": request_headers.get("X-Custom")}
            """
        )
    )
    result = server.score("hello", headers={"X-Custom": "yes", "Content-Type": "text/plain"})
    assert result.json() == {"data": "hello", "custom": "yes"}


def test_get_score_passes_query_parameters_as_a_json_string(write_project, serve):
    server = serve(
        write_project(
            """
            import json

            def init():
                pass

            def run(data):
                return json.loads(data)
            """
        )
    )
    result = server.get("/score?a=1&b=x&b=y")
    assert result.status == 200
    assert result.json() == {"a": 1, "b": ["x", "y"]}


def test_form_encoded_body_reaches_run_as_empty_string(write_project, serve):
    server = serve(
        write_project(
            """
            def init():
                pass

            def run(data):
                return {"data": data}
            """
        )
    )
    form = server.score(b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.json() == {"data": ""}


def test_return_values_are_serialised_as_json(write_project, serve):
    server = serve(
        write_project(
            """
            import json

            def init():
                pass

            def run(data):
                kind = json.loads(data)["kind"]
                if kind == "str":
                    return "text"
                if kind == "none":
                    return None
                if kind == "set":
                    return {1, 2}
                return [1, 2.5, "x"]
            """
        )
    )
    text = server.score({"kind": "str"})
    assert text.status == 200
    assert text.json() == "text"
    assert text.header("Content-Type") == "application/json"
    assert server.score({"kind": "none"}).json() is None
    assert server.score({"kind": "list"}).json() == [1, 2.5, "x"]
    unserialisable = server.score({"kind": "set"})
    assert unserialisable.status == 502
    message = unserialisable.json()["message"]
    assert message.startswith("run() returned a set, which JSON cannot encode")
    assert unserialisable.json()["error"]["file"] == "score.py"


def test_rawhttp_and_amlresponse_from_azureml_contrib(write_project, serve):
    server = serve(
        write_project(
            """
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == "GET":
                    return AMLResponse("only POST", 418)
                body = request.get_data(as_text=True)
                return AMLResponse(body.upper(), 201, {"Content-Type": "text/plain", "X-Extra": "a, b"})
            """
        )
    )
    assert server.status()["input_mode"] == "rawhttp"
    result = server.score("hello", headers={"Content-Type": "text/plain"})
    assert result.status == 201
    assert result.text == "HELLO"
    assert result.header("X-Extra") in ("a", "b", "a, b")  # sent as repeated headers
    assert result.header("x-debugkit-generation") == "1"
    assert server.get("/score").status == 418


def test_undecorated_swagger_matches_azmlinfsrv(write_project, serve):
    server = serve(
        write_project(
            """
            def init():
                pass

            def run(data):
                return data
            """
        )
    )
    swagger = server.get("/swagger.json").json()
    assert swagger["definitions"]["ServiceInput"] == {"type": "object", "example": {}}
    assert "/score" in swagger["paths"]
    assert server.get("/swagger.json?version=3.1").json()["openapi"] == "3.1.0"


def test_options_score_is_200(write_project, serve):
    server = serve(write_project("def init():\n    pass\n\ndef run(data):\n    return 1\n"))
    assert server.request("OPTIONS", "/score").status == 200


def test_rawhttp_from_azureml_inference_server_http(write_project, serve):
    server = serve(
        write_project(
            """
            from azureml_inference_server_http.api.aml_request import rawhttp
            from azureml_inference_server_http.api.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                return AMLResponse({"method": request.method}, 200, json_str=True)
            """
        )
    )
    result = server.score("x", headers={"Content-Type": "text/plain"})
    assert result.status == 200
    assert result.json() == {"method": "POST"}
