"""The ``rotation`` command: parse options, load settings, call a pipeline stage, report.

Exit codes: 0 done; 1 an error the user can fix (``GeneratorError``: one ``Error: ...`` line);
2 a usage error (Click's: an unknown option, a bad value); 3 partly done (``PartialError``: a
fetch that stored some tickers and failed others). Anything else is a bug and keeps its
traceback. Every command takes ``-h``, ``-q`` (errors and warnings only), ``-v`` (also the
site engine's own output) and ``--config``, before or after the command's name.

The clock is read here and nowhere else: once per command (``_now``), and the time is passed
to the pipeline.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator import __version__
from generator.config import (
    CONFIG_ENV,
    CONFIG_FILE_NAME,
    Settings,
    SourceSpec,
    config_path,
    load_settings,
    normalise_ticker,
)
from generator.days import FIRST_PRICE_DAY, LAST_PRICE_DAY
from generator.errors import ConfigError, FetchError, GeneratorError, PartialError, SendError
from generator.site.engine import ENGINES, end_of_life_notice

if TYPE_CHECKING:
    from generator.send.report import SendReport

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
# Where the options every command takes keep their values: ctx.meta is shared by the group's
# context and the command's, so `rotation --config X build` and `rotation build --config X` agree.
CONFIG_KEY = "rotation.config"
VERBOSITY_KEY = "rotation.verbosity"  # -1 quiet, 0 normal, 1 verbose
NOW_KEY = "rotation.now"  # the time of this run (``_now``)


def _remember_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.meta[CONFIG_KEY] = value


def _remember_verbosity(level: int) -> Callable[[click.Context, click.Parameter, bool], None]:
    def remember(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if not value:
            return
        current = ctx.meta.get(VERBOSITY_KEY, 0)
        if current and current != level:
            raise click.UsageError("give -q/--quiet or -v/--verbose, not both", ctx)
        ctx.meta[VERBOSITY_KEY] = level

    return remember


def common_options() -> list[click.Option]:
    """``--config``, ``-q`` and ``-v``: on the group and on every command."""
    return [
        click.Option(
            ["--config"],
            type=click.Path(path_type=Path),
            expose_value=False,
            is_eager=True,
            callback=_remember_config,
            help=f"newsletter.toml, or its folder (default: ${CONFIG_ENV}, else the nearest "
            f"{CONFIG_FILE_NAME} from here up).",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_remember_verbosity(-1),
            help="Print only errors and warnings.",
        ),
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            expose_value=False,
            callback=_remember_verbosity(1),
            help="Also print the site engine's own output (its warnings and notices).",
        ),
    ]


class AppCommand(click.Command):
    """A command with the common options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.params.extend(common_options())


class PartlyDone(click.ClickException):
    """An ``Error:`` line with exit status 3: the command did part of its work."""

    exit_code = 3


class AppGroup(click.Group):
    """Translate our errors once, here; every command gets the common options."""

    command_class = AppCommand

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a GeneratorError becomes ``Error: ...`` and its exit code."""
        try:
            return super().invoke(ctx)
        except GeneratorError as exc:
            kind = PartlyDone if exc.exit_code == PartlyDone.exit_code else click.ClickException
            raise kind(str(exc)) from exc


def verbosity(ctx: click.Context) -> int:
    """-1 with ``-q``, 1 with ``-v``, else 0."""
    return int(ctx.meta.get(VERBOSITY_KEY, 0))


def say(ctx: click.Context, text: str) -> None:
    """A line of the command's report (stdout), unless ``-q``."""
    if verbosity(ctx) >= 0:
        click.echo(text)


def warn(text: str) -> None:
    """A ``Warning:`` line (stderr), even with ``-q``."""
    click.echo(f"Warning: {text}", err=True)


def emit_json(data: Any) -> None:
    """A ``--json`` summary: one object on stdout, whatever the verbosity."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str))


def progress(ctx: click.Context, length: int, label: str, *, hidden: bool = False) -> Any:
    """A progress bar on stderr, hidden with ``-q`` or a ``--json`` summary."""
    return click.progressbar(
        length=length, label=label, file=sys.stderr, hidden=hidden or verbosity(ctx) < 0
    )


def _count(number: int, noun: str) -> str:
    """``1 issue``, ``3 issues``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    """The settings of ``--config`` (a file or its folder), else as ``config.find_config`` finds them."""
    given = ctx.meta.get(CONFIG_KEY)
    return load_settings(config_path(given) if given is not None else None, **overrides)


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


def _source(value: str | None) -> SourceSpec | None:
    if value is None:
        return None
    try:
        return SourceSpec.parse(value)
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


def _now(ctx: click.Context) -> datetime:
    """The time of this run: the one reading of the clock, made the first time a command asks."""
    now: datetime = ctx.meta.setdefault(NOW_KEY, datetime.now(UTC))
    return now


def _today(ctx: click.Context) -> date:
    """Today in New York, from the time of this run (``_now``)."""
    from generator.data.sources.base import new_york_day

    return new_york_day(_now(ctx))


def _past(option: str, day: date | None, today: date) -> date | None:
    """A date option that may not lie after ``today`` (a weekend or holiday is fine)."""
    if day is not None and day > today:
        raise ConfigError(f"{option} {day} is in the future (today is {today} in New York)")
    return day


SOURCE_OPTION = click.option(
    "--source", "source", metavar="S", help="yfinance, demo, or csv:PATH (default: newsletter.toml)."
)
AS_OF_OPTION = click.option("--as-of", "as_of", type=DAY, help="Compute as of this date (YYYY-MM-DD).")
JSON_OPTION = click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON summary for scripts (keys in README.md)."
)


@click.group(cls=AppGroup, context_settings=CONTEXT_SETTINGS, params=common_options())
@click.version_option(__version__, prog_name="rotation")
def cli() -> None:
    """Rotation Desk: a weekly market-rotation newsletter, from prices to a static site.

    \b
    Quick start (no network):
        rotation init my-letter && cd my-letter && rotation demo
    The weekly job:
        rotation weekly && $EDITOR content/issues/posts/<date>-*.md
        rotation publish <date> && rotation build

    \b
    Exit codes: 0 done, 1 error, 2 usage error, 3 partly done (a fetch with failed tickers).
    """


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
    with progress(ctx, weeks, "Drafting demo issues") as bar:
        result = pipeline.run_demo(
            settings,
            weeks=weeks,
            site_dir=out.resolve() if out else None,
            now=_now(ctx),
            progress=lambda _: bar.update(1),
        )
    _report_engine(ctx, result)
    say(
        ctx,
        f"Built {_count(result.issues, 'issue')} with {_count(result.calls, 'call')} into {result.site_dir} "
        f"in {time.perf_counter() - started:.1f}s (synthetic demo data).",
    )
    _end_of_life(ctx, result.engine)


@cli.command("fetch")
@SOURCE_OPTION
@click.option("--tickers", "tickers", help="Comma-separated tickers (default: the configured universe).")
@click.option("--start", "start", type=DAY, help="First date to fetch.")
@click.option("--full", is_flag=True, help="Refetch every ticker's whole history instead of the last bars.")
@click.option(
    "--universe", "with_universe", is_flag=True, help="Also fetch the stocks of the latest universe snapshot."
)
@click.option("--all-notes", is_flag=True, help="Print every data note, not only the first ten.")
@JSON_OPTION
@click.pass_context
def fetch_command(
    ctx: click.Context,
    source: str | None,
    tickers: str | None,
    start: date | None,
    full: bool,
    with_universe: bool,
    all_notes: bool,
    as_json: bool,
) -> None:
    """Bring the local price store up to date, incrementally, and check the data.

    Stored tickers are fetched from their last ten sessions on (a changed dividend or split
    adjustment refetches the whole history); a `csv:` folder loads every file in it. Prints
    what was fetched, what was already up to date, what failed and why, and the data notes
    (gaps, stale bars, bad prints, ...). Exits with status 3 if some tickers failed and
    others were stored, 1 if none could be fetched.

    \b
    Example:
        rotation fetch --source csv:../shared/data/prices/adjusted-closes
    """
    from generator import pipeline

    today = _today(ctx)
    start = _past("--start", start, today)
    settings = _settings(ctx, **{"data.source": _source(source)})
    spec = settings.data.source
    listed = _tickers(tickers)
    now = _now(ctx)
    wanted = pipeline.tickers_to_fetch(settings, spec, listed, now, with_universe)
    with progress(ctx, len(wanted), f"Fetching {len(wanted)} tickers", hidden=as_json) as bar:
        summary = pipeline.fetch_prices(
            settings, spec, now=now, tickers=wanted, start=start, full=full, progress=bar.update
        )
    if as_json:
        emit_json(_fetch_json(spec, wanted, summary))
    else:
        _report_fetch(ctx, spec, summary, all_notes=all_notes)
    _raise_if_failed(summary, len(wanted))


def _fetch_json(spec: SourceSpec, wanted: list[str], summary: Any) -> dict[str, Any]:
    return {
        "source": str(spec),
        "requested": len(wanted),
        "fetched": summary.fetched,
        "up_to_date": summary.up_to_date,
        "refetched": summary.refetched,
        "failed": [{"ticker": f.ticker, "reason": f.reason} for f in summary.failed],
        "warnings": summary.warnings,
        "notes": [
            {"ticker": n.ticker, "kind": n.kind, "message": n.message, "day": n.day} for n in summary.notes
        ],
    }


def _report_fetch(ctx: click.Context, spec: SourceSpec, summary: Any, *, all_notes: bool = False) -> None:
    lines = summary.lines(note_limit=len(summary.notes) if all_notes else 10)
    say(ctx, f"Fetch from {spec}: {lines[0]}")
    for line in lines[1:]:
        say(ctx, line)


def _raise_if_failed(summary: Any, wanted: int) -> None:
    """FetchError (exit 1) when nothing was stored, PartialError (exit 3) when some tickers failed."""
    if not summary.failed:
        return
    stored = len(summary.fetched) + len(summary.up_to_date)
    message = (
        f"could not fetch {len(summary.failed)} of {wanted} tickers: "
        + "; ".join(str(f) for f in summary.failed)
        + (f" (the other {stored} are stored)" if stored else "")
    )
    raise (PartialError if stored else FetchError)(message)


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

    today = _today(ctx)
    day = _past("--as-of", as_of, today) or today
    settings = _settings(ctx, **{"data.source": _source(source)})
    spec = settings.data.source
    run = pipeline.refresh_universe(settings, spec, day, _now(ctx), min_dollar_volume)
    lines = run.lines()
    say(ctx, f"Universe from {spec}: {lines[0]}")
    for line in lines[1:]:
        say(ctx, line)


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
    from generator.signals.console import render_signals

    today = _today(ctx)
    day = _past("--as-of", as_of, today)
    settings = _settings(ctx, **{"data.source": _source(source)})
    report = pipeline.signals_report(settings, settings.data.source, day, today)
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
@JSON_OPTION
@click.pass_context
def draft_command(
    ctx: click.Context, source: str | None, as_of: date | None, force: bool, as_json: bool
) -> None:
    """Draw the charts and write the draft issue for the week ending AS_OF.

    The issue is computed as of the Friday on or before AS_OF (a Saturday or a Wednesday
    drafts the week ending that Friday, a holiday Friday reads Thursday's close). A week that
    ends before the first stored price, or that has no stored price yet, is an error.

    \b
    Example:
        rotation draft --as-of 2025-09-19
    """
    from generator import pipeline

    today = _today(ctx)
    day = _past("--as-of", as_of, today)
    settings = _workspace(ctx, "draft", {"data.source": _source(source)})
    result = pipeline.draft_week(settings, day, force=force, today=today)
    if as_json:
        emit_json(_draft_json(result, settings.root))
    else:
        _report_draft(ctx, result)


def _draft_json(result: Any, root: Path) -> dict[str, Any]:
    outcome = result.outcome

    def rel(path: Path | None) -> str | None:
        return None if path is None else _relative(path, root)

    return {
        "as_of": result.as_of.isoformat(),
        "action": outcome.action,
        "path": rel(outcome.path),
        "charts_written": result.charts_written,
        "backups": [rel(p) for p in (outcome.backup, *outcome.side_backups) if p is not None],
        "kept": [rel(p) for p in outcome.kept],
    }


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to the workspace when it lies inside it (POSIX), else absolute."""
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


def _report_draft(ctx: click.Context, result: Any, *, charts: bool = True) -> None:
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
    say(ctx, messages[outcome.action] + (f" ({result.charts_written} charts drawn)" if charts else ""))


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

    today = _today(ctx)
    _past("--from", first, today)
    _past("--to", last, today)
    settings = _workspace(ctx, "backfill", {"data.source": _source(source)})
    result = pipeline.backfill(settings, first, last, force=force, today=today)
    for friday in result.published_weeks:
        say(ctx, f"{friday}: published, left as it is")
    for drafted in result.drafted:
        _report_draft(ctx, drafted, charts=False)
    stats = result.charts
    say(
        ctx,
        f"Charts: {stats.drawn} drawn, {stats.cached} from the cache, {stats.written} files written "
        f"({stats.seconds:.1f}s, {stats.workers} process{'es' if stats.workers > 1 else ''})",
    )


@cli.command("publish")
@click.argument("issue")
@JSON_OPTION
@click.pass_context
def publish_command(ctx: click.Context, issue: str, as_json: bool) -> None:
    """Mark ISSUE (a post file, or its date) published and freeze what it showed.

    \b
    Example:
        rotation publish 2025-09-19
    """
    from generator import pipeline

    settings = _workspace(ctx, "publish")
    now = _now(ctx).astimezone().replace(microsecond=0)  # the editor's local time
    path = pipeline.publish_issue(settings, issue, now)
    if as_json:
        emit_json({"path": _relative(path, settings.root), "published_at": now.isoformat()})
        return
    say(ctx, f"Published {path.name}. Run `rotation build` to update the site.")


@cli.command("build")
@click.option("--out", "out", type=click.Path(path_type=Path), help="Build the site here (default: site/).")
@click.option(
    "--full",
    "--force",
    "full",
    is_flag=True,
    help="Run the site engine even when nothing it reads changed since the last build.",
)
@JSON_OPTION
@click.pass_context
def build_command(ctx: click.Context, out: Path | None, full: bool, as_json: bool) -> None:
    """Rescore every call, write the ledger pages and build the site ([site] engine).

    The engine (Material for MkDocs, or Zensical) is skipped when nothing it reads (content/,
    mkdocs.yml, overrides/, hooks/, the installed engine and plugins) changed since the last
    build into the same folder; --full runs it.

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
        settings, site_dir=out.resolve() if out else None, full=full, today=_today(ctx)
    )
    seconds = time.perf_counter() - started
    _report_engine(ctx, result)
    if as_json:
        emit_json(_build_json(result, seconds))
        return
    label = ENGINES[result.engine].label
    engine = (
        f"site unchanged, {label} skipped; --full to rebuild"
        if result.mkdocs_skipped
        else f"{label} {result.seconds_mkdocs:.1f}s"
    )
    say(
        ctx,
        f"Built {_count(result.issues, 'issue')} and {_count(result.calls, 'call')} into {result.site_dir} "
        f"in {seconds:.1f}s ({_count(result.pages_written, 'page')} written, "
        f"{_count(result.charts_drawn, 'chart')} drawn in {result.seconds_generate:.1f}s; {engine})",
    )
    _end_of_life(ctx, result.engine)


def _report_engine(ctx: click.Context, result: Any) -> None:
    """Warnings and notes of a build, and with -v the engine's own output (stderr)."""
    for warning in result.warnings:
        warn(warning)
    for note in result.notes:
        say(ctx, f"Note: {note}")
    if verbosity(ctx) > 0 and result.engine_log:
        click.echo(result.engine_log.rstrip("\n"), err=True)


def _end_of_life(ctx: click.Context, engine: str) -> None:
    notice = end_of_life_notice(ENGINES[engine])
    if notice is not None:
        say(ctx, f"Note: {notice}.")


def _build_json(result: Any, seconds: float) -> dict[str, Any]:
    return {
        "issues": result.issues,
        "calls": result.calls,
        "site_dir": str(result.site_dir),
        "pages_written": result.pages_written,
        "charts_drawn": result.charts_drawn,
        "engine": result.engine,
        "engine_skipped": result.mkdocs_skipped,
        "seconds": round(seconds, 3),
        "seconds_generate": round(result.seconds_generate, 3),
        "seconds_engine": round(result.seconds_mkdocs, 3),
        "warnings": list(result.warnings),
        "notes": list(result.notes),
        "end_of_life": end_of_life_notice(ENGINES[result.engine]),
    }


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
    """Preview the site with live reload (the engine's dev server).

    \b
    Example:
        rotation serve --address 127.0.0.1:8001
    """
    from generator import pipeline

    settings = _workspace(ctx, "serve", site=True)
    sys.exit(pipeline.serve_site(settings, address, lambda note: say(ctx, f"Note: {note}"), warn))


@cli.command("email")
@click.argument("issue")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the files (default: email/).",
)
@click.option(
    "--embed-images/--link-images",
    "embed_images",
    default=None,
    help="Attach the charts to the message as inline parts (cid:), or link them from the published "
    "site (default: [email] images, which is link).",
)
@click.option(
    "--draft",
    "draft",
    is_flag=True,
    help="Allow an unpublished issue: a preview, marked as a draft, with no link to its web page.",
)
@click.pass_context
def email_command(
    ctx: click.Context, issue: str, out: Path | None, embed_images: bool | None, draft: bool
) -> None:
    """Export ISSUE (a post file, or its date) as one email-ready HTML file, with a text part.

    Writes <post>.html (CSS inlined, no JavaScript, a 600 px table layout), <post>.txt (the
    plain-text part) and <post>.eml (the message `rotation send` sends, addressed to no one).
    Images point at the published site unless --embed-images (then the .eml carries them and
    the .html names them by cid:, so open the .eml to see them). An unpublished issue is
    refused unless --draft (a preview: "[Draft]" in the subject, a notice, no link to its page).

    \b
    Example:
        rotation email 2026-06-26 --out /tmp/mail
    """
    from generator import pipeline

    settings = _workspace(ctx, "email")
    target = out.resolve() if out else None  # None: the workspace's email/ (paths.Layout)
    now = _now(ctx).astimezone()
    export = pipeline.export_email(
        settings, Path(issue), target, now=now, embed_images=embed_images, draft=draft
    )
    for warning in export.warnings:
        warn(warning)
    say(ctx, f"Wrote {', '.join(str(f) for f in export.files)}")


@cli.command("send")
@click.argument("issue")
@click.option(
    "--recipients",
    "recipients",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The recipients file (default: [email] recipients): CSV with an email column, or one "
    "address a line.",
)
@click.option(
    "--to",
    "to",
    metavar="ADDRESS",
    help="A test send to this one address; not recorded as a delivery, so the list still gets it.",
)
@click.option("--dry-run", "dry_run", is_flag=True, help="Print who would get what, and send nothing.")
@click.option(
    "--retry-failed", "retry_failed", is_flag=True, help="Try again the recipients the server refused."
)
@click.option(
    "--resend-unconfirmed",
    "resend_unconfirmed",
    is_flag=True,
    help="Send again the messages that went out with no answer from the server (they may arrive twice).",
)
@click.option(
    "--skip-invalid",
    "skip_invalid",
    is_flag=True,
    help="Send to the other addresses when rows of the recipients file are not addresses.",
)
@click.option(
    "--embed-images/--link-images",
    "embed_images",
    default=None,
    help="Attach the charts as inline parts (cid:), or link them from the site (default: [email] images).",
)
@click.option("--draft", "draft", is_flag=True, help="Allow an unpublished issue in a test send (--to).")
@click.pass_context
def send_command(
    ctx: click.Context,
    issue: str,
    recipients: Path | None,
    to: str | None,
    dry_run: bool,
    retry_failed: bool,
    resend_unconfirmed: bool,
    skip_invalid: bool,
    embed_images: bool | None,
    draft: bool,
) -> None:
    """Send ISSUE (a published post, or its date) over SMTP, once to each recipient.

    The server, the sender and the unsubscribe URLs are [email] and [email.smtp] in
    newsletter.toml; the password is read from the environment variable that password_env
    names (ROTATION_SMTP_PASSWORD unless set). Every delivery is recorded in
    .rotation/sends/<post>.jsonl: run the same command again after an interruption and it goes
    on where it stopped, sending no one the issue twice. Recipients the server refused are
    tried again only with --retry-failed.

    \b
    Examples:
        rotation send 2026-06-26 --dry-run
        rotation send 2026-06-26 --to me@example.org
        rotation send 2026-06-26 --recipients readers.csv
    """
    from generator import pipeline
    from generator.send.run import Hooks, SendOptions

    if to is not None and recipients is not None:
        raise ConfigError("--to sends a test to one address; leave out --recipients (or --to)")
    if to is not None and (retry_failed or resend_unconfirmed):
        raise ConfigError("--retry-failed and --resend-unconfirmed are for a send to the list, not --to")
    settings = _workspace(ctx, "send")
    options = SendOptions(
        recipients=recipients.resolve() if recipients else None,
        to=to,
        dry_run=dry_run,
        retry_failed=retry_failed,
        resend_unconfirmed=resend_unconfirmed,
        skip_invalid=skip_invalid,
    )
    progress = _SendProgress()
    with _stop_requests() as stop:
        hooks = Hooks(
            sleep=lambda seconds: None if stop.wait(seconds) else None,  # returns early on a stop request
            should_stop=stop.is_set,
            on_event=progress.event,
            on_plan=progress.start,
        )
        try:
            report = pipeline.send_issue(
                settings, issue, options, embed_images=embed_images, draft=draft, hooks=hooks
            )
        finally:
            progress.finish()
    _report_send(ctx, report, issue)


class _SendProgress:
    """A progress bar of the messages sent, and a line on stderr for each one that was not."""

    def __init__(self) -> None:
        self.bar: Any = None

    def start(self, count: int) -> None:
        if not count:
            return
        self.bar = click.progressbar(length=count, label="Sending", file=sys.stderr)
        self.bar.__enter__()

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def event(self, kind: str, who: Any, detail: str) -> None:
        if self.bar is not None and kind in ("sent", "refused", "unconfirmed"):
            self.bar.update(1)
        if kind == "refused":
            click.echo(f"\nRefused: {who.address}: {detail}", err=True)
        elif kind == "unconfirmed":
            click.echo(f"\nUnconfirmed: {who.address}: {detail}", err=True)
        elif kind == "retry":
            click.echo(f"\nConnection: {detail}", err=True)


@contextmanager
def _stop_requests() -> Iterator[threading.Event]:
    """Ctrl-C or SIGTERM asks a send to stop after the message in flight; a second one stops it at once."""
    requested = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()
        click.echo("\nStopping after the message being sent (again to stop at once).", err=True)

    if threading.current_thread() is not threading.main_thread():
        yield requested  # only the main thread can take signals (a test calling the command from a thread)
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _report_send(ctx: click.Context, report: SendReport, issue: str) -> None:
    """Print what a send did (or would do); anything that needs the user becomes one Error line."""
    for note in report.notes():
        click.echo(note, err=True)
    for line in report.lines():
        say(ctx, line)
    problem = report.problem(issue)
    if problem:
        raise SendError(problem)


@cli.command("weekly")
@SOURCE_OPTION
@click.pass_context
def weekly_command(ctx: click.Context, source: str | None) -> None:
    """The weekly job: fetch, then draft the issue for the last completed week.

    A fetch that failed some tickers still drafts (its data notes say what is missing), then
    exits with status 3.

    \b
    Example:
        rotation weekly
    """
    from generator import pipeline

    today = _today(ctx)
    settings = _workspace(ctx, "weekly", {"data.source": _source(source)})
    summary = pipeline.fetch_prices(settings, settings.data.source, now=_now(ctx))
    _report_fetch(ctx, settings.data.source, summary)
    _report_draft(ctx, pipeline.draft_week(settings, today=today))
    _raise_if_failed(summary, len(settings.tickers))


@cli.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--templates", is_flag=True, help="Also copy the editable templates into templates/.")
@click.pass_context
def init_command(ctx: click.Context, folder: Path, templates: bool) -> None:
    """Make a new workspace in FOLDER (default: here) from the installed package.

    Writes newsletter.toml (commented), mkdocs.yml, overrides/ and hooks/ (the site's theme
    and MkDocs hooks), the site assets under content/, a .gitignore, requirements.txt and the
    GitHub Actions workflows (.github/workflows/: a weekly draft as a pull request, and the
    deploy of the site to GitHub Pages on a merge). Nothing is overwritten: if any of these
    files exists, none is written and they are listed.

    \b
    Example:
        rotation init my-letter && cd my-letter && rotation demo
    """
    from generator.skeleton import init_workspace

    result = init_workspace(folder, templates=templates)
    where = result.folder.resolve()
    say(ctx, f"Made a rotation workspace in {where} ({_count(len(result.written), 'file')}).")
    go = "" if where == Path.cwd().resolve() else f"cd {folder} && "
    say(ctx, "Next: set [site] title and url in newsletter.toml, then")
    say(ctx, f"    {go}rotation demo        # a year of synthetic issues, offline, into site/")
    say(ctx, "    rotation weekly                # real prices: fetch and draft this week's issue")
    say(ctx, "Publishing with the GitHub workflows: README.md, Publishing.")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rotation")
