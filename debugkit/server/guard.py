"""Who may use the debug routes (``/debugkit/*``): pages in the user's browser may not.

* DNS rebinding: a page whose name resolves to 127.0.0.1 can read same-origin answers,
  but its requests carry its own name in ``Host``. Only loopback names are accepted.
* Cross-site requests: any page can send a "simple" request (a form POST, ``text/plain``)
  without asking. A state-changing route needs a header a page cannot send without a
  CORS preflight, which this server never grants: ``X-Debugkit-Client`` or a JSON body type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Optional

DEBUG_PREFIX = "/debugkit/"
CLIENT_HEADER = "X-Debugkit-Client"  # any value; debugkit's own clients send "1"
# 0.0.0.0 and [::]: what clients use for a server bound to every address (deployment.host);
# no rebinding page can put them in Host (that takes a name the attacker owns)
_LOOPBACK_HOST = re.compile(
    r"^(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0|\[::\])(:\d{1,5})?$", re.IGNORECASE
)
_SAFE_METHODS = ("GET", "HEAD")


def is_loopback_host(host: Optional[str]) -> bool:
    return bool(host) and _LOOPBACK_HOST.match(host.strip()) is not None  # type: ignore[union-attr]


def refusal(
    method: str, path: str, host: Optional[str], headers: Mapping[str, str]
) -> Optional[str]:
    """Why a request to a debug route is refused, or None. ``headers``: looked up by
    lower-cased name (werkzeug's request headers ignore case)."""
    if not path.startswith(DEBUG_PREFIX):
        return None
    if not is_loopback_host(host):
        return (
            "The debug routes answer only requests addressed to localhost, 127.0.0.1 or "
            "[::1] (this one was addressed to another host name, as a DNS rebinding page does)."
        )
    if method.upper() in _SAFE_METHODS:
        return None
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if CLIENT_HEADER.lower() in headers or content_type == "application/json":
        return None
    return (
        f"A {method.upper()} to a debug route needs the header {CLIENT_HEADER}: 1 or "
        "Content-Type: application/json, which a web page cannot send to this server."
    )
