"""An issue's charts, planned from a week of demo signals and stories: light, dark and phone copies,
the open calls' performance charts, and the charts of a published issue never redrawn.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from generator.calls.model import Call
from generator.calls.scoring import score_call
from generator.issue.charts import call_path, draw_issue_charts, plan_charts
from generator.paths import Layout
from generator.signals import compute_signals
from generator.stories.select import last_week, week_letter


def _plan(settings, demo_prices, as_of: date, open_calls=()):  # noqa: ANN001, ANN202
    history = demo_prices.as_of(as_of)
    report = compute_signals(history, settings, as_of)
    before = as_of - timedelta(weeks=1)
    previous = last_week(compute_signals(demo_prices.as_of(before), settings, before), settings)
    letter = week_letter(report, settings, previous)
    return plan_charts(settings, Layout.of(settings), history, report, open_calls, None, letter)


def test_issue_charts_plan_light_and_dark_copies_and_link_both(workspace_settings, demo_prices):
    settings = workspace_settings()
    refs, jobs = _plan(settings, demo_prices, date(2025, 10, 24))  # the demo's small-cap breakout
    assert set(refs) >= {"story:pair:IWM/IWB", "rrg_sectors"}
    ref = refs["story:pair:IWM/IWB"]
    assert ref.path == "../../assets/charts/2025-10-24/iwm-vs-iwb.png"
    assert ref.dark_path == "../../assets/charts/2025-10-24/iwm-vs-iwb-dark.png"
    assert ref.narrow_path == "../../assets/charts/2025-10-24/iwm-vs-iwb-narrow.png"
    assert ref.narrow_dark_path == "../../assets/charts/2025-10-24/iwm-vs-iwb-narrow-dark.png"
    assert len(jobs) == len(refs) and all(len(j.outputs) == 4 for j in jobs)
    light = workspace_settings(**{"charts.dark_variants": False, "charts.narrow_variants": False})
    refs, jobs = _plan(light, demo_prices, date(2025, 10, 24))
    assert len(jobs) == len(refs) and all(len(j.outputs) == 1 for j in jobs)
    assert all(r.dark_path is None and r.narrow_path is None for r in refs.values())


def test_an_open_call_gets_its_performance_chart_with_a_price_stop_as_a_return(
    workspace_settings, demo_prices
):
    settings = workspace_settings()
    call = Call(
        "2026-05-01-long-iwm",
        "long",
        "IWM",
        None,
        "size",
        "t",
        {"IWM": float(demo_prices.close["IWM"].loc[:"2026-05-01"].iloc[-1])},
        13,
        stop=1.0,
        issue_date=date(2026, 5, 1),
    )
    score = score_call(call, demo_prices, published_on=date(2026, 5, 1), through=date(2026, 6, 26))
    refs, jobs = _plan(settings, demo_prices, date(2026, 6, 26), [score])
    assert "call_2026-05-01-long-iwm" in refs
    path = call_path(score)
    assert path.invalidation_pct == pytest.approx(100 * (1.0 / call.entry["IWM"] - 1))
    assert path.invalidation_on == "weekly close"  # a price stop is judged on weekly closes
    assert path.path_pct.equals(score.path)


def test_charts_of_a_published_issue_are_never_redrawn(workspace_settings, demo_prices):
    settings = workspace_settings(**{"charts.dark_variants": False, "charts.narrow_variants": False})
    posts = Layout.of(settings).posts
    posts.mkdir(parents=True, exist_ok=True)
    (posts / "2026-06-19-frozen.md").write_text("---\ntitle: t\ndraft: false\n---\nbody\n")
    (posts / "2026-06-26-draft.md").write_text("---\ntitle: t\ndraft: true\n---\nbody\n")
    _, frozen_jobs = _plan(settings, demo_prices, date(2026, 6, 19))
    _, live_jobs = _plan(settings, demo_prices, date(2026, 6, 26))
    frozen_file = frozen_jobs[0].path
    frozen_file.parent.mkdir(parents=True, exist_ok=True)
    frozen_file.write_bytes(b"what readers saw")
    stats = draw_issue_charts(settings, Layout.of(settings), frozen_jobs + live_jobs)
    assert frozen_file.read_bytes() == b"what readers saw"
    assert not any(j.path.exists() for j in frozen_jobs[1:])
    assert all(j.path.exists() for j in live_jobs)
    assert stats.jobs == len(live_jobs)
