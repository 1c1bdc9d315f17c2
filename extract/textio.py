"""Reading article files: decoding with a known list of encodings, never a guess."""
from __future__ import annotations

import hashlib
import os
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


_BOM = b"\xef\xbb\xbf"
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return bool(sample) and control / len(sample) > 0.05


def decode(data: bytes) -> tuple[str, str]:
    """Decode *data* as UTF-8 (with or without BOM), GB18030 or Big5.

    Returns (text, encoding name). Raises ArticleError when none decodes
    strictly, or when the bytes look binary.
    """
    if not data or data.isspace():  # (what strip() removes, without the copy)
        raise ArticleError("empty file")
    if _looks_binary(data):
        raise ArticleError("binary file (NUL or control bytes), not text")
    try:  # utf-8-sig's decoder, less its pure-Python wrapper: one BOM dropped, the rest strict UTF-8
        if data.startswith(_BOM):
            return data[3:].decode("utf-8"), "utf-8-sig"
        return data.decode("utf-8"), "utf-8"
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
        data = _read_bytes(p)
    except OSError as e:
        raise ArticleError(f"cannot read: {e.strerror or e}") from None
    text, enc = decode(data)
    return RawArticle(article_id or p.stem, str(p), text, enc, hashlib.sha256(data).hexdigest())


def _read_bytes(p: Path) -> bytes:
    """The file's bytes; ArticleError when it is over MAX_BYTES.

    One open, fstat and reads to the end on the descriptor (the first
    system calls after an article's extraction are the slow ones: a path
    stat, then Path.read_bytes' open, fstat, seek and reads took ~75 us a
    file in a run). A file that cannot be opened takes the stat-first way,
    so its error is the one it always was (a size error for an unreadable
    file over the limit, else the open error).
    """
    try:
        fd = os.open(p, _OPEN_FLAGS)
    except OSError:
        _check_size(p.stat().st_size)
        return p.read_bytes()
    try:
        size = os.fstat(fd).st_size
        _check_size(size)
        chunks = [os.read(fd, size + 1)]
        while chunks[-1]:  # to the end, as read_bytes does, whatever stat said
            chunks.append(os.read(fd, max(size, 1 << 16)))
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 2 else b"".join(chunks)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise ArticleError(f"file is {size / 2**20:.0f} MiB, over the {MAX_BYTES // 2**20} MiB limit")


def article_from_bytes(data: bytes, article_id: str, path: str = "-") -> RawArticle:
    text, enc = decode(data)
    return RawArticle(article_id, path, text, enc, hashlib.sha256(data).hexdigest())
