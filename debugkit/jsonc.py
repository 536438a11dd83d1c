"""JSONC (JSON with comments and trailing commas, as VS Code reads its files), edited as text.

A small parser records where every value sits, and each change is one splice, so that
everything an edit does not touch (other entries, comments, formatting, line endings)
stays byte for byte. Entries of an array are addressed by a field's value
(:class:`Match`), so a second run of the same edits changes nothing. Knows nothing of
VS Code: :mod:`debugkit.vscode` says what to write.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Union

from debugkit.errors import UserError


class JsoncError(UserError):
    """A .vscode file is not valid JSONC."""


# --- JSONC parsing with positions ----------------------------------------------------------------


@dataclass
class Node:
    kind: str  # "object", "array", "string", "number", "literal"
    start: int
    end: int  # exclusive
    value: Any = None  # python value of scalars
    props: list[Prop] = field(default_factory=list)  # objects
    items: list[Node] = field(default_factory=list)  # arrays

    def to_python(self) -> Any:
        if self.kind == "object":
            return {p.key: p.value.to_python() for p in self.props}
        if self.kind == "array":
            return [item.to_python() for item in self.items]
        return self.value

    def prop(self, key: str) -> Prop | None:
        found = [p for p in self.props if p.key == key]
        return found[-1] if found else None


@dataclass
class Prop:
    key: str
    start: int  # of the key's opening quote
    value: Node


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.name = name
        self.pos = 0

    def fail(self, message: str, at: int | None = None) -> JsoncError:
        at = self.pos if at is None else at
        line = self.text.count("\n", 0, at) + 1
        column = at - (self.text.rfind("\n", 0, at) + 1) + 1
        return JsoncError(
            f"{self.name}:{line}:{column}: {message}; fix the file (it must be JSON with comments) "
            "and run 'debugkit vscode init' again"
        )

    def skip(self) -> None:
        """Whitespace and comments."""
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r\n\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                newline = text.find("\n", self.pos)
                self.pos = len(text) if newline < 0 else newline
            elif text.startswith("/*", self.pos):
                close = text.find("*/", self.pos + 2)
                if close < 0:
                    raise self.fail("unterminated /* comment")
                self.pos = close + 2
            else:
                return

    def document(self) -> Node | None:
        self.skip()
        if self.pos == len(self.text):
            return None
        node = self.value()
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("unexpected text after the top-level value")
        return node

    def value(self) -> Node:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of file")
        ch = self.text[self.pos]
        if ch == "{":
            return self.obj()
        if ch == "[":
            return self.array()
        if ch == '"':
            start = self.pos
            text = self.string()
            return Node("string", start, self.pos, text)
        match = _NUMBER.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            number = json.loads(match.group())
            return Node("number", match.start(), self.pos, number)
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                start, self.pos = self.pos, self.pos + len(word)
                return Node("literal", start, self.pos, literal)
        raise self.fail(f"unexpected character {ch!r}")

    def string(self) -> str:
        start = self.pos
        i = start + 1
        text = self.text
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                self.pos = i + 1
                try:
                    decoded: str = json.loads(text[start : i + 1])
                except ValueError:
                    raise self.fail("invalid string", start) from None
                return decoded
            if ch == "\n":
                break
            i += 1
        raise self.fail("unterminated string", start)

    def obj(self) -> Node:
        node = Node("object", self.pos, self.pos)
        self.pos += 1
        while True:
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == "}":
                self.pos += 1
                node.end = self.pos
                return node
            if self.pos >= len(self.text) or self.text[self.pos] != '"':
                raise self.fail("expected a quoted property name or '}'")
            key_start = self.pos
            key = self.string()
            self.skip()
            if self.pos >= len(self.text) or self.text[self.pos] != ":":
                raise self.fail("expected ':' after the property name")
            self.pos += 1
            node.props.append(Prop(key, key_start, self.value()))
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
            elif self.pos < len(self.text) and self.text[self.pos] != "}":
                raise self.fail("expected ',' or '}'")

    def array(self) -> Node:
        node = Node("array", self.pos, self.pos)
        self.pos += 1
        while True:
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == "]":
                self.pos += 1
                node.end = self.pos
                return node
            node.items.append(self.value())
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1
            elif self.pos < len(self.text) and self.text[self.pos] != "]":
                raise self.fail("expected ',' or ']'")


def parse_jsonc(text: str, name: str = "<jsonc>") -> Node | None:
    """The document's tree with positions, or None for an empty (or comment-only) file."""
    return _Parser(text, name).document()


def loads_jsonc(text: str, name: str = "<jsonc>") -> Any:
    node = parse_jsonc(text, name)
    return None if node is None else node.to_python()


# --- editing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """Selects the object in an array whose ``field`` equals ``value`` (a configuration by name)."""

    field: str
    value: str


Selector = Union[str, Match]


def indent_unit(text: str) -> str:
    """The file's indentation step: a tab, or the smallest run of leading spaces (default 4)."""
    widths = []
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if not stripped or len(stripped) == len(line):
            continue
        lead = line[: len(line) - len(stripped)]
        if lead.startswith("\t"):
            return "\t"
        widths.append(len(lead))
    return " " * min(widths) if widths else " " * 4


def _line_indent(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    lead = text[line_start:pos]
    return lead if not lead.strip() else re.match(r"[ \t]*", lead).group()  # type: ignore[union-attr]


def render(value: Any, indent: str, unit: str) -> str:
    """JSON for ``value`` whose continuation lines start at ``indent``."""
    text = json.dumps(value, indent=unit, ensure_ascii=False)
    return text.replace("\n", "\n" + indent)


class JsoncDocument:
    """A JSONC text with path-addressed edits that keep everything else as it was."""

    def __init__(self, text: str, name: str = "<jsonc>") -> None:
        self.name = name
        self.text = text
        self.unit = indent_unit(text)
        self.eol = "\r\n" if "\r\n" in text else "\n"  # keep a Windows file's line endings

    def root(self) -> Node:
        node = parse_jsonc(self.text, self.name)
        if node is None:
            # Keep leading comments of a comment-only file.
            self.text = self.text.rstrip() + ("\n" if self.text.strip() else "") + "{}\n"
            node = parse_jsonc(self.text, self.name)
        assert node is not None
        if node.kind != "object":
            raise _Parser(self.text, self.name).fail(
                "expected a JSON object at the top level", node.start
            )
        return node

    def find(self, path: list[Selector]) -> Node | None:
        node: Node | None = self.root()
        for selector in path:
            node = _child(node, selector) if node is not None else None
        return node

    def ensure(self, path: list[Selector], value: Any, *, only_if_missing: bool = False) -> None:
        """Make the value at ``path`` equal ``value``: objects are merged key by key (extra
        keys the user added stay), anything else is replaced; missing parents are created."""
        parent_path, last = path[:-1], path[-1]
        parent = self.find(parent_path)
        if parent is None:
            # Build the missing parent with this value inside it.
            wrapped: Any = [value] if isinstance(last, Match) else {last: value}
            self.ensure(parent_path, wrapped, only_if_missing=only_if_missing)
            return
        current = _child(parent, last)
        if current is None:
            self._insert(parent, last, value)
            return
        if only_if_missing:
            return
        if isinstance(value, dict) and current.kind == "object":
            for key, sub in value.items():
                self.ensure([*path, key], sub)
            return
        if current.to_python() != value or type(current.to_python()) is not type(value):
            indent = _line_indent(self.text, current.start)
            self._splice(current.start, current.end, render(value, indent, self.unit))

    def _splice(self, start: int, end: int, new: str) -> None:
        if self.eol != "\n":
            new = new.replace("\n", self.eol)
        self.text = self.text[:start] + new + self.text[end:]

    def _insert(self, parent: Node, selector: Selector, value: Any) -> None:
        if isinstance(selector, Match):
            if parent.kind != "array":
                raise _Parser(self.text, self.name).fail("expected an array", parent.start)
            siblings = parent.items
            starts = [item.start for item in siblings]
            ends = [item.end for item in siblings]
            prefix = ""
        else:
            if parent.kind != "object":
                raise _Parser(self.text, self.name).fail("expected an object", parent.start)
            siblings_props = parent.props
            starts = [p.start for p in siblings_props]
            ends = [p.value.end for p in siblings_props]
            prefix = json.dumps(selector) + ": "
        outer = _line_indent(self.text, parent.start)
        close = parent.end - 1
        if not starts:
            inner = outer + self.unit
            entry = prefix + render(value, inner, self.unit)
            before = close
            while before > parent.start + 1 and self.text[before - 1] in " \t\r\n":
                before -= 1
            gap = self.text[before:close]
            if "\n" in gap:
                self._splice(before, before, "\n" + inner + entry)
            else:
                self._splice(before, close, "\n" + inner + entry + "\n" + outer)
            return
        inner = _line_indent(self.text, starts[-1])
        entry = prefix + render(value, inner, self.unit)
        after_last = ends[-1]
        scan = _Parser(self.text, self.name)
        scan.pos = after_last
        scan.skip()
        has_trailing_comma = self.text[scan.pos] == ","
        if has_trailing_comma:
            point = _after_same_line_comments(self.text, scan.pos + 1)
            self._splice(point, point, "\n" + inner + entry + ",")
        else:
            point = _after_same_line_comments(self.text, after_last)
            self._splice(point, point, "\n" + inner + entry)
            self._splice(after_last, after_last, ",")


def _after_same_line_comments(text: str, pos: int) -> int:
    """Past spaces and comments that follow ``pos`` on the same line (they belong to it)."""
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if text.startswith("//", pos):
            newline = text.find("\n", pos)
            return len(text) if newline < 0 else newline
        if text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close < 0 or "\n" in text[pos:close]:
                return pos
            pos = close + 2
            continue
        return pos


def _child(node: Node, selector: Selector) -> Node | None:
    if isinstance(selector, Match):
        if node.kind != "array":
            return None
        for item in node.items:
            if item.kind == "object":
                found = item.prop(selector.field)
                if found is not None and found.value.value == selector.value:
                    return item
        return None
    if node.kind != "object":
        return None
    prop = node.prop(selector)
    return prop.value if prop is not None else None
