"""Records indexed by position, so an extractor can ask for the ones in a
window in O(log n) instead of scanning every record for every mention
(which made long texts with no punctuation quadratic)."""
from __future__ import annotations

import bisect
from functools import lru_cache
from operator import attrgetter

_char_start = attrgetter("char_start")


class SpanIndex:
    """Records (anything with char_start/char_end) sorted by start."""

    def __init__(self, records):
        """Records as sorted(records, key=char_start): a stable sort, so
        records already in start order (as extractors emit them) stay as
        they are, found by sorting the starts alone (timsort reads a sorted
        list in one pass) instead of the records by a key function."""
        records = list(records)
        starts = [r.char_start for r in records]
        if starts != sorted(starts):
            records.sort(key=_char_start)
            starts = [r.char_start for r in records]
        self.records, self.starts = records, starts

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


@lru_cache(maxsize=8)
def _stop_table(stops: str):
    """A flag per code point of the Basic Multilingual Plane, set for the
    characters of *stops*, and one more, unset, standing for every code point
    above it; None when a stop lies above the plane."""
    import numpy as np

    if any(ord(c) > 0xFFFF for c in stops):
        return None
    table = np.zeros(0x10001, dtype=bool)
    for c in stops:
        table[ord(c)] = True
    return table


def stop_positions(text: str, stops: str) -> list[int]:
    """The positions of the characters of *stops* in *text*, ascending, from
    one table look-up per code point (``take``'s clip mode sends every code
    point above the plane to the table's last, unset, entry)."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _stop_table(stops)
    if table is None:  # a stop outside the plane: a comparison per stop character
        mask = np.zeros(len(codes), dtype=bool)
        for c in set(stops):
            mask |= codes == ord(c)
        return np.flatnonzero(mask).tolist()
    return np.flatnonzero(table.take(codes, mode="clip")).tolist()


class StopIndex:
    """The positions of the stop characters of one text, found in one vectorised
    pass: ``before``/``after`` answer as ``boundary_before``/``boundary_after``
    do, by bisection instead of a character-by-character walk."""

    def __init__(self, text: str, stops: str):
        self.n = len(text)
        self.pos = stop_positions(text, stops)

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

    def around(self, pos: int, floor: int = 0, ceil: int | None = None) -> tuple[int, int]:
        """``(before(pos, floor), after(pos, ceil))`` from the one bisection they share."""
        return self.around_each((pos,), abs(pos) + self.n + 1, floor, ceil)[0]  # (a reach past either end)

    def around_each(self, positions, reach: int, floor: int = 0,
                    ceil: int | None = None) -> list[tuple[int, int]]:
        """``[around(p, max(floor, p - reach), min(ceil, p + reach)) for p in
        positions]`` for ascending *positions*, in one loop: a call of
        ``around`` per position, with its max and min, cost about four times
        its bisection, and here each bisection starts where the last ended."""
        stops, n = self.pos, self.n
        last = ceil if ceil is not None and ceil < n else n
        first = floor if floor > 0 else 0
        out = []
        k = 0
        for pos in positions:
            lo = pos - reach if pos - reach > first else first
            hi = pos + reach if pos + reach < last else last
            k = bisect.bisect_left(stops, pos, k)
            if pos <= lo:
                start = pos
            else:
                start = stops[k - 1] + 1 if k > 0 and stops[k - 1] >= lo else lo
            if pos >= hi:
                end = pos
            else:
                end = stops[k] if k < len(stops) and stops[k] < hi else hi
            out.append((start, end))
        return out
