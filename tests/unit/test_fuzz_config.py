"""Fuzzed newsletter.toml: any file gives Settings or one ConfigError naming its problems."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.config import load_settings
from generator.errors import ConfigError
from tests.fuzzing import FUZZ, nasty_text
from tests.helpers import REPO

GOOD = (REPO / "newsletter.toml").read_text(encoding="utf-8")
GOOD_LINES = GOOD.splitlines()

values = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: repr(f).replace("inf", "inf")),
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "+inf",
            "true",
            "false",
            "[]",
            "{}",
            "[1, 'a']",
            "1979-05-27",
            "1979-05-27T07:32:00Z",
            "07:32:00",
            '""',
            "'''x'''",
            "{ a = 1 }",
            "[[1], [2]]",
        ]
    ),
    nasty_text.map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    nasty_text,
)


def _check(path: Path) -> None:
    try:
        load_settings(path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(path.name) or message.startswith(str(path)), message
        assert "Traceback" not in message


@FUZZ
@given(
    mutations=st.lists(
        st.tuples(
            st.sampled_from(["value", "delete", "duplicate", "insert", "key"]),
            st.integers(0, len(GOOD_LINES) - 1),
            values,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_mutated_config_gives_settings_or_one_config_error(tmp_path_factory, mutations):
    lines = list(GOOD_LINES)
    for kind, index, value in mutations:
        index %= len(lines)
        line = lines[index]
        if kind == "value" and "=" in line:
            lines[index] = line.split("=", 1)[0] + "= " + value
        elif kind == "delete":
            del lines[index]
        elif kind == "duplicate":
            lines.insert(index, line)
        elif kind == "insert":
            lines.insert(index, value)
        elif kind == "key" and "=" in line:
            lines[index] = value + " =" + line.split("=", 1)[1]
        if not lines:
            lines = [""]
    path = tmp_path_factory.mktemp("cfg") / "newsletter.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _check(path)


@FUZZ
@given(data=st.binary(max_size=200))
def test_random_bytes_as_config_give_one_config_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("cfg") / "newsletter.toml"
    path.write_bytes(data)
    _check(path)


@FUZZ
@given(
    section=st.sampled_from(
        ["", "site", "data", "groups.x", "signals.rrg", "issue", "charts", "output", "fetch"]
    ),
    key=st.one_of(
        st.sampled_from(
            [
                "title",
                "url",
                "source",
                "store_dir",
                "history_start",
                "tickers",
                "benchmark",
                "names",
                "label",
                "category",
                "sections",
                "workers",
                "content_dir",
                "window_days",
                "batch_size",
                "root",
            ]
        ),
        nasty_text,
    ),
    value=values,
)
def test_one_odd_key_or_value_gives_settings_or_one_config_error(tmp_path_factory, section, key, value):
    quoted_key = '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = (f"[{section}]\n" if section else "") + f"{quoted_key} = {value}\n"
    path = tmp_path_factory.mktemp("cfg") / "newsletter.toml"
    path.write_text(text, encoding="utf-8")
    _check(path)


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    path = tmp_path / "newsletter.toml"
    path.write_text('[site]\ntitle = "x"\nurl = \n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"newsletter\.toml: not valid TOML: .*line 3"):
        load_settings(path)


def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "newsletter.toml"
    path.write_bytes(b'[site]\ntitle = "Caf\xe9"\n')
    with pytest.raises(ConfigError, match=r"newsletter\.toml: not UTF-8 text \(byte 0xe9 on line 2\)"):
        load_settings(path)


def test_bad_tickers_paths_and_dates_are_each_listed_with_their_line(tmp_path):
    path = tmp_path / "newsletter.toml"
    path.write_text(
        'benchmark = "../x"\n[site]\ntitel = "x"\n[data]\nhistory_start = "soon"\n'
        '[groups.g]\nlabel = "G"\nbenchmark = "SPY"\ncategory = "c"\ntickers = ["A B", "BRK.B"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith("newsletter.toml has 4 problems:")
    assert "newsletter.toml:1: benchmark: '../x' is not a ticker symbol" in message
    assert "newsletter.toml:3: site.titel: unknown key" in message
    assert re.search(r"newsletter\.toml:5: data\.history_start: .*\(got 'soon'\)", message)
    assert "newsletter.toml:10: groups.g.tickers: 'A B' is not a ticker symbol" in message


@pytest.mark.parametrize("value", ["5", '"demo"', "[1, 2]", "2024-01-05"])
def test_a_dotted_override_over_a_non_table_is_a_config_error(tmp_path, value):
    path = tmp_path / "newsletter.toml"
    path.write_text(f"data = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^newsletter\.toml: data must be a table, got "):
        load_settings(path, **{"data.source": "demo"})


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[data]\nstore_dir = "a\\u0000b"\n', "newsletter.toml:2: data.store_dir"),
        ('[output]\ncontent_dir = "\\u0000"\n', "newsletter.toml:2: output.content_dir"),
        ('[data]\nsource = "csv:x\\u0000"\n', "newsletter.toml:2: data.source"),
    ],
)
def test_a_path_with_a_nul_character_is_refused_with_its_line(tmp_path, text, where):
    path = tmp_path / "newsletter.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(where) + ": a .*cannot contain a NUL character"):
        load_settings(path)


def test_markup_in_the_site_title_is_refused_with_its_line(tmp_path):
    path = tmp_path / "newsletter.toml"
    path.write_text('[site]\ntitle = "Desk <script>alert(1)</script>"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "newsletter.toml:2: site.title: cannot contain '<' or '>'" in str(caught.value)
