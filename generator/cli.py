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
from generator.days import FIRST_PRICE_DAY, LAST_PRICE_DAY
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


def _workspace(
    ctx: click.Context, command: str, overrides: dict[str, Any] | None = None, *, site: bool = False
) -> Settings:
    """The settings of a command that writes a workspace; refused outside one, before any write."""
    from generator.workspace import require_workspace

    settings = _settings(ctx, **(overrides or {}))
    require_workspace(settings, command, site=site)
    return settings


class Address(click.ParamType):
    """``HOST:PORT`` for `rotation serve`, checked as MkDocs checks it (an IP address or
    ``localhost``) plus the port range MkDocs leaves to the operating system.
    """

    name = "host:port"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        import ipaddress

        text = str(value)
        host, colon, port_text = text.rpartition(":")
        if not colon or not host:
            self.fail(f"{text!r} is not HOST:PORT, e.g. 127.0.0.1:8000", param, ctx)
        bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        if bare != "localhost":
            try:
                ipaddress.ip_address(bare)
            except ValueError:
                self.fail(f"{host!r} in {text!r} is not an IP address or localhost", param, ctx)
        if not (port_text.isascii() and port_text.isdigit() and 1 <= int(port_text) <= 65535):
            self.fail(f"port {port_text!r} in {text!r} is not a number from 1 to 65535", param, ctx)
        return f"{host}:{int(port_text)}"


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


class DayType(click.ParamType):
    """A ``YYYY-MM-DD`` option, the one place every date option is parsed and range-checked.

    A date no price can carry (before 1800, or after 2262-04-11 where pandas' timestamps end)
    is a usage error here, so no command reaches pandas with year 1 (an OverflowError).
    Whether a date lies in the future depends on the clock: see ``_past``.
    """

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        """The date, or a usage error naming the option."""
        if isinstance(value, date):
            return value
        try:
            day = datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"{value!r} is not a date in the format YYYY-MM-DD", param, ctx)
        if not FIRST_PRICE_DAY <= day <= LAST_PRICE_DAY:
            self.fail(
                f"{value} is outside the dates prices can carry ({FIRST_PRICE_DAY} to {LAST_PRICE_DAY})",
                param,
                ctx,
            )
        return day


DAY = DayType()


def _today() -> date:
    """Today in New York: the one place the commands read the clock for dates."""
    from generator.sources.yahoo import new_york_today

    return new_york_today()


def _past(option: str, day: date | None, today: date) -> date | None:
    """A date option that may not lie after ``today`` (a weekend or holiday is fine)."""
    if day is not None and day > today:
        raise ConfigError(f"{option} {day} is in the future (today is {today} in New York)")
    return day


SOURCE_OPTION = click.option(
    "--source", "source", metavar="S", help="yfinance, demo, or csv:PATH (default: newsletter.toml)."
)
AS_OF_OPTION = click.option("--as-of", "as_of", type=DAY, help="Compute as of this date (YYYY-MM-DD).")


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
    help="Draw the dark-mode copy of every chart, shown in dark mode (default: [charts] dark_variants).",
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
    settings = _workspace(ctx, "demo", overrides, site=True)
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
@click.option("--start", "start", type=DAY, help="First date to fetch.")
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
    start: date | None,
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

    today = _today()
    start = _past("--start", start, today)
    settings = _settings(ctx, **{"data.source": _source(source)})
    spec = settings.data.source
    listed = _tickers(tickers)
    wanted = pipeline.fetch_targets(settings, spec, listed, with_universe=with_universe)
    with click.progressbar(
        length=len(wanted), label=f"Fetching {len(wanted)} tickers", file=sys.stderr
    ) as bar:
        summary = pipeline.fetch_prices(
            settings, spec, tickers=wanted, start=start, full=full, progress=bar.update, today=today
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
    ctx: click.Context, source: str | None, as_of: date | None, min_dollar_volume: float | None
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

    today = _today()
    day = _past("--as-of", as_of, today) or today
    settings = _settings(ctx, **{"data.source": _source(source)})
    spec = settings.data.source
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
def signals_command(ctx: click.Context, source: str | None, as_of: date | None, as_json: bool) -> None:
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

    today = _today()
    day = _past("--as-of", as_of, today)
    settings = _settings(ctx, **{"data.source": _source(source)})
    prices = pipeline.load_prices(settings, settings.data.source)
    pipeline.refuse_future_bars(prices, today, settings.data.source)
    day = day or prices.last_day
    report = compute_signals(prices, settings, day)
    if as_json:
        click.echo(json.dumps(report.to_jsonable(), indent=2, sort_keys=True, ensure_ascii=False))
        return
    click.echo(render_signals(report), nl=False)


@cli.command("draft")
@SOURCE_OPTION
@AS_OF_OPTION
@click.option(
    "--force", is_flag=True, help="Overwrite an edited draft (its text is kept in .rotation/backups/)."
)
@click.pass_context
def draft_command(ctx: click.Context, source: str | None, as_of: date | None, force: bool) -> None:
    """Draw the charts and write the draft issue for the week ending AS_OF.

    The issue is computed as of the Friday on or before AS_OF (a Saturday or a Wednesday
    drafts the week ending that Friday, a holiday Friday reads Thursday's close). A week that
    ends before the first stored price, or that has no stored price yet, is an error.

    \b
    Example:
        rotation draft --as-of 2025-09-19
    """
    from generator import pipeline

    today = _today()
    day = _past("--as-of", as_of, today)
    settings = _workspace(ctx, "draft", {"data.source": _source(source)})
    _report_draft(pipeline.draft_week(settings, day, force=force, today=today))


def _report_draft(result: Any, *, charts: bool = True) -> None:
    outcome = result.outcome
    kept = ", ".join(str(p) for p in outcome.kept)
    saved = ", ".join(str(p) for p in (outcome.backup, *outcome.side_backups) if p is not None)
    messages = {
        "created": f"Wrote the draft {outcome.path}",
        "updated": f"Regenerated the untouched draft {outcome.path}",
        "unchanged": f"The draft {outcome.path} is already up to date",
        "beside": f"The draft was edited, so it was kept; the new draft is beside it: {outcome.path}"
        + (f" ({kept} holds your edits too and was kept)" if kept else ""),
        "forced": f"Overwrote {outcome.path}; the previous text is in {saved}",
    }
    click.echo(messages[outcome.action] + (f" ({result.charts_written} charts drawn)" if charts else ""))


@cli.command("backfill")
@SOURCE_OPTION
@click.option("--from", "first", required=True, type=DAY, help="First week.")
@click.option("--to", "last", required=True, type=DAY, help="Last week.")
@click.option(
    "--force", is_flag=True, help="Overwrite edited drafts (their text is kept in .rotation/backups/)."
)
@click.pass_context
def backfill_command(
    ctx: click.Context, source: str | None, first: date, last: date, force: bool
) -> None:
    """Draft one issue per past week, each computed strictly as of its own Friday.

    \b
    Example:
        rotation backfill --from 2025-01-03 --to 2025-06-27
    """
    from generator import pipeline

    today = _today()
    _past("--from", first, today)
    _past("--to", last, today)
    settings = _workspace(ctx, "backfill", {"data.source": _source(source)})
    result = pipeline.backfill(settings, first, last, force=force, today=today)
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

    settings = _workspace(ctx, "publish")
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
    settings = _workspace(ctx, "build", site=True)
    started = time.perf_counter()
    result = pipeline.build_site(
        settings, site_dir=out.resolve() if out else None, full=full, today=_today()
    )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
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
@click.option(
    "--address",
    "address",
    type=Address(),
    default="127.0.0.1:8000",
    show_default=True,
    help="Host:port to serve on (an IP address or localhost).",
)
@click.pass_context
def serve_command(ctx: click.Context, address: str) -> None:
    """Preview the site with live reload (MkDocs' dev server).

    \b
    Example:
        rotation serve --address 127.0.0.1:8001
    """
    from generator import pipeline
    from generator.publish import run_mkdocs_serve

    settings = _workspace(ctx, "serve", site=True)
    preview = pipeline.preview_site(settings)
    for warning in preview.warnings:
        click.echo(f"Warning: {warning}", err=True)
    sys.exit(
        run_mkdocs_serve(
            settings, synthetic=preview.synthetic, address=address, exclude_docs=preview.exclude_docs
        )
    )


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
@click.option(
    "--draft",
    "draft",
    is_flag=True,
    help="Allow an unpublished issue: a preview, marked as a draft, with no link to its web page.",
)
@click.pass_context
def email_command(ctx: click.Context, issue: str, out: Path | None, embed_images: bool, draft: bool) -> None:
    """Export ISSUE (a post file, or its date) as one email-ready HTML file, with a text part.

    Writes <post>.html (CSS inlined, no JavaScript, 600 px wide), <post>.txt (the plain-text
    part) and <post>.eml (both parts in one multipart message, for a sending tool). Images
    point at the published site unless --embed-images. An unpublished issue is refused
    unless --draft (a preview: "[Draft]" in the subject, a notice, no link to its page).

    \b
    Example:
        rotation email 2026-06-26 --out /tmp/mail
    """
    from generator import pipeline

    settings = _workspace(ctx, "email")
    target = out.resolve() if out else settings.root / "email"
    files = pipeline.export_email(settings, Path(issue), target, embed_images=embed_images, draft=draft)
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

    today = _today()
    settings = _workspace(ctx, "weekly", {"data.source": _source(source)})
    summary = pipeline.fetch_prices(settings, settings.data.source, today=today)
    lines = summary.lines()
    click.echo(f"Fetch from {settings.data.source}: {lines[0]}")
    for line in lines[1:]:
        click.echo(line)
    _report_draft(pipeline.draft_week(settings, today=today))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rotation")
