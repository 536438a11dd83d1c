"""The server's settings, parsed from its fixed command line (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class ServerOptions:
    entry_script: str  # absolute
    source_dir: str  # absolute
    model_dir: Optional[str] = None
    host: str = "127.0.0.1"
    port: int = 8890
    debug_port: Optional[int] = None
    debug_host: str = "127.0.0.1"
    wait_for_debugger: bool = False
    production: bool = False
    request_timeout_s: float = 60.0
    max_concurrent: int = 1  # 0 = unlimited
    max_body_mb: float = 100.0
    record_requests: int = 50  # the last N /score requests kept for replay (debug mode only)
    target: str = "aks"  # front-end profile (debugkit/server/profiles.py)
    max_wait_s: float = 0.5  # aks: how long a request over max_concurrent waits, then 503
    cors_origins: tuple[str, ...] = ()  # AML_CORS_ORIGINS ("*" = any)
    server_version: Optional[str] = None  # the x-ms-server-version header; None: not sent
    # whose key names messages use (debugkit/server/settingnames.py); None: Azure ML's
    settings_format: Optional[str] = None

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)
