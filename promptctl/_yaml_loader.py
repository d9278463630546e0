"""The PyYAML loader of :mod:`promptctl._yaml` (YAML 1.2 core schema, alias-bomb guard, unique keys).

A module of its own so that PyYAML (its import compiles large regular expressions) is imported on the first
parse, not by every module that names :mod:`promptctl._yaml`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from promptctl._yaml import SourceFloat, SourceInt
from promptctl.limits import YAML_ALIAS_NODES

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present (much faster)


class AliasBombError(yaml.YAMLError):
    """A document whose aliases expand it past :data:`~promptctl.limits.YAML_ALIAS_NODES` nodes, or refer to itself."""


class CoreLoader(_Base):  # type: ignore[misc,valid-type]
    """A SafeLoader (libyaml-backed when available) with the YAML 1.2 core schema's implicit tag resolution.

    Aliases are bounded before anything is constructed: a document whose aliases would add more than
    :data:`~promptctl.limits.YAML_ALIAS_NODES` nodes when expanded (a "billion laughs" bomb), or whose
    aliases refer to their own ancestor (a recursive document), raises :class:`AliasBombError`.
    """

    def construct_document(self, node: yaml.Node) -> Any:
        """Check the node graph's expanded size, then construct it."""
        _check_aliases(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        """Construct a mapping, refusing a key written twice (YAML 1.2 requires unique keys; PyYAML keeps the last).

        Keys brought in by a merge (``<<: *defaults``) may be overridden, as the merge key type says.

        Raises:
            yaml.constructor.ConstructorError: A key appears twice in the mapping (marked at the second).
        """
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                first = seen.setdefault(key_node.value, key_node)
                if first is not key_node:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"key '{key_node.value}' is written twice in one mapping (this is the second); keep one",
                        key_node.start_mark,
                    )
        return super().construct_mapping(node, deep=deep)


def _check_aliases(root: yaml.Node) -> None:
    """Raise :class:`AliasBombError` when aliases expand ``root`` by more than the limit, or recurse.

    PyYAML represents an alias as the anchored node object itself, so the graph is a DAG (or cyclic):
    the expanded size is computed with one memo per distinct node, in time linear in the distinct nodes.
    """
    sizes: dict[int, int] = {}
    distinct = 0
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise AliasBombError("a YAML alias refers to a node that contains it (a recursive document)")
        distinct += 1
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                raise AliasBombError("a YAML alias refers to a node that contains it (a recursive document)")
            if id(child) not in sizes:
                stack.append((child, False))
    if sizes[id(root)] - distinct > YAML_ALIAS_NODES:
        raise AliasBombError(
            f"YAML aliases expand the document by {sizes[id(root)] - distinct:,} nodes, more than the "
            f"{YAML_ALIAS_NODES:,} allowed (an alias bomb?)"
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


# Drop every implicit resolver inherited from YAML 1.1, then add the core schema's.
CoreLoader.yaml_implicit_resolvers = {}
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
CoreLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_bool(loader: Any, node: yaml.Node) -> bool:
    return loader.construct_scalar(node).lower() == "true"  # type: ignore[arg-type,union-attr]


def _construct_int(loader: Any, node: yaml.Node) -> SourceInt:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    if text.startswith("0o"):
        value = int(text[2:], 8)
    elif text.startswith("0x"):
        value = int(text[2:], 16)
    else:
        value = int(text, 10)
    return SourceInt(value, text)


def _construct_float(loader: Any, node: yaml.Node) -> SourceFloat:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    lowered = text.lower()
    if lowered.endswith(".inf"):
        value = float("-inf") if lowered.startswith("-") else float("inf")
    elif lowered == ".nan":
        value = float("nan")
    else:
        value = float(text)
    return SourceFloat(value, text)


CoreLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
CoreLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
CoreLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
