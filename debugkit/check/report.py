"""A check report as text (one line per check), JSON, JUnit XML (CI test reports) or Markdown
(a summary a CI job can post)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from debugkit.check.result import CheckReport, CheckResult, Status


def result_lines(result: CheckResult) -> list[str]:
    """``✗ samples: 1 of 3 samples failed`` then its details and remedy, indented."""
    lines = [f"{result.status.mark} {result.name}: {result.figure}"]
    lines += [f"    {detail}" for detail in result.details]
    if result.remedy and result.status is not Status.PASS:
        lines.append(f"    remedy: {result.remedy}")
    return lines


def to_text(report: CheckReport) -> str:
    lines = [line for result in report.results for line in result_lines(result)]
    return "\n".join([*lines, report.summary()])


def to_json(report: CheckReport) -> str:
    return json.dumps(
        {
            "project_dir": report.project_dir,
            "runtime": report.runtime,
            "ok": report.ok,
            "exit_code": report.exit_code,
            "seconds": round(report.seconds, 3),
            "counts": {status.value: report.count(status) for status in Status},
            "checks": [result.to_dict() for result in report.results],
        },
        indent=2,
        ensure_ascii=False,
    )


def to_junit(report: CheckReport) -> str:
    """One ``testcase`` per check: a failed check is a ``failure``, one not made is ``skipped``,
    a warning passes with the warning in ``system-out`` (CI report viewers show all three)."""
    suite = ET.Element(
        "testsuite",
        name="debugkit check",
        tests=str(len(report.results)),
        failures=str(report.count(Status.FAIL)),
        errors="0",
        skipped=str(report.count(Status.SKIP)),
        time=f"{report.seconds:.3f}",
    )
    ET.SubElement(
        ET.SubElement(suite, "properties"),
        "property",
        name="project_dir",
        value=report.project_dir,
    )
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"debugkit.check.{report.runtime}",
            name=result.name,
            time=f"{result.seconds:.3f}",
        )
        body = "\n".join(result_lines(result))
        if result.status is Status.FAIL:
            failure = ET.SubElement(case, "failure", message=result.figure, type="CheckFailed")
            failure.text = body
        elif result.status is Status.SKIP:
            ET.SubElement(case, "skipped", message=result.figure)
        else:
            ET.SubElement(case, "system-out").text = body
    root = ET.Element("testsuites", name="debugkit check")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_markdown(report: CheckReport) -> str:
    verdict = "passed" if report.ok else "failed"
    lines = [
        f"### debugkit check {verdict}: `{report.project_dir}`",
        "",
        "| | check | result | remedy |",
        "|---|---|---|---|",
    ]
    for result in report.results:
        remedy = result.remedy if result.status is not Status.PASS else ""
        figure = "<br>".join([_cell(result.figure), *(_cell(d) for d in result.details)])
        lines.append(f"| {result.status.mark} | {result.name} | {figure} | {_cell(remedy)} |")
    lines += ["", report.summary(), ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Table-safe: no pipes or newlines break the row."""
    return text.replace("|", "\\|").replace("\n", " ")
