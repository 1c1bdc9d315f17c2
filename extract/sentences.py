"""Sentence spans: split on 。！？；and line breaks, never inside a number."""
from __future__ import annotations

import bisect

import regex

# A terminator is 。！？；!?; or a newline; a 。 between two digits is a decimal
# point (5。3亿元), not the end of a sentence.
_END = regex.compile(r"(?:(?<!\d)。|。(?!\d))+|[！？；!?;]+|\n")


class Sentences:
    """Half-open sentence spans of a text, with lookup by offset."""

    def __init__(self, text: str):
        spans: list[tuple[int, int]] = []
        start = 0
        for m in _END.finditer(text):
            end = m.end() if m.group() != "\n" else m.start()
            if text[start:end].strip():
                spans.append(self._trim(text, start, end))
            start = m.end()
        if text[start:].strip():
            spans.append(self._trim(text, start, len(text)))
        self.text = text
        self.spans = spans
        self._starts = [s for s, _ in spans]

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
        if i < 0:
            return (0, 0) if not self.spans else self.spans[0]
        return self.spans[i]

    def sentence_at(self, offset: int) -> str:
        s, e = self.span_at(offset)
        return self.text[s:e]

    def __iter__(self):
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)
