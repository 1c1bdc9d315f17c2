"""Reading article files: decoding with a known list of encodings, never a guess."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 64 * 1024 * 1024  # refuse files larger than this (64 MiB)

# Tried in this order. Each must decode the whole file strictly.
ENCODINGS = ("utf-8-sig", "gb18030", "big5")


class ArticleError(Exception):
    """An article that cannot be processed; the message is one line for users."""


@dataclass(frozen=True)
class RawArticle:
    article_id: str
    path: str
    text: str
    encoding: str
    sha256: str


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return True
    sample = data[:8192]
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return bool(sample) and control / len(sample) > 0.05


def decode(data: bytes) -> tuple[str, str]:
    """Decode *data* as UTF-8 (with or without BOM), GB18030 or Big5.

    Returns (text, encoding name). Raises ArticleError when none decodes
    strictly, or when the bytes look binary.
    """
    if not data.strip():
        raise ArticleError("empty file")
    if _looks_binary(data):
        raise ArticleError("binary file (NUL or control bytes), not text")
    for enc in ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        name = "utf-8" if enc == "utf-8-sig" else enc
        if enc == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
            name = "utf-8-sig"
        return text, name
    raise ArticleError("not valid UTF-8, GB18030 or Big5; skipped rather than guessed")


def read_article(path: str | Path, article_id: str | None = None) -> RawArticle:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ArticleError(f"file is {size / 2**20:.0f} MiB, over the {MAX_BYTES // 2**20} MiB limit")
        data = p.read_bytes()
    except OSError as e:
        raise ArticleError(f"cannot read: {e.strerror or e}") from None
    text, enc = decode(data)
    return RawArticle(article_id or p.stem, str(p), text, enc, hashlib.sha256(data).hexdigest())


def article_from_bytes(data: bytes, article_id: str, path: str = "-") -> RawArticle:
    text, enc = decode(data)
    return RawArticle(article_id, path, text, enc, hashlib.sha256(data).hexdigest())
