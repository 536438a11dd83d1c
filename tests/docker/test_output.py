"""What people read from a real container run: the log is the server's, not debugkit's polling."""

from __future__ import annotations

import pytest

from tests.docker.conftest import debugkit

pytestmark = pytest.mark.docker


def test_the_log_has_no_lines_for_debugkits_own_polling(make_project) -> None:
    root = make_project("basic")
    debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root))
    for _ in range(3):
        debugkit("status", str(root))
    debugkit("score", str(root), "--data", "{}")
    log = debugkit("logs", str(root)).stdout
    assert "/debugkit/status" not in log
    assert "POST /score 200" in log  # requests people make are still logged


def test_status_and_score_print_tracebacks_as_lines(make_project) -> None:
    root = make_project("init-crash")
    debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root), check=False)
    status = debugkit("status", str(root), check=False).stdout
    assert "last error: " in status and "score.py:7: error: ValueError" in status
    traceback = status.split("traceback:\n", 1)[1].splitlines()
    assert traceback[0].strip() == "Traceback (most recent call last):"
    assert any("line 7, in load" in line for line in traceback)

    scored = debugkit("score", str(root), "--data", "{}", check=False)
    assert scored.returncode == 1 and scored.stdout.startswith("HTTP 503\n{\n  ")
    assert "\\n" not in scored.stdout  # no escaped newlines: a traceback is printed as lines
    assert "ValueError: model file is corrupt" in scored.stdout


def test_model_path_with_only_the_version_wrong_says_so(make_project) -> None:
    root = make_project("basic")  # greeter, version 3
    debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root))
    result = debugkit("model-path", "greeter", "--version", "2", str(root), check=False)
    assert result.returncode == 1
    assert "greeter has no version 2; it has version 3" in result.stdout
    assert "did you mean" not in result.stdout
    assert "No model named" not in result.stdout  # the name is right


def test_debug_only_commands_in_production_mode_say_why_they_cannot(make_project) -> None:
    root = make_project("basic")
    debugkit("up", "--detach", "--no-watch", "--production", "--runtime", "docker", str(root))
    for args in (["reload"], ["model-path", "greeter"]):
        result = debugkit(*args, str(root), check=False)
        assert result.returncode == 2, result.stderr
        (line,) = result.stderr.splitlines()
        assert "--production turns off" in line and "without --production" in line


def _unlabelled_images(client) -> set[str]:
    return {i.id for i in client.images.list(all=True) if not (i.labels or {}) and not i.tags}


def test_an_image_build_shows_pip_progress_and_names_the_failing_package(
    make_project, docker_client, remove_new_dangling_images
) -> None:
    root = make_project("basic")
    before = _unlabelled_images(docker_client)
    (root / "requirements.txt").write_text("six==1.16.0\ndebugkit-no-such-package-10==1.0\n")
    result = debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root), check=False)
    assert result.returncode != 0
    # stderr is not a terminal here: pip's milestones are printed as lines
    assert "debugkit: build   Collecting six==1.16.0" in result.stderr
    error = next(line for line in result.stderr.splitlines() if "debugkit: error:" in line)
    assert "the package that failed: debugkit-no-such-package-10==1.0" in error
    # the failed install leaves no image behind for 'down --images' to miss
    assert _unlabelled_images(docker_client) - before == set()


def test_the_python_version_warning_is_repeated_when_the_image_is_cached(make_project) -> None:
    root = make_project("basic")
    (root / "env.yml").write_text("dependencies:\n  - python=3.8\n  - pip:\n    - six==1.16.0\n")
    config_file = root / "debugkit.yaml"
    config_file.write_text(config_file.read_text().replace("requirements.txt", "env.yml"))
    for _ in range(2):  # the second up reuses the image: no build output to read it from
        result = debugkit("up", "--detach", "--no-watch", "--runtime", "docker", str(root))
        assert "env.yml asks for python 3.8 but" in result.stderr, result.stderr
        debugkit("down", str(root))
