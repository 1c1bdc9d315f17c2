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
