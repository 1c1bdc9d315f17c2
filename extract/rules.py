"""Rule files: loading, validation, compilation, matching and the overlap policy.

A rule file (``rules/<type>.yaml``) holds

- ``pieces``: named pattern pieces, either a ``pattern`` or a ``words`` list;
  with the shared pieces of ``rules/pieces.yaml`` they form one
  ``(?(DEFINE)…)`` block, so a rule writes ``(?&num)`` instead of repeating a
  numeral pattern;
- ``lexicons``: word lists the extractor code reads (kind keywords, bound
  words…), kept here so they can be extended without touching code;
- ``rules``: each with an ``id``, a ``doc``, a verbose-mode ``pattern``,
  optional ``attrs`` that the extractor reads, and ``examples`` — positive
  (a text, the exact mention expected, and expected fields) and negative
  (texts that must give no record at all). The test suite runs them all.

A rule's ``trigger`` (a cheap pattern every match holds) confines it to
windows around the trigger's hits; ``trigger_starts`` (the few characters a
hit can start with, checked against the trigger at load) lets
``RuleSet.find_fast`` find those hits with str.find instead of a regex scan.

Every problem fails at load with ``file: line N: path: message``: unknown
keys, a bad regex, an unknown piece, a pattern that can match the empty
string, a duplicate id.

Pieces are written as calls, ``(?&name)``, and validated in that form
(errors point into the pattern as written); for matching, every call is
expanded in place to ``(?:…)``. The ``regex`` module cannot use its fast
first-character scan on a pattern that opens with ``(?(DEFINE)…)``: the
expanded form measured 45–90× faster on the seed articles.

Overlap policy (one for every extractor): among overlapping matches, keep the
longest; on equal length the leftmost; then the rule listed first.
"""
from __future__ import annotations

import bisect
import re as _stdlib_re
import os
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"
FLAGS = regex.VERBOSE | regex.V0


class RuleError(Exception):
    """A rule file is broken. The message names the file, line and path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Piece(_Strict):
    doc: str = ""
    pattern: str | None = None
    words: list[str] | None = None
    words_from: str | None = Field(None, description="name of a lexicon in the same file whose words to use")

    @model_validator(mode="after")
    def _one_of(self):
        if sum(x is not None for x in (self.pattern, self.words, self.words_from)) != 1:
            raise ValueError("a piece has exactly one of 'pattern', 'words' or 'words_from'")
        if self.words is not None and not all(w for w in self.words):
            raise ValueError("'words' has an empty word")
        return self

    def regex_source(self) -> str:
        if self.pattern is not None:
            return self.pattern
        # Longest first, so that 万亿元 wins over 万 in an alternation.
        words = sorted(set(self.words or []), key=lambda w: (-len(w), w))
        return "(?:" + "|".join(regex.escape(w, special_only=False, literal_spaces=False) for w in words) + ")"


class PositiveExample(_Strict):
    text: str
    match: str = Field(description="the exact mention the rule must report")
    expect: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _match_inside(self):
        if self.match not in self.text:
            raise ValueError(f"match {self.match!r} is not inside text {self.text!r}")
        return self


class Examples(_Strict):
    positive: list[PositiveExample] = Field(min_length=1)
    negative: list[str] = Field(min_length=1)


class Rule(_Strict):
    id: str = Field(pattern=RULE_ID)
    doc: str = Field(min_length=1)
    pattern: str
    trigger: str | None = Field(None, description=(
        "a cheap pattern every match contains (a currency word, 年); the rule then runs only in "
        "windows around trigger hits instead of over the whole text"))
    window: tuple[int, int] = Field((48, 24), description="characters before and after a trigger hit that a match may span")
    trigger_starts: str | None = Field(None, min_length=1, description=(
        "the characters a trigger hit can start with, when they are few and uncommon (数几, 万亿兆): "
        "RuleSet.find_fast then finds the hits by looking for these characters (str.find) and trying "
        "the trigger only where one stands, instead of a regex scan of the whole text. Checked at "
        "load against the trigger's pattern"))
    holds_trigger: bool = Field(False, description=(
        "every match consumes a trigger hit (a position where the trigger's scan reports one), for "
        "a trigger that looks around so the pattern cannot show it: RuleSet.find_fast then tries "
        "the rule only from the run of its pattern's characters that ends at a hit. Checked at load "
        "on the rule's examples"))
    engine: Literal["regex", "re"] = Field("regex", description=(
        "the engine that scans the pattern: 'regex' (the default; every feature), or the standard "
        "library's 're' for a plain pattern it scans faster (word lists); the tests check that both "
        "engines give the same matches on every example and seed"))
    attrs: dict[str, Any] = Field(default_factory=dict)
    examples: Examples


class RuleFile(_Strict):
    doc: str = ""
    pieces: dict[str, Piece] = Field(default_factory=dict)
    lexicons: dict[str, Any] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("pieces")
    @classmethod
    def _piece_names(cls, v):
        for name in v:
            if not regex.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"piece name {name!r} must be lower_snake_case")
        return v


@dataclass
class CompiledRule:
    rule: Rule
    regex: Any
    order: int
    source: str  # file the rule came from
    trigger: Any = None
    # Read off the rule once (every match asks for them):
    id: str = field(init=False)
    attrs: dict[str, Any] = field(init=False)
    text_group: int | None = field(init=False)  # the number of the group named text, if any
    has_text: bool = field(init=False)
    scan_options: dict = field(init=False)  # keyword arguments of the engine's finditer

    def __post_init__(self) -> None:
        self.id = self.rule.id
        self.attrs = self.rule.attrs
        # (a group read by number costs a tenth of a read by name in the regex module)
        self.text_group = self.regex.groupindex.get("text")
        self.has_text = self.text_group is not None
        self.scan_options = {} if self.rule.engine == "re" else {"overlapped": False}


class Match:
    """One rule match on the shadow text. Spans are absolute offsets.

    Named groups are read from the underlying regex match on demand: most
    matches are dropped before anyone asks for them.
    """

    __slots__ = ("rule", "start", "end", "_m", "_groups")

    def __init__(self, rule: CompiledRule, start: int, end: int, groups: dict | None = None, m=None):
        self.rule, self.start, self.end, self._m = rule, start, end, m
        self._groups = groups

    @property
    def groups(self) -> dict[str, tuple[int, int, str]]:
        if self._groups is None:
            m = self._m
            self._groups = {} if m is None else {
                k: (m.start(k), m.end(k), v) for k, v in m.groupdict().items() if v is not None}
        return self._groups

    def group(self, name: str) -> str | None:
        if self._groups is None and self._m is not None:
            try:
                return self._m.group(name)
            except IndexError:
                return None
        g = self.groups.get(name)
        return g[2] if g else None

    def span(self, name: str) -> tuple[int, int] | None:
        if self._groups is None and self._m is not None:
            try:
                s = self._m.span(name)
            except IndexError:
                return None
            return None if s[0] < 0 else s
        g = self.groups.get(name)
        return (g[0], g[1]) if g else None


class GroupReader:
    """Reads the groups *names* of a Match at once: reader(m) is the tuple
    of m.group(name) for each name (None for a group unset or missing),
    from one groups() tuple of the underlying match when there is one,
    picked by a getter made once per pattern. Read by name, each group
    costs about as much as a whole groupdict(), and that more than groups()
    and one pick; interpret reads ten, extract_targets about as many."""

    def __init__(self, *names: str):
        if len(names) < 2:  # itemgetter of one index gives the item, not a tuple
            raise ValueError("a GroupReader reads two groups or more")
        self.names = names
        # Getters kept by the pattern's id (a compiled pattern's hash reads
        # its whole code each time), with the pattern, so that a new pattern
        # at a reused id gets its own.
        self._pickers: dict[int, tuple] = {}

    def __call__(self, m: Match) -> tuple:
        mm = getattr(m, "_m", None)
        if mm is not None and getattr(m, "_groups", None) is None:
            return self._picker(mm.re)(mm.groups() + (None,))
        return tuple(m.group(name) for name in self.names)

    def _picker(self, pattern):
        """A getter of the groups from groups() + (None,): a name the
        pattern lacks picks the None at the end."""
        kept = self._pickers.get(id(pattern))
        if kept is None or kept[0] is not pattern:
            if len(self._pickers) > 64:
                self._pickers.clear()
            index = pattern.groupindex
            kept = self._pickers[id(pattern)] = (pattern, itemgetter(
                *(index[name] - 1 if name in index else pattern.groups for name in self.names)))
        return kept[1]



@dataclass
class RuleSet:
    name: str
    path: Path
    rules: list[CompiledRule]
    lexicons: dict[str, Any]
    pieces: dict[str, Piece]
    define: str  # the (?(DEFINE)…) block, for extractors that compile helpers

    def compile(self, pattern: str):
        """Compile an extra pattern with this set's pieces available."""
        return regex.compile(expand_pieces(pattern, self.pieces), FLAGS)

    def by_id(self, rule_id: str) -> CompiledRule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def _widest_windows(self) -> dict[str, tuple[int, int]]:
        cached = getattr(self, "_widest", None)
        if cached is None:
            cached = {}
            for cr in self.rules:
                if cr.rule.trigger is not None:
                    b, a = cached.get(cr.rule.trigger, (0, 0))
                    cached[cr.rule.trigger] = (max(b, cr.rule.window[0]), max(a, cr.rule.window[1]))
            self._widest = cached
        return cached

    def find_fast(self, text: str, start: int = 0, end: int | None = None,
                  hits: dict[str, list[tuple[int, int]]] | None = None) -> list[Match]:
        """What ``find(text, start, end)`` returns, with each rule tried only
        where its matches can start (``start_rule``; the other rules scan their
        windows). *hits* maps a trigger text to its hits in text[start:end]
        when the caller has them (any trigger missing is scanned)."""
        from .pattern_analysis import start_rule  # here: pattern_analysis imports this module

        end = len(text) if end is None else end
        out: list[Match] = []
        hits_by_trigger = dict(hits or {})
        windows_by_trigger: dict[str, list[tuple[int, int]]] = {}
        widest = self._widest_windows()
        for cr in self.rules:
            if cr.trigger is None:
                out += window_matches(cr, text, [(start, end)], end)
                continue
            key = cr.rule.trigger
            found = hits_by_trigger.get(key)
            if found is None:
                found = hits_by_trigger[key] = trigger_hits(cr, text, start, end)
            if not found:  # no hit, no window (most rules in most texts)
                continue
            spans = windows_by_trigger.get(key)
            if spans is None:
                spans = windows_by_trigger[key] = merge_windows(found, start, end, widest[key])
            sr = start_rule(cr)
            starts = sr.ranges(text, found, start) if sr is not None else None
            out += window_matches(cr, text, spans, end, starts=starts)
        return out

    def find(self, text: str, start: int = 0, end: int | None = None,
             windows: dict[str, list[tuple[int, int]]] | None = None) -> list[Match]:
        """Every match of every rule in text[start:end], before overlap resolution.

        A rule with a ``trigger`` runs only in windows around the trigger's
        hits (merged when they touch), each scanned with a margin so that
        lookaheads still see past the window's end. A caller that found the
        trigger hits some cheaper way passes *windows* (trigger text → the
        spans ``_windows`` would give); any trigger missing from it is scanned.
        """
        end = len(text) if end is None else end
        out: list[Match] = []
        windows_by_trigger: dict[str, list[tuple[int, int]]] = dict(windows or {})
        widest = self._widest_windows()
        for cr in self.rules:
            if cr.trigger is None:
                spans = [(start, end)]
            else:
                # Rules sharing a trigger share one scan, with the widest of
                # their windows (a superset of each rule's own windows).
                key = cr.rule.trigger
                spans = windows_by_trigger.get(key)
                if spans is None:
                    spans = windows_by_trigger[key] = _windows(cr.trigger, text, start, end, widest[key])
            out += window_matches(cr, text, spans, end)
        return out


def trigger_hits(cr: CompiledRule, text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of ``cr.trigger.finditer(text, start, end)``.

    With ``trigger_starts`` the hits are found without a regex scan: str.find
    lists where those characters stand (about 0.15 ns a character each,
    against 3–5 ns for a regex scan), and the trigger is tried at each such
    position in order, from where the last hit ended. That gives finditer's
    hits: finditer tries every position from *start* in order and, after a
    hit, goes on at its end; every hit starts at one of those characters
    (checked at load by _check_trigger_starts, which also makes sure a hit is
    never empty), so the other positions give nothing; and match(text, p,
    end) reads the text around p as finditer's attempt at p does.
    """
    chars = cr.rule.trigger_starts
    if not chars:
        return [m.span() for m in cr.trigger.finditer(text, start, end)]
    find = text.find
    at: list[int] = []
    for c in chars:
        i = find(c, start, end)
        while i >= 0:
            at.append(i)
            i = find(c, i + 1, end)
    if not at:
        return []
    at.sort()
    out: list[tuple[int, int]] = []
    match = cr.trigger.match
    last = start
    for p in at:
        if p >= last:
            m = match(text, p, end)
            if m is not None:
                last = m.end()
                out.append((p, last))
    return out


def window_matches(cr: CompiledRule, text: str, spans: list[tuple[int, int]], end: int,
                   holds=None, starts: list[tuple[int, int]] | None = None) -> list[Match]:
    """The matches of one rule in its windows *spans* of text[:end].

    Each window is scanned LOOKAHEAD_MARGIN characters past its end so that
    lookaheads read real text. *holds* (``search(text, pos, endpos)``), when
    given, skips a window in which it finds nothing. *starts* (from
    ``StartRule.ranges``), when given, holds every position where a match
    can start: only those are tried (see _window_matches_at).
    """
    if starts is not None:
        return _window_matches_at(cr, text, spans, end, holds, starts)
    out: list[Match] = []
    seen: set[tuple[int, int]] = set()
    rx = cr.regex
    options = cr.scan_options
    for ws, we in spans:
        scan_end = min(end, we + LOOKAHEAD_MARGIN)
        if holds is not None and holds(text, ws, scan_end) is None:
            continue
        _keep_window_matches(cr, text, rx.finditer(text, ws, scan_end, **options), we, scan_end, end, seen, out)
    return out


def _keep_window_matches(cr: CompiledRule, text: str, found, we: int, scan_end: int, end: int,
                         seen: set[tuple[int, int]], out: list[Match]) -> None:
    """Add to *out* the regex matches *found*, in order, in one window
    [.., we) scanned up to *scan_end* (see keep_window_match)."""
    for m in found:
        if not keep_window_match(cr, text, m, we, scan_end, end, seen, out):
            break


def keep_window_match(cr: CompiledRule, text: str, m, we: int, scan_end: int, end: int,
                      seen: set[tuple[int, int]], out: list[Match]) -> bool:
    """Add the regex match *m* of a window [.., we) scanned up to *scan_end*
    to *out* as a Match, unless it is empty or already in *seen*; False when
    the window is done.

    Past the window, the scan's end would read as the end of the text (a
    lookahead such as 日(?!内) passes there). A match starting past it
    belongs to a later window (and ends this one); one running past it is
    read again with the real text after it.
    """
    if scan_end < end and m.end() > we:
        if m.start() >= we:
            return False
        m = cr.regex.match(text, m.start(), end)
        if m is None:
            return True
    whole = m.span()
    if whole[0] != whole[1] and whole not in seen:
        seen.add(whole)
        g = cr.text_group
        span = m.span(g) if g is not None and m.start(g) >= 0 else whole
        out.append(Match(cr, span[0], span[1], None, m))
    return True


LOOKAHEAD_MARGIN = 16  # characters scanned past a window so lookaheads see real text


def _window_matches_at(cr: CompiledRule, text: str, spans: list[tuple[int, int]], end: int,
                       holds, starts: list[tuple[int, int]]) -> list[Match]:
    """window_matches, trying a match only at the positions of *starts*.

    finditer(text, ws, scan_end) tries ws, ws+1, … and after a match goes on
    at its end; a position outside *starts* cannot start a match, so trying
    only the others in the same order, each with match(text, p, scan_end)
    (which reads the text around p as finditer does), gives the same
    matches. The rest (a match running past the window's end, duplicates)
    is _keep_window_matches', as for window_matches. A match of zero width, which
    finditer would step over in its own way, sends the window to the full
    scan.
    """
    out: list[Match] = []
    seen: set[tuple[int, int]] = set()
    rx_match = cr.regex.match
    firsts = [a for a, _ in starts]
    n = len(starts)
    for ws, we in spans:
        scan_end = min(end, we + LOOKAHEAD_MARGIN)
        if holds is not None and holds(text, ws, scan_end) is None:
            continue
        i = bisect.bisect_right(firsts, ws) - 1
        if i < 0:
            i = 0
        found: list = []
        pos = ws          # where finditer would go on from
        done = False
        while i < n and not done:
            a, b = starts[i]
            i += 1
            if a >= scan_end:
                break
            p = a if a > pos else pos
            # A match starting at the window's end or later ends the window
            # in window_matches (when the scan stops short of the text's end).
            stop = min(b + 1, we if scan_end < end else scan_end)
            while p < stop:
                m = rx_match(text, p, scan_end)
                if m is None:
                    p += 1
                    continue
                if m.end() == p:
                    found = None
                    done = True
                    break
                found.append(m)
                p = pos = m.end()
        if found is None:  # a zero-width match: let window_matches scan it
            for m in window_matches(cr, text, [(ws, we)], end, holds):
                if (m._m.start(), m._m.end()) not in seen:
                    seen.add(m._m.span())
                    out.append(m)
            continue
        _keep_window_matches(cr, text, found, we, scan_end, end, seen, out)
    return out


def _windows(trigger, text: str, start: int, end: int, window: tuple[int, int]) -> list[tuple[int, int]]:
    return merge_windows((m.span() for m in trigger.finditer(text, start, end)), start, end, window)


def merge_windows(hits, start: int, end: int, window: tuple[int, int]) -> list[tuple[int, int]]:
    """The windows around trigger *hits* ((start, end) pairs in text order),
    *window* = (before, after) characters, clipped to [start, end) and merged
    when they touch."""
    before, after = window
    out: list[tuple[int, int]] = []
    last_end = -1
    for s, e in hits:
        ws = s - before if s - before > start else start
        we = e + after if e + after < end else end
        if ws <= last_end:
            if we > last_end:
                out[-1] = (out[-1][0], we)
                last_end = we
        else:
            out.append((ws, we))
            last_end = we
    return out


def resolve_overlaps(matches: list[Match]) -> list[Match]:
    """The overlap policy: longest span, then leftmost, then first-listed rule.

    Kept spans never overlap, so they are held sorted by start and each
    candidate is checked against its two neighbours only: O(n log n).
    """
    ranked = sorted(matches, key=lambda m: (-(m.end - m.start), m.start, m.rule.order))
    starts: list[int] = []
    kept: list[Match] = []
    for m in ranked:
        i = bisect.bisect_right(starts, m.start)
        if i > 0 and kept[i - 1].end > m.start:
            continue
        if i < len(kept) and kept[i].start < m.end:
            continue
        starts.insert(i, m.start)
        kept.insert(i, m)
    return sorted(kept, key=lambda m: (m.start, m.end))


# ---------------------------------------------------------------- loading

def rules_dir() -> Path:
    """rules/ beside the package (a source checkout), or $EXTRACT_RULES."""
    env = os.environ.get("EXTRACT_RULES")
    if env:
        return Path(env)
    return _default_rules_dir()


@lru_cache(maxsize=1)
def _default_rules_dir() -> Path:
    # Resolved once: extractors ask for their rule set on every article.
    return Path(__file__).resolve().parent.parent / "rules"


def _line_of(path: Path, text: str, loc: tuple) -> str:
    """'line N' of the YAML node at *loc* (a pydantic/our path), best effort."""
    try:
        node = yaml.compose(text)
        for key in loc:
            if node is None:
                break
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                break
        if node is not None:
            return f"line {node.start_mark.line + 1}"
    except yaml.YAMLError:
        pass
    return "line ?"


def _fmt_loc(loc: tuple) -> str:
    out = ""
    for k in loc:
        out += f"[{k}]" if isinstance(k, int) else (("." if out else "") + str(k))
    return out or "(top)"


def _fail(path: Path, text: str, loc: tuple, msg: str) -> RuleError:
    return RuleError(f"{path}: {_line_of(path, text, loc)}: {_fmt_loc(loc)}: {msg}")


def _read(path: Path) -> tuple[RuleFile, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RuleError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line ?"
        raise RuleError(f"{path}: {where}: YAML syntax: {getattr(e, 'problem', e)}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{path}: line 1: (top): a rule file is a mapping with 'pieces', 'lexicons', 'rules'")
    try:
        return RuleFile.model_validate(data), text
    except ValidationError as e:
        err = e.errors()[0]
        raise _fail(path, text, tuple(err["loc"]), err["msg"]) from None


def flatten_words(lexicon: Any) -> list[str]:
    """All words of a lexicon: a list, or a mapping of lists (values kept)."""
    if isinstance(lexicon, dict):
        return [str(w) for ws in lexicon.values() for w in (ws or [])]
    if isinstance(lexicon, list):
        return [str(w) for w in lexicon]
    return [str(lexicon)]


def invert_lexicon(lexicon: dict[str, list]) -> dict[str, str]:
    """{label: [words]} → {word: label}; the first label listing a word wins."""
    out: dict[str, str] = {}
    for label, words in (lexicon or {}).items():
        for w in words or []:
            out.setdefault(str(w), label)
    return out


def _define(pieces: dict[str, Piece]) -> str:
    body = "".join(f"(?P<{n}>{p.regex_source()})" for n, p in pieces.items())
    return f"(?(DEFINE){body})" if body else ""


_CALL = regex.compile(r"\(\?&([A-Za-z_]\w*)\)")


def expand_pieces(pattern: str, pieces: dict[str, "Piece"], _stack: tuple = ()) -> str:
    """Replace every ``(?&name)`` by ``(?:<piece>)``, recursively."""
    def sub(m):
        name = m.group(1)
        if name not in pieces:
            raise regex.error(f"unknown piece {name!r}")
        if name in _stack:
            raise regex.error(f"piece {name!r} refers to itself")
        return "(?:" + expand_pieces(pieces[name].regex_source(), pieces, _stack + (name,)) + "\n)"
    return _CALL.sub(sub, pattern)


def _compile(path: Path, text: str, loc: tuple, define: str, pattern: str, allow_empty: bool = False,
             pieces: dict | None = None):
    """Compile a rule's pattern with its pieces expanded inline.

    Only when that fails is the pattern compiled as written (after the
    pieces' DEFINE block), to report the error at its position in the
    pattern the author wrote.
    """
    rx = None
    if pieces is not None:
        try:
            rx = regex.compile(expand_pieces(pattern, pieces), FLAGS)
        except regex.error:
            rx = None
    if rx is None:
        try:
            written = regex.compile(define + pattern, FLAGS)
        except regex.error as e:
            pos = f" at position {e.pos - len(define)} of the pattern" if e.pos is not None and e.pos >= len(define) else ""
            raise _fail(path, text, loc, f"bad regex: {e.msg}{pos}") from None
        if pieces is None:
            rx = written
        else:
            try:
                rx = regex.compile(expand_pieces(pattern, pieces), FLAGS)
            except regex.error as e:
                raise _fail(path, text, loc, f"bad regex after expanding pieces: {e.msg}") from None
    if not allow_empty and rx.search("") is not None:
        raise _fail(path, text, loc, "pattern can match the empty string")
    return rx


def _check_pieces(path: Path, text: str, define: str, names) -> None:
    """Every piece compiles: the whole DEFINE block at once, piece by piece
    only to say which one is broken."""
    try:
        regex.compile(define + "(?!)", FLAGS)
    except regex.error:
        for name in names:
            _compile(path, text, ("pieces", name), define, f"(?&{name})", allow_empty=True)
        raise _fail(path, text, ("pieces",), "the pieces do not compile together")


def _stdlib_compile(path: Path, text: str, loc: tuple, source: str):
    """A rule pattern for ``engine: re``: it must compile, unchanged in meaning, under ``re``."""
    import warnings

    if _REGEX_ONLY.search(source):
        raise _fail(path, text, loc, "engine 're' but the pattern uses regex-only syntax")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return _stdlib_re.compile(source, _stdlib_re.VERBOSE)
        except (_stdlib_re.error, ValueError, Warning) as e:
            raise _fail(path, text, loc, f"engine 're' cannot compile the pattern: {e}") from None


def _fast_trigger(source: str):
    """The trigger compiled by the standard library's ``re`` when it can be.

    A trigger is scanned over every whole article. For one flat word list
    (a single piece, or words and classes without groups) ``re`` scans up to
    three times faster than ``regex``; for alternations of groups it is
    slower, so only flat triggers (_FLAT_TRIGGER) come here. A trigger ``re``
    cannot compile, or one with ``regex``-only syntax, stays with ``regex``;
    the test suite checks that both find the same hits.
    """
    import warnings

    if _REGEX_ONLY.search(source):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # re warns (FutureWarning) where it reads a set differently
        try:
            return _stdlib_re.compile(source, _stdlib_re.VERBOSE)
        except (_stdlib_re.error, ValueError, Warning):
            return None


# A trigger that is one piece, or has no group at all.
_FLAT_TRIGGER = regex.compile(r"^\s*(?:\(\?&\w+\)|[^()]*)\s*$")

# Syntax that means something else (or nothing) to re: Unicode properties,
# POSIX classes, word-boundary escapes, branch reset, atomic groups, flags.
_REGEX_ONLY = regex.compile(r"\\[pPNXmMGLhHKV]|\[\[:|\(\?[|>&(V]")


def _check_trigger_starts(path: Path, text: str, loc: tuple, rule: Rule, source: str) -> None:
    """``trigger_starts`` holds every character a trigger hit can start with,
    as read off the trigger's parsed pattern (first_chars); else the rule
    file fails to load."""
    if rule.trigger is None:
        raise _fail(path, text, loc, "trigger_starts without a trigger")
    can = first_chars(source)
    if can is None:
        raise _fail(path, text, loc, "cannot tell from the trigger which characters its hits start with "
                                     "(a class such as \\d or ., a part that may match nothing, flags)")
    missing = sorted(can - set(rule.trigger_starts))
    if missing:
        raise _fail(path, text, loc, f"the trigger's hits can also start with {''.join(missing)!r}")


def _check_holds_trigger(path: Path, text: str, loc: tuple, cr: CompiledRule) -> None:
    """``holds_trigger``: every match of the rule in its examples consumes a
    trigger hit; else the rule file fails to load."""
    if cr.trigger is None:
        raise _fail(path, text, loc, "holds_trigger without a trigger")
    from .shadow import shadow  # here: keeps importing this module light

    for example in [ex.text for ex in cr.rule.examples.positive] + cr.rule.examples.negative:
        t = shadow(example)
        hits = [s for s, _ in trigger_hits(cr, t, 0, len(t))]
        for m in cr.regex.finditer(t):
            if m.end() > m.start() and not any(m.start() <= s < m.end() for s in hits):
                raise _fail(path, text, loc, f"the match {m.group()!r} of the example {example!r} "
                                             "consumes no trigger hit")


def first_chars(source: str) -> set[str] | None:
    """The characters a match of *source* (pieces expanded, verbose) can
    start with: the first character it consumes. None when that is not a
    finite set the parse shows (\\d, ., a negated class, a back-reference,
    case-insensitive flags, regex-only syntax) or when a match may consume
    nothing. Lookarounds and anchors consume nothing: they only narrow the
    matches, so what follows them gives the first character."""
    from re import _constants as sre
    from re import _parser as sre_parse

    if _REGEX_ONLY.search(source):
        return None
    # regex lets a group name appear twice, re does not; names do not matter here.
    plain = regex.sub(r"(?<!\\)((?:\\\\)*)\(\?P<\w+>", r"\1(?:", source)
    try:
        tree = sre_parse.parse(plain, _stdlib_re.VERBOSE)
    except Exception:
        return None
    if tree.state.flags & _stdlib_re.IGNORECASE:
        return None

    def seq(items) -> tuple[set[str], bool] | None:
        """(first characters, may consume nothing) of a sequence of items."""
        out: set[str] = set()
        for op, av in items:
            one = item(op, av)
            if one is None:
                return None
            out |= one[0]
            if not one[1]:
                return out, False
        return out, True

    def item(op, av) -> tuple[set[str], bool] | None:
        if op is sre.LITERAL:
            return {chr(av)}, False
        if op is sre.IN:
            chars: set[str] = set()
            for iop, iav in av:
                if iop is sre.LITERAL:
                    chars.add(chr(iav))
                elif iop is sre.RANGE and iav[1] - iav[0] < 256:
                    chars.update(map(chr, range(iav[0], iav[1] + 1)))
                else:
                    return None  # a negation, a category, a wide range
            return chars, False
        if op is sre.SUBPATTERN:
            if av[1] & _stdlib_re.IGNORECASE:
                return None
            return seq(av[3])
        if op is sre.ATOMIC_GROUP:
            return seq(av)
        if op is sre.BRANCH:
            out: set[str] = set()
            empty = False
            for b in av[1]:
                one = seq(b)
                if one is None:
                    return None
                out |= one[0]
                empty = empty or one[1]
            return out, empty
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            one = seq(av[2])
            return None if one is None else (one[0], one[1] or av[0] == 0)
        if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
            return set(), True
        return None

    found = seq(tree.data)
    if found is None or found[1]:
        return None
    return found[0]


@lru_cache(maxsize=None)
def shared_pieces(directory: str) -> tuple[dict[str, Piece], str]:
    path = Path(directory) / "pieces.yaml"
    if not path.exists():
        return {}, ""
    rf, text = _read(path)
    define = _define(rf.pieces)
    _check_pieces(path, text, define, rf.pieces)  # each piece must compile
    return rf.pieces, text


def load_ruleset(name: str, directory: str | Path | None = None) -> RuleSet:
    """Load and compile ``<directory>/<name>.yaml`` (cached per process)."""
    return _load_ruleset(name, str(directory or rules_dir()))


@lru_cache(maxsize=None)
def _load_ruleset(name: str, directory: str) -> RuleSet:
    path = Path(directory) / f"{name}.yaml"
    rf, text = _read(path)
    shared, _ = shared_pieces(directory)
    clash = set(shared) & set(rf.pieces)
    if clash:
        raise _fail(path, text, ("pieces", sorted(clash)[0]), "piece already defined in pieces.yaml")
    for pname, piece in rf.pieces.items():
        if piece.words_from is not None:
            if piece.words_from not in rf.lexicons:
                raise _fail(path, text, ("pieces", pname, "words_from"), f"no lexicon named {piece.words_from!r} in this file")
            piece.words = flatten_words(rf.lexicons[piece.words_from])
            piece.words_from = None
            if not piece.words:
                raise _fail(path, text, ("pieces", pname, "words_from"), "lexicon has no words")
    pieces = {**shared, **rf.pieces}
    define = _define(pieces)
    _check_pieces(path, text, define, rf.pieces)
    compiled: list[CompiledRule] = []
    seen: dict[str, int] = {}
    for i, rule in enumerate(rf.rules):
        if rule.id in seen:
            raise _fail(path, text, ("rules", i, "id"), f"duplicate rule id {rule.id!r} (first at rules[{seen[rule.id]}])")
        seen[rule.id] = i
        rx = _compile(path, text, ("rules", i, "pattern"), define, rule.pattern, pieces=pieces)
        if rule.engine == "re":
            rx = _stdlib_compile(path, text, ("rules", i, "engine"), expand_pieces(rule.pattern, pieces))
        trig = None
        if rule.trigger is not None:
            trig = _compile(path, text, ("rules", i, "trigger"), define, rule.trigger, pieces=pieces)
            # With trigger_starts the trigger is only tried at a few positions
            # (trigger_hits), where re's cheaper call wins whatever its shape.
            if _FLAT_TRIGGER.match(rule.trigger) or rule.trigger_starts:
                trig = _fast_trigger(expand_pieces(rule.trigger, pieces)) or trig
        if rule.trigger_starts is not None:
            _check_trigger_starts(path, text, ("rules", i, "trigger_starts"), rule,
                                  expand_pieces(rule.trigger or "", pieces))
        cr = CompiledRule(rule, rx, i, str(path), trig)
        if rule.holds_trigger:
            _check_holds_trigger(path, text, ("rules", i, "holds_trigger"), cr)
        compiled.append(cr)
    return RuleSet(name, path, compiled, rf.lexicons, pieces, define)


def all_rule_files(directory: str | Path | None = None) -> list[Path]:
    d = Path(directory or rules_dir())
    return sorted(p for p in d.glob("*.yaml") if p.name != "pieces.yaml")


def check_unique_ids(directory: str | Path | None = None) -> None:
    """Rule ids are unique across every rule file, not only within one."""
    seen: dict[str, Path] = {}
    for p in all_rule_files(directory):
        rs = load_ruleset(p.stem, directory)
        for r in rs.rules:
            if r.id in seen:
                raise RuleError(f"{p}: rule id {r.id!r} is also used in {seen[r.id]}")
            seen[r.id] = p
