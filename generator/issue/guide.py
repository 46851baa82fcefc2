"""The editor's guide to templates, generated from the template context's own schema.

Every variable a template can use is read off the ``IssueContext`` dataclass and the
dataclasses it holds (recursively), with the description taken from the field's attribute
docstring or trailing comment in the source. A field added in code appears in the guide at
the next build, so the guide cannot go stale.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import textwrap
import tokenize
import types
import typing
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from generator.fsio import remove_file, write_text_if_changed
from generator.issue.context import IssueContext
from generator.issue.text import render_template


@dataclasses.dataclass(frozen=True)
class Variable:
    """One template variable: its path (``issue.report.pairs[].long``), type and meaning."""

    path: str
    type_name: str
    doc: str


@cache
def _field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings and trailing comments of a class's annotated fields."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("# ").strip()
    tree = ast.parse(source)
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for index, node in enumerate(body):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        text = comments.get(node.lineno, "")
        following = body[index + 1] if index + 1 < len(body) else None
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            text = following.value.value.strip()
        docs[node.target.id] = text
    return docs


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is not None:
        args = ", ".join(_type_name(a) for a in typing.get_args(tp))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if tp is type(None):
        return "none"
    if tp is date:
        return "date"
    return getattr(tp, "__name__", str(tp))


def _inner_dataclasses(tp: Any) -> Iterator[tuple[str, type]]:
    """Dataclasses reachable from a type, with the path suffix that reaches them."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        yield "", tp
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            yield from _inner_dataclasses(arg)
    elif origin in (list, tuple, set, frozenset):
        for arg in typing.get_args(tp):
            for suffix, cls in _inner_dataclasses(arg):
                yield "[]" + suffix, cls
    elif origin is dict:
        args = typing.get_args(tp)
        if len(args) == 2:
            for suffix, cls in _inner_dataclasses(args[1]):
                yield "[key]" + suffix, cls


def template_variables(root: type = IssueContext, prefix: str = "issue") -> list[Variable]:
    """Every variable under ``prefix``, depth first, each dataclass expanded once per path."""
    out: list[Variable] = []
    _walk(root, prefix, out, frozenset())
    return out


def _walk(cls: type, prefix: str, out: list[Variable], seen: frozenset[type]) -> None:
    hints = typing.get_type_hints(cls)
    docs = _field_docs(cls)
    for field in dataclasses.fields(cls):
        tp = hints[field.name]
        path = f"{prefix}.{field.name}"
        doc = docs.get(field.name) or ""
        out.append(Variable(path, _type_name(tp), doc))
        for suffix, inner in _inner_dataclasses(tp):
            if inner not in seen:
                _walk(inner, path + suffix, out, seen | {cls})
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_") or name in {f.name for f in dataclasses.fields(cls)}:
            continue
        params = [p for p in inspect.signature(method).parameters if p != "self"]
        returns = typing.get_type_hints(method).get("return")
        summary = (inspect.getdoc(method) or "").splitlines()[0] if inspect.getdoc(method) else ""
        out.append(Variable(f"{prefix}.{name}({', '.join(params)})", _type_name(returns), summary))
    for name, member in inspect.getmembers(cls, lambda m: isinstance(m, property)):
        doc = (inspect.getdoc(member) or "").splitlines()[0] if inspect.getdoc(member) else ""
        returns = typing.get_type_hints(member.fget).get("return") if member.fget else None
        out.append(Variable(f"{prefix}.{name}", _type_name(returns) if returns else "", doc))


def macro_signatures(env: jinja2.Environment, template: str = "macros.md.j2") -> list[str]:
    """``name(arg, ...)`` of every macro in the shared macros template."""
    module = env.get_template(template).module
    return [
        f"{name}({', '.join(macro.arguments)})"
        for name, macro in sorted(vars(module).items())
        if isinstance(macro, jinja2.runtime.Macro)
    ]


def render_guide(env: jinja2.Environment, sections: list[str], chart_keys: list[str]) -> str:
    """The guide page (Markdown), through the editable ``site/guide.md.j2`` template."""
    filters = {
        name: (inspect.getdoc(fn) or "").splitlines()[0] if inspect.getdoc(fn) else ""
        for name, fn in env.filters.items()
        if getattr(fn, "__module__", "") == render_template.__module__  # ours, not Jinja's built-ins
    }
    return render_template(
        env,
        "site/guide.md.j2",
        variables=template_variables(),
        macros=macro_signatures(env),
        filters=filters,
        sections=sections,
        chart_keys=chart_keys,
    )


# The chart keys the guide names for ``m.chart(issue, key)`` (``plan_issue_charts`` has them all).
CHART_KEYS = ["story:<story key>", "rrg_<group key>", "call_<call id>"]


def write_guide(
    env: jinja2.Environment, sections: list[str], path: Path, *, old: Path | None = None
) -> list[Path]:
    """Regenerate the editor's guide page at ``path``; the path if its bytes changed. The copy an
    older version wrote at ``old`` is removed (it would be published).
    """
    if old is not None and old.is_file():
        remove_file(old)
    text = render_guide(env, sections, CHART_KEYS)
    return [path] if write_text_if_changed(path, text) else []
