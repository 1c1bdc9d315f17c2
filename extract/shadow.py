"""The Simplified, half-width *shadow* of a text.

Every rule matches on the shadow; every record reports offsets and surface
text from the original. The shadow has exactly one character per original
character, so an offset into one is an offset into the other.

- Traditional → Simplified, character by character, from OpenCC's own
  character table (``t2s``), built once per process.
- Full-width ASCII (``０-９``, ``．``, ``％``, ``（``…) → ASCII; the ideographic
  space → a plain space. ``。`` is kept: it ends sentences.
"""
from __future__ import annotations

from functools import lru_cache

# CJK Unified Ideographs, Extension A and the compatibility block: every
# character OpenCC's t2s table can map one-to-one.
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    """Translation table for str.translate: Traditional and full-width chars."""
    import opencc  # imported here so that `import extract` stays cheap

    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    table: dict[int, str] = {}
    if len(converted) == len(chars):
        for src, dst in zip(chars, converted):
            if src != dst and len(dst) == 1:
                table[ord(src)] = dst
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII block
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    # Keep sentence-ending full stops and Chinese commas as they are: rules
    # rely on them as clause boundaries.
    table.pop(ord("！"), None)
    table.pop(ord("？"), None)
    table.pop(ord("；"), None)
    table.pop(ord("，"), None)
    table.pop(ord("："), None)
    return table


def shadow(text: str) -> str:
    """The Simplified, half-width shadow of *text*, same length as *text*."""
    out = text.translate(_table())
    if len(out) != len(text):  # cannot happen with a 1:1 table; never trust it
        raise AssertionError("shadow text changed length")
    return out


def to_simplified(text: str) -> str:
    """Simplified form of a short string (names, subjects) for output columns."""
    return shadow(text)


@lru_cache(maxsize=1)
def _marker_table() -> dict[int, str]:
    """Traditional-only CJK characters → NUL, for counting them in C."""
    return {c: "\x00" for c in _table() if 0x4E00 <= c <= 0x9FFF}


_CJK = None


def is_traditional(text: str, threshold: float = 0.02) -> bool:
    """True when enough of the CJK characters are Traditional-only forms."""
    global _CJK
    import regex

    if _CJK is None:
        _CJK = regex.compile(r"[\u4e00-\u9fff]")
    cjk = len(_CJK.findall(text))
    if not cjk:
        return False
    trad = text.translate(_marker_table()).count("\x00") - text.count("\x00")
    return trad / cjk >= threshold
