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


class Sentences:
    """Half-open sentence spans of a text, with lookup by offset.

    Construction only records where the terminators are; a sentence is
    trimmed when it is looked up (most are never asked for).
    """

    def __init__(self, text: str):
        self.text = text
        marks = _marks(text)
        # Segment k runs from _starts[k] to _ends[k]: a terminator belongs to
        # the sentence it closes, a newline to none.
        self._starts = [0] + [e for _, e in marks]
        self._ends = [s if text[s] == "\n" else e for s, e in marks] + [len(text)]
        self._spans: list[tuple[int, int]] | None = None

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
        i = bisect.bisect_right(self._starts, offset) - 1
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
        s, e = self.span_at(offset)
        if e - s > MAX_SENTENCE:
            s = max(s, min(offset - MAX_SENTENCE // 2, e - MAX_SENTENCE))
            e = s + MAX_SENTENCE
        return self.text[s:e]

    def __iter__(self):
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)
