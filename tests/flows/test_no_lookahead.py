from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np

from generator.config import load_settings
from generator.data.prices import PriceHistory
from tests.helpers import draft, make_workspace


def _scramble_after(prices: PriceHistory, day: date) -> PriceHistory:
    """Multiply every bar after ``day`` by random factors (quoted and adjusted alike)."""
    rng = np.random.default_rng(1)
    later = prices.close.index > np.datetime64(day)
    factor = np.exp(rng.normal(0, 0.2, size=(int(later.sum()), prices.close.shape[1])))
    close, adj = prices.close.copy(), prices.adj_close.copy()
    close.loc[later] = close.loc[later].to_numpy() * factor
    adj.loc[later] = adj.loc[later].to_numpy() * factor
    return PriceHistory(**{**prices.__dict__, "close": close, "adj_close": adj})


def _draft(folder: Path, prices: PriceHistory, as_of: date) -> dict[str, bytes]:
    settings = load_settings(make_workspace(folder) / "newsletter.toml")
    draft(settings, prices, as_of)
    content = settings.content_dir
    return {p.relative_to(content).as_posix(): p.read_bytes() for p in content.rglob("*") if p.is_file()}


def test_changing_prices_after_the_as_of_date_changes_nothing(tmp_path: Path, demo_prices):
    as_of = date(2025, 10, 17)
    original = _draft(tmp_path / "a", demo_prices, as_of)
    scrambled = _draft(tmp_path / "b", _scramble_after(demo_prices, as_of), as_of)
    assert any(name.endswith(".png") for name in original)
    assert {k: hashlib.sha256(v).hexdigest() for k, v in original.items()} == {
        k: hashlib.sha256(v).hexdigest() for k, v in scrambled.items()
    }


def test_changing_prices_before_the_as_of_date_does_change_the_issue(tmp_path: Path, demo_prices):
    as_of = date(2025, 10, 17)
    original = _draft(tmp_path / "a", demo_prices, as_of)
    shifted = _draft(tmp_path / "b", _scramble_after(demo_prices, date(2025, 9, 1)), as_of)
    assert original != shifted
