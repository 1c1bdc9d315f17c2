"""Where articles come from: a folder of .txt files, a JSON Lines corpus, or
standard input (JSON Lines). Each source yields ``Source`` items that load
lazily, so a corpus is never held in memory whole."""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

from .textio import ArticleError, RawArticle, read_article

JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Source:
    """One article to process. ``path`` is a file, or ``corpus.jsonl:LINE``."""

    article_id: str
    path: str
    text: str | None = None          # JSON Lines: the `text` field
    published: date | None = None    # JSON Lines: the optional `published` field
    url: str | None = None

    def load(self) -> RawArticle:
        if self.text is None:
            return read_article(self.path, self.article_id)
        if not self.text.strip():
            raise ArticleError("empty text")
        data = self.text.encode("utf-8")
        return RawArticle(self.article_id, self.path, self.text, "utf-8", hashlib.sha256(data).hexdigest())


def _jsonl_lines(lines, name: str) -> Iterator[Source | tuple[str, str]]:
    """Sources from JSON Lines; a bad line yields (where, message) instead."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{name}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield where, f"not JSON: {e.msg}"
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj.get("id"):
            yield where, "a line needs a string 'id' and a string 'text'"
            continue
        published = None
        if obj.get("published"):
            try:
                published = date.fromisoformat(str(obj["published"])[:10])
            except ValueError:
                yield where, f"'published' is not an ISO date: {obj['published']!r}"
                continue
        yield Source(str(obj["id"]), where, obj["text"], published, obj.get("url"))


def iter_sources(raw: str | Path) -> Iterator[Source | tuple[str, str]]:
    """Every article under *raw*: a folder (``*.txt``, recursively, sorted), a
    ``.jsonl`` file, or ``-`` for JSON Lines on standard input."""
    if str(raw) == "-":
        yield from _jsonl_lines(sys.stdin, "stdin")
        return
    p = Path(raw)
    if p.is_file() and p.suffix in JSONL_SUFFIXES:
        with open(p, encoding="utf-8-sig") as fh:
            yield from _jsonl_lines(fh, str(p))
        return
    if p.is_file():
        yield Source(p.stem, str(p))
        return
    if not p.is_dir():
        raise ArticleError(f"{p}: no such folder or .jsonl file")
    for f in sorted(x for x in p.rglob("*.txt") if x.is_file()):
        yield Source(f.stem, str(f))
