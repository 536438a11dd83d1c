"""Pure logic of the Docker runtime's helpers: no engine needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from debugkit.config import DeploymentSettings, ModelSpec, ProjectConfig
from debugkit.diagnose import diagnose
from debugkit.environment import read_environment
from debugkit.errors import ConfigError
from debugkit.runtime import pipconfig
from debugkit.runtime.image import dockerfile, plan_image
from debugkit.runtime.resources import scheduling_problems

# --- environment files ---------------------------------------------------------------------------

CONDA = """\
name: scoring
channels: [conda-forge]
dependencies:
  - python=3.10.4
  - pip
  - numpy=1.26
  - pytorch::pytorch>=2.1
  - libgomp=13
  - conda-forge::cudatoolkit
  - pip:
    - scikit-learn==1.3.2
    - joblib
"""


def test_conda_yaml_gives_pip_packages_python_version_and_a_warning(tmp_path: Path) -> None:
    (tmp_path / "myenv.yml").write_text(CONDA)
    spec = read_environment(tmp_path / "myenv.yml")
    assert spec.pip_requirements == ("numpy==1.26.*", "torch>=2.1", "scikit-learn==1.3.2", "joblib")
    assert spec.python_version == "3.10"
    translated, skipped = spec.warnings
    assert translated.startswith("myenv.yml: conda packages installed with pip as numpy==1.26.*")
    assert "libgomp=13, conda-forge::cudatoolkit cannot be installed with pip" in skipped
    assert skipped.startswith("myenv.yml: ")


def test_requirements_txt_skips_comments(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("# pinned\nnumpy==1.26.4  # math\n\nrequests\n")
    spec = read_environment(tmp_path / "requirements.txt")
    assert spec.pip_requirements == ("numpy==1.26.4", "requests")
    assert spec.python_version is None and spec.warnings == ()


def test_content_hash_follows_what_is_installed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("numpy\n# a comment\n")
    b.write_text("numpy\n")
    assert read_environment(a).content_hash == read_environment(b).content_hash
    b.write_text("numpy==2.0\n")
    assert read_environment(a).content_hash != read_environment(b).content_hash


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("dependencies: [python=3.10\n", None, "not valid YAML at line"),
        ("dependencies: numpy\n", "dependencies", "expected a list"),
        ("dependencies:\n  - pip: numpy\n", "dependencies[0].pip", "list of pip requirement"),
        ("dependencies:\n  - python=three\n", "dependencies[0]", "is not a version"),
        ("dependencies:\n  - {conda: x}\n", "dependencies[0].conda", "only a 'pip:' list"),
    ],
)
def test_bad_conda_files_name_file_and_key(
    tmp_path: Path, text: str, key: str | None, expected: str
) -> None:
    (tmp_path / "env.yml").write_text(text)
    with pytest.raises(ConfigError) as failed:
        read_environment(tmp_path / "env.yml")
    assert failed.value.key == key
    assert str(tmp_path / "env.yml") in str(failed.value)
    assert expected in str(failed.value)


# --- host pip settings -----------------------------------------------------------------------------


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


def test_env_variables_override_pip_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        pipconfig, "_pip_config_list", lambda: {"global.index-url": "https://a.example/simple"}
    )
    settings = pipconfig.host_pip_settings({"PIP_INDEX_URL": "https://b.example/simple"})
    assert settings.options["index-url"] == "https://b.example/simple"


# --- image plan ------------------------------------------------------------------------------------


def _config(tmp_path: Path, env_text: str | None = None, **fields: object) -> ProjectConfig:
    (tmp_path / "score.py").write_text("def init(): pass\ndef run(d): return d\n")
    environment = None
    if env_text is not None:
        environment = tmp_path / "myenv.yml"
        environment.write_text(env_text)
    return ProjectConfig(
        project_dir=tmp_path,
        source_dir=tmp_path,
        entry_script="score.py",
        environment=environment,
        **fields,  # type: ignore[arg-type]
    )


def test_default_base_image_follows_the_conda_python(tmp_path: Path) -> None:
    plan = plan_image(_config(tmp_path, CONDA), pip=pipconfig.PipSettings())
    assert plan.base == "python:3.10-slim"
    custom = _config(tmp_path, CONDA, base_image="my/base:1")
    assert plan_image(custom, pip=pipconfig.PipSettings()).base == "my/base:1"


def test_existing_image_gets_only_the_server(tmp_path: Path) -> None:
    config = _config(tmp_path, CONDA, image="azureml/their-image:7")
    text = dockerfile(plan_image(config, pip=pipconfig.PipSettings()))
    assert text.startswith("FROM azureml/their-image:7\n")
    assert "--target /opt/debugkit/lib" in text
    assert "requirements.txt" not in text  # the user's environment is left as the image has it


# --- scheduling ------------------------------------------------------------------------------------


def test_scheduling_problems_use_the_guides_wording() -> None:
    info = {"MemTotal": 8 * 1024**3, "NCPU": 2, "Runtimes": {"runc": {}}}
    problems = scheduling_problems(DeploymentSettings(memory_gb=16, cpu_cores=4, gpu=True), info)
    assert problems[0].startswith(
        "cannot be scheduled: requests 16 GB memory, this machine has 8 GB"
    )
    assert problems[1].startswith("cannot be scheduled: requests 4 CPU cores, this machine has 2")
    assert "no NVIDIA runtime" in problems[2]
    assert scheduling_problems(DeploymentSettings(), info) == []
    with_gpu = {**info, "Runtimes": {"nvidia": {}}}
    assert scheduling_problems(DeploymentSettings(gpu=True), with_gpu) == []


# --- diagnosis -------------------------------------------------------------------------------------


def _titles(log: str, config: ProjectConfig, reason: str | None = None) -> list[str]:
    return [d.title for d in diagnose(log, reason, config)]


def test_oom_and_repeated_boots_are_memory_exhaustion(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert _titles("", config, "OOMKilled") == ["memory exhausted"]
    boots = "[INFO] Booting worker with pid: 7\n" * 4
    (found,) = diagnose(boots, None, config)
    assert "booted 4 times" in found.detail and "memory_gb" in found.remedy
    assert _titles("[INFO] Booting worker with pid: 7\n", config) == []


def test_init_failure_points_at_the_host_file_and_line(tmp_path: Path) -> None:
    config = _config(tmp_path)
    log = (
        "/var/azureml-app/score.py:12: error: KeyError: 'weights'\n"
        "2026 ERROR debugkit.server: init() failed (init):\nTraceback ...\n"
    )
    (found,) = diagnose(log, None, config)
    assert found.title == "init() failed"
    assert found.detail == f"{tmp_path / 'score.py'}:12: KeyError: 'weights'"
    assert f"{tmp_path / 'score.py'}:12" in found.remedy


def test_missing_module_names_the_pip_package_and_the_file(tmp_path: Path) -> None:
    config = _config(tmp_path, CONDA)
    log = (
        "/var/azureml-app/score.py:1: error: ModuleNotFoundError: No module named 'cv2'\n"
        "ModuleNotFoundError: No module named 'cv2'\ninit() failed\n"
    )
    (found,) = diagnose(log, None, config)
    assert found.title == "missing package"
    assert "imported at " + str(tmp_path / "score.py") + ":1" in found.detail
    assert found.remedy.startswith(
        f"add opencv-python-headless under 'pip:' in {tmp_path / 'myenv.yml'}"
    )


def test_sklearn_externals_joblib(tmp_path: Path) -> None:
    log = "ModuleNotFoundError: No module named 'sklearn.externals.joblib'\n"
    (found,) = diagnose(log, None, _config(tmp_path))
    assert "import joblib" in found.remedy


def test_model_not_found_and_port_conflicts(tmp_path: Path) -> None:
    config = _config(tmp_path, models=(ModelSpec("clf", 1, tmp_path / "clf.pkl"),))
    log = (
        "ModelNotFoundException: Model clf2 not found in cache at /var/azureml-app/azureml-models\n"
    )
    (found,) = diagnose(log, None, config)
    assert "debugkit model-path clf2" in found.remedy and "clf:1 (clf.pkl)" in found.detail
    listen = "debugpy.listen(('0.0.0.0', 5678))\nOSError: [Errno 98] Address already in use\n"
    (port,) = diagnose(listen, None, config)
    assert port.title == "port conflict" and "remove debugpy.listen()" in port.remedy


def test_a_clean_log_has_no_diagnosis(tmp_path: Path) -> None:
    log = "debugkit: starting score.py\ndebugkit: ready (generation 1)\nPOST /score 200\n"
    assert diagnose(log, None, _config(tmp_path)) == []


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


def test_sigkill_exit_is_suspected_memory(tmp_path: Path) -> None:
    (found,) = diagnose("", "exit code 137", _config(tmp_path))
    assert found.title == "memory exhausted" and "exit code 137" in found.detail
    assert diagnose("", "exit code 0", _config(tmp_path)) == []
