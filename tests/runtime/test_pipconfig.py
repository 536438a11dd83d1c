"""debugkit.runtime.pipconfig: the host's pip settings, as image builds get them."""

from __future__ import annotations

from pathlib import Path

import pytest

from debugkit.runtime import pipconfig


def test_host_pip_settings_keep_what_works_in_a_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = tmp_path / "corp-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\ncorp\n-----END CERTIFICATE-----\n")
    monkeypatch.setattr(
        pipconfig,
        "_pip_config_list",
        lambda: {
            "global.index-url": "https://mirror.corp.example/simple",
            "global.extra-index-url": "file:///opt/pypi/simple https://extra.corp.example/simple",
            "global.find-links": "/opt/wheels",
            "global.trusted-host": "mirror.corp.example",
            "global.constraint": "/nowhere/constraints.txt",
        },
    )
    env = {"PIP_CERT": str(ca), "HTTPS_PROXY": "http://proxy.corp.example:3128"}
    settings = pipconfig.host_pip_settings(env)
    assert settings.options == {
        "index-url": "https://mirror.corp.example/simple",
        "extra-index-url": "https://extra.corp.example/simple",
        "trusted-host": "mirror.corp.example",
    }
    assert settings.ca_bundle == ca and settings.constraint is None
    assert settings.proxies == {"HTTPS_PROXY": "http://proxy.corp.example:3128"}

    context = tmp_path / "ctx"
    settings.write(context)
    assert (context / "pip" / "ca.pem").read_text() == ca.read_text()
    conf = (context / "pip" / "pip.conf").read_text()
    assert "cert = /tmp/debugkit-pip/ca.pem" in conf
    assert "file://" not in conf and "/opt/wheels" not in conf
    script = (context / "pip" / "pip-install.sh").read_text()
    assert "export SSL_CERT_FILE='/tmp/debugkit-pip/ca.pem'" in script
    assert "export REQUESTS_CA_BUNDLE='/tmp/debugkit-pip/ca.pem'" in script


def test_env_variables_override_pipproject_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        pipconfig, "_pip_config_list", lambda: {"global.index-url": "https://a.example/simple"}
    )
    settings = pipconfig.host_pip_settings({"PIP_INDEX_URL": "https://b.example/simple"})
    assert settings.options["index-url"] == "https://b.example/simple"


def test_pip_config_files_are_read_like_pip_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = https://mirror.corp.example/simple\n"
        "trusted_host = mirror.corp.example\n    other.corp.example\n"
        "[install]\nindex-url = https://install.corp.example/simple\n"
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    settings = pipconfig.host_pip_settings({})
    assert settings.options["index-url"] == "https://install.corp.example/simple"
    assert settings.options["trusted-host"] == "mirror.corp.example other.corp.example"
