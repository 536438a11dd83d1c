"""HTTP routes only: the Flask app built around an explicit ScoringService."""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
import uuid
from typing import Any, Callable, Optional

from flask import Flask, Response, copy_current_request_context, g, request
from werkzeug.exceptions import HTTPException

from debugkit.server import guard, keepinit, modelpath, returnsite, settingnames
from debugkit.server.azmlinfsrv import cors_headers
from debugkit.server.debugger import Debugger
from debugkit.server.errorinfo import ErrorInfo, describe_exception, display_path
from debugkit.server.framing import read_body_first
from debugkit.server.inputs import BadInput, UnsupportedInput, run_arguments
from debugkit.server.limits import (
    ADMITTED,
    REFUSED,
    AdmissionQueue,
    RunExecutor,
    RunOutcome,
)
from debugkit.server.loader import RAW_HTTP
from debugkit.server.options import ServerOptions
from debugkit.server.profiles import get_profile
from debugkit.server.recorder import Recorder
from debugkit.server.service import READY, STARTING, ScoringService
from debugkit.server.swagger import SwaggerError, build_swagger

logger = logging.getLogger("debugkit.server")
problems = logging.getLogger("debugkit.problems")

HEADER_LIMIT = 100
GENERIC_RUN_ERROR = "An unexpected error occurred in scoring script. Check the logs for more info."


def json_response(status: int, payload: Any, headers: Optional[dict[str, str]] = None) -> Response:
    response = Response(json.dumps(payload), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


# Polled, not called: debugkit's readiness wait (every 50 ms), status and watcher, editors'
# health checks. Logged, they were 88 of the 96 lines of a first `up` and buried the rest.
_POLLED_PATHS = ("/", "/debugkit/status")


def _logged(path: str, status: int) -> bool:
    """Whether a request gets an access-log line: not the polled routes' (unless they fail;
    ``/`` is the liveness probe, whose 503 while starting is the state, not news)."""
    if path == "/":
        return False
    return not (path in _POLLED_PATHS and status < 400)


class ScoringApp:
    """Wires the service, limits and debugger into Flask routes."""

    def __init__(
        self,
        options: ServerOptions,
        service: ScoringService,
        debugger: Optional[Debugger] = None,
    ) -> None:
        self.options = options
        self.service = service
        self.debugger = debugger or Debugger()
        self.profile = get_profile(options.target)
        self.limiter = AdmissionQueue(
            options.max_concurrent, self.profile.pending_factor * options.max_concurrent
        )
        # aks: max_request_wait_time (0: refused at once); managed: a waiting request is
        # bounded by its timeout (0: no timeout, so no bound)
        self.max_wait_s: Optional[float] = (
            (options.request_timeout_s or None)
            if self.profile.pending_factor
            else options.max_wait_s
        )
        self.executor = RunExecutor(
            options.request_timeout_s,
            options.source_dir,
            before_run=self.debugger.trace_current_thread,
            timeout_status=self.profile.timeout_status,
        )
        self.started_at = time.time()
        # never in production mode: recorded bodies are user data
        self.recorder = None if options.production else Recorder(options.record_requests)

    # -- helpers ---------------------------------------------------------------

    def _error_body(self, message: str, info: Any = None) -> dict[str, Any]:
        if self.options.production or info is None:
            return {"message": message}
        return {"message": message, "error": info.to_dict()}

    def _not_ready_response(self) -> Response:
        headers = {"Retry-After": "1", "x-debugkit-generation": "0"}
        if self.service.state == STARTING:
            return json_response(
                503,
                {"message": "The scoring service is starting: init() has not finished yet."},
                headers,
            )
        info = self.service.last_error
        detail = f" {info.type}: {info.message}" if info and not self.options.production else ""
        return json_response(
            503,
            self._error_body(f"The scoring service is unavailable: init() failed.{detail}", info),
            headers,
        )

    # -- routes ----------------------------------------------------------------

    def health(self) -> Response:
        if self.service.state == READY:
            return Response("Healthy", status=200, mimetype="text/html")
        return self._not_ready_response()

    def score(self) -> Response:
        current = self.service.current
        if request.method == "OPTIONS" and (current is None or current.input_mode != RAW_HTTP):
            return Response("", status=200)  # a @rawhttp run() answers OPTIONS itself
        if self.service.state != READY or self.service.current is None:
            # read by 'debugkit logs' (diagnose.py): a 503 of run()'s own looks the same
            logger.warning(
                "debugkit: 503 for request %s: %s",
                g.request_id,
                "init() has not finished" if self.service.state == STARTING else "init() failed",
            )
            return self._not_ready_response()
        admission = self.limiter.acquire(self.max_wait_s)
        if admission != ADMITTED:
            return self._over_capacity(admission)
        handed_over = False
        try:
            with self.service.use_generation() as generation:
                headers = {"x-debugkit-generation": str(generation.number)}
                try:
                    kwargs = run_arguments(generation, request)
                except BadInput as exc:
                    return self._as_front_end(json_response(400, {"message": str(exc)}, headers))
                except UnsupportedInput as exc:
                    return self._as_front_end(json_response(415, {"message": str(exc)}, headers))
                request_headers = dict(request.headers)
                sites = returnsite.sites()
                returned: dict[str, Any] = {}

                def call() -> Any:
                    sites.start(generation.run)
                    value = generation.call_run(kwargs, request_headers)
                    returned["site"] = sites.recorded()  # for a value JSON cannot encode
                    return value

                if generation.input_mode == RAW_HTTP:
                    # @rawhttp code may use flask.request too: give the worker the context.
                    call = copy_current_request_context(call)
                handed_over = True
                outcome = self.executor.execute(
                    call,
                    self.limiter.release,
                    g.request_id,
                    what=f"generation {generation.number}",
                )
                return self._run_response(
                    outcome, headers, lambda: returnsite.where(generation.run, returned.get("site"))
                )
        finally:
            if not handed_over:
                self.limiter.release()

    def _over_capacity(self, admission: str) -> Response:
        headers = {"Retry-After": "1", "x-debugkit-generation": str(self.service.generation_number)}
        if admission == REFUSED or not self.profile.pending_factor:
            message = self.profile.over_capacity_message(
                self.options.max_concurrent,
                settingnames.names_for(self.options.settings_format)
                if self.options.settings_format
                else None,
            )
            stuck = self.executor.stuck_runs()
            if stuck and not self.options.production:
                message += (
                    " Slots are held by a run() that timed out (504) and has not returned yet "
                    "(code blocked in C cannot be stopped): " + "; ".join(stuck) + "."
                )
            # read by 'debugkit logs' (diagnose.py): the access line alone does not say why
            logger.warning(
                "debugkit: %d for request %s: %s",
                self.profile.over_capacity_status,
                g.request_id,
                message,
            )
            return json_response(self.profile.over_capacity_status, {"message": message}, headers)
        # managed: waited for a slot for the whole request timeout
        timeout_ms = int(self.options.request_timeout_s * 1000)
        return json_response(
            self.profile.timeout_status,
            {"message": f"Request timeout after {timeout_ms} ms waiting for a free slot"},
            headers,
        )

    def _as_front_end(self, response: Response) -> Response:
        """The managed endpoint answers any non-2xx of the container as 424 Model Error,
        naming the container's status in headers; the body (with debug details) stays."""
        status = response.status_code
        if not self.profile.wraps_model_errors or 200 <= status < 300:
            return response
        for key, value in self.profile.model_error_headers(status).items():
            response.headers[key] = value
        response.status_code = self.profile.run_failed_status
        return response

    def _run_response(
        self,
        outcome: RunOutcome,
        headers: dict[str, str],
        return_site: Callable[[], Optional[returnsite.ReturnSite]] = lambda: None,
    ) -> Response:
        headers["x-ms-run-fn-exec-ms"] = f"{outcome.elapsed_ms:.3f}"
        if outcome.timed_out:
            headers["x-ms-run-function-failed"] = "True"
            timeout_ms = int(self.options.request_timeout_s * 1000)
            payload: dict[str, Any] = {"message": f"Scoring timeout after {timeout_ms} ms"}
            if not self.options.production:
                payload["stack"] = outcome.stack  # where run() was when the timeout fired
            return json_response(self.profile.timeout_status, payload, headers)
        if outcome.error is not None:
            return self._run_failed(outcome.error, headers)
        value = outcome.value
        if isinstance(value, Response):  # AMLResponse or a flask.Response
            if value.status_code >= 500:
                value.headers["x-ms-run-function-failed"] = "True"
            for key, header_value in headers.items():
                value.headers[key] = header_value
            return self._as_front_end(value)
        try:
            body = json.dumps(value)
        except (TypeError, ValueError) as exc:
            return self._not_encodable(value, exc, headers, return_site())
        if not self.options.production and ("NaN" in body or "Infinity" in body):
            _warn_if_not_strict_json(value)
        response = Response(body, status=200, mimetype="application/json")
        response.headers["x-ms-run-function-failed"] = "False"
        for key, header_value in headers.items():
            response.headers[key] = header_value
        return response

    def _run_failed(self, error: BaseException, headers: dict[str, str]) -> Response:
        info = describe_exception(error, self.options.source_dir)
        problems.error(info.location_line())
        logger.error("run() raised (request %s):\n%s", g.request_id, info.traceback.rstrip())
        return self._failed_response(info, f"run() raised {info.type}: {info.message}", headers)

    def _not_encodable(
        self,
        value: Any,
        problem: BaseException,
        headers: dict[str, str],
        site: Optional[returnsite.ReturnSite],
    ) -> Response:
        """run() returned normally, with a value JSON cannot encode: name its return."""
        message = returnsite.describe_value(value, problem)
        if site is not None and not site.exact:
            message += f" (run() returns at lines {', '.join(map(str, site.lines))})"
        info = ErrorInfo(
            type=type(problem).__name__,
            message=message,
            traceback="",
            file=display_path(site.file, self.options.source_dir) if site else None,
            line=site.lines[0] if site else None,
        )
        problems.error(info.location_line())
        logger.error("%s (request %s)", message, g.request_id)
        return self._failed_response(info, message, headers)

    def _failed_response(self, info: ErrorInfo, message: str, headers: dict[str, str]) -> Response:
        headers["x-ms-run-function-failed"] = "True"
        if self.profile.wraps_model_errors:
            headers.update(self.profile.model_error_headers(500))  # what the container answered
        status = self.profile.run_failed_status
        if self.options.production:
            return json_response(status, {"message": GENERIC_RUN_ERROR}, headers)
        return json_response(status, {"message": message, "error": info.to_dict()}, headers)

    def swagger(self) -> Response:
        generation = self.service.current
        if generation is None:
            return self._not_ready_response()
        try:
            spec = build_swagger(
                generation.run, request.args.get("version"), self.options.source_dir
            )
        except SwaggerError as exc:
            return json_response(404, {"message": str(exc)})
        # a header, not a key in the spec: the body stays byte for byte azmlinfsrv's
        return json_response(200, spec, {"x-debugkit-target": self.profile.name})

    def status(self) -> Response:
        info = self.service.last_error
        last = self.service.last_reload
        current = self.service.current
        return json_response(
            200,
            {
                "state": self.service.state,
                "generation": self.service.generation_number,
                "entry_script": self.options.entry_script,
                "source_dir": self.options.source_dir,
                "model_dir": os.environ.get("AZUREML_MODEL_DIR"),
                "last_error": info.to_dict() if info else None,
                "debugger": self.debugger.status(),
                "reloads": self.service.reload_count,
                "init_threads_left": self.service.init_threads_left(),
                "last_reload": last.to_dict() if last else None,
                "in_flight": current.in_flight if current else 0,
                "busy_workers": self.limiter.busy,
                "input_mode": current.input_mode if current else None,
                "target": self.profile.name,
                "waiting": self.limiter.waiting,
                "limits": {
                    "request_timeout_s": self.options.request_timeout_s,
                    "max_concurrent": self.options.max_concurrent,
                    "max_wait_s": self.max_wait_s,
                    "max_body_mb": self.options.max_body_mb,
                },
                "pid": os.getpid(),
                "uptime_s": round(time.time() - self.started_at, 3),
            },
        )

    def reload(self) -> Response:
        mode = request.args.get("init", keepinit.AUTO)
        if mode not in (keepinit.AUTO, keepinit.ALWAYS):
            return json_response(400, {"message": f"init must be auto or always, not {mode!r}"})
        # the new module and init() are user code, run on the load's own thread
        result = self.service.reload(mode, before_load=self.debugger.trace_current_thread)
        return json_response(200, result.to_dict())

    def model_path(self) -> Response:
        name = request.args.get("name", "")
        raw_version = request.args.get("version")
        try:
            modelpath.check_safe_name(name)
        except modelpath.UnsafeName as exc:
            return json_response(400, {"message": str(exc)})
        version: Optional[int] = None
        if raw_version not in (None, ""):
            try:
                version = int(raw_version)
            except ValueError:
                return json_response(
                    400, {"message": f"version must be an integer, not {raw_version!r}"}
                )
        result = modelpath.diagnose(
            name, version, modelpath.models_root_from_env(), self.options.source_dir
        )
        return json_response(200, result)

    # -- request hooks ---------------------------------------------------------

    def before(self) -> Optional[Response]:
        g.started = time.perf_counter()
        refused = not self.options.production and guard.refusal(
            request.method,
            request.path,
            request.headers.get("Host"),
            request.headers,  # not copied: every request passes here, /score included
        )
        if refused:
            return json_response(403, {"message": refused})
        self.debugger.trace_current_thread(user_code=False)
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        g.request_id = request_id if len(request_id) <= HEADER_LIMIT else ""
        legacy = request.headers.get("x-ms-request-id", "")
        client = request.headers.get("x-ms-client-request-id", "")
        g.client_request_id = client or legacy
        g.legacy_request_id = legacy or client or g.request_id
        if not g.request_id:
            return json_response(
                431, {"message": f"x-request-id must not exceed {HEADER_LIMIT} characters"}
            )
        if len(g.legacy_request_id) > HEADER_LIMIT or len(g.client_request_id) > HEADER_LIMIT:
            g.legacy_request_id = g.client_request_id = ""
            return json_response(
                431,
                {
                    "message": "x-ms-request-id and x-ms-client-request-id must not exceed "
                    f"{HEADER_LIMIT} characters"
                },
            )
        return None

    def after(self, response: Response) -> Response:
        if self.options.server_version:
            response.headers["x-ms-server-version"] = self.options.server_version
        trace_id = request.headers.get("TraceId")  # Office services' tracing field
        if trace_id is not None:  # echoed, as azmlinfsrv does
            response.headers["TraceId"] = trace_id
        # never grant pages the debug routes
        if self.options.cors_origins and not request.path.startswith(guard.DEBUG_PREFIX):
            for key, value in cors_headers(
                self.options.cors_origins, request.headers, request.method
            ).items():
                response.headers[key] = value
        if request.path == "/score" and "x-debugkit-generation" not in response.headers:
            response.headers["x-debugkit-generation"] = str(self.service.generation_number)
        if getattr(g, "request_id", ""):
            response.headers["x-request-id"] = g.request_id
        if getattr(g, "legacy_request_id", ""):
            response.headers["x-ms-request-id"] = g.legacy_request_id
        if getattr(g, "client_request_id", ""):
            response.headers["x-ms-client-request-id"] = g.client_request_id
        if self.recorder is not None and request.path == "/score" and request.method != "OPTIONS":
            self._record(response)
        if _logged(request.path, response.status_code) and logger.isEnabledFor(logging.INFO):
            elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
            logger.info(
                "%s %s %d %.3fms", request.method, request.path, response.status_code, elapsed
            )
        return response

    def _record(self, response: Response) -> None:
        assert self.recorder is not None
        try:
            # what run() was given (cached by then); a refused body (413) is not read
            body = b"" if response.status_code == 413 else request.get_data(cache=True)
        except Exception:
            body = b""
        query = request.query_string.decode("latin-1")
        self.recorder.add(
            method=request.method,
            path=request.path + (f"?{query}" if query else ""),
            headers=dict(request.headers),
            body=body,
            status=response.status_code,
            duration_ms=(time.perf_counter() - g.get("started", time.perf_counter())) * 1000,
            generation=int(response.headers.get("x-debugkit-generation") or 0),
            answer=b"" if response.direct_passthrough else response.get_data(),
            answer_type=response.mimetype or "",
        )

    def requests(self) -> Response:
        """The recorded /score requests after ``?since=ID`` (``debugkit requests``/``replay``)."""
        try:
            since = int(request.args.get("since", "0"))
        except ValueError:
            return json_response(400, {"message": "since must be a request id (an integer)"})
        recorder = self.recorder
        return json_response(
            200,
            {
                "server": f"{os.getpid()}-{self.started_at}",
                "limit": recorder.limit if recorder else 0,
                "requests": recorder.since(since) if recorder else [],
            },
        )

    def http_error(self, exc: HTTPException) -> Response:
        if exc.code == 413:
            return self.too_large()
        return json_response(exc.code or 500, {"message": exc.description})

    def too_large(self) -> Response:
        message = f"Request body is larger than the limit of {self.options.max_body_mb:g} MB"
        # the rest of an unread body is still on the connection: it cannot be reused
        return json_response(
            413, {"message": message + " (--max-body-mb)."}, {"Connection": "close"}
        )

    def unexpected_error(self, exc: Exception) -> Response:
        logger.error("Encountered Exception: %s", traceback.format_exc())
        return json_response(
            500, {"message": "An unexpected internal error occurred. Check the logs for more info."}
        )


def _warn_if_not_strict_json(value: Any) -> None:
    """NaN and Infinity are sent as the bare words Python's json writes, as azmlinfsrv does
    (json.dumps), so clients see what the deployment sends; but JSON has no such values and
    strict parsers (JavaScript's JSON.parse, Go, Java's Jackson by default) refuse the body."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        logger.warning(
            "debugkit: run() returned NaN or Infinity (request %s): sent as the bare words "
            "NaN/Infinity, as azmlinfsrv does, which is not valid JSON; strict clients "
            "(JavaScript's JSON.parse) will fail to read it. Return None or a string instead",
            g.request_id,
        )


def create_app(
    options: ServerOptions, service: ScoringService, debugger: Optional[Debugger] = None
) -> Flask:
    scoring = ScoringApp(options, service, debugger)
    app = Flask("debugkit.server")
    app.config["MAX_CONTENT_LENGTH"] = options.max_body_bytes
    app.wsgi_app = read_body_first(  # type: ignore[method-assign]
        app.wsgi_app, options.max_body_bytes, scoring.too_large
    )
    app.extensions["debugkit"] = scoring
    app.before_request(scoring.before)
    app.after_request(scoring.after)
    app.register_error_handler(HTTPException, scoring.http_error)
    app.register_error_handler(Exception, scoring.unexpected_error)
    app.add_url_rule("/", "health", scoring.health, methods=["GET"])
    app.add_url_rule(
        "/score",
        "score",
        scoring.score,
        methods=["GET", "POST", "OPTIONS"],
        provide_automatic_options=False,
    )
    app.add_url_rule("/swagger.json", "swagger", scoring.swagger, methods=["GET"])
    if not options.production:
        app.add_url_rule("/debugkit/status", "status", scoring.status, methods=["GET"])
        app.add_url_rule("/debugkit/reload", "reload", scoring.reload, methods=["POST"])
        app.add_url_rule("/debugkit/model-path", "model_path", scoring.model_path, methods=["GET"])
        app.add_url_rule("/debugkit/requests", "requests", scoring.requests, methods=["GET"])
    return app
