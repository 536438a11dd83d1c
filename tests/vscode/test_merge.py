"""`debugkit vscode init`: generation from the project's config and JSONC merging."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from debugkit import vscode
from debugkit.cli import main
from debugkit.config import load_config
from debugkit.errors import UserError
from debugkit.jsonc import loads_jsonc

USER_LAUNCH = """\
// My own launch settings: keep this comment.
{
    "version": "0.2.0",
    /* block comment before the list */
    "configurations": [
        {
            // run the trainer
            "name": "Python: train.py",
            "type": "debugpy",
            "request": "launch",
            "program": "${workspaceFolder}/train.py", // trailing comment
        },
    ],
}
"""


def make_project(root: Path, yaml_text: str | None = None, source: str = ".") -> Path:
    (root / source).mkdir(parents=True, exist_ok=True)
    (root / source / "score.py").write_text(
        "def init():\n    pass\n\n\ndef run(data):\n    return data\n"
    )
    if yaml_text is not None:
        (root / "debugkit.yaml").write_text(yaml_text)
    return root


def launch_of(project: Path) -> dict:
    return loads_jsonc((project / ".vscode" / "launch.json").read_text())


def by_name(items: list[dict], key: str, value: str) -> dict:
    found = [item for item in items if item.get(key) == value]
    assert len(found) == 1, f"{value!r} appears {len(found)} times in {items}"
    return found[0]


def test_merges_into_launch_json_with_comments_and_keeps_the_users_configuration(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path)
    (project / ".vscode").mkdir()
    (project / ".vscode" / "launch.json").write_text(USER_LAUNCH)

    vscode.init(load_config(project))

    text = (project / ".vscode" / "launch.json").read_text()
    # The user's part is byte for byte as it was, comments and trailing commas included.
    user_block = USER_LAUNCH[
        USER_LAUNCH.index("        {\n            // run") : USER_LAUNCH.index("        },\n    ],")
    ]
    assert user_block in text
    for comment in ("// My own launch settings", "/* block comment", "// trailing comment"):
        assert comment in text
    configurations = loads_jsonc(text)["configurations"]
    names = [c["name"] for c in configurations]
    assert names[0] == "Python: train.py"
    assert vscode.ATTACH_CONTAINER in names
    # The file's trailing-comma style is kept for the appended entries.
    assert text.rstrip().endswith("},\n    ],\n}")


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / ".vscode").mkdir()
    (project / ".vscode" / "launch.json").write_text(USER_LAUNCH)
    config = load_config(project)
    first = vscode.init(config)
    snapshot = {p: p.read_bytes() for p in (project / ".vscode").iterdir()}
    second = vscode.init(config)
    assert [r.action for r in first] == ["updated", "created", "created"]
    assert [r.action for r in second] == ["unchanged"] * 3
    assert {p: p.read_bytes() for p in (project / ".vscode").iterdir()} == snapshot


def test_ports_and_paths_come_from_the_project_config(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "proj",
        "source_dir: src\nentry_script: score.py\ndeployment: {port: 9100, debug_port: 6123}\n",
        source="src",
    )
    vscode.init(load_config(project), command="debugkit")

    attach = by_name(launch_of(project)["configurations"], "name", vscode.ATTACH_CONTAINER)
    assert attach["type"] == "debugpy" and attach["request"] == "attach"
    assert attach["connect"] == {"host": "127.0.0.1", "port": 6123}
    assert attach["pathMappings"] == [
        {"localRoot": "${workspaceFolder}/src", "remoteRoot": "/var/azureml-app"}
    ]
    assert attach["justMyCode"] is True
    assert attach["preLaunchTask"] == vscode.TASK_UP
    tasks = loads_jsonc((project / ".vscode" / "tasks.json").read_text())["tasks"]
    up = by_name(tasks, "label", vscode.TASK_UP)
    assert up["isBackground"] is True
    assert up["args"][:2] == ["up", "${workspaceFolder}"]
    assert {t["label"] for t in tasks} >= {vscode.TASK_DOWN, vscode.TASK_RELOAD, vscode.TASK_LINT}
    labels = {t["label"] for t in tasks}
    for configuration in launch_of(project)["configurations"]:
        if "preLaunchTask" in configuration:
            task = by_name(tasks, "label", configuration["preLaunchTask"])
            assert task["isBackground"] is True  # else F5 waits for `up` to exit
    assert labels >= {vscode.TASK_UP, vscode.TASK_UP_PROCESS}


def test_workspace_above_the_project_gets_relative_paths(tmp_path: Path) -> None:
    project = make_project(tmp_path / "models" / "churn")
    vscode.init(load_config(project), workspace=tmp_path, command="debugkit")
    attach = by_name(launch_of(tmp_path)["configurations"], "name", vscode.ATTACH_CONTAINER)
    assert attach["pathMappings"][0]["localRoot"] == "${workspaceFolder}/models/churn"
    assert not (project / ".vscode").exists()


def test_rerun_after_a_port_change_updates_only_that_value(tmp_path: Path) -> None:
    project = make_project(tmp_path, "deployment: {debug_port: 5678}\n")
    vscode.init(load_config(project), command="debugkit")
    path = project / ".vscode" / "launch.json"
    # The user tweaks debugkit's own configuration: an extra key with a comment.
    text = path.read_text().replace(
        '"justMyCode": true,\n            "preLaunchTask"',
        '"justMyCode": true,\n            // mine\n            "subProcess": false,\n            "preLaunchTask"',
        1,
    )
    path.write_text(text)
    (project / "debugkit.yaml").write_text("deployment: {debug_port: 5999}\n")

    vscode.init(load_config(project), command="debugkit")

    new = path.read_text()
    attach = by_name(loads_jsonc(new)["configurations"], "name", vscode.ATTACH_CONTAINER)
    assert attach["connect"]["port"] == 5999
    assert attach["subProcess"] is False and "// mine" in new
    assert new == text.replace('"port": 5678', '"port": 5999')


def test_settings_the_user_set_are_kept(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / ".vscode").mkdir()
    settings = project / ".vscode" / "settings.json"
    settings.write_text('{\n\t// tabs here\n\t"debugkit.command": "/opt/venv/bin/debugkit",\n}\n')
    vscode.init(load_config(project), command="debugkit")
    text = settings.read_text()
    values = loads_jsonc(text)
    assert values["debugkit.command"] == "/opt/venv/bin/debugkit"
    assert values["debugkit.projectDir"] == "${workspaceFolder}"
    assert '\n\t"debugkit.projectDir": "${workspaceFolder}",\n}' in text


def test_a_broken_file_is_reported_at_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / ".vscode").mkdir()
    (project / ".vscode" / "launch.json").write_text(
        '{\n  "configurations": [\n    {"name": }\n  ]\n}\n'
    )
    with pytest.raises(UserError, match=r"launch\.json:3:14: "):
        vscode.init(load_config(project))
    assert sorted(p.name for p in (project / ".vscode").iterdir()) == ["launch.json"]


def test_cli_init_reports_each_file_and_fails_in_one_line_on_a_broken_file(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    result = CliRunner().invoke(main, ["vscode", "init", str(project)])
    assert result.exit_code == 0, result.output
    assert result.output.count("debugkit: created ") == 3
    (project / ".vscode" / "tasks.json").write_text("{ /* unterminated\n")
    result = CliRunner().invoke(main, ["vscode", "init", str(project)])
    assert result.exit_code == 2
    assert "tasks.json:1:3: unterminated /* comment" in result.output


def test_windows_line_endings_are_kept(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / ".vscode").mkdir()
    launch = project / ".vscode" / "launch.json"
    launch.write_bytes(USER_LAUNCH.replace("\n", "\r\n").encode())
    vscode.init(load_config(project), command="debugkit")
    data = launch.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 40
    assert vscode.ATTACH_CONTAINER in str(loads_jsonc(data.decode())["configurations"])


def test_init_without_a_docker_engine_points_f5_at_the_local_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "score.py").write_text("def init():\n    pass\n\ndef run(d):\n    return d\n")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")  # no engine answers
    result = CliRunner().invoke(main, ["vscode", "init", str(project)])
    assert result.exit_code == 0, result.output
    assert f"press F5 on '{vscode.ATTACH_PROCESS}'" in result.output
    launch = loads_jsonc((project / ".vscode" / "launch.json").read_text())
    first = launch["configurations"][0]  # what F5 runs in a new launch.json
    assert first["name"] == vscode.ATTACH_PROCESS
    assert first["preLaunchTask"] == vscode.TASK_UP_PROCESS
