"""debugkit.jsonc: JSONC read and edited as text (comments, commas and layout kept)."""

from __future__ import annotations

import pytest

from debugkit.jsonc import JsoncDocument, Match, loads_jsonc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", {}),
        ('// only\n{"a": [1, 2,], /* c */ "b": {"c": null,},}', {"a": [1, 2], "b": {"c": None}}),
        (
            '{"s": "a // not a comment", "e": "\\"q\\" \\u00e9"}',
            {"s": "a // not a comment", "e": '"q" é'},
        ),
        ("// nothing but a comment\n", None),
    ],
)
def test_jsonc_parser_reads_comments_and_trailing_commas(text: str, expected: object) -> None:
    assert loads_jsonc(text) == expected


def test_insert_into_an_inline_empty_array_and_a_commented_empty_object() -> None:
    doc = JsoncDocument('{\n  "configurations": [],\n  "x": {\n    // keep\n  }\n}\n')
    doc.ensure(["configurations", Match("name", "n")], {"name": "n"})
    doc.ensure(["x", "k"], 1)
    assert doc.text == (
        '{\n  "configurations": [\n    {\n      "name": "n"\n    }\n  ],\n'
        '  "x": {\n    // keep\n    "k": 1\n  }\n}\n'
    )
