"""Fuzzed issue front matter and calls: DraftError or PublishError naming the file, never a traceback."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from generator.calls.ledger import read_issue
from generator.calls.model import parse_call
from generator.errors import DraftError, PublishError
from generator.posts import read_front_matter
from generator.site.publish import mark_published
from tests.fuzzing import FUZZ, nasty_text

KNOWN = ["IWM", "IWB", "SPY", "ARKX", "BRK.B", "^VIX"]
NOW = datetime(2025, 10, 27, 18, 0)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    nasty_text,
    st.sampled_from(["2025-10-24", "2025-02-30", "24/10/2025", "long IWM vs IWB", "long", "short ^VIX"]),
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
call_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(nasty_text, scalars),
        "position": st.one_of(
            st.sampled_from(
                [
                    "long IWM vs IWB",
                    "short ARKX",
                    "long brk.b",
                    "long ^VIX vs SPY",
                    "long IWM vs. IWB",
                    "long IWM vs IWM",
                    "LONG iwm",
                    "long",
                    "hold IWM",
                    "long ../x",
                    "long IWM vs",
                ]
            ),
            nasty_text,
            scalars,
        ),
        "category": yaml_values,
        "thesis": yaml_values,
        "entry": yaml_values,
        "horizon_weeks": st.one_of(st.integers(-5, 10**25), scalars),
        "stop": st.one_of(st.floats(), st.integers(-(10**400), 10**400), scalars),
        "stop_pct": st.one_of(st.floats(), st.integers(-(10**400), 10**400), scalars),
    },
)
meta_like = st.fixed_dictionaries(
    {"draft": st.one_of(st.just(True), scalars)},
    optional={
        "title": yaml_values,
        "date": yaml_values,
        "slug": yaml_values,
        "categories": yaml_values,
        "tags": yaml_values,
        "description": yaml_values,
        "image": yaml_values,
        "rotation": st.one_of(
            yaml_values,
            st.fixed_dictionaries(
                {"as_of": yaml_values, "published_at": st.none(), "synthetic": yaml_values}
            ),
        ),
        "calls": st.one_of(yaml_values, st.lists(call_like, max_size=3)),
        "closes": yaml_values,
    },
)


def _write(folder, text: str):
    path = folder / "2025-10-24-x.md"
    path.write_text(text, encoding="utf-8")
    return path


@FUZZ
@given(raw=st.one_of(call_like, yaml_values))
def test_any_call_is_parsed_or_refused_naming_the_call(raw):
    try:
        call = parse_call(raw, known_tickers=KNOWN, where="x.md")
    except DraftError as exc:
        assert str(exc).startswith("x.md: "), exc
    else:
        assert call.ticker in KNOWN and call.horizon_weeks > 0
        assert (call.stop is None) != (call.stop_pct is None) or call.stop is not None


@FUZZ
@given(meta=meta_like)
def test_any_front_matter_is_read_or_refused_naming_the_file(tmp_path_factory, meta):
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n\n# Body\n"
    path = _write(tmp_path_factory.mktemp("fm"), text)
    try:
        issue = read_issue(path, KNOWN)
    except DraftError as exc:
        assert str(exc).startswith(path.name) or str(exc).startswith(str(path)), exc
    else:
        assert isinstance(issue.as_of, date) and not isinstance(issue.as_of, datetime)
        assert all(isinstance(x, str) for x in [*issue.categories, *issue.tags, *issue.closes])


@FUZZ
@given(
    text=st.one_of(st.text(max_size=200), yaml_values.map(lambda v: "---\n" + yaml.safe_dump(v) + "---\n"))
)
def test_any_post_text_is_read_or_refused_naming_the_file(tmp_path_factory, text):
    path = _write(tmp_path_factory.mktemp("fm"), text)
    try:
        read_issue(path, KNOWN)
    except DraftError as exc:
        assert str(path.name) in str(exc), exc


@FUZZ
@given(meta=meta_like, body=st.one_of(st.just("Body\n"), nasty_text.map(lambda s: f"![chart]({s})\n")))
def test_publishing_any_post_marks_it_or_refuses_naming_the_file(tmp_path_factory, meta, body):
    meta = {**meta, "draft": True, "rotation": {"published_at": None}}
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n\n" + body
    path = _write(tmp_path_factory.mktemp("fm"), text)
    try:
        mark_published(path, NOW)
    except (DraftError, PublishError) as exc:
        assert path.name in str(exc), exc
    else:
        assert read_front_matter(path)[0]["draft"] is False


def test_a_datetime_as_the_issue_date_becomes_its_day(tmp_path):
    path = _write(tmp_path, "---\ndate: 2025-10-24 18:00:00\ndraft: false\n---\n")
    assert read_issue(path, KNOWN).as_of == date(2025, 10, 24)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("categories", "{a: 1}", "categories must be a list of words, got {'a': 1}"),
        ("tags", "{a: 1}", "tags must be a list of tickers, got {'a': 1}"),
        ("closes", "[[x]]", "closes must be a list of call ids, got [['x']]"),
        ("rotation", "[1]", "rotation must be a mapping, got [1]"),
        ("calls", "{id: x}", "calls must be a list of calls, got {'id': 'x'}"),
        ("date", "2025-02-30", "front matter has an impossible value: day is out of range for month"),
        ("date", "soon", "date 'soon' is not YYYY-MM-DD"),
        ("slug", "../../../x", "slug '../../../x' may hold only letters, digits"),
        ("title", "[a, b]", "title must be text, got ['a', 'b']"),
    ],
)
def test_a_front_matter_field_of_the_wrong_type_is_named(tmp_path, field, value, message):
    path = _write(tmp_path, f"---\ndate: 2025-10-24\ndraft: false\n{field}: {value}\n---\n")
    with pytest.raises(DraftError) as caught:
        read_issue(path, KNOWN)
    assert f"2025-10-24-x.md: {message}" in str(caught.value)


def test_a_single_string_category_is_refused_with_the_fix(tmp_path):
    # Material's blog plugin would fail the build on it ("Expected a list of items").
    path = _write(tmp_path, "---\ndate: 2025-10-24\ncategories: Size\n---\n")
    refused = r"categories must be a list of words, got 'Size' \(write it as \[a, b\]"
    with pytest.raises(DraftError, match=refused):
        read_issue(path, KNOWN)
    path = _write(tmp_path, "---\ndate: 2025-10-24\ncategories: [Size]\ntags: [IWM]\n---\n")
    issue = read_issue(path, KNOWN)
    assert issue.categories == ["Size"] and issue.tags == ["IWM"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"horizon_weeks": 10**20},
            "horizon_weeks must be a whole number of weeks from 1 to 520, got 100000000000000000000",
        ),
        ({"stop_pct": -(10**400)}, "stop_pct must be a negative percent such as -4"),
        ({"entry": {"IWM": -3.0, "IWB": 1.0}}, "entry must map tickers to their closes (positive prices)"),
        ({"position": "long ../x vs IWB"}, "position 'long ../x vs IWB' is not"),
        ({"position": "long IWM vs IWM"}, "a relative call needs two different instruments"),
        ({"thesis": True}, "thesis must be text, got True"),
    ],
)
def test_a_call_with_an_odd_field_is_refused_naming_it(changes, message):
    raw = {
        "id": "c1",
        "position": "long IWM vs IWB",
        "entry": {"IWM": 1.0, "IWB": 2.0},
        "horizon_weeks": 13,
        "stop_pct": -4.0,
        **changes,
    }
    with pytest.raises(DraftError) as caught:
        parse_call(raw, known_tickers=KNOWN, where="x.md")
    assert str(caught.value).startswith("x.md: call c1: ") and message in str(caught.value)


@pytest.mark.parametrize("call_id", ["../x", "<script>alert(1)</script>", "a b", "-x"])
def test_a_call_id_that_cannot_name_a_page_is_refused(call_id):
    raw = {"id": call_id, "position": "long IWM", "horizon_weeks": 13, "stop": 1.0}
    with pytest.raises(DraftError) as caught:
        parse_call(raw, known_tickers=KNOWN, where="x.md")
    assert str(caught.value) == (
        f"x.md: call {call_id!r}: its id may hold only letters, digits, '.', '_', '^', '=' and '-' "
        "(it names a page)"
    )


def test_a_lower_case_or_class_share_position_is_normalised():
    call = parse_call(
        {"id": "c", "position": "Long brk.b", "horizon_weeks": 4, "stop": 400},
        known_tickers=KNOWN,
        where="x.md",
    )
    assert call.position == "long BRK.B"
