"""The ``rotation`` command: parse options, load settings, call a pipeline stage, report.

Errors the user can fix (``GeneratorError``) become one ``Error: ...`` line and exit code 1;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from generator import __version__
from generator.config import Settings, load_settings, normalise_ticker, validate_source_spec
from generator.errors import ConfigError, GeneratorError


class AppGroup(click.Group):
    """Translate our errors once, here."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a GeneratorError becomes ``Error: ...`` and exit code 1."""
        try:
            return super().invoke(ctx)
        except GeneratorError as exc:
            raise click.ClickException(str(exc)) from exc


def _count(number: int, noun: str) -> str:
    """``1 issue``, ``3 issues``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    path = ctx.obj.get("config") if ctx.obj else None
    return load_settings(path, **overrides)


def _source(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return validate_source_spec(value)
    except ValueError as exc:
        raise ConfigError(f"--source: {exc}") from None


def _tickers(value: str | None) -> list[str] | None:
    """``--tickers a,b``: each normalised by the ticker rule (config.normalise_ticker), or refused."""
    if value is None:
        return None
    listed = [t for t in value.split(",") if t.strip()]
    if not listed:
        raise ConfigError("--tickers: give at least one ticker, e.g. --tickers IWM,IWB")
    try:
        return [normalise_ticker(t) for t in listed]
    except ValueError as exc:
        raise ConfigError(f"--tickers: {exc}") from None


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _as_of(value: datetime | None) -> date | None:
    """``--as-of``: any past date (a weekend or holiday reads the last session on or before it);
    a date after today in New York is refused.
    """
    from generator.sources.yahoo import new_york_today

    day = _day(value)
    today = new_york_today()
    if day is not None and day > today:
        raise ConfigError(f"--as-of {day} is in the future (today is {today} in New York)")
    return day


SOURCE_OPTION = click.option(
    "--source", "source", metavar="S", help="yfinance, demo, or csv:PATH (default: newsletter.toml)."
)
AS_OF_OPTION = click.option(
    "--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Compute as of this date (YYYY-MM-DD)."
)


@click.group(cls=AppGroup)
@click.version_option(__version__, prog_name="rotation")
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Path to newsletter.toml (default: ./newsletter.toml).",
)
@click.pass_context
def cli(ctx: click.Context, config: Path | None) -> None:
    """Rotation Desk: a weekly market-rotation newsletter, from prices to a static site.

    \b
    Quick start (no network):
        rotation demo
    The weekly job:
        rotation weekly && $EDITOR content/issues/posts/<date>-*.md
        rotation publish <date> && rotation build
    """
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


@cli.command("demo")
@click.option(
    "--weeks",
    default=52,
    show_default=True,
    type=click.IntRange(1, 520),
    help="How many weekly issues to backfill.",
)
@click.option("--out", "out", type=click.Path(path_type=Path), help="Build the site here (default: site/).")
@click.option(
    "--dark-charts/--no-dark-charts",
    default=None,
    help="Draw the dark-mode copy of every chart, as the site shows in dark mode (default: [charts] dark_variants).",
)
@click.pass_context
def demo_command(ctx: click.Context, weeks: int, out: Path | None, dark_charts: bool | None) -> None:
    """Run the whole pipeline on the built-in synthetic demo data, then build the site.

    Backfills WEEKS weekly issues (each computed strictly as of its own Friday), publishes
    them with their calls, scores the calls and builds the site. No network.

    \b
    Example:
        rotation demo --weeks 26 --out /tmp/demo-site
    """
    from generator import pipeline

    if out is not None and out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is an existing file; give a folder for the site")
    overrides: dict[str, object] = {"data.source": "demo"}
    if dark_charts is not None:
        overrides["charts.dark_variants"] = dark_charts
    settings = _settings(ctx, **overrides)
    started = time.perf_counter()
    with click.progressbar(length=weeks, label="Drafting demo issues", file=sys.stderr) as bar:
        result = pipeline.run_demo(
            settings, weeks=weeks, site_dir=out.resolve() if out else None, progress=lambda _: bar.update(1)
        )
    click.echo(
        f"Built {_count(result.issues, 'issue')} with {_count(result.calls, 'call')} into {result.site_dir} "
        f"in {time.perf_counter() - started:.1f}s (synthetic demo data)."
    )


@cli.command("fetch")
@SOURCE_OPTION
@click.option("--tickers", "tickers", help="Comma-separated tickers (default: the configured universe).")
@click.option("--start", "start", type=click.DateTime(["%Y-%m-%d"]), help="First date to fetch.")
@click.option("--full", is_flag=True, help="Refetch every ticker's whole history instead of the last bars.")
@click.option(
    "--universe", "with_universe", is_flag=True, help="Also fetch the stocks of the latest universe snapshot."
)
@click.option("--all-notes", is_flag=True, help="Print every data note, not only the first ten.")
@click.pass_context
def fetch_command(
    ctx: click.Context,
    source: str | None,
    tickers: str | None,
    start: datetime | None,
    full: bool,
    with_universe: bool,
    all_notes: bool,
) -> None:
    """Bring the local price store up to date, incrementally, and check the data.

    Stored tickers are fetched from their last ten sessions on (a changed dividend or split
    adjustment refetches the whole history); a `csv:` folder loads every file in it. Prints
    what was fetched, what was already up to date, what failed and why, and the data notes
    (gaps, stale bars, bad prints, ...). Exits with an error if any ticker failed.

    \b
    Example:
        rotation fetch --source csv:../shared/data/prices/adjusted-closes
    """
    from generator import pipeline
    from generator.errors import FetchError

    settings = _settings(ctx, **{"data.source": _source(source)})
    spec = settings.data.source
    listed = _tickers(tickers)
    wanted = pipeline.fetch_targets(settings, spec, listed, with_universe=with_universe)
    with click.progressbar(
        length=len(wanted), label=f"Fetching {len(wanted)} tickers", file=sys.stderr
    ) as bar:
        summary = pipeline.fetch_prices(
            settings, spec, tickers=wanted, start=_day(start), full=full, progress=bar.update
        )
    lines = summary.lines(note_limit=len(summary.notes) if all_notes else 10)
    click.echo(f"Fetch from {spec}: {lines[0]}")
    for line in lines[1:]:
        click.echo(line)
    if summary.failed:
        stored = len(summary.fetched) + len(summary.up_to_date)
        raise FetchError(
            f"could not fetch {len(summary.failed)} of {len(wanted)} tickers: "
            + "; ".join(str(f) for f in summary.failed)
            + f" (the other {stored} are stored)"
        )


@cli.command("universe")
@SOURCE_OPTION
@AS_OF_OPTION
@click.option(
    "--min-dollar-volume",
    "min_dollar_volume",
    type=click.FloatRange(min=0),
    help="Average daily dollar volume floor in USD (default: [smallcap] in newsletter.toml; 0 = none).",
)
@click.pass_context
def universe_command(
    ctx: click.Context, source: str | None, as_of: datetime | None, min_dollar_volume: float | None
) -> None:
    """Screen US stocks by market cap into the small-cap universe and store a dated snapshot.

    The bounds come from [smallcap] in newsletter.toml ($1B-$10B by default). Snapshots
    accumulate, so the summary can say where short interest stands against every earlier
    snapshot. The Yahoo screener only knows today; --as-of works with --source demo.

    \b
    Example:
        rotation universe --source demo --as-of 2026-06-26
    """
    from generator import pipeline
    from generator.sources.yahoo import new_york_today

    settings = _settings(ctx, **{"data.source": _source(source)})
    spec = settings.data.source
    today = new_york_today()
    day = _day(as_of) or today
    if spec == "yfinance" and day != today:
        raise ConfigError("--as-of: the Yahoo screener only knows today's market caps; use --source demo")
    run = pipeline.refresh_universe(settings, spec, day, min_dollar_volume_usd=min_dollar_volume)
    lines = run.lines()
    click.echo(f"Universe from {spec}: {lines[0]}")
    for line in lines[1:]:
        click.echo(line)


@cli.command("signals")
@SOURCE_OPTION
@AS_OF_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys, see README.md).")
@click.pass_context
def signals_command(ctx: click.Context, source: str | None, as_of: datetime | None, as_json: bool) -> None:
    """Print the signal summary as of a date (tables, or JSON for machines).

    Headlines, pairs, every ETF's levels, base and RRG quadrant, and breadth, all from bars
    dated on or before the as-of date (default: the last bar in the store). A weekend or
    holiday reads the last session before it (the header says "data through"); a date before
    the first bar or after today is an error.

    \b
    Example:
        rotation signals --source demo --as-of 2025-10-17 --json
    """
    from generator import pipeline
    from generator.signals import compute_signals
    from generator.signals.console import render_signals

    settings = _settings(ctx, **{"data.source": _source(source)})
    day = _as_of(as_of)
    prices = pipeline.load_prices(settings, settings.data.source)
    day = day or prices.last_day
    report = compute_signals(prices, settings, day)
    if as_json:
        click.echo(json.dumps(report.to_jsonable(), indent=2, sort_keys=True, ensure_ascii=False))
        return
    click.echo(render_signals(report), nl=False)


@cli.command("draft")
@SOURCE_OPTION
@AS_OF_OPTION
@click.option("--force", is_flag=True, help="Overwrite an edited draft (a backup is kept).")
@click.pass_context
def draft_command(ctx: click.Context, source: str | None, as_of: datetime | None, force: bool) -> None:
    """Draw the charts and write the draft issue for the week ending AS_OF.

    The issue is computed as of the Friday on or before AS_OF (a Saturday or a Wednesday
    drafts the week ending that Friday, a holiday Friday reads Thursday's close). A week that
    ends before the first stored price, or that has no stored price yet, is an error.

    \b
    Example:
        rotation draft --as-of 2025-09-19
    """
    from generator import pipeline

    settings = _settings(ctx, **{"data.source": _source(source)})
    _report_draft(pipeline.draft_week(settings, _as_of(as_of), force=force))


def _report_draft(result: Any, *, charts: bool = True) -> None:
    outcome = result.outcome
    messages = {
        "created": f"Wrote the draft {outcome.path}",
        "updated": f"Regenerated the untouched draft {outcome.path}",
        "unchanged": f"The draft {outcome.path} is already up to date",
        "beside": f"The draft was edited, so it was kept; the new draft is beside it: {outcome.path}",
        "forced": f"Overwrote {outcome.path}; the previous text is in {outcome.backup}",
    }
    click.echo(messages[outcome.action] + (f" ({result.charts_written} charts drawn)" if charts else ""))


@cli.command("backfill")
@SOURCE_OPTION
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First week.")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last week.")
@click.option("--force", is_flag=True, help="Overwrite edited drafts (backups are kept).")
@click.pass_context
def backfill_command(
    ctx: click.Context, source: str | None, first: datetime, last: datetime, force: bool
) -> None:
    """Draft one issue per past week, each computed strictly as of its own Friday.

    \b
    Example:
        rotation backfill --from 2025-01-03 --to 2025-06-27
    """
    from generator import pipeline

    settings = _settings(ctx, **{"data.source": _source(source)})
    result = pipeline.backfill(settings, first.date(), last.date(), force=force)
    for friday in result.published_weeks:
        click.echo(f"{friday}: published, left as it is")
    for drafted in result.drafted:
        _report_draft(drafted, charts=False)
    stats = result.charts
    click.echo(
        f"Charts: {stats.drawn} drawn, {stats.cached} from the cache, {stats.written} files written "
        f"({stats.seconds:.1f}s, {stats.workers} process{'es' if stats.workers > 1 else ''})"
    )


@cli.command("publish")
@click.argument("issue")
@click.pass_context
def publish_command(ctx: click.Context, issue: str) -> None:
    """Mark ISSUE (a post file, or its date) published and freeze what it showed.

    \b
    Example:
        rotation publish 2025-09-19
    """
    from generator import pipeline

    settings = _settings(ctx)
    path = pipeline.publish_issue(settings, issue, datetime.now().astimezone().replace(microsecond=0))
    click.echo(f"Published {path.name}. Run `rotation build` to update the site.")


@cli.command("build")
@click.option("--out", "out", type=click.Path(path_type=Path), help="Build the site here (default: site/).")
@click.option(
    "--full",
    "--force",
    "full",
    is_flag=True,
    help="Run MkDocs even when nothing it reads changed since the last build.",
)
@click.pass_context
def build_command(ctx: click.Context, out: Path | None, full: bool) -> None:
    """Rescore every call, write the ledger pages and build the site with MkDocs.

    MkDocs is skipped when nothing it reads (content/, mkdocs.yml, overrides/, the installed
    MkDocs and plugins) changed since the last build into the same folder; --full runs it.

    \b
    Example:
        rotation build --out /tmp/site
    """
    from generator import pipeline

    if out is not None and out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is an existing file; give a folder for the site")
    settings = _settings(ctx)
    started = time.perf_counter()
    result = pipeline.build_site(settings, site_dir=out.resolve() if out else None, full=full)
    mkdocs = (
        "site unchanged, MkDocs skipped; --full to rebuild"
        if result.mkdocs_skipped
        else f"MkDocs {result.seconds_mkdocs:.1f}s"
    )
    click.echo(
        f"Built {_count(result.issues, 'issue')} and {_count(result.calls, 'call')} into {result.site_dir} "
        f"in {time.perf_counter() - started:.1f}s ({_count(result.pages_written, 'page')} written, "
        f"{_count(result.charts_drawn, 'chart')} drawn in {result.seconds_generate:.1f}s; {mkdocs})"
    )


@cli.command("serve")
@click.option("--address", "address", default="127.0.0.1:8000", show_default=True, help="Host:port.")
@click.pass_context
def serve_command(ctx: click.Context, address: str) -> None:
    """Preview the site with live reload (MkDocs' dev server).

    \b
    Example:
        rotation serve --address 127.0.0.1:8001
    """
    from generator import pipeline
    from generator.publish import run_mkdocs_serve

    settings = _settings(ctx)
    issues = pipeline.published_issues(pipeline.posts_dir(settings), settings.tickers)
    sys.exit(run_mkdocs_serve(settings, synthetic=any(i.synthetic for i in issues), address=address))


@cli.command("email")
@click.argument("issue")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the files (default: email/).",
)
@click.option(
    "--embed-images",
    is_flag=True,
    help="Embed the charts in the HTML (data: URIs) instead of linking to the published site.",
)
@click.pass_context
def email_command(ctx: click.Context, issue: str, out: Path | None, embed_images: bool) -> None:
    """Export ISSUE (a post file, or its date) as one email-ready HTML file, with a text part.

    Writes <post>.html (CSS inlined, no JavaScript, 600 px wide), <post>.txt (the plain-text
    part) and <post>.eml (both parts in one multipart message, for a sending tool). Images
    point at the published site unless --embed-images.

    \b
    Example:
        rotation email 2026-06-26 --out /tmp/mail
    """
    from generator import pipeline

    settings = _settings(ctx)
    target = out.resolve() if out else settings.root / "email"
    files = pipeline.export_email(settings, Path(issue), target, embed_images=embed_images)
    click.echo(f"Wrote {', '.join(str(f) for f in files)}")


@cli.command("weekly")
@SOURCE_OPTION
@click.pass_context
def weekly_command(ctx: click.Context, source: str | None) -> None:
    """The weekly job: fetch, then draft the issue for the last completed week.

    \b
    Example:
        rotation weekly
    """
    from generator import pipeline

    settings = _settings(ctx, **{"data.source": _source(source)})
    summary = pipeline.fetch_prices(settings, settings.data.source)
    lines = summary.lines()
    click.echo(f"Fetch from {settings.data.source}: {lines[0]}")
    for line in lines[1:]:
        click.echo(line)
    _report_draft(pipeline.draft_week(settings))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rotation")
