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

import codecs
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


# What a character is, for the readers of one pass over a text (scan): the
# script share counts CJK and TRADITIONAL (U+4E00..U+9FFF that the table
# changes), Sentences splits at TERMINATOR, FULL_STOP and NEWLINE and checks
# the neighbours of a FULL_STOP (。, which may be a decimal point) only where
# both are MAYBE_DIGIT, find_layout reads the line breaks. Marks are the
# classes from TERMINATOR up.
PLAIN, MAYBE_DIGIT, CJK, TRADITIONAL, TERMINATOR, FULL_STOP, NEWLINE = range(7)
TERMINATORS = "。！？；!?;"  # the sentence terminators (a newline ends a sentence too)


@lru_cache(maxsize=1)
def _classes():
    """The class of every code point, a uint8 array (see PLAIN…NEWLINE).

    MAYBE_DIGIT is every code point that may be a decimal digit: 0-9 and
    whatever is outside ASCII and U+3000..U+9FFF (CJK punctuation, kana and
    ideographs hold none), less the other classes.
    """
    import numpy as np

    classes = np.full(0x110000, MAYBE_DIGIT, dtype=np.uint8)
    classes[:0x80] = PLAIN
    classes[ord("0"):ord("9") + 1] = MAYBE_DIGIT
    classes[0x3000:0xA000] = PLAIN
    cjk = np.arange(0x4E00, 0xA000)
    classes[cjk] = np.where(_lookup()[cjk] != cjk, TRADITIONAL, CJK)
    classes[[ord(c) for c in TERMINATORS]] = TERMINATOR
    classes[ord("。")] = FULL_STOP
    classes[ord("\n")] = NEWLINE
    return classes


# The shadow code point and the class of every code point in one uint32
# table: the code point in the low 21 bits, the class in the top byte. One
# gather from it gives both (a gather costs ~13 instructions a character, and
# the pair of uint8/uint32 tables it replaces took two).
_CLASS_SHIFT = 24
_CODE_MASK = (1 << 21) - 1


@lru_cache(maxsize=1)
def _shadow_and_class():
    """_lookup() with _classes() in the top byte (see above)."""
    import numpy as np

    return _lookup() | (_classes().astype(np.uint32) << _CLASS_SHIFT)


class Scan:
    """One vectorised pass over a text: its shadow, its script, and for
    Sentences and find_layout its code points and their classes, from which
    they read the sentence marks and line breaks instead of scanning again."""

    __slots__ = ("shadow", "traditional", "codes", "classes", "_marks")

    def __init__(self, shadow: str, traditional: bool, codes, classes):
        self.shadow, self.traditional, self.codes, self.classes = shadow, traditional, codes, classes
        self._marks = None

    def marks(self):
        """(positions of the terminators and newlines, ascending; the class
        of each: TERMINATOR, FULL_STOP or NEWLINE), numpy arrays."""
        if self._marks is None:
            at = (self.classes >= TERMINATOR).nonzero()[0]
            self._marks = at, self.classes.take(at)
        return self._marks

    def line_breaks(self):
        """The positions of the newlines, ascending (a numpy array)."""
        at, kinds = self.marks()
        return at[kinds == NEWLINE]


def scan(text: str, threshold: float = 0.02) -> Scan:
    """The Scan of *text*; *threshold*: the share of Traditional-only forms
    among its CJK characters that makes it Traditional.

    The conversion is a lookup in a code-point array (numpy) instead of
    ``str.translate`` with a dict: the same table, about ten times faster.
    The same gather gives every character's class (_shadow_and_class): the
    classes are a view of the gathered array's top bytes, no copy.
    """
    import numpy as np

    codes = _codes(text)
    if not text:
        return Scan(text, False, codes, np.zeros(0, dtype=np.uint8))
    both = _shadow_and_class().take(codes)
    # Decoded from the array's own buffer: no bytes copy of it first.
    out = codecs.utf_32_le_decode(both & _CODE_MASK, "surrogatepass", True)[0]
    if len(out) != len(text):  # cannot happen with a 1:1 table; never trust it
        raise AssertionError("shadow text changed length")
    classes = (both >> _CLASS_SHIFT).astype(np.uint8)
    n_trad = np.count_nonzero(classes == TRADITIONAL)
    n_cjk = n_trad + np.count_nonzero(classes == CJK)
    return Scan(out, bool(n_cjk) and n_trad / n_cjk >= threshold, codes, classes)


def shadow_and_script(text: str, threshold: float = 0.02) -> tuple[str, bool]:
    """(shadow of *text*, whether *text* is Traditional) in one vectorised pass."""
    sc = scan(text, threshold)
    return sc.shadow, sc.traditional


def shadow(text: str) -> str:
    """The Simplified, half-width shadow of *text*, same length as *text*."""
    return shadow_and_script(text)[0]


def to_simplified(text: str) -> str:
    """Simplified form of a short string (names, subjects) for output columns."""
    return shadow(text)


def is_traditional(text: str, threshold: float = 0.02) -> bool:
    """True when enough of the CJK characters are Traditional-only forms."""
    return shadow_and_script(text, threshold)[1]
