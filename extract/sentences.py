"""Sentence spans: split on 。！？；and line breaks, never inside a number."""
from __future__ import annotations

import bisect
import re

import regex

# A terminator is 。！？；!?; or a newline; a 。 between two digits is a decimal
# point (5。3亿元), not the end of a sentence.
MAX_SENTENCE = 400  # characters; real sentences in the seeds are at most ~220

_END = regex.compile(r"(?:(?<!\d)。|。(?!\d))+|[！？；!?;]+|\n")
# The same marks when no two terminators touch (almost every text): each one
# character, found by one character-class scan (re, several times faster than
# _END), less the decimal points (\d as regex has it).
_MARK = re.compile(r"[。！？；!?;\n]")
_ADJACENT = re.compile(r"[。！？；!?;][。！？；!?;]")
_DECIMAL_POINT = regex.compile(r"(?<=\d)。(?=\d)")


def _marks(text: str) -> list[tuple[int, int]]:
    """The spans of _END's matches in *text*."""
    if _ADJACENT.search(text) is not None:  # runs such as 。。。 or ？！: the full pattern
        return [m.span() for m in _END.finditer(text)]
    marks = [m.span() for m in _MARK.finditer(text)]
    points = {m.start() for m in _DECIMAL_POINT.finditer(text)}
    return [sp for sp in marks if sp[0] not in points] if points else marks


_DIGIT = regex.compile(r"\d")


def _bounds_from_scan(text: str, sc) -> tuple[list[int], list[int]] | None:
    """(starts, ends) of Sentences' segments, read from the Scan of *text*
    (its marks and character classes) instead of a scan of the text; None
    when two terminators touch, for _marks' full pattern.

    With no two terminators touching, _END's matches are single characters:
    every terminator and newline (what _MARK finds), less the 。 between two
    digits. Those are few; each 。 whose neighbours may both be digits
    (MAYBE_DIGIT) is checked with regex's own \\d. Each array operation
    costs about a microsecond whatever its size (two when the caches are
    cold), so there are as few as the checks need.
    """
    import numpy as np

    from .shadow import FULL_STOP, MAYBE_DIGIT, NEWLINE

    at, kinds = sc.marks()
    newline = kinds == NEWLINE
    term = at[~newline]
    if len(term) > 1 and bool((term[1:] - term[:-1] == 1).any()):
        return None
    stops = at[kinds == FULL_STOP]
    if len(stops):
        # mode="clip": a 。 at either end of the text is its own neighbour there, not a digit.
        classes = sc.classes
        stops = stops[(classes.take(stops - 1, mode="clip") == MAYBE_DIGIT)
                      & (classes.take(stops + 1, mode="clip") == MAYBE_DIGIT)]
        points = [p for p in stops.tolist() if _DIGIT.match(text, p - 1, p) and _DIGIT.match(text, p + 1, p + 2)]
        if points:
            keep = ~np.isin(at, points)
            at, newline = at[keep], newline[keep]
    starts = at + 1
    ends = starts - newline  # a newline belongs to no sentence: it ends where it starts
    return [0] + starts.tolist(), ends.tolist() + [len(text)]


class Sentences:
    """Half-open sentence spans of a text, with lookup by offset.

    Construction only records where the terminators are; a sentence is
    trimmed when it is looked up (most are never asked for).
    """

    def __init__(self, text: str, scanned=None):
        """*scanned*, when given, is the Scan of *text* (extract.shadow.scan):
        the marks are read from it."""
        self.text = text
        # Segment k runs from _starts[k] to _ends[k]: a terminator belongs to
        # the sentence it closes, a newline to none.
        bounds = _bounds_from_scan(text, scanned) if scanned is not None and len(text) else None
        if bounds is None:
            marks = _marks(text)
            bounds = [0] + [e for _, e in marks], [s if text[s] == "\n" else e for s, e in marks] + [len(text)]
        self._starts, self._ends = bounds
        self._spans: list[tuple[int, int]] | None = None
        # Segment index -> (start, text) of the sentence sentence_at gave for
        # it, once looked up: the records of one sentence (a date, an amount
        # and a project in it) share the trimming and the slice.
        self._sentence_of: dict[int, tuple[int, str]] = {}

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [sp for sp in (self._trim(self.text, s, e) for s, e in zip(self._starts, self._ends))
                           if sp[0] < sp[1]]
        return self._spans

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int]:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end

    def span_at(self, offset: int) -> tuple[int, int]:
        """The sentence span that holds *offset* (or the nearest before it)."""
        return self._span_from(bisect.bisect_right(self._starts, offset) - 1, offset)

    def _span_from(self, i: int, offset: int) -> tuple[int, int]:
        """span_at(offset), given the segment *i* that holds *offset*."""
        while i >= 0:
            s, e = self._trim(self.text, self._starts[i], self._ends[i])
            if s < e and s <= offset:
                return s, e
            i -= 1
        return (0, 0) if not self.spans else self.spans[0]

    def sentence_at(self, offset: int) -> str:
        """The sentence holding *offset*; of a sentence longer than
        MAX_SENTENCE (a page with no punctuation), the MAX_SENTENCE characters
        around the offset, so that a record never carries a whole page and
        the tables stay linear in the input."""
        # Called for every record. A segment's memo answers any offset at or
        # after its trimmed start, where span_at gives that segment's span
        # (an offset in the leading blanks is answered by span_at itself).
        i = bisect.bisect_right(self._starts, offset) - 1
        known = self._sentence_of.get(i)
        if known is not None and known[0] <= offset:
            return known[1]
        s, e = self._span_from(i, offset)
        if e - s > MAX_SENTENCE:  # the window depends on the offset: not kept
            s = max(s, min(offset - MAX_SENTENCE // 2, e - MAX_SENTENCE))
            return self.text[s:s + MAX_SENTENCE]
        text = self.text[s:e]
        if i >= 0 and self._starts[i] <= s <= offset:  # segment i's own span, not one before it
            self._sentence_of[i] = (s, text)
        return text

    def __iter__(self):
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)
