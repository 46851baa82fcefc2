"""The letter lint: checks a drafted issue's Markdown against LETTER.md (pure: text in, findings out).

It reads the product as a reader gets it, the Markdown of the post, so it judges any
generator (today's and yesterday's) by the same rules. What it counts:

- ``prose_words``: words outside front matter, tables, figures, HTML comments and the
  editor's placeholder boxes (headings, list items, paragraphs and the dashboard's one-line
  intros count). Over ``max_prose_words`` is a finding.
- ``repeated``: a sentence of four words or more said twice in one issue (prose sentences and
  table cells of six words or more, compared without Markdown, case and spacing).
- ``zero_pct``: a prose sentence that states ``0.0%`` (or ``+0.0%``, ``-0.0%``).
- ``missing_number``: a prose sentence with ``n/a``, ``nan`` or ``None`` in it.
- ``raw_ratio``: a number with four or more decimals in prose (a raw ratio value).
- ``dense``: a prose sentence with more than three measured numbers (decimals and percents;
  dates, years and whole counts are not counted).
- ``contradictions``: two claims about the same ticker that cannot both hold. Claims come
  from the title and prose sentences (each clause between semicolons) whose subject (first
  ticker named) is the ticker, and
  from table rows that start with it (``**T**``): *at its high* (a record this week, "at the
  high", a ``from all-time high`` cell within 0.05%), *below its high* (that cell under
  -0.05%), *under a ceiling* ("attempting to complete", "below/under the ... ceiling", a base
  state "attempting"), *broke out this week* (a base completed, a base state "breakout") and
  *failed* (a failed breakout). The pairs that cannot hold together: high and below-high,
  high and under-a-ceiling, high and failed, broke-out and under-a-ceiling, broke-out and
  failed. Sentences about a ratio ("ratio", "relative", "against") make no instrument claim,
  and neither do sentences about an earlier week ("last week", "weeks ago").
- ``title_repeated``: the title equals the previous issue's title (``lint_issue(previous_title=)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import yaml

FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.S)
WORD = re.compile(r"[A-Za-z0-9$][\w'’./%$+,&-]*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(*\"“])")
ZERO_PCT = re.compile(r"(?<![\d.])[+-]?0\.0+%")
MISSING = re.compile(r"\bn/a\b|\bnan\b|\bNone\b")
RAW_RATIO = re.compile(r"(?<![\d.])\d+\.\d{4,}(?![\d%])")
MEASURED = re.compile(r"(?<![\w.])[+-]?\d[\d,]*\.\d+%?|(?<![\w.])[+-]?\d+%")
EARLIER = re.compile(r"\blast week\b|\bweeks ago\b|\bweek ago\b")
RELATIVE = re.compile(r"\bratio\b|\brelative\b|\bagainst\b|\bvs\.?\b|/")

AT_HIGH = re.compile(
    r"new all-time high|at a (?:new )?record|closes? at a record|sets? a (?:new )?record|"
    r"first weekly close above its all-time high|record on a total-return basis|at its (?:all-time )?high\b"
)
FAILED = re.compile(r"\bfail(?:ed|s)\b|\bfell back\b")
UNDER_CEILING = re.compile(
    r"attempting to complete|(?:below|under) the [^.]*ceiling|tests? the ceiling|testing the ceiling"
)
BROKE_OUT = re.compile(
    r"closed above the ceiling|completed an? [^.]*base|completes an? [^.]*base|"
    r"first weekly close above (?:the|its) [^.]*ceiling|breaks out of an? [^.]*base"
)
CONFLICTS = (
    ("at_high", "below_high"),
    ("at_high", "under_ceiling"),
    ("at_high", "failed"),
    ("broke_out", "under_ceiling"),
    ("broke_out", "failed"),
)


@dataclass(frozen=True)
class ParsedIssue:
    """A post split into what the lint reads."""

    title: str
    prose: list[str]  # paragraphs and list items, Markdown stripped, in order
    tables: list[list[list[str]]]  # each table: its rows (header first), cells stripped


@dataclass
class LintResult:
    """What one issue's lint found (counts; the lists say which sentences or tickers)."""

    title: str
    prose_words: int
    max_prose_words: int
    repeated: list[str] = field(default_factory=list)
    zero_pct: list[str] = field(default_factory=list)
    missing_number: list[str] = field(default_factory=list)
    raw_ratio: list[str] = field(default_factory=list)
    dense: list[str] = field(default_factory=list)
    contradictions: list[str] = field(default_factory=list)
    title_repeated: bool = False

    @property
    def over_budget(self) -> bool:
        """True when the prose is longer than the budget."""
        return self.prose_words > self.max_prose_words

    def problems(self) -> list[str]:
        """Each finding as one line (the required checks first)."""
        out = []
        if self.over_budget:
            out.append(f"prose is {self.prose_words} words (budget {self.max_prose_words})")
        out += [f"repeated sentence: {s}" for s in self.repeated]
        out += [f"0.0% sentence: {s}" for s in self.zero_pct]
        out += [f"contradiction: {c}" for c in self.contradictions]
        if self.title_repeated:
            out.append(f"title repeats the previous issue's: {self.title}")
        out += [f"missing number: {s}" for s in self.missing_number]
        out += [f"raw ratio value: {s}" for s in self.raw_ratio]
        return out


def strip_markdown(text: str) -> str:
    """Text without emphasis, links, attribute lists, entities or escapes."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)(\{[^}]*\})?", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = re.sub(r"(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)", "", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = re.sub(r"\\([\[\]{}|*_])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def parse_issue(markdown: str) -> ParsedIssue:
    """Title, prose blocks and tables of a post (front matter, figures, comments and editor
    placeholder boxes are left out).
    """
    title = ""
    body = markdown
    match = FRONT_MATTER.match(markdown)
    if match:
        meta = yaml.safe_load(match.group(1)) or {}
        title = str(meta.get("title") or "") if isinstance(meta, dict) else ""
        body = markdown[match.end() :]
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    body = re.sub(r"<figure\b.*?</figure>", "", body, flags=re.S)
    prose: list[str] = []
    tables: list[list[list[str]]] = []
    block: list[str] = []
    table: list[list[str]] = []
    skipping_box = False

    def flush() -> None:
        if block:
            prose.append(strip_markdown(" ".join(block)))
            block.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if skipping_box:
            if raw.startswith("    ") or not line:
                continue
            skipping_box = False
        if line.startswith("!!! editor"):
            flush()
            skipping_box = True
            continue
        if line.startswith("|"):
            flush()
            cells = [strip_markdown(c) for c in re.split(r"(?<!\\)\|", line.strip("|"))]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells if c):
                table.append(cells)
            continue
        if table:
            tables.append(table)
            table = []
        if not line:
            flush()
            continue
        if line.startswith("# "):  # the title (counted once, as the title)
            flush()
            title = title or strip_markdown(line[2:])
            continue
        if re.match(r"^(?:\?\?\?\+?|!!!)\s", line):
            flush()
            quoted = re.search(r"\"(.*)\"", line)
            if quoted:
                prose.append(strip_markdown(quoted.group(1)))
            continue
        if re.match(r"^(#{1,6}\s|[-*]\s|\d+\.\s)", line):
            flush()
            line = re.sub(r"^(#{1,6}|[-*]|\d+\.)\s+", "", line)
        block.append(line)
    flush()
    if table:
        tables.append(table)
    return ParsedIssue(title, [p for p in prose if p], tables)


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut into sentences (a full stop, question or exclamation mark, then a capital)."""
    return [s.strip() for s in SENTENCE_END.split(paragraph) if s.strip()]


def count_words(parsed: ParsedIssue) -> int:
    """Words of prose (the title counts once, as the H1 or front-matter title)."""
    return sum(len(WORD.findall(p)) for p in [parsed.title, *parsed.prose])


def _norm(sentence: str) -> str:
    return re.sub(r"[^a-z0-9%.+-]+", " ", sentence.lower()).strip()


def _ticker_pattern(tickers: Iterable[str]) -> re.Pattern[str]:
    names = sorted(set(tickers), key=len, reverse=True)
    if not names:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![A-Za-z0-9.^=/])(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9/])")


def _sentence_claims(sentence: str, subject: str, claims: dict[str, dict[str, str]]) -> None:
    if EARLIER.search(sentence) or RELATIVE.search(sentence):
        return
    found = claims.setdefault(subject, {})
    if FAILED.search(sentence):
        found.setdefault("failed", sentence)
        return
    if AT_HIGH.search(sentence):
        found.setdefault("at_high", sentence)
    if UNDER_CEILING.search(sentence):
        found.setdefault("under_ceiling", sentence)
    elif BROKE_OUT.search(sentence):
        found.setdefault("broke_out", sentence)


def _pct(cell: str) -> float | None:
    match = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)%", cell.replace("−", "-").strip())
    return float(match.group(1)) if match else None


def _table_claims(table: list[list[str]], known: re.Pattern[str], claims: dict[str, dict[str, str]]) -> None:
    header = [c.lower() for c in table[0]]
    for row in table[1:]:
        if not row or not known.fullmatch(row[0]):
            continue
        ticker = row[0]
        found = claims.setdefault(ticker, {})
        for name, cell in zip(header, row, strict=False):
            where = f"table '{name}': {cell}"
            if "from all-time high" in name or name == "from high":
                value = _pct(cell)
                if cell.strip().lower() in ("at the high", "at a record", "record") or (
                    value is not None and abs(value) < 0.05
                ):
                    found.setdefault("at_high", where)
                elif value is not None and value <= -0.05:
                    found.setdefault("below_high", where)
            if name in ("state", "base", "base state"):
                state = cell.strip().lower()
                if state == "attempting":
                    found.setdefault("under_ceiling", where)
                elif state == "breakout":
                    found.setdefault("broke_out", where)
                elif state == "failed":
                    found.setdefault("failed", where)


def contradictions(parsed: ParsedIssue, tickers: Sequence[str]) -> list[str]:
    """Pairs of claims about one ticker that cannot both hold (see the module doc)."""
    known = _ticker_pattern(tickers)
    claims: dict[str, dict[str, str]] = {}
    for sentence in [parsed.title, *(s for p in parsed.prose for s in sentences(p))]:
        for clause in sentence.split(";"):  # "A and B complete bases; C closes at a record"
            named = known.findall(clause)
            if named:
                _sentence_claims(clause, named[0], claims)
    for table in parsed.tables:
        if table:
            _table_claims(table, known, claims)
    out = []
    for ticker in sorted(claims):
        found = claims[ticker]
        for a, b in CONFLICTS:
            if a in found and b in found:
                out.append(f"{ticker}: {a} ({found[a]}) vs {b} ({found[b]})")
    return out


def lint_issue(
    markdown: str,
    *,
    tickers: Sequence[str],
    max_prose_words: int = 600,
    previous_title: str | None = None,
) -> LintResult:
    """Every check of the module doc on one post."""
    parsed = parse_issue(markdown)
    result = LintResult(parsed.title, count_words(parsed), max_prose_words)
    said: dict[str, int] = {}
    prose_sentences = [s for p in parsed.prose for s in sentences(p)]
    cells = [c for t in parsed.tables for row in t[1:] for c in row if len(WORD.findall(c)) >= 6]
    for sentence in [*prose_sentences, *cells]:
        key = _norm(sentence)
        if len(key.split()) >= 4:
            said[key] = said.get(key, 0) + 1
            if said[key] == 2:
                result.repeated.append(sentence)
    for sentence in prose_sentences:
        if ZERO_PCT.search(sentence):
            result.zero_pct.append(sentence)
        if MISSING.search(sentence):
            result.missing_number.append(sentence)
        if RAW_RATIO.search(sentence):
            result.raw_ratio.append(sentence)
        if len(MEASURED.findall(sentence)) > 3:
            result.dense.append(sentence)
    result.contradictions = contradictions(parsed, tickers)
    if previous_title is not None and previous_title.strip().lower() == parsed.title.strip().lower():
        result.title_repeated = True
    return result


@dataclass
class LintSummary:
    """Counts over many issues (the figures of the note)."""

    issues: int = 0
    over_budget: int = 0
    words_max: int = 0
    words_total: int = 0
    repeated: int = 0  # issues with a repeated sentence
    zero_pct: int = 0  # issues with a 0.0% sentence
    contradictions: int = 0  # issues with a contradiction
    title_repeated: int = 0  # issues whose title repeats the previous one
    missing_number: int = 0
    raw_ratio: int = 0
    dense: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, result: LintResult, label: str) -> None:
        """Count one issue's findings."""
        self.issues += 1
        self.words_total += result.prose_words
        self.words_max = max(self.words_max, result.prose_words)
        for name, hit in (
            ("over_budget", result.over_budget),
            ("repeated", bool(result.repeated)),
            ("zero_pct", bool(result.zero_pct)),
            ("contradictions", bool(result.contradictions)),
            ("title_repeated", result.title_repeated),
            ("missing_number", bool(result.missing_number)),
            ("raw_ratio", bool(result.raw_ratio)),
            ("dense", bool(result.dense)),
        ):
            if hit:
                setattr(self, name, getattr(self, name) + 1)
                first = {
                    "over_budget": f"{result.prose_words} words",
                    "repeated": (result.repeated or [""])[0],
                    "zero_pct": (result.zero_pct or [""])[0],
                    "contradictions": (result.contradictions or [""])[0],
                    "title_repeated": result.title,
                    "missing_number": (result.missing_number or [""])[0],
                    "raw_ratio": (result.raw_ratio or [""])[0],
                    "dense": (result.dense or [""])[0],
                }[name]
                self.examples.setdefault(name, [])
                if len(self.examples[name]) < 3:
                    self.examples[name].append(f"{label}: {first}")

    @property
    def words_mean(self) -> float:
        """Mean prose words per issue."""
        return self.words_total / self.issues if self.issues else 0.0

    def table(self) -> str:
        """The counts as a Markdown table."""
        rows = [
            ("issues linted", self.issues),
            ("prose over the budget", self.over_budget),
            ("prose words, mean / max", f"{self.words_mean:.0f} / {self.words_max}"),
            ("with a repeated sentence", self.repeated),
            ("with a 0.0% sentence", self.zero_pct),
            ("with a contradiction", self.contradictions),
            ("title repeats last week's", self.title_repeated),
            ("with n/a, nan or None in a sentence", self.missing_number),
            ("with a raw ratio value", self.raw_ratio),
            ("with a sentence of more than 3 numbers", self.dense),
        ]
        return "\n".join(["| check | count |", "|---|---:|", *(f"| {a} | {b} |" for a, b in rows)])
