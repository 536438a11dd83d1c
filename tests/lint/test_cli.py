"""`debugkit lint` and `debugkit rules` through the real CLI (click runner on the installed group)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from click.testing import CliRunner

from debugkit.cli import main
from debugkit.lint import all_rules
from debugkit.lint.docs import rule_files, rule_markdown, rules_markdown

ROOT = Path(__file__).resolve().parents[2]
LEAKY = (
    "import json\n\n\ndef init():\n    pass\n\n\ndef run(raw_data):\n"
    "    try:\n        return json.loads(raw_data)\n"
    "    except Exception as e:\n        return str(e)\n"
)
CLEAN = "import json\n\n\ndef init():\n    pass\n\n\ndef run(raw_data):\n    return json.loads(raw_data)\n"
TEXT_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>DK\d{3}) (?P<message>.+)$"
)


def invoke(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args))
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(main, list(args))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_text_format_is_file_line_col_code_message_and_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path, "score.py", LEAKY)
    result = invoke("lint", str(path))
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    matches = [TEXT_LINE.match(line) for line in lines]
    assert all(matches), lines
    found = {(m["code"], m["line"], m["col"]) for m in matches if m}
    assert ("DK101", "12", "16") in found
    assert all(m["file"] == str(path) for m in matches if m)


def test_clean_file_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, "score.py", CLEAN)
    result = invoke("lint", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_directories_are_walked_and_a_broken_file_is_reported_with_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "app/score.py", LEAKY)
    write(tmp_path, "app/broken.py", "def run(:\n")
    write(tmp_path, "app/.venv/lib/skipped.py", "def run(:\n")
    result = invoke("lint", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / 'app' / 'broken.py'}:1:" in result.stdout
    assert "DK000 syntax error" in result.stdout
    assert "DK101" in result.stdout
    assert "skipped.py" not in result.stdout
    findings = len([line for line in result.stdout.splitlines() if TEXT_LINE.match(line)])
    assert f"debugkit: {findings} problem(s) in 2 file(s)" in result.stderr


def test_a_file_that_does_not_parse_counts_as_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "score.py", "def run(:\n")
    result = invoke("lint", str(path))
    assert result.exit_code == 2
    assert "DK000" in result.stdout
    assert "debugkit: 1 problem(s) in 1 file(s)" in result.stderr


def test_select_and_ignore(tmp_path: Path) -> None:
    path = write(tmp_path, "score.py", LEAKY)
    selected = invoke("lint", "--select", "DK103", str(path))
    assert {m["code"] for m in map(TEXT_LINE.match, selected.stdout.splitlines()) if m} == {"DK103"}
    ignored = invoke("lint", "--ignore", "DK101,failure-answered-as-success", str(path))
    assert ignored.exit_code == 0, ignored.output


def test_pyproject_table_selects_rules(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.debugkit.lint]\nignore = ["DK101"]\n')
    path = write(tmp_path, "score.py", LEAKY)
    result = invoke("lint", str(path))
    assert "DK101" not in result.stdout
    assert "DK103" in result.stdout


def test_bad_pyproject_value_is_one_line_exit_2(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.debugkit.lint]\nselect = "DK101"\n')
    path = write(tmp_path, "score.py", LEAKY)
    result = invoke("lint", str(path))
    assert result.exit_code == 2
    assert "tool.debugkit.lint.select" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_unknown_code_and_missing_path_are_usage_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "score.py", LEAKY)
    unknown = invoke("lint", "--select", "DK999", str(path))
    assert unknown.exit_code == 2
    assert "DK999" in unknown.stderr
    missing = invoke("lint", str(tmp_path / "nope.py"))
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr


def test_json_format(tmp_path: Path) -> None:
    path = write(tmp_path, "score.py", LEAKY)
    result = invoke("lint", "--format", "json", str(path))
    findings = json.loads(result.stdout)
    leak = next(f for f in findings if f["code"] == "DK101")
    assert leak["file"] == str(path)
    assert (leak["line"], leak["column"]) == (12, 16)
    assert leak["severity"] == "error"
    assert leak["url"] == (ROOT / "debugkit" / "lint" / "rule_docs" / "DK101.md").as_uri()
    assert leak["fixes"][0]["title"] == "Re-raise the exception"


def test_sarif_format(tmp_path: Path) -> None:
    path = write(tmp_path, "score.py", LEAKY)
    result = invoke("lint", "--format", "sarif", str(path))
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    leak = next(r for r in run["results"] if r["ruleId"] == "DK101")
    assert rule_ids[leak["ruleIndex"]] == "DK101"
    region = leak["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (12, 16)
    assert leak["level"] == "error"
    assert "helpUri" not in run["tool"]["driver"]["rules"][leak["ruleIndex"]]


def test_sarif_locations_are_relative_to_a_base_and_fixes_are_included(tmp_path: Path) -> None:
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path) as cwd:
        write(Path(cwd), "app/score.py", LEAKY)
        result = runner.invoke(main, ["lint", "--format", "sarif", "app"])
    run = json.loads(result.stdout)["runs"][0]
    base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base == Path(cwd).resolve().as_uri() + "/"
    leak = next(r for r in run["results"] if r["ruleId"] == "DK101")
    artifact = leak["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "app/score.py", "uriBaseId": "SRCROOT"}
    fix = leak["fixes"][0]
    assert fix["description"]["text"] == "Re-raise the exception"
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"] == artifact
    replacement = change["replacements"][0]
    assert replacement["insertedContent"]["text"] == "raise"
    assert replacement["deletedRegion"] == {
        "startLine": 12,
        "startColumn": 9,
        "endLine": 12,
        "endColumn": 22,
    }
    assert LEAKY.splitlines()[11][8:21] == "return str(e)"


def test_sarif_file_outside_the_base_gets_an_absolute_uri(tmp_path: Path) -> None:
    path = write(tmp_path / "elsewhere", "score.py", LEAKY)
    (tmp_path / "cwd").mkdir()
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path / "cwd"):
        result = runner.invoke(main, ["lint", "--format", "sarif", str(path)])
    leak = json.loads(result.stdout)["runs"][0]["results"][0]
    artifact = leak["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": path.resolve().as_uri()}


def test_noqa_suppresses_one_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "score.py", LEAKY.replace("return str(e)\n", "return str(e)  # noqa: DK101\n")
    )
    result = invoke("lint", str(path))
    assert "DK101" not in result.stdout
    assert "DK103" in result.stdout


def test_rules_lists_and_explains() -> None:
    listing = invoke("rules")
    assert listing.exit_code == 0
    assert len([line for line in listing.stdout.splitlines() if line.startswith("DK")]) >= 11
    explained = invoke("rules", "DK101")
    for part in ("### What it does", "### Why it is bad", "### Example", "### Fix"):
        assert part in explained.stdout
    assert explained.stdout in rules_markdown()
    assert invoke("rules", "exception-text-returned").stdout == explained.stdout
    unknown = invoke("rules", "DK999")
    assert unknown.exit_code == 2


def test_every_rule_links_to_its_shipped_documentation() -> None:
    for rule in all_rules():
        url = rule.info.url
        assert url.startswith("file:///"), url
        path = Path(unquote(urlparse(url).path))
        assert path.is_file(), f"{url} does not exist: python -m debugkit.lint.docs --rule-files"
        assert path.read_text(encoding="utf-8") == rule_markdown(rule.info), (
            "regenerate: python -m debugkit.lint.docs --rule-files"
        )
        assert path.is_relative_to(ROOT / "debugkit"), "the docs must ship inside the package"


def test_rule_documents_are_package_data() -> None:
    """A wheel built from pyproject.toml ships them (checked once by building one)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    package_data = text.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    assert '"lint/rule_docs/*.md"' in package_data


def test_no_stale_rule_documents() -> None:
    shipped = set((ROOT / "debugkit" / "lint" / "rule_docs").glob("*.md"))
    assert shipped == set(rule_files())


def test_docs_rules_md_is_up_to_date() -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == rules_markdown(), (
        "regenerate: python -m debugkit.lint.docs > docs/rules.md"
    )
