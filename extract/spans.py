"""Records indexed by position, so an extractor can ask for the ones in a
window in O(log n) instead of scanning every record for every mention
(which made long texts with no punctuation quadratic)."""
from __future__ import annotations

import bisect


class SpanIndex:
    """Records (anything with char_start/char_end) sorted by start."""

    def __init__(self, records):
        self.records = sorted(records, key=lambda r: r.char_start)
        self.starts = [r.char_start for r in self.records]

    def within(self, start: int, end: int) -> list:
        """Records lying wholly inside [start, end)."""
        lo = bisect.bisect_left(self.starts, start)
        hi = bisect.bisect_left(self.starts, end)
        return [r for r in self.records[lo:hi] if r.char_end <= end]

    def starting(self, start: int, end: int) -> list:
        """Records starting inside [start, end]."""
        lo = bisect.bisect_left(self.starts, start)
        hi = bisect.bisect_right(self.starts, end)
        return self.records[lo:hi]

    def covering(self, pos: int, reach: int = 64) -> list:
        """Records that contain offset *pos* (none is longer than *reach*)."""
        lo = bisect.bisect_left(self.starts, pos - reach)
        hi = bisect.bisect_right(self.starts, pos)
        return [r for r in self.records[lo:hi] if r.char_start <= pos < r.char_end]


def boundary_before(text: str, pos: int, stops: str, floor: int = 0) -> int:
    """Start of the stretch ending at *pos*: just after the nearest stop
    character before it, but never before *floor* (walks stay bounded, so a
    text without punctuation stays linear)."""
    i, floor = pos, max(0, floor)
    while i > floor and text[i - 1] not in stops:
        i -= 1
    return i


def boundary_after(text: str, pos: int, stops: str, ceil: int | None = None) -> int:
    """End of the stretch starting at *pos*: the nearest stop character at or
    after it, but never past *ceil*."""
    i = pos
    ceil = len(text) if ceil is None else min(ceil, len(text))
    while i < ceil and text[i] not in stops:
        i += 1
    return i


class StopIndex:
    """The positions of the stop characters of one text, found in one vectorised
    pass: ``before``/``after`` answer as ``boundary_before``/``boundary_after``
    do, by bisection instead of a character-by-character walk."""

    def __init__(self, text: str, stops: str):
        import numpy as np

        self.n = len(text)
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        mask = np.zeros(len(codes), dtype=bool)
        for c in set(stops):  # a few vectorised comparisons beat a regex scan of the text
            mask |= codes == ord(c)
        self.pos = np.flatnonzero(mask).tolist()

    def before(self, pos: int, floor: int = 0) -> int:
        floor = max(0, floor)
        if pos <= floor:
            return pos
        k = bisect.bisect_left(self.pos, pos) - 1
        return self.pos[k] + 1 if k >= 0 and self.pos[k] >= floor else floor

    def after(self, pos: int, ceil: int | None = None) -> int:
        ceil = self.n if ceil is None else min(ceil, self.n)
        if pos >= ceil:
            return pos
        k = bisect.bisect_left(self.pos, pos)
        return self.pos[k] if k < len(self.pos) and self.pos[k] < ceil else ceil
