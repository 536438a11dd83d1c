"""The host's pip configuration, translated for a pip run inside an image build.

People behind TLS-intercepting proxies configure pip once on their machine (an
index mirror, trusted hosts, a CA bundle, proxy variables); image builds must
inherit that without hand edits. What only makes sense on the host (``file://``
indexes, local find-links folders) is dropped and said so at debug level.
"""

from __future__ import annotations

import configparser
import logging
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

# pip setting -> how it appears in ``pip config list`` (section.key) and the env
_LIST_KEYS = (
    "index-url",
    "extra-index-url",
    "trusted-host",
    "find-links",
    "proxy",
    "default-timeout",
)
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
_CA_ENV = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
CONTEXT_DIR = "pip"  # folder in the build context
IMAGE_DIR = "/tmp/debugkit-pip"  # where that folder is copied in the image


@dataclass(frozen=True)
class PipSettings:
    """What a pip run in the image needs: a pip.conf body, files to mount, proxy variables.

    All of it is mounted read-only into the install container, never copied into a layer
    (runtime/install.py): an index URL or a proxy URL may hold a password."""

    options: dict[str, str] = field(default_factory=dict)  # pip.conf [global] keys
    ca_bundle: Path | None = None
    constraint: Path | None = None
    proxies: dict[str, str] = field(default_factory=dict)

    def pip_conf(self) -> str:
        lines = ["[global]", "disable-pip-version-check = true", "no-cache-dir = true"]
        lines += [f"{key} = {value}" for key, value in sorted(self.options.items())]
        if self.ca_bundle:
            lines.append(f"cert = {IMAGE_DIR}/ca.pem")
        if self.constraint:
            lines.append(f"constraint = {IMAGE_DIR}/constraints.txt")
        return "\n".join(lines) + "\n"

    def env(self) -> dict[str, str]:
        """Variables for the pip steps only (never left in the image's config)."""
        env = {
            **self.proxies,
            "PIP_CONFIG_FILE": f"{IMAGE_DIR}/pip.conf",
            "PIP_BREAK_SYSTEM_PACKAGES": "1",  # Debian's python3 is "externally managed"
            "PIP_ROOT_USER_ACTION": "ignore",
        }
        if self.ca_bundle:
            bundle = f"{IMAGE_DIR}/ca.pem"
            env.update(REQUESTS_CA_BUNDLE=bundle, SSL_CERT_FILE=bundle, PIP_CERT=bundle)
        return env

    def install_script(self) -> str:
        """``sh pip-install.sh ARGS``: pip install with these settings, for one RUN step."""
        exports = "".join(f"export {k}={shell_quote(v)}\n" for k, v in sorted(self.env().items()))
        return f'set -e\n{exports}exec python3 -m pip install --no-input "$@"\n'

    def write(self, context: Path) -> str:
        """Write the pip folder into a build context; return a fingerprint of its content."""
        folder = context / CONTEXT_DIR
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "pip.conf").write_text(self.pip_conf())
        (folder / "pip-install.sh").write_text(self.install_script())
        parts = [self.pip_conf(), self.install_script(), repr(sorted(self.proxies.items()))]
        if self.ca_bundle:
            shutil.copyfile(self.ca_bundle, folder / "ca.pem")
            parts.append((folder / "ca.pem").read_text(errors="replace"))
        if self.constraint:
            shutil.copyfile(self.constraint, folder / "constraints.txt")
            parts.append((folder / "constraints.txt").read_text(errors="replace"))
        return "\n".join(parts)


def host_pip_settings(environ: dict[str, str] | None = None) -> PipSettings:
    """Read ``pip config list`` and the ``PIP_*`` / proxy variables of this machine."""
    env = dict(os.environ if environ is None else environ)
    config = _pip_config_list()
    values: dict[str, str] = {}
    for key in (*_LIST_KEYS, "cert", "constraint"):
        env_value = env.get("PIP_" + key.upper().replace("-", "_"))
        value = env_value or config.get(f"install.{key}") or config.get(f"global.{key}")
        if value:
            values[key] = value
    options: dict[str, str] = {}
    for key in ("index-url", "extra-index-url", "find-links"):
        kept = [url for url in values.get(key, "").split() if _reachable_from_container(key, url)]
        if kept:
            options[key] = " ".join(kept) if key != "index-url" else kept[0]
    for key in ("trusted-host", "proxy", "default-timeout"):
        if values.get(key):
            options[key] = values[key]
    ca = _existing_file(values.get("cert")) or next(
        (p for p in (_existing_file(env.get(name)) for name in _CA_ENV) if p), None
    )
    constraint = _existing_file(values.get("constraint"))
    if values.get("constraint") and constraint is None:
        log.debug("pip constraint %s is not a local file; not passed on", values["constraint"])
    proxies = {name: env[name] for name in _PROXY_VARS if env.get(name)}
    return PipSettings(options=options, ca_bundle=ca, constraint=constraint, proxies=proxies)


def _pip_config_list() -> dict[str, str]:
    """pip's configuration files as {"global.index-url": value}, later files overriding.

    Read directly, in pip's order (global, user, site, then $PIP_CONFIG_FILE), because
    ``pip config list`` costs a second of interpreter start-up on every ``up``.
    """
    out: dict[str, str] = {}
    for file in _pip_config_files():
        parser = configparser.RawConfigParser()
        try:
            parser.read(file, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError) as exc:
            log.debug("skipping unreadable pip config %s: %s", file, exc)
            continue
        for section in parser.sections():
            for key, value in parser.items(section):
                out[f"{section}.{key.replace('_', '-')}"] = " ".join(value.split())
    return out


def _pip_config_files() -> list[Path]:
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    name = "pip.ini" if sys.platform == "win32" else "pip.conf"
    home = Path.home()
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    files = [Path(d) / "pip" / name for d in reversed(xdg_dirs.split(os.pathsep)) if d]
    files.append(Path("/etc") / name)
    files.append(home / ".pip" / name)
    files.append(Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "pip" / name)
    if sys.platform == "darwin":
        files.append(home / "Library" / "Application Support" / "pip" / name)
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        files.append(Path(os.environ["APPDATA"]) / "pip" / name)
    files.append(Path(sys.prefix) / name)
    if env_file:
        files.append(Path(env_file))
    return [f for f in files if f.is_file()]


def _reachable_from_container(key: str, url: str) -> bool:
    if url.startswith(("http://", "https://")):
        return True
    log.debug("pip %s %s is a local path on this machine; not passed to image builds", key, url)
    return False


def shell_quote(value: str) -> str:
    """One single-quoted word for sh, whatever the value holds."""
    return "'" + value.replace("'", "'\\''") + "'"


def _existing_file(value: str | None) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_file() else None
