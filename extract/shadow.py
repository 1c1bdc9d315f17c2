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


@lru_cache(maxsize=1)
def _lookup():
    """The table as a code-point → code-point array, for vectorised conversion."""
    import numpy as np

    lut = np.arange(0x110000, dtype=np.uint32)
    for src, dst in _table().items():
        lut[src] = ord(dst)
    return lut


def _codes(text: str):
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def shadow_and_script(text: str, threshold: float = 0.02) -> tuple[str, bool]:
    """(shadow of *text*, whether *text* is Traditional) in one vectorised pass.

    The conversion is a lookup in a code-point array (numpy) instead of
    ``str.translate`` with a dict: the same table, about ten times faster.
    """
    return shadow_script_codes(text, threshold)[:2]


def shadow_script_codes(text: str, threshold: float = 0.02):
    """shadow_and_script(text) and *text*'s code points (a numpy uint32
    array), which Sentences and find_layout read the line breaks and
    sentence marks from instead of scanning the text again."""
    codes = _codes(text)
    if not text:
        return text, False, codes
    import numpy as np

    mapped = _lookup().take(codes)  # take: the same gather as indexing, faster
    out = mapped.tobytes().decode("utf-32-le", "surrogatepass")
    if len(out) != len(text):  # cannot happen with a 1:1 table; never trust it
        raise AssertionError("shadow text changed length")
    # U+4E00..U+9FFF in one comparison: below U+4E00 the uint32 difference wraps round.
    cjk = (codes - np.uint32(0x4E00)) < np.uint32(0x9FFF - 0x4E00 + 1)
    n_cjk = np.count_nonzero(cjk)
    trad = np.count_nonzero(cjk & (mapped != codes)) if n_cjk else 0
    return out, bool(n_cjk) and trad / n_cjk >= threshold, codes


def shadow(text: str) -> str:
    """The Simplified, half-width shadow of *text*, same length as *text*."""
    return shadow_and_script(text)[0]


def to_simplified(text: str) -> str:
    """Simplified form of a short string (names, subjects) for output columns."""
    return shadow(text)


def is_traditional(text: str, threshold: float = 0.02) -> bool:
    """True when enough of the CJK characters are Traditional-only forms."""
    return shadow_and_script(text, threshold)[1]
