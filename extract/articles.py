"""Article layout and metadata: date line, title, outlet, body span, script.

The *scope* of an article is its headline plus its body (captions included),
minus furniture lines inside the body (image placeholders such as
``…_fororder_1``, repeated headlines). Extractors report only records whose
span lies in scope, so figures in navigation menus or a junk tail never
become records.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import regex

from .rules import load_ruleset
from .sentences import Sentences
from .shadow import is_traditional, shadow
from .textio import RawArticle

HEADER_LINES = 40  # the date line is looked for in the first lines only
_PLACEHOLDER = regex.compile(r"_fororder_\w*\s*$")
_NAV = regex.compile(r"(?:[>|/]\s*){2,}|^\s*(?:首页|当前位置|您当前的位置|字体|【字体|无障碍|登录|注册)|(?:[|｜]\s*\S+\s*){3,}")


@dataclass
class Layout:
    title: str | None = None
    title_span: tuple[int, int] | None = None
    date_span: tuple[int, int] | None = None
    published: date | None = None
    date_source: str | None = None
    outlet: str | None = None
    body_start: int = 0
    body_end: int = 0
    excluded: list[tuple[int, int]] = field(default_factory=list)


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _safe_date(y: str | None, m: str | None, d: str | None) -> date | None:
    try:
        return date(int(y), int(m), int(d))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def find_layout(raw: str, shadow_text: str) -> Layout:
    rules = load_ruleset("articles")
    lines = _lines(shadow_text)
    lay = Layout(body_end=len(raw))
    date_rule = rules.by_id("article.date_line").regex
    date_line = None
    for i, (s, e) in enumerate(lines[:HEADER_LINES]):
        m = date_rule.search(shadow_text, s, e)
        if not m:
            continue
        y = m.group("y") or m.group("y2") or m.group("y3")
        mo = m.group("m") or m.group("m2") or m.group("m3")
        d = m.group("d") or m.group("d2") or m.group("d3")
        pub = _safe_date(y, mo, d)
        if pub:
            lay.published, lay.date_source = pub, "header"
            lay.date_span = m.span("text")
            date_line = i
            break
    outlet_rule = rules.by_id("article.outlet").regex
    search_ranges = lines[:HEADER_LINES] + lines[-15:]
    for s, e in search_ranges:
        m = outlet_rule.search(shadow_text, s, e)
        if m:
            lay.outlet = raw[m.start("text"):m.end("text")]
            break

    def furniture(idx: int) -> bool:
        s, e = lines[idx]
        line = shadow_text[s:e].strip()
        return (not line or bool(_NAV.search(line)) or bool(_PLACEHOLDER.search(line))
                or line.startswith(("来源:", "时间:", "编辑:", "字体")))

    # Title: the line just before the date line (skipping furniture), else the
    # first substantive line after it, else the first line of the file.
    title_idx = None
    if date_line is not None:
        for j in range(date_line - 1, -1, -1):
            if not furniture(j) and len(shadow_text[lines[j][0]:lines[j][1]].strip()) >= 6:
                title_idx = j
                break
        if title_idx is None or title_idx < date_line - 3:
            for j in range(date_line + 1, min(len(lines), date_line + 6)):
                if not furniture(j) and len(shadow_text[lines[j][0]:lines[j][1]].strip()) >= 6:
                    title_idx = j
                    break
    else:
        title_idx = next((j for j in range(min(len(lines), HEADER_LINES)) if not furniture(j)), None)
    if title_idx is not None:
        s, e = lines[title_idx]
        while s < e and raw[s].isspace():
            s += 1
        while e > s and raw[e - 1].isspace():
            e -= 1
        lay.title, lay.title_span = raw[s:e], (s, e)

    # Body: from the first line after the header (date line, title) …
    first = max(x for x in (date_line, title_idx, -1) if x is not None) + 1
    while first < len(lines) and furniture(first):
        first += 1
    lay.body_start = lines[first][0] if first < len(lines) else len(raw)
    # … to the first tail line.
    markers = rules.lexicons.get("tail_markers", [])
    prefixes = tuple(rules.lexicons.get("tail_prefixes", []))
    end_idx = len(lines)
    for j in range(first + 1, len(lines)):
        s, e = lines[j]
        line = shadow_text[s:e].strip()
        if line.startswith(prefixes) or any(mk in line for mk in markers):
            end_idx = j
            break
    lay.body_end = lines[end_idx - 1][1] if end_idx > first else lay.body_start
    if lay.body_end < lay.body_start:
        lay.body_end = lay.body_start
    # Furniture inside the body: image placeholder lines and repeated headlines.
    for j in range(first, end_idx):
        s, e = lines[j]
        line = shadow_text[s:e].strip()
        if _PLACEHOLDER.search(line) or (lay.title and line == shadow(lay.title)):
            lay.excluded.append((s, e))
    return lay


@dataclass
class Document:
    """One article ready for the extractors: raw text, shadow, sentences, scope."""

    article_id: str
    raw: str
    shadow: str
    sentences: Sentences
    layout: Layout
    raw_article: RawArticle | None = None

    @classmethod
    def from_text(cls, raw: str, article_id: str = "-", raw_article: RawArticle | None = None) -> "Document":
        sh = shadow(raw)
        return cls(article_id, raw, sh, Sentences(raw), find_layout(raw, sh), raw_article)

    @classmethod
    def from_snippet(cls, raw: str, article_id: str = "snippet", published: date | None = None) -> "Document":
        """A bare piece of text (a rule example, a test): all of it is body."""
        sh = shadow(raw)
        lay = Layout(body_start=0, body_end=len(raw), published=published,
                     date_source="header" if published else None)
        return cls(article_id, raw, sh, Sentences(raw), lay)

    @property
    def published(self) -> date | None:
        return self.layout.published

    def scopes(self) -> list[tuple[int, int]]:
        """Spans extractors look at: the headline and the body."""
        out = []
        if self.layout.title_span and self.layout.title_span[1] <= self.layout.body_start:
            out.append(self.layout.title_span)
        out.append((self.layout.body_start, self.layout.body_end))
        return out

    def in_scope(self, start: int, end: int) -> bool:
        if any(s <= start and end <= e for s, e in self.layout.excluded):
            return False
        return any(s <= start and end <= e for s, e in self.scopes())

    def sentence_at(self, offset: int) -> str:
        return self.sentences.sentence_at(offset)

    @property
    def script(self) -> str:
        return "traditional" if is_traditional(self.raw) else "simplified"
