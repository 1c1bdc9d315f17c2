"""Reading article files: decoding with a known list of encodings, never a guess."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 8 * 1024 * 1024  # larger files are not news articles: refused (8 MiB)

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


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return True
    sample = data[:8192]
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
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
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    # GB18030 accepts almost any byte string, Big5 files included, so when
    # both decode strictly the one that reads as Chinese text wins.
    candidates = []
    for enc in ENCODINGS[1:]:
        try:
            candidates.append((_plausibility(data.decode(enc)), -len(candidates), enc))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise ArticleError("not valid UTF-8, GB18030 or Big5; skipped rather than guessed")
    score, _, enc = max(candidates)
    if score <= 0:
        raise ArticleError(f"decodes as {enc} only into unreadable characters; skipped rather than guessed")
    return data.decode(enc), enc


def _plausibility(text: str, sample: int = 4000) -> float:
    """How much *text* reads as Chinese prose: common characters count for,
    private-use, kana, Cyrillic, box-drawing and rare extension characters
    (what a wrong double-byte decoding produces) count against."""
    good = bad = 0
    for ch in text[:sample]:
        o = ord(ch)
        if ch.isascii() or 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or ch in "“”‘’…—·":
            good += 1
        elif 0x4E00 <= o <= 0x9FFF:
            good += 1 if _common_hanzi(ch) else 0
        elif 0xE000 <= o <= 0xF8FF or 0x3040 <= o <= 0x30FF or 0x0370 <= o <= 0x04FF \
                or 0x2500 <= o <= 0x257F or 0x3400 <= o <= 0x4DBF or 0xFF61 <= o <= 0xFF9F:
            bad += 1
    return (good - 5 * bad) / max(1, min(len(text), sample))


def _common_hanzi(ch: str) -> bool:
    """In GB2312 or in Big5's frequent-character block: everyday characters."""
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        pass
    try:
        b = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return 0xA440 <= int.from_bytes(b, "big") <= 0xC67E


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
