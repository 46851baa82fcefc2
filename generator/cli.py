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
from generator.config import Settings, load_settings, validate_source_spec
from generator.errors import ConfigError, GeneratorError


class AppGroup(click.Group):
    """Translate our errors once, here."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a GeneratorError becomes ``Error: ...`` and exit code 1."""
        try:
            return super().invoke(ctx)
        except GeneratorError as exc:
            raise click.ClickException(str(exc)) from exc


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


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


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
@click.pass_context
def demo_command(ctx: click.Context, weeks: int, out: Path | None) -> None:
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
    settings = _settings(ctx, **{"data.source": "demo"})
    started = time.perf_counter()
    with click.progressbar(length=weeks, label="Drafting demo issues", file=sys.stderr) as bar:
        result = pipeline.run_demo(
            settings, weeks=weeks, site_dir=out.resolve() if out else None, progress=lambda _: bar.update(1)
        )
    click.echo(
        f"Built {result.issues} issues with {result.calls} calls into {result.site_dir} "
        f"in {time.perf_counter() - started:.1f}s (synthetic demo data)."
    )


@cli.command("fetch")
@SOURCE_OPTION
@click.option("--tickers", "tickers", help="Comma-separated tickers (default: the configured universe).")
@click.option("--start", "start", type=click.DateTime(["%Y-%m-%d"]), help="First date to fetch.")
@click.pass_context
def fetch_command(
    ctx: click.Context, source: str | None, tickers: str | None, start: datetime | None
) -> None:
    """Bring the local price store up to date.

    \b
    Example:
        rotation fetch --source csv:../shared/data/prices/adjusted-closes
    """
    from generator import pipeline

    settings = _settings(ctx, **{"data.source": _source(source)})
    wanted = [t.strip().upper() for t in tickers.split(",") if t.strip()] if tickers else None
    summary = pipeline.fetch_prices(settings, settings.data.source, tickers=wanted, start=_day(start))
    click.echo(f"Fetch from {settings.data.source}: {summary.describe()}")


@cli.command("signals")
@SOURCE_OPTION
@AS_OF_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON (stable keys, see README.md).")
@click.pass_context
def signals_command(ctx: click.Context, source: str | None, as_of: datetime | None, as_json: bool) -> None:
    """Print the signal summary as of a date (a table, or JSON for machines).

    \b
    Example:
        rotation signals --source demo --as-of 2025-10-17 --json
    """
    from generator import pipeline
    from generator.signals import compute_signals

    settings = _settings(ctx, **{"data.source": _source(source)})
    prices = pipeline.load_prices(settings, settings.data.source)
    day = _day(as_of) or prices.last_day
    report = compute_signals(prices, settings, day)
    if as_json:
        click.echo(json.dumps(report.to_jsonable(), indent=2, sort_keys=True))
        return
    click.echo(f"Signals as of {report.as_of} (data through {report.last_session}; {report.source_label})")
    for pair in report.pairs:
        click.echo(
            f"  {pair.long}/{pair.short}: trend {pair.trend}, vs 200-day "
            f"{_fmt(pair.vs_sma_slow_pct)}, 13 weeks {_fmt(pair.change_13w_pct)}"
        )
    click.echo("Headlines:")
    for headline in report.headlines[:10]:
        click.echo(f"  [{headline.score:4.0f}] {headline.text}")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


@cli.command("draft")
@SOURCE_OPTION
@AS_OF_OPTION
@click.option("--force", is_flag=True, help="Overwrite an edited draft (a backup is kept).")
@click.pass_context
def draft_command(ctx: click.Context, source: str | None, as_of: datetime | None, force: bool) -> None:
    """Draw the charts and write the draft issue for the week ending AS_OF.

    \b
    Example:
        rotation draft --as-of 2025-09-19
    """
    from generator import pipeline

    settings = _settings(ctx, **{"data.source": _source(source)})
    prices = pipeline.load_prices(settings, settings.data.source)
    day = pipeline.last_friday(_day(as_of) or prices.last_day)
    published = pipeline.published_issues(pipeline.posts_dir(settings), settings.tickers)
    result = pipeline.draft_issue(
        settings, prices, day, source_spec=settings.data.source, force=force, published=published
    )
    _report_draft(result)


def _report_draft(result: Any) -> None:
    outcome = result.outcome
    messages = {
        "created": f"Wrote the draft {outcome.path}",
        "updated": f"Regenerated the untouched draft {outcome.path}",
        "unchanged": f"The draft {outcome.path} is already up to date",
        "beside": f"The draft was edited, so it was kept; the new draft is beside it: {outcome.path}",
        "forced": f"Overwrote {outcome.path}; the previous text is in {outcome.backup}",
    }
    click.echo(messages[outcome.action] + f" ({result.charts_written} charts drawn)")


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
    if first > last:
        raise ConfigError("--from must be on or before --to")
    prices = pipeline.load_prices(settings, settings.data.source)
    fridays = pipeline.issue_fridays(first.date(), last.date())
    published = pipeline.published_issues(pipeline.posts_dir(settings), settings.tickers)
    for friday in fridays:
        if any(i.as_of == friday for i in published):
            click.echo(f"{friday}: published, left as it is")
            continue
        _report_draft(
            pipeline.draft_issue(
                settings, prices, friday, source_spec=settings.data.source, force=force, published=published
            )
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
@click.pass_context
def build_command(ctx: click.Context, out: Path | None) -> None:
    """Rescore every call, write the ledger pages and build the site with MkDocs.

    \b
    Example:
        rotation build --out /tmp/site
    """
    from generator import pipeline

    if out is not None and out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is an existing file; give a folder for the site")
    settings = _settings(ctx)
    started = time.perf_counter()
    result = pipeline.build_site(settings, site_dir=out.resolve() if out else None)
    click.echo(
        f"Built {result.issues} issues and {result.calls} calls into {result.site_dir} "
        f"in {time.perf_counter() - started:.1f}s ({result.pages_written} pages written, "
        f"{result.charts_drawn} charts drawn in {result.seconds_generate:.1f}s; "
        f"MkDocs {result.seconds_mkdocs:.1f}s)"
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
    click.echo(f"Fetch from {settings.data.source}: {summary.describe()}")
    prices = pipeline.load_prices(settings, settings.data.source)
    day = pipeline.last_friday(prices.last_day)
    published = pipeline.published_issues(pipeline.posts_dir(settings), settings.tickers)
    _report_draft(
        pipeline.draft_issue(settings, prices, day, source_spec=settings.data.source, published=published)
    )


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rotation")
