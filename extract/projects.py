"""Named projects → ``Project`` records.

Rules (``rules/projects.yaml``) find *triggers* on the shadow text: a project
suffix (项目, 工厂, 基地, 产业园…), a list head (…等13个项目), a quoted
conjunct, a list item between two projects. This module finds where each name
begins by segmenting the trigger's clause with jieba (part of speech and the
boundary words of the rule file, never a fixed character count), drops
generic phrases, and reads status, investment and location from the clause.

- Only clauses that hold a trigger are segmented; jieba's dictionary is loaded
  once per process, lazily (``tokenizer()``), with the rule file's words added
  as a user dictionary, and its logging silenced.
- Investment comes from the amounts already extracted for the article (never
  re-parsed); a linked amount gets the project name as its ``subject``.
- The overlap policy is the shared one (``resolve_overlaps``): longest span,
  then leftmost, then the rule listed first.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from bisect import bisect_left, bisect_right
from functools import lru_cache
from operator import attrgetter, itemgetter

import regex

from .articles import Document
from .models import Amount, Project, Record
from .spans import SpanIndex, StopIndex, boundary_after, boundary_before
from .rules import CompiledRule, Match, flatten_words, invert_lexicon, load_ruleset, resolve_overlaps

CLAUSE_END = ",，。；;！？!?\n"
MAX_NAME = 25     # characters; a walk that reaches it has found no boundary
MAX_ITEMS = 15    # items of one 等-list
OPEN_Q = "“\"‘「『《("
CLOSE_Q = "”\"’」』》)"
PAIRS = dict(zip(CLOSE_Q, OPEN_Q))
_QUOTE_CHAR = re.compile("[" + re.escape(OPEN_Q + CLOSE_Q) + "]")  # (a character class: the stdlib engine, less per call)
CONNECTORS = "-·—"
PROPER_FLAGS = ("j", "nz", "nr", "ns", "nt", "nrt", "nrfg", "eng")
POSTPOSITIONS = frozenset("以上 以下 以来 之间 之后 之前 以后 以前 之中 之内 内 外 里 上 下 前 后 旁 间".split())
MEASURES = frozenset("个项家所批座条类处栋幢期")
_TIME = regex.compile(r"^(?:[今明去前后当近目现此同届正\d]|[一二三四五六七八九十两几]+[年月日时]|.*(?:年|月份|时期)$)")
STOP_FLAGS = ("p", "c", "u", "d", "r", "y", "e", "o", "w", "i", "ad", "uj", "ul", "uz", "ug", "uv", "ud")

_QUANTITY = regex.compile(
    r"^(?=.)(?:[\d.,]+|[零〇一二两三四五六七八九十百千万亿几数多余]+)*"
    r"(?:[个项家所批座条类大处栋幢]|万?平方米|公顷|亩|米|公里|千米|吨|辆|台|套|户|人|亿元|万元|元|亿|万)?$")
_NUMERAL_WORD = regex.compile(r"^[\d.,，%．]+$")
_ORDINAL = regex.compile(r"^(?:首|各|每|多|数|若干|一批|一系列|一些|部分)")
_PLURAL = regex.compile(
    r"(?:(?:\d+|[一二两三四五六七八九十百千几数多]+)\s?[个项家所批座条类]|一批|一系列|若干|多个|各类|各项|这些|上述|等)$")

_SCALE = regex.compile(r"(?:世界|万亿|千亿|百亿|国家|国际|全国|省|市)级$")
# The last character of every text _PLURAL or _SCALE matches (both are
# anchored by $; on a text without trailing whitespace a match ends at the
# text's last character, which is then the last character of an alternative).
_PLURAL_LAST = frozenset("个项家所批座条类列干些述等")
_SCALE_LAST = "级"
_CONJ_SPLIT = regex.compile("[和及]")

LOADS = 0  # how many times jieba's dictionary was loaded in this process (tests read it)


# ---------------------------------------------------------------- lexicons

@dataclass(frozen=True)
class ProjectLexicons:
    suffix_kind: dict[str, str]
    suffixes: tuple[str, ...]
    suffix_lengths: tuple[int, ...]   # the suffixes' lengths, longest first
    head_kind: dict[str, str]
    head_blockers: tuple[str, ...]
    generic_names: frozenset[str]
    generic_words: tuple[str, ...]
    designation_prefixes: tuple[str, ...]
    description_openers: frozenset[str]
    partner_words: tuple[str, ...]
    partner_openers: frozenset[str]
    function_words: frozenset[str]
    verbs: frozenset[str]
    name_verbs: frozenset[str]
    generic_tails: tuple[str, ...]
    generic_stem_ends: tuple[str, ...]
    not_project_tails: tuple[str, ...]
    capacity_words: tuple[str, ...]
    industry_words: tuple[str, ...]
    investment_links: tuple[str, ...]
    anaphor_rx: object
    mod_blockers: tuple[str, ...]
    verb_adverbs: tuple[str, ...]
    status: dict[str, str]
    status_rx: object
    status_before: dict[str, str]
    status_head: dict[str, str]
    prospective: tuple[str, ...]
    loc_after_rx: object
    loc_before_rx: object
    place_end_rx: object
    # Derived from the fields above once, when the lexicons are made, and
    # kept with them (a rebuilt lexicon gets its own): read on every walk,
    # name and status, where a look-up in a module-level cache keyed by the
    # lexicon cost a call and a key per question.
    walk_special: frozenset[str] = field(init=False, repr=False, compare=False)
    description_opener_tuple: tuple[str, ...] = field(init=False, repr=False, compare=False)  # (for str.endswith)
    status_before_lengths: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # Memos of pure functions of a name and these lexicons (is_generic, _industry_only).
    generic_memo: dict = field(init=False, repr=False, compare=False)
    industry_memo: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        derive = object.__setattr__  # (the dataclass is frozen)
        derive(self, "walk_special", _walk_special_words(self))
        derive(self, "description_opener_tuple", tuple(self.description_openers))
        derive(self, "status_before_lengths", tuple(sorted({len(w) for w in self.status_before}, reverse=True)))
        derive(self, "generic_memo", {})
        derive(self, "industry_memo", {})


def _alt(words) -> str:
    return "|".join(regex.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _longest_first(d: dict[str, str]) -> dict[str, str]:
    """The same mapping, iterated longest word first (a stable sort: ties keep file order)."""
    return dict(sorted(d.items(), key=lambda x: -len(x[0])))


@lru_cache(maxsize=None)
def lexicons() -> ProjectLexicons:
    lx = load_ruleset("projects").lexicons

    def words(key: str, default=()) -> tuple[str, ...]:
        return tuple(flatten_words(lx.get(key, list(default))))

    status = invert_lexicon(lx["status_verbs"])
    suffix_kind = invert_lexicon(lx["suffix_kinds"])
    function_words = frozenset(words("function_words"))
    verbs = frozenset(words("boundary_verbs")) | frozenset(status)
    place_ends = _alt(words("place_ends"))
    place = r"[^,，。；;、\n的在]{1,18}?(?:" + place_ends + ")"
    return ProjectLexicons(
        suffix_kind=suffix_kind,
        suffixes=tuple(sorted(suffix_kind, key=len, reverse=True)),
        suffix_lengths=tuple(sorted({len(w) for w in suffix_kind if w}, reverse=True)),
        head_kind=invert_lexicon(lx["list_heads"]),
        head_blockers=words("head_blockers"),
        generic_names=frozenset(words("generic_names")),
        generic_words=tuple(sorted(set(words("generic_words")) | verbs | function_words, key=len, reverse=True)),
        designation_prefixes=words("designation_prefixes"),
        description_openers=frozenset(words("description_openers")),
        partner_words=words("partner_words"),
        partner_openers=frozenset(words("partner_openers")),
        function_words=function_words,
        verbs=verbs,
        name_verbs=frozenset(words("name_verbs")),
        generic_tails=words("generic_tails"),
        generic_stem_ends=words("generic_stem_ends"),
        not_project_tails=words("not_project_tails"),
        capacity_words=words("capacity_words"),
        industry_words=words("industry_words"),
        investment_links=words("investment_links", ["的"]),
        anaphor_rx=regex.compile(r"\s*(?:" + _alt(words("investment_anaphors")) + r")?\s*(?:"
                                 + _alt(words("investment_openers", ["总投资"])) + ")"),
        mod_blockers=words("mod_blockers"),
        verb_adverbs=words("verb_adverbs"),
        status=status,
        status_rx=re.compile(_alt(status)),  # a plain word list: the stdlib engine, twice as fast here
        status_before=_longest_first(invert_lexicon(lx.get("status_before", {}))),
        status_head=_longest_first(invert_lexicon(lx.get("status_head", {}))),
        prospective=words("prospective"),
        loc_after_rx=regex.compile(r"^\s*(?:已|已经|正式|成功|将|拟|均)?(?:" + _alt(words("location_verbs"))
                                   + r")(?:在|于)?(?P<place>[^,，。；;、\n的]{2,20})"),
        # (words, character classes without \\s or \\d, lookahead: the stdlib engine reads them alike, faster)
        loc_before_rx=re.compile(r"(?:在|于)(?P<place>" + place + r")(?=" + _alt(verbs) + ")"),
        place_end_rx=re.compile(r"^.*(?:" + place_ends + ")"),
    )


# ---------------------------------------------------------------- segmentation

# A token: a word of a clause with its part-of-speech flag and absolute span,
# (word, flag, start, end), read by index. A plain tuple: clauses are
# segmented into thousands of these per article, and building a named tuple
# per word cost about as much as tagging the clause.
Tok = tuple[str, str, int, int]
WORD, FLAG, START, END = 0, 1, 2, 3


class _Unlearnable(Exception):
    """A word whose flag the segmenter cannot learn alone (it cuts it)."""


class _Segmenter:
    """Words and part-of-speech tags of a clause, with the rule files' words added.

    Uses rjieba (jieba's algorithm and dictionary, in Rust: about 40x faster
    per clause than jieba's Python cut, same words on the seed clauses
    except ASCII runs such as 2022-01-30, which it keeps whole). Falls back
    to jieba: its word cut with tags from posseg's table (posseg's own cut
    runs a part-of-speech Viterbi over unknown words, 10x slower again).
    """

    def __init__(self, lx: "ProjectLexicons"):
        added = [(w, "n") for w in lx.suffixes] + [(w, "v") for w in sorted(lx.verbs) if len(w) >= 2]
        try:
            import rjieba
        except ImportError:
            rjieba = None
        if rjieba is not None:
            self._rj = rjieba.Jieba()
            for w, tag in added:
                self._rj.add_word(w, None, tag)
            self._tag = self._rj.tag  # tag(text, hmm=True) -> [(word, flag)]
            self._cut = self._rj.cut
            self._flags: dict[str, str] = {}
            self.pairs = self._cut_pairs
            return
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tk = jieba.Tokenizer()
        self._tk.initialize()
        self._tags = dict(jieba.posseg.dt.word_tag_tab) if isinstance(
            getattr(getattr(jieba.posseg, "dt", None), "word_tag_tab", None), dict) else jieba.posseg.POSTokenizer(self._tk).word_tag_tab
        for w, tag in added:
            self._tk.add_word(w, tag=tag)
            self._tags[w] = tag
        self.pairs = self._jieba_pairs

    def _cut_pairs(self, text: str) -> list[tuple[str, str]]:
        """rjieba's ``tag(text)``, from its ``cut(text)`` and a memo of each word's flag.

        jieba-rs tags by cutting the text (as ``cut`` does) and giving each
        word a flag that depends on the word alone: its dictionary tag, or
        else x, m or eng from its characters. So a word's flag, once seen, is
        known: it is learnt from ``tag(word)`` when that gives the word back
        whole, else the text is tagged whole and every flag of it learnt. The
        cut costs about half the tag, which also builds a tuple per word.
        """
        get = self._flags.get
        try:
            return [(w, get(w) or self._learn(w)) for w in self._cut(text, True)]
        except _Unlearnable:
            pairs = self._tag(text, True)
            self._flags.update(pairs)
            return pairs

    def _learn(self, word: str) -> str:
        """The flag of *word* from ``tag(word)``; _Unlearnable when that cuts it."""
        if len(self._flags) > _MEMO_LIMIT:
            self._flags.clear()
        got = self._tag(word, True)
        if len(got) == 1 and got[0][0] == word:
            flag = self._flags[word] = got[0][1]
            return flag
        raise _Unlearnable(word)

    def _jieba_pairs(self, text: str) -> list[tuple[str, str]]:
        return [(w, self._tags.get(w) or ("m" if _NUMERAL_WORD.match(w) else "eng" if w.isascii() and w.isalnum() else "x"))
                for w in self._tk.lcut(text, HMM=True)]


@lru_cache(maxsize=1)
def tokenizer() -> _Segmenter:
    """The segmenter with the rule file's words added; built once per process."""
    global LOADS
    seg = _Segmenter(lexicons())
    LOADS += 1
    return seg


def segment(text: str, offset: int = 0) -> list[Tok]:
    """POS tokens of *text* with absolute offsets; adverb+verb tokens split (大力|支持)."""
    return _as_tokens(tokenizer().pairs(text), offset)


# Joins the texts segment_many segments in one call. It is in CLAUSE_END, so
# no clause holds it, and it is neither a Han character, a letter, a digit nor
# one of +#&._%- : jieba (and jieba-rs) cut a text in blocks of those
# characters and emit every other character as a word of its own, so the
# joined text is cut into the words of each text with this character between.
_JOIN = "，"


@lru_cache(maxsize=1)
def _join_pair() -> tuple[str, str]:
    """The (word, flag) pair the segmenter gives the joining character."""
    return tuple(tokenizer().pairs("项目" + _JOIN + "项目")[1])


def segment_many(spans: list[tuple[str, int]]) -> list[list[Tok]]:
    """``[segment(text, offset) for text, offset in spans]``, from one call of
    the segmenter over the texts joined by ``_JOIN`` (see there why the cut
    of the joined text is the cuts of the texts, with ``_JOIN`` between).

    The calls per clause cost more than their words: a clause of an article
    is about 23 characters. Texts holding ``_JOIN`` are segmented one by
    one, and so is every text when a part does not end where its text does
    (which the argument above rules out: a guard, not a case).
    """
    texts = [t for t, _o in spans]
    if len(spans) < 2 or any(_JOIN in t for t in texts):
        return [segment(t, o) for t, o in spans]
    joined = _JOIN.join(texts)
    seg = tokenizer()
    if getattr(seg, "_cut", None) is not None:
        out = _segment_cut(seg, spans, joined)
        if out is not None:
            return out
    pairs = seg.pairs(joined)
    sep = _join_pair()
    index = pairs.index
    out: list[list[Tok]] = []
    a = 0
    last = len(spans) - 1
    for k, (text, offset) in enumerate(spans):
        try:
            b = index(sep, a) if k < last else len(pairs)
        except ValueError:
            return [segment(t, o) for t, o in spans]
        toks = _as_tokens(pairs[a:b], offset)
        if not toks or toks[-1][END] != offset + len(text):
            return [segment(t, o) for t, o in spans]
        out.append(toks)
        a = b + 1
    return out if a == len(pairs) + 1 else [segment(t, o) for t, o in spans]


def _segment_cut(seg: _Segmenter, spans: list[tuple[str, int]], joined: str) -> list[list[Tok]] | None:
    """``segment_many``'s tokens built straight from rjieba's cut of *joined*,
    or None when this path does not apply (segment_many then goes its own way).

    ``seg.pairs`` is ``[(w, get(w) or learn(w)) for w in cut(text)]``
    (``_cut_pairs``), and the pairs are then split at the joiner's pair and
    made tokens by ``_as_tokens``. Here the flag is read in the comprehension
    that makes each token, with no (word, flag) list between; the split is
    at the word ``_JOIN``, whose pair is the joiner's pair (a flag depends on
    the word alone). Only a text holding a word that ``_as_tokens`` splits
    (``_glued_words``; one set test over the words of all the texts tells
    whether any does) goes through ``_as_tokens``. A word whose flag cannot
    be learnt (``_Unlearnable``), a missing joiner, or a part not ending
    where its text does: None.
    """
    if _join_pair()[0] != _JOIN:
        return None
    words = seg._cut(joined, True)
    get, learn = seg._flags.get, seg._learn
    index = words.index
    glued = _glued_word_set()
    some_glued = not glued.isdisjoint(words)  # (the joiner is no adverb + verb)
    out: list[list[Tok]] = []
    a = 0
    last = len(spans) - 1
    try:
        for k, (text, offset) in enumerate(spans):
            b = index(_JOIN, a) if k < last else len(words)
            part = words[a:b]
            if some_glued and not glued.isdisjoint(part):
                toks = _as_tokens([(w, get(w) or learn(w)) for w in part], offset)
            else:
                pos = offset
                toks = [(w, get(w) or learn(w), pos, pos := pos + len(w)) for w in part]
            if not toks or toks[-1][END] != offset + len(text):
                return None
            out.append(toks)
            a = b + 1
    except (ValueError, _Unlearnable):
        return None
    return out if a == len(words) + 1 else None


def _as_tokens(pairs: list[tuple[str, str]], offset: int) -> list[Tok]:
    """Tokens from the segmenter's (word, flag) pairs of a text starting at
    *offset*, a word that is an adverb glued to a verb split in two (大力|支持)."""
    glued = _glued_words()
    pos = offset
    out: list[Tok] = []
    append = out.append
    for w, f in pairs:
        end = pos + len(w)
        adverb = glued.get(w)
        if adverb:
            append((adverb, "d", pos, pos + len(adverb)))
            append((w[len(adverb):], "v", pos + len(adverb), end))
        else:
            append((w, f, pos, end))
        pos = end
    return out


def _adverb_of(word: str, lx: ProjectLexicons) -> str | None:
    """The adverb ``segment`` splits off *word*, or None: a token of more than
    two characters made of an adverb of the rule file and one of its verbs
    (the first such adverb in the file's order)."""
    if len(word) > 2 and word[0] in _adverb_initials(lx.verb_adverbs):
        return next((a for a in lx.verb_adverbs if len(word) > len(a) + 1 and word.startswith(a)
                     and word[len(a):] in lx.verbs), None)
    return None


@lru_cache(maxsize=1)
def _glued_word_set() -> frozenset[str]:
    """The words of ``_glued_words`` as a set: its ``isdisjoint(words)`` is a
    set look-up per word (a dict's keys view asks ``in`` of each, four times
    the cost)."""
    return frozenset(_glued_words())


@lru_cache(maxsize=1)
def _glued_words() -> dict[str, str]:
    """Every word ``segment`` splits, with the adverb it splits off (大力支持:
    大力). A word splits only when it is an adverb followed by a verb, so the
    words that split are among the adverb + verb pairs of the rule file (a
    few thousand): asked of each pair once here, the question for a word is a
    dict look-up (and for a text, a set test) instead of a regex search."""
    lx = lexicons()
    pairs = sorted({a + v for a in lx.verb_adverbs for v in lx.verbs})
    return {w: adverb for w in pairs if (adverb := _adverb_of(w, lx))}


MAX_CLAUSE_REACH = 80


class Clauses:
    """Clause spans of a document's shadow and their tokens, segmented on demand."""

    def __init__(self, shadow: str):
        self.shadow = shadow
        self._tokens: dict[int, list[Tok]] = {}
        self._stops = StopIndex(shadow, CLAUSE_END)

    def bounds(self, pos: int, floor: int = 0, ceil: int | None = None) -> tuple[int, int]:
        """The clause around *pos* within [floor, ceil)."""
        # A clause with no end in sight is cut MAX_CLAUSE_REACH characters from
        # the trigger, so a text without punctuation stays linear.
        hi = pos + MAX_CLAUSE_REACH if ceil is None else min(ceil, pos + MAX_CLAUSE_REACH)
        return self._stops.around(pos, max(floor, pos - MAX_CLAUSE_REACH), hi)

    def bounds_each(self, positions: list[int], floor: int, ceil: int) -> list[tuple[int, int]]:
        """``[bounds(p, floor, ceil) for p in positions]`` for ascending *positions*, in one pass."""
        return self._stops.around_each(positions, MAX_CLAUSE_REACH, floor, ceil)

    def prefetch(self, spans) -> None:
        """Segment the clauses [start, end) of *spans* not yet segmented, in
        one call of the segmenter (``segment_many``): ``tokens`` then finds them."""
        todo: dict[int, int] = {}
        for start, end in spans:
            if end > start:
                toks = self._tokens.get(start)
                if not toks or toks[-1][END] != end:
                    todo[start] = end
        if len(todo) < 2:
            return
        sh = self.shadow
        found = segment_many([(sh[s:e], s) for s, e in todo.items()])
        for s, toks in zip(todo, found):
            self._tokens[s] = toks

    def tokens(self, start: int, end: int) -> list[Tok]:
        key = start
        toks = self._tokens.get(key)
        if toks is None or (toks and toks[-1][END] != end):
            toks = segment(self.shadow[start:end], start) if end > start else []
            self._tokens[key] = toks
        return toks


def _index_at(toks: list[Tok], pos: int) -> int:
    """Index of the token holding *pos*, or -1. Tokens run left to right
    without overlap, so only the last one starting at or before *pos* can
    hold it (found by bisection)."""
    i = bisect_right(toks, pos, key=_START) - 1
    return i if i >= 0 and pos < toks[i][END] else -1


_START = itemgetter(START)
_END = itemgetter(END)
_SPAN = attrgetter("start", "end")  # of a Candidate


# ---------------------------------------------------------------- the walk left

def _suffix_of(name: str, lx: ProjectLexicons) -> str | None:
    """The longest suffix *name* ends with (the first of ``lx.suffixes``,
    longest first, that it ends with), found by a dict look-up per length."""
    kinds = lx.suffix_kind
    for n in lx.suffix_lengths:
        tail = name[-n:]
        if tail in kinds:
            return tail
    return None


def _ends_with_suffix(word: str, lx: ProjectLexicons) -> bool:
    return word.endswith(lx.suffixes)


def _is_num(t: Tok) -> bool:
    w, f = t[WORD], t[FLAG]
    return f.startswith("m") or f == "q" or (f == "eng" and w[:1].isdigit() is False
                                             and w.isascii() and len(w) <= 4)


def _capacity_start(toks: list[Tok], k: int, lx: ProjectLexicons) -> int | None:
    """First index of a capacity ending at toks[k], part of a name: 年产1.5万吨,
    120万吨/年, 百万千瓦级, 20GWh; None when toks[k] ends no capacity."""
    w, f = toks[k][WORD], toks[k][FLAG]
    p = None
    if w in ("年", "日", "天", "小时") and k >= 2 and toks[k - 1][WORD] == "/" and _is_num(toks[k - 2]):
        p = k - 2
    elif w == "级" and k >= 1 and toks[k - 1][FLAG].startswith("m"):
        return k - 1  # 百万千瓦级; 万亿级 is then a designation
    elif f.startswith("m") or f == "q":
        q = k
        while q > 0 and _is_num(toks[q - 1]):
            q -= 1
        return q - 1 if q > 0 and toks[q - 1][WORD].endswith(lx.capacity_words) else None
    if p is None:
        return None
    while p > 0 and _is_num(toks[p - 1]):
        p -= 1
    if p > 0 and toks[p - 1][WORD].endswith(lx.capacity_words):
        p -= 1
    return p


def _is_quantity(toks: list[Tok], k: int) -> bool:
    w = toks[k][WORD]
    if w.endswith("期") or w == "级" or (k + 1 < len(toks) and toks[k + 1][FLAG] == "eng"):
        return False
    if k + 1 < len(toks) and toks[k + 1][WORD].startswith(("号", "标段")):
        return False  # 6号线, 3标段: a number that names
    if w in ("万", "亿", "千", "百", "十") and not (k > 0 and toks[k - 1][FLAG].startswith("m")):
        return False  # 亿|纬锂能: a lone unit is not a quantity
    return bool(_QUANTITY.match(w) or _ORDINAL.match(w))


# Words that end a capacity without being a number or measure (120万吨/年, 百万千瓦级).
_CAPACITY_LAST = frozenset(("年", "日", "天", "小时", "级"))


# Flags of words the walk takes unless the word itself is special: not a
# stop flag, no particle (u…), verb (v…), numeral (m…), measure, time,
# locality or punctuation flag.
_PLAIN_FLAGS = frozenset(f for f in ("n", "ns", "nr", "nz", "nt", "nrt", "nrfg", "nw", "ng", "j", "l", "a", "an",
                                     "b", "s", "eng")
                         if f not in STOP_FLAGS and not f.startswith(("u", "v", "m")) and f not in ("q", "t", "f", "x"))
def _walk_special_words(lx: ProjectLexicons) -> frozenset[str]:
    """Words walk_left treats by the word whatever their flag: with a plain
    flag, a word outside this set (and not blank) is simply taken
    (``lx.walk_special``)."""
    words = set(lx.function_words) | set(lx.verbs) | set(lx.name_verbs) | set(CLOSE_Q) | set(MEASURES)
    words |= _CAPACITY_LAST | {"至", "到", "和", "及", "暨"}
    words |= {CONNECTORS[a:b] for a in range(len(CONNECTORS) + 1) for b in range(a, len(CONNECTORS) + 1)}
    return frozenset(words)  # (the connectors' substrings: ``in`` on a str)


def walk_left(toks: list[Tok], i: int, lx: ProjectLexicons, verb_zone: bool = False,
              limit_end: int | None = None, lenient: bool = False) -> tuple[int, bool]:
    """(index of the first token of the name whose last token is toks[i], capped).

    The walk stops at a boundary: punctuation, a function word, a verb that
    takes an object, a preposition, adverb, pronoun or quantity. Verbs right
    before the suffix (``verb_zone``) belong to the name. 和/及 are crossed
    only when the word before them is not itself a project name. A *lenient*
    walk (over the earlier items of a list) stops only at listed verbs.
    """
    end = toks[i][END] if limit_end is None else limit_end
    function_words, verbs, name_verbs = lx.function_words, lx.verbs, lx.name_verbs
    special = lx.walk_special
    n = len(toks)
    j = i
    depth: list[str] = []
    k = i - 1
    while k >= 0:
        w, f, t_start, _t_end = toks[k]
        if end - t_start > MAX_NAME:
            return j, True
        if depth:
            if w == depth[-1]:
                depth.pop()
            j = k
            k -= 1
            continue
        if f in _PLAIN_FLAGS and w not in special and w.strip():
            verb_zone = False  # a plain word: every test below passes it, the last one takes it
            j = k
            k -= 1
            continue
        if w in CLOSE_Q and w in PAIRS:
            depth.append(PAIRS[w])
            j = k
            k -= 1
            continue
        if f.startswith("m") or f == "q" or w in _CAPACITY_LAST:  # else _capacity_start says None
            cap = _capacity_start(toks, k, lx)
            if cap is not None:
                j = cap  # 年产1.5万吨碳纤维项目, 120万吨/年乙烯项目: a capacity is part of the name
                k = cap - 1
                continue
        if w in CONNECTORS:
            if k > 0 and toks[k - 1][WORD].isalnum() and toks[k - 1][FLAG] not in STOP_FLAGS:
                j = k
                k -= 1
                continue
            break
        if not w.strip() or (f == "x" and not w.isalnum()):
            break
        if verb_zone and (w in name_verbs or (k == i - 1 and f.startswith("v") and w not in verbs
                                               and w not in function_words)):
            j = k
            k -= 1
            continue
        verb_zone = False
        if (w in ("至", "到") and k > 0 and toks[k - 1][FLAG] == "ns" and k + 1 < n
                and toks[k + 1][FLAG] == "ns"):
            j = k  # 长春至辽源高速公路
            k -= 1
            continue
        if w in function_words or w in verbs:
            break
        if w in ("和", "及"):
            if k == 0:
                break
            lw, lf = toks[k - 1][WORD], toks[k - 1][FLAG]
            if (_ends_with_suffix(lw, lx) or lf in STOP_FLAGS
                    or lw in verbs or lw in function_words or not lw.strip()):
                break
            j = k
            k -= 1
            continue
        if w == "暨":
            j = k
            k -= 1
            continue
        if w in MEASURES and k > 0 and toks[k - 1][FLAG].startswith("m"):
            break  # 21项道路工程
        if f == "q" and not (w in ("级", "期") and k > 0 and toks[k - 1][FLAG] == "eng"):
            break
        if f == "t" and _TIME.match(w):
            break
        if f.startswith("m"):
            if _is_quantity(toks, k):
                break
            j = k
            k -= 1
            continue
        if f == "f" and w in POSTPOSITIONS:
            break
        if (not lenient and f == "v" and len(w) >= 2 and w not in name_verbs
                and not (k + 1 < n and toks[k + 1][FLAG] == "eng")
                and not (k > 0 and (toks[k - 1][FLAG] in PROPER_FLAGS or toks[k - 1][WORD] in ("、", "和", "及")))):
            break  # a verb before the name's nouns takes it as object (介绍X项目), not 上汽|通用, 、解放…基地
        if f in STOP_FLAGS or (f.startswith("u") and f != "uv"):
            break
        j = k
        k -= 1
    return j, False


_LEAD_STRIP = frozenset(" \t\u3000的" + OPEN_Q)   # what _strip_edges may drop at the start…
_TRAIL_STRIP = frozenset(" \t\u3000" + CLOSE_Q)  # … and at the end


def _strip_edges(shadow: str, s: int, e: int) -> tuple[int, int]:
    """Drop whitespace, a leading 的 and quotation marks that are not balanced inside."""
    if s >= e or (shadow[s] not in _LEAD_STRIP and shadow[e - 1] not in _TRAIL_STRIP):
        return s, e  # (every step below needs one of these edge characters: nothing to drop)
    for _ in range(4):
        while s < e and shadow[s] in " \t\u3000的":
            s += 1
        while e > s and shadow[e - 1] in " \t\u3000":
            e -= 1
        if e - s >= 2 and shadow[s] in OPEN_Q and shadow[e - 1] in CLOSE_Q and PAIRS.get(shadow[e - 1]) == shadow[s] \
                and shadow.count(shadow[e - 1], s + 1, e - 1) == 0:
            s, e = s + 1, e - 1
            continue
        if s < e and shadow[s] in OPEN_Q and not any(PAIRS.get(c) == shadow[s] for c in shadow[s + 1:e]):
            s += 1
            continue
        if s < e and shadow[e - 1] in CLOSE_Q and PAIRS.get(shadow[e - 1]) not in shadow[s:e - 1]:
            e -= 1
            continue
        break
    return s, e


@lru_cache(maxsize=None)
def _adverb_initials(adverbs: tuple[str, ...]) -> frozenset[str]:
    return frozenset(a[0] for a in adverbs if a)


@lru_cache(maxsize=64)
def _words_by_initial(words: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for w in words:
        if w:
            index.setdefault(w[0], []).append(w)
    return {k: tuple(v) for k, v in index.items()}


_GENERIC_INDEX: dict[tuple[int, int], tuple[object, object, dict]] = {}


def _generic_index(lx: ProjectLexicons, extra: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Generic (and *extra*) words by first character, built once per lexicon
    object: hashing the whole word tuple on every call cost more than the check."""
    key = (id(lx), id(extra))
    hit = _GENERIC_INDEX.get(key)
    if hit is None or hit[0] is not lx or hit[1] is not extra:
        hit = (lx, extra, _words_by_initial(tuple(lx.generic_words) + tuple(extra)))
        _GENERIC_INDEX[key] = hit
    return hit[2]


def _all_generic(stem: str, lx: ProjectLexicons, extra: tuple[str, ...] = ()) -> bool:
    """True when *stem* is made only of generic words (and *extra* words) and numbers."""
    index = _generic_index(lx, extra)
    n = len(stem)
    ok = [False] * (n + 1)
    ok[0] = True
    for i in range(n):
        if not ok[i]:
            continue
        if stem[i].isdigit() or stem[i] in ".%、“”\"()一二三四五六七八九十期":
            ok[i + 1] = True
        for w in index.get(stem[i], ()):
            if stem.startswith(w, i):
                ok[i + len(w)] = True
    return ok[n]


_MEMO_LIMIT = 50_000  # entries per memo before it is emptied (names are short; this bounds memory)


def _remember(memo: dict, key, value):
    """``memo[key] = value``, the memo emptied first when it is full."""
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def _industry_only(name: str, lx: ProjectLexicons) -> bool:
    """*name* made only of industry and generic words (汽车, 医药健康): memoised
    on the name, a pure function of it and the lexicon."""
    hit = lx.industry_memo.get(name)
    if hit is None:
        hit = _remember(lx.industry_memo, name, _all_generic(name, lx, lx.industry_words))
    return hit


def is_generic(name: str, suffix: str | None, lx: ProjectLexicons, words: bool = True) -> bool:
    """A category, not a project: 重大项目, 整车扩能项目, 智慧工厂, 国家…示范区.

    Memoised on (name, suffix, words): a pure function of them and the
    lexicon, asked again and again of the same short names.
    """
    key = (name, suffix, words)
    hit = lx.generic_memo.get(key)
    if hit is None:
        hit = _remember(lx.generic_memo, key, _judge_generic(name, suffix, lx, words))
    return hit


def _judge_generic(name: str, suffix: str | None, lx: ProjectLexicons, words: bool) -> bool:
    """``is_generic`` without the memo."""
    base = name[:-2] if name.endswith("项目") and len(name) > 2 else name
    if name in lx.generic_names or base in lx.generic_names or name.endswith(lx.generic_tails):
        return True
    stem = name[: -len(suffix)] if suffix and name.endswith(suffix) else name
    if len(stem) < 2:
        return True
    if "和" in stem or "及" in stem:  # (the characters _CONJ_SPLIT splits at)
        if any(part.startswith(lx.designation_prefixes) for part in _CONJ_SPLIT.split(stem)):
            return True
    elif stem.startswith(lx.designation_prefixes):
        return True
    if stem.endswith(lx.generic_stem_ends):
        return True
    return words and _all_generic(stem, lx)


# ---------------------------------------------------------------- candidates

@dataclass(slots=True)
class Candidate:
    rule: CompiledRule
    start: int
    end: int
    kind: str
    clause: tuple[int, int]
    before_end: int             # status/location words before the name are read up to here
    after_start: int            # … and after it from here
    own_prefix: tuple[int, int] | None = None   # 拟投资10亿元的 in a list item
    head: str = ""                               # the list head's modifiers (63个洽谈)

    def match(self) -> Match:
        return Match(self.rule, self.start, self.end)


def _chain(toks: list[Tok], j: int, lx: ProjectLexicons) -> tuple[int, int]:
    """(index of the first token of a 、/和 chain ending in toks[j:], index of its opener or -1)."""
    stop = j - 1
    first = j
    for _ in range(MAX_ITEMS):
        if stop < 1 or toks[stop][WORD] not in ("、", "和", "及"):
            break
        first, _capped = walk_left(toks, stop - 1, lx, verb_zone=True, lenient=True)
        stop = first - 1
    return first, stop


def _opener_rejects(shadow: str, toks: list[Tok], first: int, opener: int, clause_start: int,
                    lx: ProjectLexicons) -> bool:
    """A chain after a plural quantifier, 等, or a description verb (成为) names no project."""
    chain_start = toks[first][START] if first < len(toks) else clause_start
    before = shadow[clause_start:chain_start].rstrip()
    last = before[-1:]  # (a text ending in none of their last characters matches neither regex)
    if (last in _PLURAL_LAST and _PLURAL.search(before)) or (last == _SCALE_LAST and _SCALE.search(before)):
        return True
    if opener >= 0 and toks[opener][WORD] in lx.description_openers:
        return True
    return before.endswith(lx.description_opener_tuple)


def suffix_candidates(doc: Document, cl: Clauses, m: Match, scope: tuple[int, int],
                      lx: ProjectLexicons) -> list[Candidate]:
    ss, se = m.span("suffix")
    cs, ce = cl.bounds(ss, scope[0], scope[1])
    return _suffix_candidates(doc, cl, m.rule, ss, se, m.group("suffix"), cs, ce, lx)


def _suffix_candidates(doc: Document, cl: Clauses, rule: CompiledRule, ss: int, se: int, suffix: str,
                       cs: int, ce: int, lx: ProjectLexicons) -> list[Candidate]:
    """The project a suffix at [ss, se) ends, in the clause [cs, ce) (see ``suffix_candidates``)."""
    sh = doc.shadow
    toks = cl.tokens(cs, ce)
    i = _index_at(toks, ss)
    if i < 0 or toks[i][END] != se:
        return []  # the suffix straddles words: 各项|目标 is not 项目
    j, capped = walk_left(toks, i, lx, verb_zone=True, limit_end=se)
    if capped:
        return []
    # toks[j:i] are the tokens ending at or before ss (toks[i] ends at se > ss).
    if j < i:
        verbs = lx.verbs
        for k in range(j, i):
            w, f = toks[k][WORD], toks[k][FLAG]
            if not (f.startswith("v") or w in verbs):
                break
        else:
            return []  # 演绎项目, 推进解决项目: a verb and its object
    start = toks[j][START] if toks[j][START] <= ss else ss
    start, end = _strip_edges(sh, start, se)
    if end - start <= len(suffix) or not doc.in_scope(start, end):
        return []
    name = sh[start:end]
    # 和 between two names: the right one may be elliptic (一汽人才产业园和研发产业园).
    right_conjunct = j > 1 and toks[j - 1][WORD] in ("和", "及") and _ends_with_suffix(toks[j - 2][WORD], lx)
    if is_generic(name, suffix, lx, words=not right_conjunct):
        return []
    if suffix in ("工程", "项目") and end - len(suffix) - 1 >= start and sh[end - len(suffix) - 1] in CLOSE_Q:
        return []  # “上台阶”工程, “五个一批”项目: a campaign or a label
    first, opener = _chain(toks, j, lx)
    if _opener_rejects(sh, toks, first, opener, cs, lx):
        return []
    if opener >= 0 and toks[opener][WORD] in lx.partner_openers and any(w in sh[end:ce] for w in lx.partner_words):
        return []
    chain_start = toks[first][START] if first < len(toks) else start
    inner = None
    if suffix == "项目":  # 红旗繁荣基地项目 is a base: the suffix before 项目 names the kind
        stem = name[: -len(suffix)]
        if stem.endswith(lx.suffixes):
            inner = _suffix_of(stem, lx)
    kind = lx.suffix_kind.get(inner or suffix, "other")
    return [Candidate(rule, start, end, kind, (cs, ce), before_end=min(chain_start, start), after_start=end)]


# Characters that jieba never joins to a neighbour (outside its Han/alphanumeric
# block class) and that walk_left stops at (not a closing quote or connector):
# a suffix right after one of them starts its own token and names nothing.
_LONE_STOP_CANDIDATES = "、，。；：？！,;:?!（()【[《〈「『“‘ \t\u3000"


@lru_cache(maxsize=1)
def _lone_stops() -> frozenset[str]:
    """The characters of ``_LONE_STOP_CANDIDATES`` the segmenter, here, cuts
    as a token of their own flagged ``x`` between two Han words."""
    pairs = tokenizer().pairs
    return frozenset(c for c in _LONE_STOP_CANDIDATES
                     if c not in CLOSE_Q and c not in CONNECTORS and not c.isalnum()
                     and pairs("项目" + c + "项目")[1:2] == [(c, "x")])


def _suffix_names_nothing(sh: str, cs: int, ss: int, se: int, suffix: str, lx: ProjectLexicons,
                          lone_stops: frozenset[str], generic_memo: dict) -> bool:
    """True when ``_suffix_candidates`` returns [] for this suffix whatever the
    segmentation, so the clause need not be segmented for it.

    Every name it can return is sh[start:se] with cs <= start < ss (the
    name's end is the suffix's last character, which ``_strip_edges`` keeps:
    no suffix ends in a space or a quote), and it returns it only when
    ``is_generic`` says no. So [] is certain when
    - no character lies between the clause start and the suffix; or
    - the character before the suffix is one of *lone_stops* (``_lone_stops()``): the
      suffix's token starts at ss and the walk left stops at once, leaving
      the suffix alone, which is too short; or
    - every sh[se - n:se] (n from len(suffix) + 2 up to the clause start) is
      generic. The scan ends at the first one ending in a generic tail (all
      longer names end in it too). ``is_generic`` is asked without the word
      check unless no 和/及 lies before the suffix in the clause (only a
      和/及 token before the name turns that check off), and with
      words=False it is the stricter test. *generic_memo* is is_generic's
      memo (``lx.generic_memo``), read here without a call per name.
    """
    if ss <= cs:
        return True
    if suffix[-1] in CLOSE_Q or suffix[-1].isspace():
        return False  # (no suffix of the rule file does; the argument above needs it)
    if sh[ss - 1] in lone_stops:
        return True
    words = None  # (found only when needed: most names are not generic even with the word check)
    tails = lx.generic_tails
    # (The name one character longer than the suffix is generic: a stem of one character.)
    for start in range(ss - 2, cs - 1, -1):
        name = sh[start:se]
        if name.endswith(tails):
            return True
        generic = generic_memo.get((name, suffix, True))
        if generic is None:
            generic = is_generic(name, suffix, lx, True)
        if not generic:
            return False  # (not generic with the word check: not generic without it either)
        if words is None:
            words = sh.find("和", cs, ss) < 0 and sh.find("及", cs, ss) < 0
        if not words and not is_generic(name, suffix, lx, False):
            return False
    return True


def _split_items(sh: str, toks: list[Tok], lo: int, hi: int) -> list[tuple[int, int]]:
    """Top-level 、-separated items of sh[lo:hi]; the last one also split at a 和/及 token."""
    items, s, depth = [], lo, 0
    if _QUOTE_CHAR.search(sh, lo, hi) is None:  # no quotes: every 、 is at the top level
        p = sh.find("、", lo, hi)
        while p >= 0:
            items.append((s, p))
            s = p + 1
            p = sh.find("、", s, hi)
    else:
        for p in range(lo, hi):
            c = sh[p]
            if c in OPEN_Q and c not in CLOSE_Q:
                depth += 1
            elif c in CLOSE_Q and c not in OPEN_Q:
                depth = max(0, depth - 1)
            elif c == "、" and depth == 0:
                items.append((s, p))
                s = p + 1
    items.append((s, hi))
    ls, le = items[-1]
    if "合作" not in sh[ls:le]:
        conj = _last_conjunction(toks, ls, le)
        if conj is not None:
            _w, _f, cs, ce = conj
            if cs - ls >= 2 and le - ce >= 2:
                items[-1:] = [(ls, cs), (ce, le)]
    return items


def _last_conjunction(toks: list[Tok], ls: int, le: int) -> Tok | None:
    """The last 和/及 conjunction token lying inside (ls, le): starting after
    *ls* and ending before *le*. Tokens run left to right, so those are a run
    of the list found by bisection (a list clause has some forty tokens, the
    last item a few), read from its right end."""
    lo = bisect_right(toks, ls, key=_START)
    for k in range(bisect_left(toks, le, key=_END) - 1, lo - 1, -1):
        t = toks[k]
        if t[WORD] in ("和", "及") and t[FLAG].startswith("c"):
            return t
    return None


def list_candidates(doc: Document, cl: Clauses, m: Match, scope: tuple[int, int],
                    lx: ProjectLexicons) -> list[Candidate]:
    sh = doc.shadow
    deng = m.start
    head_end = m.end
    if sh.startswith(lx.head_blockers, head_end) or (m.group("mod") or "").startswith(lx.mod_blockers):
        return []
    cs, ce = cl.bounds(deng, scope[0], scope[1])
    if deng <= cs:
        return []
    toks = cl.tokens(cs, ce)
    items = _split_items(sh, toks, cs, deng)
    if len(items) > MAX_ITEMS:
        items = items[-MAX_ITEMS:]
    # The first item starts where segmentation finds a boundary.
    fs, fe = items[0]
    last = _index_at(toks, fe - 1)
    if last < 0:
        return []
    j, capped = walk_left(toks, last, lx)
    first_start = max(fs, toks[j][START])
    if toks[last][END] > fe or (j == last and (toks[j][WORD] in lx.verbs or toks[j][WORD] in lx.function_words)):
        return []
    if _opener_rejects(sh, toks, j, j - 1, cs, lx):
        return []
    if capped:  # no boundary within reach: the first "item" is a clause, not a name
        items = items[1:]
        first_start = items[0][0] if items else deng
    else:
        items[0] = (first_start, fe)
    head = m.group("mod") or ""
    head_kind = lx.head_kind.get(m.group("head"), "project")
    if any(sh[s:e].rstrip().endswith(lx.not_project_tails) for s, e in items):
        return []  # a list of events or bodies: 中德汽车大会、…汽博会等契机
    out = []
    for s, e in items:
        own = None
        de = sh.rfind("的", s, e)
        if de >= 0:
            own, s = (s, de + 1), de + 1
        for w in ("以及", "及", "和", "与"):
            if sh.startswith(w, s) and e - s > len(w) + 1:
                s += len(w)
                break
        s, e = _strip_edges(sh, s, e)
        if e - s < 2 or e - s > MAX_NAME or not doc.in_scope(s, e):
            continue
        name = sh[s:e]
        suffix = _suffix_of(name, lx)
        if is_generic(name, suffix, lx) or (suffix is None and _industry_only(name, lx)):
            continue  # 汽车、医药健康等产业项目: kinds of industry, not names
        # The tokens lying inside [s, e): starts and ends both rise along toks.
        lo = bisect_left(toks, s, key=_START)
        if bisect_right(toks, e, key=_END) - lo == 1 and toks[lo][FLAG][:1] in ("v", "a"):
            continue  # 征地、拆迁、平整等: steps, not projects
        kind = lx.suffix_kind[suffix] if suffix else head_kind
        out.append(Candidate(m.rule, s, e, kind, (cs, ce), before_end=first_start, after_start=head_end,
                             own_prefix=own, head=head))
    return out


class _Accepted:
    """The first pass's projects, looked up by where they end and start."""

    def __init__(self, cands: list[Candidate]):
        self.by_end: dict[int, Candidate] = {}
        self.by_start: dict[int, Candidate] = {}
        for c in cands:  # the first in order wins, as a scan would find it
            self.by_end.setdefault(c.end, c)
            self.by_start.setdefault(c.start, c)


def conjunct_candidates(doc: Document, m: Match, accepted: _Accepted) -> list[Candidate]:
    s, e = m.start, m.end
    conj = s - 2  # 和 before the opening quote
    left = accepted.by_end.get(conj)
    if left is None or not doc.in_scope(s, e):
        return []
    lx = lexicons()
    name = doc.shadow[s:e]
    suffix = _suffix_of(name, lx)
    kind = lx.suffix_kind[suffix] if suffix else "other"
    return [Candidate(m.rule, s, e, kind, left.clause, before_end=left.before_end, after_start=e + 1)]


def sibling_candidates(doc: Document, m: Match, accepted: _Accepted) -> list[Candidate]:
    s, e = m.start, m.end
    left = accepted.by_end.get(s - 1)
    right = accepted.by_start.get(e + 1)
    if left is None or right is None or not doc.in_scope(s, e):
        return []
    lx = lexicons()
    s2, e2 = _strip_edges(doc.shadow, s, e)
    name = doc.shadow[s2:e2]
    if e2 - s2 < 2 or is_generic(name, None, lx):
        return []
    suffix = _suffix_of(name, lx)
    kind = lx.suffix_kind[suffix] if suffix else "other"
    return [Candidate(m.rule, s2, e2, kind, left.clause, before_end=left.before_end, after_start=right.after_start)]


# ---------------------------------------------------------------- attributes

def _first_status(window: str, lx: ProjectLexicons) -> str | None:
    """The first status word of *window*; a chain joined by 、 or 到 gives its last word."""
    ms = list(lx.status_rx.finditer(window))
    if not ms:
        return None
    k = 0
    while k + 1 < len(ms) and window[ms[k].end():ms[k + 1].start()].strip() in ("、", "到", "至"):
        k += 1
    label = lx.status[ms[k].group()]
    if label == "completed" and any(w in window[max(0, ms[0].start() - 4):ms[0].start()] for w in lx.prospective):
        return "under_construction"
    return label


def _last_status(window: str, lx: ProjectLexicons) -> str | None:
    stripped = window.rstrip()
    before = lx.status_before
    size = len(stripped)
    for n in lx.status_before_lengths:  # longest first: of one length only one word can end it
        label = before.get(stripped[size - n:]) if size >= n else None
        if label is not None:
            return label
    ms = list(lx.status_rx.finditer(window))
    return lx.status[ms[-1].group()] if ms else None


def status_of(sh: str, c: Candidate, lx: ProjectLexicons) -> str:
    cs, ce = c.clause
    if c.own_prefix:
        found = _first_status(sh[c.own_prefix[0]:c.own_prefix[1]], lx)
        if found:
            return found
    if c.head:
        for w, label in lx.status_head.items():  # longest first
            if w in c.head:
                return label
    after = sh[c.after_start:ce] if c.after_start <= ce else ""
    found = _first_status(after, lx) or _last_status(sh[cs:c.before_end], lx)
    if found:
        return found
    if not after.strip() and ce < len(sh) and sh[ce] in ",，":
        ns = ce + 1
        ne = boundary_after(sh, ns, CLAUSE_END, ns + MAX_CLAUSE_REACH)
        found = _first_status(sh[ns:ne], lx)
        if found == "planned":  # 打造…新地标: a purpose, not what happened to the project
            found = None
    return found or "unknown"


def location_of(sh: str, c: Candidate, lx: ProjectLexicons) -> str | None:
    cs, ce = c.clause
    after = sh[c.after_start:ce] if c.after_start <= ce else ""
    m = lx.loc_after_rx.match(after)
    if m:
        p = lx.place_end_rx.match(m.group("place"))
        if p and len(p.group()) >= 2:
            return p.group()
    m = lx.loc_before_rx.match(after)  # X项目在长春新区开工
    if m:
        return m.group("place")
    hits = list(lx.loc_before_rx.finditer(sh[cs:c.before_end]))  # 在新湖镇打造X
    return hits[-1].group("place") if hits else None


def _clause_sums(amounts: SpanIndex, clause: tuple[int, int]) -> list[Amount]:
    """The investments with a value lying wholly in *clause*, in ``within``'s
    order: the only amounts ``_investment`` weighs there."""
    return [a for a in amounts.within(*clause) if a.kind == "investment" and a.value_cny is not None]


def _investment(sh: str, c: Candidate, amounts: SpanIndex, taken: list[Candidate],
                sums: list[Amount] | None = None) -> Amount | None:
    """The investment tied to the project in its clause: 投资X亿元的NAME (or 建设NAME), or NAME总投资X亿元.

    *taken* holds the candidates of the same clause (only they can stand
    between a project and a sum in that clause). *sums* is
    ``_clause_sums(amounts, c.clause)`` when the caller has it (the
    candidates of a clause share it).
    """
    lx = lexicons()
    cs, ce = c.clause
    best = None
    for a in (_clause_sums(amounts, c.clause) if sums is None else sums):
        if a.char_end <= c.start:
            gap = sh[a.char_end:c.start]
            if not gap.rstrip().endswith(lx.investment_links) or len(gap) > 15 or "等" in gap:
                continue
            between = (a.char_end, c.start)
        elif a.char_start >= c.end:
            gap = sh[c.end:a.char_start]
            if "投资" not in gap or len(gap) > 12 or "等" in gap:
                continue
            between = (c.end, a.char_start)
        else:
            continue
        if any(between[0] <= o.start and o.end <= between[1] for o in taken if o is not c):
            continue
        dist = between[1] - between[0]
        if best is None or dist < best[0]:
            best = (dist, a)
    if (best is None and c.rule.id == "project.suffix_name" and "等" not in sh[c.end:ce]
            and ce < len(sh) and sh[ce] in ",，"
            and not any(o.clause == c.clause and o.start >= c.end for o in taken if o is not c)):  # the clause's last
        # …X项目日前获得核准,项目总投资296亿元: the next clause opens with the project's investment.
        m = lx.anaphor_rx.match(sh, ce + 1)
        if m:
            nxt = [a for a in amounts.starting(m.end(), m.end() + 4)
                   if a.kind == "investment" and a.value_cny is not None]
            return nxt[0] if nxt else None
    return best[1] if best else None


# ---------------------------------------------------------------- the extractor

# Each rule id of rules/projects.yaml and the function that turns its matches
# into candidates. The second pass sees the projects the first pass kept.
FIRST_PASS = {"project.suffix_name": suffix_candidates, "project.list_item": list_candidates}
SECOND_PASS = {"project.conjunct": conjunct_candidates, "project.list_sibling": sibling_candidates}


# The list_sibling pattern the lazy second pass below relies on (compared
# with whitespace dropped): every match opens with 、 and holds no other 、.
_SIBLING_PATTERN = "、(?P<text>[^、,，。；;！？!?\\n的等]{2,16})(?=[、和])"


@dataclass(frozen=True)
class _ScanPlan:
    """How ``find`` runs the rules of projects.yaml, in the file's order.

    - *direct*: the first-pass rules (none has a trigger, so RuleSet.find
      scans each over the whole scope): scanned here with their own
      finditer, the same matches in the same order.
    - *deferred*: rules RuleSet.find runs (the trigger rules), through a
      RuleSet holding only them (its find_fast, which gives find's matches).
    - *sibling*: the list_sibling rule. An item between two projects starts
      right after a project, so it is matched only at the 、 that ends an
      accepted project (a match opens with 、 and holds no other 、, so the
      scan of the whole scope finds a match at every such 、 where one
      starts, and the same one; see ``_siblings``).
    """
    direct: tuple[CompiledRule, ...]
    deferred: object          # a RuleSet, or None when no rule is deferred
    sibling: CompiledRule | None
    later_order: tuple[CompiledRule, ...]   # second-pass rules in file order


@lru_cache(maxsize=1)
def _scan_plan() -> _ScanPlan | None:
    """The plan for projects.yaml's rules, or None when a rule does not fit it
    (a first-pass rule with a trigger): ``find`` then runs RuleSet.find."""
    rs = load_ruleset("projects")
    direct, deferred, sibling = [], [], None
    for cr in rs.rules:
        if cr.id in FIRST_PASS:
            if cr.trigger is not None:
                return None
            direct.append(cr)
        elif (cr.id == "project.list_sibling" and cr.trigger is None and cr.rule.engine == "re"
              and "".join(cr.regex.pattern.split()) == _SIBLING_PATTERN):
            sibling = cr
        else:
            deferred.append(cr)
    sub = replace(rs, rules=deferred) if deferred else None
    later = tuple(cr for cr in rs.rules if cr.id not in FIRST_PASS)
    return _ScanPlan(tuple(direct), sub, sibling, later)


def _siblings(doc: Document, cr: CompiledRule, scope: tuple[int, int], accepted: _Accepted) -> list[Match]:
    """The list_sibling matches of *scope* that start at the 、 ending an
    accepted project, in text order: what a scan of the scope gives there.

    A match opens with 、 and holds no other 、, so a match found by the scan
    ends at or before the next 、; the scan therefore reaches every 、 where
    a match starts and finds it there, the same as a match at that place
    (the pattern looks neither behind nor at the scan's start). A match at
    any other 、 has no project before it and gives no candidate.
    """
    sh = doc.shadow
    s0, s1 = scope
    rx = cr.regex
    out = []
    for p in sorted(accepted.by_end):
        if s0 <= p < s1 and sh[p] == "、":
            m = rx.match(sh, p, s1)
            if m is not None:
                s, e = m.span("text")
                out.append(Match(cr, s, e, None, m))
    return out


def _suffix_hits(doc: Document, cl: Clauses, cr: CompiledRule, scope: tuple[int, int],
                 lx: ProjectLexicons) -> list[tuple[int, int, str, int, int]]:
    """The suffix rule's matches in *scope* that may name a project, in scan
    order, as ``_suffix_candidates``' arguments (suffix span, suffix, clause):
    scanned without a Match each, less those that name nothing whatever the
    segmentation (``_suffix_names_nothing``), whose clauses need no segmenting."""
    sh = doc.shadow
    s0, s1 = scope
    g = cr.regex.groupindex["suffix"]
    # (a match is empty only when its suffix group is)
    found = [(sp, rm.group(g)) for rm in cr.regex.finditer(sh, s0, s1, **cr.scan_options)
             if (sp := rm.span(g))[1] > sp[0] or rm.end() > rm.start()]
    clauses = cl.bounds_each([ss for (ss, _se), _suffix in found], s0, s1)
    lone_stops, generic_memo = _lone_stops(), lx.generic_memo
    out = []
    for ((ss, se), suffix), (cs, ce) in zip(found, clauses):
        if not _suffix_names_nothing(sh, cs, ss, se, suffix, lx, lone_stops, generic_memo):
            out.append((ss, se, suffix, cs, ce))
    return out


def find(doc: Document) -> list[Candidate]:
    """Accepted project candidates of a document, overlaps resolved."""
    plan = _scan_plan()
    if plan is None:
        return _find_generic(doc)
    lx = lexicons()
    sh = doc.shadow
    cl = Clauses(sh)
    first: list[Candidate] = []
    later: list[tuple[tuple[int, int], list[Match]]] = []
    heads: list[tuple[int, int]] = []
    scopes = doc.scopes()
    # The suffix matches of every scope first, so that the clauses they need
    # are segmented in one call (Clauses.prefetch); candidates are then made
    # in the same order as before, from the same tokens.
    suffix_rule = next((cr for cr in plan.direct if cr.id == "project.suffix_name"), None)
    hits = [_suffix_hits(doc, cl, suffix_rule, scope, lx) for scope in scopes] if suffix_rule is not None else []
    cl.prefetch([(h[3], h[4]) for scope_hits in hits for h in scope_hits])
    for n, scope in enumerate(scopes):
        s0, s1 = scope
        for cr in plan.direct:
            if cr is suffix_rule:
                for ss, se, suffix, cs, ce in hits[n]:
                    first += _suffix_candidates(doc, cl, cr, ss, se, suffix, cs, ce, lx)
                continue
            handler = FIRST_PASS[cr.id]
            is_list = cr.id == "project.list_item"
            has_text = cr.has_text
            for rm in cr.regex.finditer(sh, s0, s1, **cr.scan_options):
                ms, me = rm.span()
                if ms == me:
                    continue
                if has_text and rm.start("text") >= 0:
                    ms, me = rm.span("text")
                m = Match(cr, ms, me, None, rm)
                first += handler(doc, cl, m, scope, lx)
                if is_list:
                    heads.append((ms, me))
        # (find_fast: RuleSet.find's matches, tested equal for every rule file;
        # it finds trigger hits by str.find of their trigger_starts, no regex scan)
        later.append((scope, plan.deferred.find_fast(sh, s0, s1) if plan.deferred is not None else []))
    # A suffix inside a list head (等楼宇类数字经济项目) names the list, not a project.
    if heads:
        # (a candidate ending by the first head's start or starting at the
        # last head's end overlaps none: the any() is asked of the others)
        lo, hi = min(hs for hs, _he in heads), max(he for _hs, he in heads)
        first = [c for c in first if c.end <= lo or c.start >= hi or c.rule.id != "project.suffix_name"
                 or not any(hs < c.end and c.start < he for hs, he in heads)]
    kept = _resolve(first)
    sibling = plan.sibling if plan.sibling is not None and plan.sibling.id in SECOND_PASS else None
    if sibling is None and not any(m.rule.id in SECOND_PASS for _, ms in later for m in ms):
        return kept
    index = _Accepted(kept)
    extra = []
    for scope, matches in later:
        # The second-pass matches of the scope in RuleSet.find's order: by rule, then position.
        by_rule: dict[int, list[Match]] = {}
        for m in matches:
            by_rule.setdefault(id(m.rule), []).append(m)
        if sibling is not None:
            by_rule[id(sibling)] = _siblings(doc, sibling, scope, index)
        for cr in plan.later_order:
            if cr.id in SECOND_PASS:
                for m in by_rule.get(id(cr), ()):
                    extra += SECOND_PASS[cr.id](doc, m, index)
    return _resolve(kept + extra) if extra else kept


def _find_generic(doc: Document) -> list[Candidate]:
    """``find`` by RuleSet.find over every rule (when the rules do not fit the scan plan)."""
    rs = load_ruleset("projects")
    lx = lexicons()
    cl = Clauses(doc.shadow)
    first: list[Candidate] = []
    later: list[Match] = []
    heads: list[tuple[int, int]] = []
    for scope in doc.scopes():
        for m in rs.find(doc.shadow, *scope):
            if m.rule.id in FIRST_PASS:
                first += FIRST_PASS[m.rule.id](doc, cl, m, scope, lx)
                if m.rule.id == "project.list_item":
                    heads.append((m.start, m.end))
            else:
                later.append(m)
    # A suffix inside a list head (等楼宇类数字经济项目) names the list, not a project.
    if heads:
        first = [c for c in first if c.rule.id != "project.suffix_name"
                 or not any(hs < c.end and c.start < he for hs, he in heads)]
    kept = _resolve(first)
    later = [m for m in later if m.rule.id in SECOND_PASS]
    if not later:
        return kept
    index = _Accepted(kept)
    extra = [c for m in later for c in SECOND_PASS[m.rule.id](doc, m, index)]
    return _resolve(kept + extra) if extra else kept


def _resolve(cands: list[Candidate]) -> list[Candidate]:
    """The shared overlap policy over candidates (longest, leftmost, first-listed rule).

    Candidates that are non-empty and pairwise disjoint are all kept and come
    back sorted by (start, end), which is what the policy gives them: only
    overlapping ones need its ranking. ``resolve_overlaps`` reads a match's
    start, end and rule only, which a Candidate has under the same names, so
    it ranks the candidates themselves (no Match built per candidate).
    """
    ordered = sorted(cands, key=_SPAN)
    last = -1
    for c in ordered:
        if c.start < last or c.end <= c.start:
            break
        last = c.end
    else:
        return ordered
    if any(c.end <= c.start for c in ordered):
        return resolve_overlaps(cands)
    # The policy keeps a span when it overlaps no span kept before it in rank
    # order (for non-empty spans, the neighbour test of resolve_overlaps is
    # exactly that), so a span is decided by the spans of its cluster alone
    # (a run of the start-ordered spans each overlapping one before it):
    # each cluster is resolved on its own, its spans in the same relative
    # order, and the clusters, disjoint, follow one another in (start, end)
    # order. Of two overlapping spans, the one ranked first is kept.
    out: list[Candidate] = []
    cluster = [ordered[0]]
    reach = ordered[0].end
    for c in ordered[1:]:
        if c.start < reach:
            cluster.append(c)
            if c.end > reach:
                reach = c.end
            continue
        _keep_of(cluster, out)
        cluster = [c]
        reach = c.end
    _keep_of(cluster, out)
    return out


def _keep_of(cluster: list[Candidate], out: list[Candidate]) -> None:
    """Append to *out* the spans ``resolve_overlaps`` keeps of *cluster*."""
    if len(cluster) == 1:
        out.append(cluster[0])
    elif len(cluster) == 2:
        a, b = cluster  # overlapping: the first by (longest, leftmost, rule order), a on a tie (a stable sort)
        ka = (a.start - a.end, a.start, a.rule.order)
        kb = (b.start - b.end, b.start, b.rule.order)
        out.append(b if kb < ka else a)
    else:
        out += resolve_overlaps(cluster)


def extract_projects(doc: Document, found: dict[str, list[Record]] | None = None) -> list[Project]:
    lx = lexicons()
    sh = doc.shadow
    amounts = SpanIndex(a for a in (found or {}).get("amounts", []) if isinstance(a, Amount))
    cands = find(doc)
    by_clause: dict[tuple[int, int], list[Candidate]] = {}
    for c in cands:
        by_clause.setdefault(c.clause, []).append(c)
    out: list[Project] = []
    # Project.model_validate(d) is this validator's validate_python(d) (no
    # other argument given): the same validation, less a Python frame per record.
    validate = Project.__pydantic_validator__.validate_python
    # (doc.sentence_at is doc.sentences.sentence_at: called directly, one frame less per record)
    article_id, raw_text, sentence_at = doc.article_id, doc.raw, doc.sentences.sentence_at
    # status_of and location_of read only the shadow and these fields of a
    # candidate: the items of one list share them, so each is asked once.
    attributes: dict[tuple, tuple[str, str | None]] = {}
    sums: dict[tuple[int, int], list[Amount]] = {}
    for c in cands:
        start, end = c.start, c.end
        key = (c.clause, c.before_end, c.after_start, c.own_prefix, c.head)
        attrs = attributes.get(key)
        if attrs is None:
            attrs = attributes[key] = (status_of(sh, c, lx), location_of(sh, c, lx))
        clause_sums = sums.get(c.clause)
        if clause_sums is None:
            clause_sums = sums[c.clause] = _clause_sums(amounts, c.clause)
        inv = _investment(sh, c, amounts, by_clause[c.clause], clause_sums)
        name = sh[start:end]
        if inv is not None:
            inv.subject = name
        raw = raw_text[start:end]
        # (a dict, validated as Project(**kw) would be, less the keyword wrapper)
        out.append(validate({
            "article_id": article_id, "text": raw, "char_start": start, "char_end": end,
            "sentence": sentence_at(start), "rule_id": c.rule.id,
            "name": name, "name_text": raw, "kind": c.kind,
            "investment_cny": Decimal(inv.value_cny) if inv is not None else None,
            "status": attrs[0], "location": attrs[1],
        }))
    return out
