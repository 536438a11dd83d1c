"""YAML from the user's folder, read with a budget, and values shown in messages, cut short.

A YAML alias is a reference: a 327-byte file of nested aliases builds a small graph that
is a billion items once walked (the "billion laughs"). PyYAML shares the objects, so the
load is cheap, but anything that walks or formats the value (an error message, a
``str()``) takes gigabytes. Documents whose expanded size exceeds a budget far above any
real configuration are refused before they are built.
"""

from __future__ import annotations

import reprlib
from typing import Any

import yaml

# Nodes once aliases are expanded: a 2,000-line conda file is ~4,000; 10 MB of plain YAML
# (no aliases) is under a million.
MAX_EXPANDED_NODES = 2_000_000


class YamlTooLarge(ValueError):
    pass


class _BudgetLoader(yaml.SafeLoader):
    def compose_document(self) -> Any:
        node = super().compose_document()
        if node is not None:
            _check_expanded_size(node)
        return node


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` that raises YamlTooLarge for alias bombs (yaml.YAMLError as usual)."""
    return yaml.load(text, Loader=_BudgetLoader)  # a SafeLoader subclass: no arbitrary objects


def _check_expanded_size(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}  # id(node) -> expanded count; shared nodes are counted once
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if not children_done and id(node) in visiting:
            raise YamlTooLarge("contains itself through an alias (&anchor / *alias)")
        children = _children(node)
        if children_done or not children:
            total = 1 + sum(sizes.get(id(child), 0) for child in children)
            if total > MAX_EXPANDED_NODES:
                raise YamlTooLarge(
                    f"expands to more than {MAX_EXPANDED_NODES:,} values through its aliases "
                    "(&anchor / *alias); write the values out"
                )
            sizes[id(node)] = total
            continue
        visiting.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 4
_SHORT.maxstring = _SHORT.maxother = 60


def shown(value: Any) -> str:
    """``repr(value)`` for a message, cut to a few items and characters whatever its size."""
    return _SHORT.repr(value)
