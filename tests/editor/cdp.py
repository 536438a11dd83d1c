"""A small Chrome DevTools Protocol client: enough to drive VS Code (code-server) in headless
Chromium by keys and read the page back (the DOM is the only truth a user sees)."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional

import websocket

# Input.dispatchKeyEvent needs the key, its code and the Windows virtual key code.
_KEYS = {
    "Enter": ("Enter", 13),
    "Escape": ("Escape", 27),
    "Backspace": ("Backspace", 8),
    "Tab": ("Tab", 9),
    "End": ("End", 35),
    "Home": ("Home", 36),
    "F1": ("F1", 112),
    "F5": ("F5", 116),
    "F9": ("F9", 120),
    "ArrowDown": ("ArrowDown", 40),
    "ArrowUp": ("ArrowUp", 38),
    ".": ("Period", 190),
    ",": ("Comma", 188),
    "`": ("Backquote", 192),
}
_MODIFIERS = {"Alt": 1, "Ctrl": 2, "Meta": 4, "Shift": 8}


class CdpError(AssertionError):
    pass


def new_tab(debug_port: int, url: str = "about:blank") -> str:
    """Open a tab; its websocket URL. (A fresh tab per window: a dirty editor's beforeunload
    prompt can hang a navigation without the protocol reporting a dialog.)"""
    request = urllib.request.Request(f"http://127.0.0.1:{debug_port}/json/new?{url}", method="PUT")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["webSocketDebuggerUrl"]


class Page:
    def __init__(self, ws_url: str, timeout: float = 30.0) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Page.close")
        self.ws.close()

    def send(self, method: str, params: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        message_id = next(self._ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise CdpError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise CdpError(f"{expression[:200]}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})

    def wait_for(
        self,
        expression: str,
        timeout: float = 30.0,
        what: str = "",
        check: Optional[Callable[[Any], bool]] = None,
    ) -> Any:
        """Poll a JS expression until it is truthy (or ``check`` accepts it); its value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except CdpError:
                value = None
            if check(value) if check else value:
                return value
            time.sleep(0.1)
        raise AssertionError(
            f"timed out after {timeout:g} s waiting for {what or expression}; last: {value!r}"
        )

    # --- keyboard ---------------------------------------------------------------------------------

    def press(self, combo: str) -> None:
        """``Ctrl+Shift+M``, ``F1``, ``Enter``, ``Ctrl+.``."""
        *mods, key = combo.split("+") if combo != "+" else ["+"]
        modifiers = sum(_MODIFIERS[m] for m in mods)
        if key in _KEYS:
            code, vk = _KEYS[key]
            text = "\r" if key == "Enter" else ""
        else:
            code = f"Key{key.upper()}" if key.isalpha() else f"Digit{key}"
            vk = ord(key.upper())
            text = key if not modifiers or modifiers == _MODIFIERS["Shift"] else ""
        base = {"modifiers": modifiers, "key": key, "code": code, "windowsVirtualKeyCode": vk}
        self.send(
            "Input.dispatchKeyEvent",
            {
                "type": "keyDown",
                **base,
                **({"text": text} if text else {}),
            },
        )
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **base})

    def click(self, expression: str) -> None:
        """Click the middle of the element ``expression`` evaluates to (real mouse events,
        which VS Code's lists listen to)."""
        box = self.evaluate(
            f"(() => {{ const e = {expression}; if (!e) return null;"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        if not box:
            raise CdpError(f"nothing to click: {expression}")
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
            )

    def type(self, text: str) -> None:
        self.send("Input.insertText", {"text": text})

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
