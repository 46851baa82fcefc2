"""Site build of a long archive (default 520 weekly demo issues, 10 years) vs a bare Material build.

    python bench/bench_site.py [--weeks 520] [--repeat 2]

The archive is drafted once into bench/out/ws-<weeks>/ (slow the first time: it is the whole
demo pipeline) and reused afterwards. Then it times:

- ``rotation build`` cold: generated pages, call and ticker charts and social cards removed
  and their cache emptied, so everything is generated and drawn again, then MkDocs;
- ``rotation build`` warm: nothing changed since the last build (the weekly case);
- a bare Material build of the same posts and their chart images: theme material, the blog
  plugin with the same URL settings, search; no tags, RSS, ledger, ticker pages or overrides.

DESIGN.md's budget: the site build within 2x of the bare build. Results go to stdout and to
bench/out/bench_site-<weeks>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator import pipeline  # noqa: E402
from generator.config import load_settings  # noqa: E402
from generator.site.write import GENERATED_DIRS  # noqa: E402
from tests.helpers import make_workspace  # noqa: E402

BARE_MKDOCS = """site_name: Bare
site_url: https://example.org/bare/
docs_dir: docs
site_dir: site
theme: {name: material, font: false}
plugins:
  - search
  - blog:
      blog_dir: issues
      post_url_format: "{date}/{slug}"
      post_url_date_format: yyyy/MM
      archive_date_format: MMMM yyyy
      archive_url_date_format: yyyy/MM
      post_excerpt: required
      pagination_per_page: 10
      authors: false
markdown_extensions: [admonition, attr_list, md_in_html, tables]
nav:
  - Issues:
      - issues/index.md
"""


def archive(weeks: int) -> Path:
    """A workspace holding ``weeks`` published demo issues (drafted once, then reused)."""
    workspace = REPO / "bench" / "out" / f"ws-{weeks}"
    posts = workspace / "content" / "issues" / "posts"
    if posts.is_dir() and len(list(posts.glob("*.md"))) >= weeks:
        return workspace
    shutil.rmtree(workspace, ignore_errors=True)
    make_workspace(workspace)
    settings = load_settings(workspace / "newsletter.toml", **{"data.source": "demo"})
    started = time.perf_counter()
    print(f"Drafting {weeks} demo issues into {workspace} (once)...", flush=True)
    pipeline.run_demo(settings, weeks=weeks, site_dir=workspace / "site", now=datetime.now(UTC))
    print(f"  drafted and built in {time.perf_counter() - started:.0f} s", flush=True)
    return workspace


def timed_build(workspace: Path, *, cold: bool) -> dict[str, float]:
    """One ``rotation build`` (in this process, MkDocs as its usual subprocess)."""
    settings = load_settings(workspace / "newsletter.toml")
    if cold:
        shutil.rmtree(settings.cache_dir / "charts", ignore_errors=True)
        for folder in GENERATED_DIRS:
            shutil.rmtree(settings.content_dir / folder, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = pipeline.build_site(settings, site_dir=workspace / "site")
    total = time.perf_counter() - started
    return {
        "total_s": round(total, 2),
        "generate_s": round(result.seconds_generate, 2),
        "mkdocs_s": round(result.seconds_mkdocs, 2),
        "pages_written": result.pages_written,
        "charts_drawn": result.charts_drawn,
        "calls": result.calls,
        "issues": result.issues,
        "mkdocs_max_rss_mb": round(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1e3),
    }


def bare_workspace(workspace: Path) -> Path:
    """The same posts and their chart images under a bare Material blog."""
    bare = workspace.parent / f"{workspace.name}-bare"
    shutil.rmtree(bare, ignore_errors=True)
    docs = bare / "docs"
    shutil.copytree(workspace / "content" / "issues" / "posts", docs / "issues" / "posts")
    shutil.copytree(workspace / "content" / "assets" / "charts", docs / "assets" / "charts")
    (docs / "issues" / "index.md").write_text("# Issues\n")
    (bare / "mkdocs.yml").write_text(BARE_MKDOCS)
    return bare


def timed_bare(bare: Path) -> float:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=bare, env=env, check=True)
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--repeat", type=int, default=2, help="Runs of each warm measurement (best is kept).")
    args = parser.parse_args()
    workspace = archive(args.weeks)
    cold = timed_build(workspace, cold=True)
    warm = min((timed_build(workspace, cold=False) for _ in range(args.repeat)), key=lambda r: r["total_s"])
    bare = bare_workspace(workspace)
    bare_s = min(timed_bare(bare) for _ in range(args.repeat))
    report = {
        "weeks": args.weeks,
        "cpus": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
        "rotation_build_cold": cold,
        "rotation_build_warm": warm,
        "bare_material_build_s": bare_s,
        "warm_total_vs_bare": round(warm["total_s"] / bare_s, 2),
        "warm_mkdocs_vs_bare": round(warm["mkdocs_s"] / bare_s, 2),
    }
    out = REPO / "bench" / "out" / f"bench_site-{args.weeks}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(
        f"\n{args.weeks} issues, {warm['calls']} calls: rotation build {warm['total_s']} s warm "
        f"({warm['generate_s']} s pages + {warm['mkdocs_s']} s MkDocs), {cold['total_s']} s cold; "
        f"bare Material {bare_s} s; warm/bare = {report['warm_total_vs_bare']}x (target <= 2x)"
    )


if __name__ == "__main__":
    main()
