from __future__ import annotations

import dataclasses

from generator.calls.model import Call
from generator.issue.context import IssueContext
from generator.issue.guide import macro_signatures, render_guide, template_variables
from generator.issue.text import template_env


def test_every_issue_field_is_listed_with_a_description():
    variables = {v.path: v for v in template_variables()}
    for field in dataclasses.fields(IssueContext):
        assert f"issue.{field.name}" in variables
        assert variables[f"issue.{field.name}"].doc, f"issue.{field.name} has no description"


def test_nested_dataclasses_are_expanded_through_lists_and_dicts():
    paths = {v.path for v in template_variables()}
    assert "issue.new_calls[].stop_pct" in paths
    assert "issue.charts[key].caption" in paths
    assert "issue.report.pairs[].vs_sma_slow_pct" in paths
    assert "issue.new_calls[].position" in paths  # properties are listed too


def test_a_new_field_appears_in_the_guide_without_editing_it():
    @dataclasses.dataclass(frozen=True)
    class Extended:
        call: Call  # the call
        fresh: int  # a field added in code

    paths = {v.path: v.doc for v in template_variables(Extended, "x")}
    assert paths["x.fresh"] == "a field added in code"
    assert "x.call.horizon_weeks" in paths


def test_the_guide_lists_macros_filters_and_sections(settings):
    env = template_env(settings)
    assert "chart(issue, key)" in macro_signatures(env)
    text = render_guide(env, ["headlines", "size"], ["size_pair"])
    assert "1. `sections/headlines.md.j2`" in text
    assert "| `signed` | A signed percentage" in text
    assert "`issue.open_calls[].result_pct`" in text
