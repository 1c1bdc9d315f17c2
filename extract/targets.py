"""Targets: who aims for how much of what, by when → ``Target`` records.

A rule in ``rules/targets.yaml`` finds a metric followed by a value; this
module keeps it only in a forward-looking frame, then fills in the year
(到2025年, 今年, “十四五”… before it in the sentence), the subject (the
nearest named zone, company or project before it, or the topic of the
sentence before), and the value: vehicles parsed here, money taken from the
amount the amounts extractor already found at that place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
import re

import regex

from .amounts import range_low
from .articles import Document
from .dates import reference_date
from .models import Amount, DateRef, Project, Record, Target
from .numbers import parse_number
from .spans import SpanIndex, boundary_after, boundary_before
from .rules import (LOOKAHEAD_MARGIN, GroupReader, Match, RuleSet, flatten_words, invert_lexicon, load_ruleset, resolve_overlaps,
                    window_matches)

SENTENCE_END = "。！？!?\n"
MAX_SENTENCE_REACH = 300  # a "sentence" with no end in sight is cut this far from the mention
SUBJECT_REACH = 120       # a goal's subject is named at most this far before its metric
LOOKBACK_SENTENCES = 2
TOPIC_LENGTH = (2, 8)     # characters of a clause topic before its verb (比亚迪表示…)


@dataclass(frozen=True)
class TargetLexicons:
    metric: dict[str, str]
    cues: object
    cues_after: tuple[str, ...]
    cue_after_window: int
    this_year: tuple[str, ...]
    next_year: tuple[str, ...]
    alias: dict[str, str]
    alias_rx: object
    subject_rx: object   # on re (see _spellings), as are topic_rx and name_run_rx
    suffix_rx: object
    generic: frozenset[str]
    generic_words: tuple[str, ...]  # generic as a tuple, for str.startswith/endswith
    left_trim: tuple[str, ...]
    cut_after: tuple[str, ...]
    topic_rx: object
    verb_rx: object      # any topic verb (a window without one holds no topic)
    longest_verb: int    # characters in the longest topic verb
    bound_before: dict[str, str]
    bound_after: dict[str, str]
    bound_before_longest: tuple[tuple[str, str], ...]  # bound_before items, longest word first
    metric_rx: object    # any metric word (a topic naming one is no subject)
    cut_rx: object       # any cut_after word
    name_run_rx: object  # a run of 1-14 name characters (subject_rx's), matched on a reversed text
    # The rule set these lexicons come from, which extract_targets matches
    # with: asked of load_ruleset once per process, as the lexicons are (a
    # call costs about 2% of the stage: it reads the environment).
    rules: RuleSet = field(compare=False)


@lru_cache(maxsize=None)
def lexicons() -> TargetLexicons:
    rs = load_ruleset("targets")
    lx = rs.lexicons
    bounds = load_ruleset("amounts").lexicons
    cues = sorted(lx["cues"], key=len, reverse=True)
    not_cues = sorted(lx.get("not_cues", []), key=len, reverse=True)
    # Word lists (literal alternations) go to the standard library's re: the
    # same leftmost-first reading as regex, and faster.
    cue_rx = re.compile("(?:" + "|".join(map(re.escape, not_cues + cues)) + ")") if cues else None
    aliases = lx.get("subject_aliases", {})
    alias = {a: canon for canon, names in aliases.items() for a in [canon, *names]}
    alias_words = sorted(alias, key=len, reverse=True)
    suffixes = sorted(lx.get("subject_suffixes", []), key=len, reverse=True)
    metric = {**invert_lexicon(lx["vehicle_metrics"]), **invert_lexicon(lx["money_metrics"])}
    metric_words = sorted(metric, key=len, reverse=True)
    cut_after = tuple(flatten_words(lx.get("subject_cut_after", list("的和与及、"))))
    on_re = _spellings(rs.pieces["han"].pattern)
    return TargetLexicons(
        metric=metric,
        cues=(cue_rx, frozenset(not_cues)),
        cues_after=tuple(lx.get("cues_after", [])),
        cue_after_window=int(lx.get("cue_after_window", 12)),
        this_year=tuple(lx.get("this_year", [])),
        next_year=tuple(lx.get("next_year", [])),
        alias=alias,
        alias_rx=re.compile("|".join(map(re.escape, alias_words))) if alias_words else None,
        subject_rx=re.compile(_subject_source(suffixes, on_re)) if suffixes else None,
        suffix_rx=re.compile(_suffix_source(suffixes, rs.pieces["han"].pattern)) if suffixes else None,
        generic=frozenset(flatten_words(lx.get("subject_generic", []))),
        generic_words=tuple(frozenset(flatten_words(lx.get("subject_generic", [])))),
        left_trim=tuple(sorted(flatten_words(lx.get("subject_left_trim", [])), key=len, reverse=True)),
        cut_after=cut_after,
        topic_rx=re.compile(_topic_source(lx["topic_verbs"], on_re)) if lx.get("topic_verbs") else None,
        verb_rx=re.compile("|".join(map(re.escape, lx["topic_verbs"]))) if lx.get("topic_verbs") else None,
        longest_verb=max(map(len, lx.get("topic_verbs") or [""])),
        bound_before=invert_lexicon(bounds["bound_before"]),
        bound_after=invert_lexicon(bounds["bound_after"]),
        bound_before_longest=tuple(sorted(invert_lexicon(bounds["bound_before"]).items(), key=lambda kv: -len(kv[0]))),
        metric_rx=re.compile("|".join(map(re.escape, metric_words))) if metric_words else re.compile("(?!)"),
        cut_rx=re.compile("|".join(map(re.escape, cut_after))) if cut_after else re.compile("(?!)"),
        name_run_rx=re.compile(on_re["name"] + "{1,14}"),
        rules=rs,
    )


# How subject_rx and topic_rx spell a Han character, a name character and a
# space: in the regex module's syntax (the reference, which the tests compile
# with regex), and for the standard library's re, which has no \p{…}: the
# shared han piece (\p{Han} as ranges), and \s less the four separators
# \x1c-\x1f, which re's \s matches and regex's does not. Each re match
# attempt costs about half of regex's (the topic and subject searches
# were a fifth of the stage).
ON_REGEX = {"han": "[\\p{Han}]", "name": "[\\p{Han}A-Za-z0-9]", "space": "\\s"}


def _spellings(han: str) -> dict[str, str]:
    """ON_REGEX's pieces for re, from the han piece (a class: [ranges])."""
    return {"han": han, "name": "[" + han[1:-1] + "A-Za-z0-9]", "space": "[^\\S\\x1c-\\x1f]"}


def _subject_source(suffixes: list[str], spell: dict[str, str]) -> str:
    """A subject: a short run of name characters up to a suffix (lazily: the first suffix)."""
    return spell["name"] + "{1,14}?" + _suffix_source(suffixes, spell["han"])


def _topic_source(verbs: list[str], spell: dict[str, str]) -> str:
    """A clause topic: 2-8 name characters after a clause mark (or the text's start), then a verb."""
    return (r"(?:^|(?<=" + _TOPIC_LEAD + "))" + spell["space"] + "*(?P<topic>" + spell["name"] + "{%d,%d}?)(?:" % TOPIC_LENGTH
            + "|".join(map(re.escape, sorted(verbs, key=len, reverse=True))) + ")")


def _suffix_source(suffixes: list[str], han: str = "[\\p{Han}]") -> str:
    """A subject suffix (区, 集团…) not running on into a place name; *han*
    is the Han class in the syntax of the engine that compiles it (for re:
    the shared han piece, \\p{Han} spelt as ranges)."""
    return "(?:" + "|".join(map(re.escape, suffixes)) + ")(?!" + han + "{0,1}[区市])"


def _name_run_start(shadow: str, lo: int, p: int, lx: "TargetLexicons") -> int | None:
    """Where the run of name characters (1 to 14, as in subject_rx) that
    ends at *p* starts, not before *lo*; None when shadow[p-1] is none: a
    forward match on the reversed stretch (re has no backward matching)."""
    m = lx.name_run_rx.match(shadow[lo:p][::-1])
    return p - m.end() if m is not None else None


def _subject_matches(shadow: str, start: int, end: int, lx: "TargetLexicons"):
    """The matches of subject_rx.finditer(shadow, start, end), found from
    the suffixes instead of trying the lazy name run at every position.

    subject_rx matches at q with the first position p in q+1..q+14 (name
    characters all the way) where a suffix matches. So from the scan
    position cur, the next match uses the first suffix position p > cur
    whose name run reaches back to cur or to p-14, and starts where that
    run starts; subject_rx.match there gives the very match finditer would.
    """
    rx = lx.subject_rx
    cur = start
    for p in _suffix_starts(shadow, start + 1, end, lx.suffix_rx):
        if p <= cur:
            continue
        q = _name_run_start(shadow, max(cur, p - 14), p, lx)
        if q is None:
            continue
        m = rx.match(shadow, q, end)
        if m is None:  # cannot happen (see above); stay exact whatever the pattern
            yield from rx.finditer(shadow, cur, end)
            return
        yield m
        cur = m.end()


def _suffix_starts(shadow: str, start: int, end: int, suffix_rx):
    """The starts of regex's overlapped finditer of the suffix pattern (a
    match at every position where one starts), from re searches: on re the
    pattern runs about twice as fast as on regex."""
    m = suffix_rx.search(shadow, start, end)
    while m is not None:
        yield m.start()
        m = suffix_rx.search(shadow, m.start() + 1, end)


class _TriggerScan:
    """The trigger hits of every rule of a rule set, from one scan.

    Each trigger here is a word list (one ``words`` piece, or plain words
    joined by ``|``); its own scan, ``finditer`` of a longest-first
    alternation, reports at each position the longest word there and goes
    on after it. One trie-shaped alternation of all the lists' words, asked
    at every position where a word starts (``search`` again one character
    on), finds each position with the longest word of any list there; as no
    word of one list is a prefix of a word of another, that word belongs to
    the one list with a word there, and skipping a list's hits that start
    inside its previous hit gives back that list's finditer hits exactly.
    One trie scan costs about half the four alternation scans.
    """

    def __init__(self, rx, owner: dict[str, str], widest: dict[str, tuple[int, int]]):
        self.rx, self.owner, self.widest = rx, owner, widest

    @classmethod
    def build(cls, rs: RuleSet) -> "_TriggerScan | None":
        """None when a trigger is not a plain word list, or lists clash."""
        words_of: dict[str, set[str]] = {}
        widest: dict[str, tuple[int, int]] = {}
        for cr in rs.rules:
            src = cr.rule.trigger
            if src is None:
                continue
            if src not in words_of:
                words = _trigger_words(src, rs)
                if not words:
                    return None
                words_of[src] = words
            b, a = widest.get(src, (0, 0))
            widest[src] = (max(b, cr.rule.window[0]), max(a, cr.rule.window[1]))
        if not words_of:
            return None
        owner: dict[str, str] = {}
        for src, words in words_of.items():
            for w in words:
                if owner.setdefault(w, src) != src:
                    return None
        ordered = sorted(owner)
        for i, w in enumerate(ordered):  # a prefix sorts right before the words it starts
            for v in ordered[i + 1:]:
                if not v.startswith(w):
                    break
                if owner[v] != owner[w]:
                    return None
        return cls(re.compile(_trie_source(owner)), owner, widest)

    def windows(self, text: str, start: int, end: int) -> dict[str, list[tuple[int, int]]]:
        """Per trigger, what rules._windows gives for its hits in text[start:end]."""
        out: dict[str, list[tuple[int, int]]] = {src: [] for src in self.widest}
        hit_end = dict.fromkeys(self.widest, -1)   # end of each list's last hit
        last_end = dict.fromkeys(self.widest, -1)  # end of each list's last window
        search, owner, widest = self.rx.search, self.owner, self.widest
        m = search(text, start, end)
        while m is not None:
            s, e = m.span()
            src = owner[m.group()]
            if s >= hit_end[src]:
                hit_end[src] = e
                before, after = widest[src]
                ws = s - before if s - before > start else start
                we = e + after if e + after < end else end
                wins = out[src]
                if ws <= last_end[src]:
                    if we > last_end[src]:
                        wins[-1] = (wins[-1][0], we)
                        last_end[src] = we
                else:
                    wins.append((ws, we))
                    last_end[src] = we
            m = search(text, s + 1, end)
        return out


_PLAIN_WORDS = re.compile(r"\w+(?:\|\w+)*")
_ONE_PIECE = re.compile(r"\(\?&(\w+)\)")


def _trigger_words(src: str, rs: RuleSet) -> set[str] | None:
    """The words of a trigger that is a word list, else None."""
    src = src.strip()
    m = _ONE_PIECE.fullmatch(src)
    if m is not None:
        piece = rs.pieces.get(m.group(1))
        if piece is None or piece.pattern is not None or not piece.words:
            return None
        words = set(piece.words)
        return words if all(w and not any(c.isspace() for c in w) for w in words) else None
    if _PLAIN_WORDS.fullmatch(src):
        return set(src.split("|"))
    return None


def _trie_source(words) -> str:
    """An alternation of *words* with common prefixes factored out; at each
    position it matches the longest word there, as a longest-first list does."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body
    return emit(root)


_SCANS: dict[int, tuple[RuleSet, "_TriggerScan | None", list]] = {}
MAX_HOLDS_CHARS = 3  # a longer list of must-hold characters is not worth a search per window


def _must_hold(items: tuple) -> frozenset[str] | None:
    """The smallest set of characters found for a parsed pattern (see
    pattern_analysis.parsed) such that every match consumes one of them —
    a literal, a class of literals, or a branch each alternative of which
    has such a set; None when no item has one. The caller checks the set
    with pattern_analysis.holds_occurrence."""
    from re import _constants as sre  # the parser's opcodes, as pattern_analysis reads them

    def of(op, av) -> frozenset[str] | None:
        if op is sre.LITERAL:
            return frozenset(chr(av))
        if op is sre.IN and av and all(iop is sre.LITERAL for iop, _ in av):
            return frozenset(chr(c) for _, c in av)
        if op is sre.BRANCH:
            sets = [_must_hold(b) for b in av]
            return None if any(x is None for x in sets) else frozenset().union(*sets)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            return _must_hold(av[2])
        if op is sre.ATOMIC_GROUP:
            return _must_hold(av)
        return None

    best = None
    for op, av in items:
        found = of(op, av)
        if found is not None and (best is None or len(found) < len(best)):
            best = found
    return best


def _holds_rx(cr) -> "re.Pattern | None":
    """A search for the characters one of which every match of the rule
    consumes (at most MAX_HOLDS_CHARS of them, checked by holds_occurrence),
    or None."""
    from .pattern_analysis import holds_occurrence, literal_alternatives, parsed

    items = parsed(cr.regex.pattern)
    chars = _must_hold(items) if items is not None else None
    if not chars or len(chars) > MAX_HOLDS_CHARS:
        return None
    if not holds_occurrence(items, literal_alternatives("".join(sorted(chars)))):
        return None
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")


def _find(rs: RuleSet, text: str, start: int, end: int) -> list[Match]:
    """rs.find(text, start, end), with the trigger windows from one scan,
    and only the windows that hold a character every match of the rule
    consumes (_holds_rx).

    window_matches reads a window [ws, we) with finditer up to scan_end
    (LOOKAHEAD_MARGIN past we) and keeps only what that scan finds (a match
    running past we is read again from where the scan found it), so a
    window whose [ws, scan_end) has none of those characters adds no match
    and takes nothing from another window's: leaving it out changes nothing.
    """
    entry = _SCANS.get(id(rs))
    if entry is None or entry[0] is not rs:
        entry = _SCANS[id(rs)] = (rs, _TriggerScan.build(rs), [_holds_rx(cr) for cr in rs.rules])
    scan, holds = entry[1], entry[2]
    if scan is None:
        return rs.find(text, start, end)
    windows = scan.windows(text, start, end)
    out: list[Match] = []
    for cr, hold in zip(rs.rules, holds):
        spans = windows[cr.rule.trigger] if cr.trigger is not None else [(start, end)]
        if hold is not None and spans:
            search = hold.search
            spans = [(ws, we) for ws, we in spans
                     if search(text, ws, we + LOOKAHEAD_MARGIN if we + LOOKAHEAD_MARGIN < end else end) is not None]
        if spans:
            out += window_matches(cr, text, spans, end)
    return out


_SENTENCE_END_RX = re.compile("[" + re.escape(SENTENCE_END) + "]")
_SENTENCE_END_BACK = regex.compile("(?r)[" + regex.escape(SENTENCE_END) + "]")  # the last one before a position


# Where topic_rx can start: the text's start or just after one of these.
_TOPIC_LEAD = "[,，。；;!?！？\\n]"
_TOPIC_LEAD_RX = re.compile(_TOPIC_LEAD)


def _topic_matches(shadow: str, start: int, end: int, lx: "TargetLexicons"):
    """The matches of topic_rx.finditer(shadow, start, end), tried only
    where topic_rx can start (the text's start or after a clause mark)
    instead of at every position, and only in a window that holds a verb
    starting two characters or more into it (a match consumes a topic of
    two or more characters, then a verb, all before *end*)."""
    if lx.verb_rx.search(shadow, start + 2, end) is None:
        return
    rx = lx.topic_rx
    cur = start
    if (start == 0 or _TOPIC_LEAD_RX.match(shadow, start - 1)) and _verb_in_reach(shadow, start, end, lx):
        m = rx.match(shadow, start, end)
        if m is not None:
            yield m
            cur = m.end()
    for lead in _TOPIC_LEAD_RX.finditer(shadow, start, end):
        q = lead.end()
        if q < cur or not _verb_in_reach(shadow, q, end, lx):
            continue
        m = rx.match(shadow, q, end)
        if m is not None:
            yield m
            cur = m.end()


def _verb_in_reach(shadow: str, q: int, end: int, lx: "TargetLexicons") -> bool:
    """False when topic_rx cannot match at q: with no space at q, its topic
    runs TOPIC_LENGTH characters from q, so a verb must start that far on
    (one re search instead of a regex match, which fails at most clause
    marks). With a space at q (str.isspace holds for every character \\s
    matches), topic_rx decides. The search stops where a verb starting in
    reach must have ended: a verb found past the reach would fail anyway,
    and the first one in reach is found all the same."""
    if q < end and shadow[q].isspace():
        return True
    reach = q + TOPIC_LENGTH[1] + lx.longest_verb
    verb = lx.verb_rx.search(shadow, q + TOPIC_LENGTH[0], reach if reach < end else end)
    return verb is not None and verb.start() <= q + TOPIC_LENGTH[1]


def _sentence_span(text: str, pos: int) -> tuple[int, int]:
    """(boundary_before(text, pos, SENTENCE_END, pos - MAX_SENTENCE_REACH),
    boundary_after(text, pos, SENTENCE_END, pos + MAX_SENTENCE_REACH)), with
    the two walks done by one compiled search each (backwards, then forwards)."""
    floor = max(0, pos - MAX_SENTENCE_REACH)
    last = _SENTENCE_END_BACK.search(text, floor, pos) if pos > floor else None
    start = last.end() if last is not None else (floor if pos > floor else pos)
    ceil = min(pos + MAX_SENTENCE_REACH, len(text))
    hit = _SENTENCE_END_RX.search(text, pos, ceil) if pos < ceil else None
    end = hit.start() if hit else max(pos, ceil)
    return start, end


def has_cue(text: str, lx: TargetLexicons) -> bool:
    rx, not_cues = lx.cues
    if rx is not None:
        for m in rx.finditer(text):  # (a loop: an any() over a generator costs more than the few hits)
            if m.group() not in not_cues:
                return True
    return False


def _has_cue_after(after: str, lx: TargetLexicons) -> bool:
    """A cue of cues_after (目标…) in *after*."""
    for cue in lx.cues_after:
        if cue in after:
            return True
    return False


def frame_year(shadow: str, start: int, head: int, dates: "SpanIndex", ref: date | None,
               lx: TargetLexicons) -> tuple[int | None, int | None]:
    """(year, period_start) of the goal whose metric starts at *head*.

    The last calendar reference before it in its sentence decides, as the
    dates table resolved it (so 今年 here agrees with the dates table): its
    last year is the due year; a span over several years (“十四五”,
    2021—2025年) also gives the period's first year. Words the dates table
    does not record (年度, 全年) mean the publication year.
    """
    best: tuple[int, int | None, int | None] | None = None  # (position, year, period_start)
    for d in dates.within(start, head):  # the one ending last; of those ending together, the first
        if d.kind != "published" and (best is None or d.char_end > best[0]):
            first, last = d.start.year, d.end.year
            best = (d.char_end, last, first if first != last else None)
    if ref is not None:
        before = shadow[start:head]
        for words, delta in ((lx.this_year, 0), (lx.next_year, 1)):
            for w in words:
                i = before.rfind(w)
                if i >= 0 and (best is None or start + i + len(w) > best[0]):
                    best = (start + i + len(w), ref.year + delta, None)
    if best is not None:
        return best[1], best[2]
    return (ref.year if ref else None), None


def _trim_subject(cand: str, lx: TargetLexicons) -> str:
    if lx.cut_rx.search(cand, 0, len(cand) - 1):  # else no word below is in cand[:-1]
        for sep in lx.cut_after:
            if sep in cand[:-1]:
                cand = cand.rsplit(sep, 1)[1]
    changed = cand.startswith(lx.left_trim)  # else no word below strips anything
    while changed:
        changed = False
        for w in lx.left_trim:
            if cand.startswith(w) and len(cand) > len(w):
                cand, changed = cand[len(w):], True
    return cand


def _candidates(shadow: str, start: int, end: int, projects: "SpanIndex", lx: TargetLexicons,
                dates: "SpanIndex | None" = None) -> list[tuple[int, int, str]]:
    """(start, end, canonical name) of the subjects named in shadow[start:end].

    A candidate that a date runs into is cut after the date (今年上半年集团
    is no subject); a clause topic before a reporting or intention verb
    counts without a suffix (比亚迪表示…) unless it names a metric.
    """
    out: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for p in projects.within(start, end):  # a project is a subject unless it is one item of a list (…、X等)
        taken.append((p.char_start, p.char_end))
        if shadow[p.char_end:p.char_end + 1] not in ("等", "、", "和", "与", "及"):
            out.append((p.char_start, p.char_end, p.name))
    if lx.alias_rx is not None:
        for m in lx.alias_rx.finditer(shadow, start, end):
            if not _inside(taken, m.start(), m.end()):
                out.append((m.start(), m.end(), lx.alias[m.group()]))
                taken.append(m.span())
    generic = lx.generic_words
    if lx.topic_rx is not None:
        for m in _topic_matches(shadow, start, end, lx):
            s, e = _after_dates(dates, m.start("topic"), m.end("topic")), m.end("topic")
            name = _trim_subject(shadow[s:e], lx)
            s = e - len(name)
            if len(name) >= 2 and name not in lx.generic and not _inside(taken, s, e) \
                    and not lx.metric_rx.search(name) and not name.startswith(generic):
                out.append((s, e, lx.alias.get(name, name)))
                taken.append((s, e))
    if lx.subject_rx is not None:
        for m in _subject_matches(shadow, start, end, lx):
            cut = _after_dates(dates, m.start(), m.end())
            name = _trim_subject(shadow[cut:m.end()], lx)
            s = m.end() - len(name)
            if len(name) >= 3 and name not in lx.generic and not _inside(taken, s, m.end()) \
                    and not (name.endswith(generic) and any(name.endswith(g) and len(name) - len(g) < 2 for g in generic)):
                out.append((s, m.end(), lx.alias.get(name, name)))
    return sorted(out)


def _inside(taken: list[tuple[int, int]], a: int, b: int) -> bool:
    """[a, b) lies inside one of the spans *taken*."""
    for s, e in taken:
        if s <= a and b <= e:
            return True
    return False


def _after_dates(dates: "SpanIndex | None", s: int, e: int) -> int:
    """*s*, moved past the end of every date that runs into [s, e) from before
    it or inside it (今年上半年集团 → 集团)."""
    for d in (dates.within(max(0, s - 12), e) if dates is not None else ()):
        if d.char_start < e and s < d.char_end <= e:
            s = d.char_end
    return s


def find_subject(doc: Document, sent_start: int, pos: int, projects: "SpanIndex", lx: TargetLexicons,
                 dates: "SpanIndex | None" = None) -> str | None:
    """Nearest subject before *pos* in its sentence, else the first (topic)
    subject of one of the LOOKBACK_SENTENCES sentences before."""
    cands = _candidates(doc.shadow, max(sent_start, pos - SUBJECT_REACH), pos, projects, lx, dates)
    if cands:
        return cands[-1][2]
    s = sent_start
    for _ in range(LOOKBACK_SENTENCES):
        if s <= 0:
            break
        prev_start, _ = _sentence_span(doc.shadow, s - 1)
        cands = _candidates(doc.shadow, prev_start, s - 1, projects, lx, dates)
        if cands:
            return cands[0][2]
        s = prev_start
    return None


# The groups extract_targets reads from a match, in this order.
_match_groups = GroupReader("metric", "mid", "num", "num2", "vunit", "value", "more", "post")


def _vehicle_value(groups: tuple, lx: TargetLexicons) -> tuple[Decimal, Decimal | None, str] | None:
    """(value, high, bound) of a vehicle count; *groups*: _match_groups of its match."""
    _, mid, num, num2, _, _, more, post = groups
    if num2:
        high = parse_number(num2)
        low = range_low(num, num2, high) if high is not None else None
        return (low, high, "range") if low is not None else None
    value = parse_number(num)
    if value is None:
        return None
    mid = mid or ""
    bound = "exact"
    for w, b in lx.bound_before_longest:
        if mid.endswith(w):
            bound = b
            break
    if post:
        bound = lx.bound_after.get(post, bound)
    if more:
        bound = "min"
    return value, None, bound


def _first_cny(amounts: list[Amount]) -> Amount | None:
    for a in amounts:
        if a.currency == "CNY":
            return a
    return None


def extract_targets(doc: Document, found: dict[str, list[Record]]) -> list[Target]:
    lx = lexicons()
    rs = lx.rules
    matches = []
    for s, e in doc.scopes():
        matches += [m for m in _find(rs, doc.shadow, s, e) if doc.in_scope(m.start, m.end)]
    out: list[Target] = []
    if not matches:  # most articles: no need to index the records found so far
        return out
    amounts = SpanIndex(found.get("amounts", []))
    projects = SpanIndex(found.get("projects", []))
    dates = SpanIndex(found.get("dates", []))
    ref = reference_date(doc)
    validate = Target.__pydantic_validator__.validate_python
    previous_metric: dict[tuple[int, int], tuple[str, str]] = {}  # sentence → last (metric, metric_text)
    for m in resolve_overlaps(matches):
        sent = _sentence_span(doc.shadow, m.start)
        sh = doc.shadow
        groups = _match_groups(m)
        metric_word, mid, num, _, vunit, value_text = groups[:6]
        after = sh[m.end:min(sent[1], m.end + lx.cue_after_window)]
        if m.rule.attrs.get("inherit_metric"):
            if sent not in previous_metric:
                continue
            metric, metric_text = previous_metric[sent]
            head = m.start
        else:
            head, metric_end = m.span("metric")
            metric_text = doc.raw[head:metric_end]
            metric = lx.metric.get(metric_word, "other")
            previous_metric[sent] = (metric, metric_text)
        before = sh[sent[0]:head]
        year, period_start = frame_year(sh, sent[0], head, dates, ref, lx)
        # A goal due after the publication year is forward-looking whatever
        # its wording (到2027年,地区生产总值突破4500亿元); the metric word itself
        # may carry the cue (计划完成投资). The cue search, the dearest of the
        # three tests, comes last.
        forward = (year is not None and ref is not None and year > ref.year) \
            or _has_cue_after(after, lx) \
            or has_cue(before + (metric_word or "") + (mid or ""), lx)
        if not forward or sh[m.end:m.end + 1] == "的" and not _has_cue_after(after, lx):
            continue
        end = m.end
        vehicles = num is not None or vunit is not None
        if vehicles:
            if num is None:
                val = parse_number(value_text)
                parsed = (val, None, "exact") if val is not None else None
            else:
                parsed = _vehicle_value(groups, lx)
            if parsed is None or metric in ("output_value", "gdp", "investment", "other"):
                continue
            value, high, bound = parsed
            unit = "vehicle"
        else:
            vs = m.span("value")[0]
            amount = _first_cny(amounts.covering(vs))
            if amount is None or metric not in ("output_value", "gdp", "investment", "other"):
                continue
            value, high, bound, unit = amount.value_cny, amount.high_cny, amount.bound, "CNY"
            end = max(end, amount.char_end)  # the text runs to the end of the sum: 总投资55.08亿元
        # Target's own validator on the fields Target(**fields) would get:
        # the same validation, fields set and errors, without the keyword call.
        out.append(validate(dict(
            article_id=doc.article_id, text=doc.raw[m.start:end], char_start=m.start, char_end=end,
            sentence=doc.sentence_at(m.start), rule_id=m.rule.id,
            subject=find_subject(doc, sent[0], head, projects, lx, dates), metric=metric, metric_text=metric_text,
            value=value, high=high, unit=unit, bound=bound, year=year, period_start=period_start,
            stated_date=ref,
        )))
    return out
