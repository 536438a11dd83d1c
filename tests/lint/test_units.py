"""Pure logic: noqa comments, rule selection, editor settings, quick-fix edits."""

from __future__ import annotations

import pytest

from debugkit.lint import RuleSelection, find_rule, lint_file, lint_source
from debugkit.lint.context import ProjectModels
from debugkit.lint.noqa import add_noqa, is_suppressed
from lsp.settings import Settings, parse_settings


@pytest.mark.parametrize(
    ("line", "code", "suppressed"),
    [
        ("return str(e)  # noqa: DK101", "DK101", True),
        ("return str(e)  # noqa: DK102, DK101", "DK101", True),
        ("return str(e)  # noqa:DK103", "DK101", False),
        ("return str(e)  # noqa", "DK101", True),
        ("return str(e)", "DK101", False),
    ],
)
def test_noqa(line: str, code: str, suppressed: bool) -> None:
    assert is_suppressed(line, code) is suppressed


def test_add_noqa_merges_codes() -> None:
    assert add_noqa("x = 1", "DK101") == "x = 1  # noqa: DK101"
    assert add_noqa("x = 1  # noqa: DK103", "DK101") == "x = 1  # noqa: DK101, DK103"
    assert is_suppressed(add_noqa("x = 1  # noqa: DK103", "DK101"), "DK103")


def test_selection_by_code_prefix_and_name() -> None:
    leak = find_rule("DK101")
    assert leak is not None
    info = leak.info
    assert RuleSelection().enabled(info)
    assert RuleSelection(select=("DK1",)).enabled(info)
    assert not RuleSelection(select=("DK102",)).enabled(info)
    assert not RuleSelection(ignore=("exception-text-returned",)).enabled(info)


def test_settings_defaults_and_nesting() -> None:
    assert parse_settings(None) == (Settings(), [])
    settings, problems = parse_settings(
        {"debugkit": {"lint": {"select": ["DK101"], "debounceMs": 10}}}
    )
    assert problems == []
    assert settings.select == ("DK101",)
    assert settings.debounce_ms == 10


@pytest.mark.parametrize(
    "raw",
    [
        {"debounceMs": "soon"},
        {"debounceMs": -1},
        {"enabled": "yes"},
        {"select": 101},
        {"select": ["DK999"]},
        {"colour": "blue"},
        ["not", "an", "object"],
    ],
)
def test_bad_settings_fall_back_and_are_reported(raw: object) -> None:
    settings, problems = parse_settings(raw)
    assert len(problems) == 1
    assert (
        settings.select == ()
        and settings.enabled
        and settings.debounce_ms == Settings().debounce_ms
    )


def _apply(source: str, code: str, title: str, **options: object) -> str:
    finding = next(f for f in lint_source(source, **options).findings if f.code == code)
    fix = next(f for f in finding.fixes if f.title.startswith(title))
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for edit in sorted(fix.edits, key=lambda e: (e.line, e.col), reverse=True):
        start = starts[edit.line - 1] + edit.col if edit.line <= len(lines) else len(source)
        end = (
            starts[edit.end_line - 1] + edit.end_col if edit.end_line <= len(lines) else len(source)
        )
        source = source[:start] + edit.new_text + source[end:]
    return source


SCRIPT = '''"""A scoring script."""
import joblib
import requests


def init():
    model = joblib.load("/models/model.pkl")


def run(raw_data):
    features = requests.get("http://features", params={"q": raw_data})
    return model.predict(features.json())
'''


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("DK105", "Declare 'model' global"),
        ("DK107", "Load from AZUREML_MODEL_DIR"),
        ("DK111", "Add timeout=10"),
    ],
)
def test_fixes_remove_their_finding_and_keep_valid_python(code: str, title: str) -> None:
    fixed = _apply(SCRIPT, code, title)
    compile(fixed, "score.py", "exec")
    assert code not in {f.code for f in lint_source(fixed).findings}


def test_removed_import_fix() -> None:
    source = "from sklearn.externals import joblib\n"
    fixed = _apply(source, "DK109", "Use joblib")
    assert fixed == "import joblib\n"


def test_init_swallow_fix_reraises() -> None:
    source = "def init():\n    try:\n        load()\n    except Exception as e:\n        print(e)\n\n\ndef run(d):\n    return d\n"
    fixed = _apply(source, "DK110", "Re-raise")
    assert "        print(e)\n        raise\n" in fixed
    assert "DK110" not in {f.code for f in lint_source(fixed).findings}


HELPERS = "".join(f"\n\ndef helper_{i}(x):\n    return x + {i}\n" for i in range(5))
LEAKY_RUN = "\n\ndef init():\n    pass\n\n\ndef run(raw):\n    try:\n        return raw\n    except Exception as e:\n        return str(e)\n"


def test_first_pass_skips_quiet_functions_but_finds_the_same() -> None:
    source = "import json\n" + HELPERS + LEAKY_RUN
    quick = lint_source(source, skip_quiet_chunks=True)
    full = lint_source(source)
    assert not quick.complete and full.complete
    assert [(f.line, f.code) for f in quick.findings] == [(f.line, f.code) for f in full.findings]
    assert "DK101" in {f.code for f in full.findings}


def test_syntax_error_in_a_quiet_function_is_found_by_the_full_pass() -> None:
    source = "import json\n" + HELPERS.replace("return x + 3", "return x +") + LEAKY_RUN
    assert lint_source(source, skip_quiet_chunks=True).syntax_error is None
    error = lint_source(source).syntax_error
    assert error is not None and error.line == source.splitlines().index("    return x +") + 1


def test_chunk_split_inside_a_string_falls_back_to_a_whole_parse() -> None:
    source = 'DOC = """\ndef run(raw):\n    return str(e)\n"""\n' + LEAKY_RUN
    result = lint_source(source)
    assert result.syntax_error is None
    assert [(f.line, f.code) for f in result.findings if f.code == "DK101"] == [(15, "DK101")]


def test_entry_points_bound_without_def_count_for_the_configured_entry_script() -> None:
    bound = (
        'from scoring_app import init\n\npredictor = object()\nrun = getattr(predictor, "run")\n'
    )
    assert [f.code for f in lint_source(bound, entry_script=True).findings] == []
    missing = [f.message for f in lint_source("x = 1\n", entry_script=True).findings]
    assert len(missing) == 2 and "init()" in missing[0] and "run()" in missing[1]


def test_configured_entry_script_without_run_gets_the_scoring_rules(tmp_path) -> None:
    (tmp_path / "debugkit.yaml").write_text("entry_script: serve.py\n")
    script = tmp_path / "serve.py"
    script.write_text("def init():\n    pass\n")
    other = tmp_path / "helpers.py"
    other.write_text("def init():\n    pass\n")
    assert [f.code for f in lint_file(script).findings] == ["DK104"]
    assert lint_file(other).findings == []


def test_failure_answered_as_success_fix_reraises() -> None:
    source = "def init():\n    pass\n\n\ndef run(d):\n    try:\n        return d\n    except KeyError:\n        return None\n"
    fixed = _apply(source, "DK103", "Re-raise")
    assert "    except KeyError:\n        raise\n" in fixed
    assert lint_source(fixed).findings == []


def test_unknown_model_name_fix_uses_the_closest_name() -> None:
    models = ProjectModels(names={"my-best-model": (1,), "encoder": (2,)})
    source = (
        "from azureml.core.model import Model\n\n\ndef init():\n"
        "    global p\n    p = Model.get_model_path('my-best-modle')\n\n\ndef run(d):\n    return p\n"
    )
    fixed = _apply(source, "DK108", "Use 'my-best-model'", models=models)
    assert "get_model_path('my-best-model')" in fixed
    assert lint_source(fixed, models=models).findings == []


def test_unknown_model_name_fix_keeps_the_users_quotes() -> None:
    models = ProjectModels(names={"my-best-model": (1,)})
    for quoted in ('"my-best-modle"', "'my-best-modle'", '"""my-best-modle"""'):
        source = (
            "from azureml.core.model import Model\n\n\ndef init():\n"
            f"    global p\n    p = Model.get_model_path({quoted})\n\n\ndef run(d):\n    return p\n"
        )
        fixed = _apply(source, "DK108", "Use 'my-best-model'", models=models)
        assert f"get_model_path({quoted.replace('modle', 'model')})" in fixed


def test_first_pass_triggers_cover_every_module_wide_call_a_rule_looks_for() -> None:
    from debugkit.lint.parsing import TRIGGERS
    from debugkit.lint.patterns import MODEL_LOADERS
    from debugkit.lint.rules.debugger_left_in import DEBUGGER_CALLS

    names = {
        *MODEL_LOADERS,
        *DEBUGGER_CALLS,
        "Model.get_model_path",
        "open",
        "x.load_model",
        "x.from_pretrained",
        "pd.read_json",  # DK113
    }
    missing = [name for name in names if not TRIGGERS.search(f"{name}(")]
    assert missing == []
    assert TRIGGERS.search("    print(os.environ)")  # DK114 reads every statement naming it


NOT_JSON = """import json

import numpy as np


def init():
    pass


def run(raw_data):
    data = np.array(json.loads(raw_data))
    scores = model.predict(data)
    return {"scores": scores * 100, "first": scores}
"""


def test_result_not_json_fix_adds_the_conversion() -> None:
    fixed = _apply(NOT_JSON, "DK112", "Convert with .tolist()")
    assert 'return {"scores": (scores * 100).tolist(), "first": scores}' in fixed
    fixed = _apply(fixed, "DK112", "Convert with .tolist()")
    assert 'return {"scores": (scores * 100).tolist(), "first": scores.tolist()}' in fixed
    compile(fixed, "score.py", "exec")
    assert "DK112" not in {f.code for f in lint_source(fixed).findings}


def test_read_json_fix_wraps_in_string_io_and_imports_io() -> None:
    source = (
        '"""Scoring."""\nimport pandas as pd\n\n\ndef init():\n    pass\n\n\n'
        "def run(raw_data):\n    return pd.read_json(raw_data).to_dict()\n"
    )
    fixed = _apply(source, "DK113", "Wrap in io.StringIO")
    assert fixed.startswith('"""Scoring."""\nimport io\nimport pandas as pd\n')
    assert "pd.read_json(io.StringIO(raw_data))" in fixed
    assert "DK113" not in {f.code for f in lint_source(fixed).findings}


def test_init_called_on_import_fix_removes_the_line() -> None:
    source = "def init():\n    pass\n\n\ndef run(d):\n    return d\n\n\ninit()  # warm up\nx = 1\n"
    fixed = _apply(source, "DK115", "Remove")
    assert fixed == "def init():\n    pass\n\n\ndef run(d):\n    return d\n\n\nx = 1\n"
    assert lint_source(fixed).findings == []


def test_init_called_on_import_has_no_fix_where_deleting_would_break_the_block() -> None:
    source = "def init():\n    pass\n\n\ndef run(d):\n    return d\n\n\ntry:\n    init()\nexcept Exception:\n    pass\n"
    finding = next(f for f in lint_source(source).findings if f.code == "DK115")
    assert finding.fixes == ()


def test_hard_coded_path_is_followed_through_an_assignment_and_fixed_there() -> None:
    source = (
        "import os\n\nimport joblib\n\n\ndef init():\n    global model\n"
        '    path = os.path.join("outputs", "model.pkl")\n    model = joblib.load(path)\n\n\n'
        "def run(d):\n    return model.predict(d).tolist()\n"
    )
    finding = next(f for f in lint_source(source).findings if f.code == "DK107")
    assert finding.line == 8 and "'outputs/model.pkl'" in finding.message
    fixed = _apply(source, "DK107", "Load from AZUREML_MODEL_DIR")
    assert '    path = os.path.join(os.getenv("AZUREML_MODEL_DIR", ""), \'model.pkl\')\n' in fixed
    assert lint_source(fixed).findings == []


def test_run_ending_in_a_swallowing_except_fix_reraises() -> None:
    source = (
        "import logging\n\n\ndef init():\n    pass\n\n\ndef run(d):\n    try:\n"
        "        return d.tolist()\n    except Exception:\n        logging.exception('failed')\n"
    )
    fixed = _apply(source, "DK103", "Re-raise at the end")
    assert fixed.endswith("        logging.exception('failed')\n        raise\n")
    assert lint_source(fixed).findings == []


def test_run_that_never_answers_a_value_is_not_reported_for_ending_after_an_except() -> None:
    source = (
        "import logging\n\n\ndef init():\n    pass\n\n\ndef run(d):\n    try:\n"
        "        store(d)\n    except OSError:\n        logging.exception('not stored')\n"
    )
    assert "DK103" not in {f.code for f in lint_source(source).findings}


@pytest.mark.parametrize(
    ("call", "fixed_call"),
    [
        ("print(os.environ)", "print(sorted(os.environ))"),
        ('logger.info("env: %s", dict(environ))', 'logger.info("env: %s", sorted(environ))'),
        ("print(os.environ.items())", "print(sorted(os.environ))"),
    ],
)
def test_environment_logged_fix_logs_only_the_names(call: str, fixed_call: str) -> None:
    source = (
        "import logging\nimport os\nfrom os import environ\n\nlogger = logging.getLogger()\n\n\n"
        f"def init():\n    {call}\n\n\ndef run(d):\n    return d\n"
    )
    fixed = _apply(source, "DK114", "Log only the variable names")
    assert f"    {fixed_call}\n" in fixed
    assert lint_source(fixed).findings == []


def test_environment_logged_in_an_f_string_has_no_fix() -> None:
    source = (
        "import os\n\n\ndef init():\n    print(f'{os.environ}')\n\n\ndef run(d):\n    return d\n"
    )
    finding = next(f for f in lint_source(source).findings if f.code == "DK114")
    assert finding.fixes == ()
