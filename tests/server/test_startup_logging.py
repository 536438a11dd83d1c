"""The server's logging set-up (debugkit/server/startup.py): what reaches the log."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.helpers import REPO_ROOT

# what azureml-core 1.61's Model.get_model_path logs at DEBUG outside a submitted run
# (azureml/core/model.py: module_logger.debug("RunEnvironmentException: {}".format(ee)) with
# the exception's multi-line str, then its path lookup lines)
AZUREML_CORE_LINES = """
import logging
from debugkit.server.startup import configure_logging

configure_logging(production=False)
log = logging.getLogger("azureml.core.model")
log.debug(
    "RunEnvironmentException: %s",
    "RunEnvironmentException:\\n\\tMessage: Could not load a submitted run, if outside of an "
    "execution context, use experiment.start_logging to initialize an azureml.core.Run.\\n"
    "\\tInnerException None\\n\\tErrorResponse \\n{\\n    \\"error\\": {\\n        \\"message\\": "
    "\\"Could not load a submitted run\\"\\n    }\\n}",
)
log.debug("Run is %s", "<azureml.core.run._OfflineRun object>")
log.debug("version is None. Latest version is 3")
log.debug("Found model path at /var/azureml-app/azureml-models/clf/3/model.pkl")
try:
    raise KeyError("x")
except KeyError:
    log.debug("lookup failed", exc_info=True)
log.warning("a warning with\\ntwo lines stays")
"""


def test_azureml_core_debug_traces_do_not_flood_the_log() -> None:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(AZUREML_CORE_LINES)],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(REPO_ROOT),
    ).stderr
    assert "Found model path at /var/azureml-app/azureml-models/clf/3/model.pkl" in out
    assert "Latest version is 3" in out
    assert "RunEnvironmentException" not in out and "ErrorResponse" not in out
    assert "Run is" not in out and "Traceback" not in out
    assert "a warning with\ntwo lines stays" in out
    assert len(out.splitlines()) == 4
