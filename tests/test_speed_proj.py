"""The projects stage's fast paths, each pinned to the slower reference it replaced."""
from __future__ import annotations

import random
import re
from pathlib import Path

import extract.projects as projects
from extract.articles import Document

ROOT = Path(__file__).resolve().parent.parent


def _shadows() -> list[str]:
    """The shadows of the seed and test articles."""
    paths = sorted((ROOT / "data" / "raw").glob("*.txt")) + sorted((ROOT / "tests" / "articles").glob("*.txt"))
    return [Document.from_text(p.read_text(encoding="utf-8"), p.stem).shadow for p in paths]


def _pieces() -> list[str]:
    """Pieces of the shadows (1 to 60 characters), plus texts made to hold
    adverbs glued to verbs and other corner cases."""
    rng = random.Random(5)
    out = []
    for sh in _shadows():
        out += [sh[i:i + rng.randint(1, 60)] for i in range(0, len(sh), 29)]
    lx = projects.lexicons()
    verbs = sorted(lx.verbs)
    for _ in range(300):  # an adverb and a verb (glued by the segmenter or not) inside other text
        out.append(rng.choice(out[:200]) + rng.choice(lx.verb_adverbs) + rng.choice(verbs) + rng.choice(out[:200]))
    return out + ["", " ", "大力支持红旗繁荣基地", "全力推进", "加快建设项目", "重点推进恩福油封", "🙂项目"]


# ---------------------------------------------------------------- segment: adverbs glued to verbs

def _reference_glued_rx():
    """The regex the word-by-word split was gated by before (an adverb followed by a verb of two or more characters)."""
    lx = projects.lexicons()
    adverbs = [a for a in lx.verb_adverbs if a]
    verbs = [v for v in lx.verbs if len(v) >= 2]
    return re.compile("(?:" + projects._alt(adverbs) + ")(?:" + projects._alt(verbs) + ")")


def _reference_as_tokens(pairs, offset, plain):
    """_as_tokens as it was: each word of a text the regex finds a glued pair in tested for a split."""
    lx = projects.lexicons()
    pos = offset
    if plain:
        return [(w, f, pos, pos := pos + len(w)) for w, f in pairs]
    initials = frozenset(a[0] for a in lx.verb_adverbs if a)
    out = []
    for w, f in pairs:
        end = pos + len(w)
        if end - pos > 2 and w[0] in initials:
            adverb = next((a for a in lx.verb_adverbs if len(w) > len(a) + 1 and w.startswith(a)
                           and w[len(a):] in lx.verbs), None)
            if adverb:
                out.append((adverb, "d", pos, pos + len(adverb)))
                out.append((w[len(adverb):], "v", pos + len(adverb), end))
                pos = end
                continue
        out.append((w, f, pos, end))
        pos = end
    return out


def _reference_segment(text, offset=0):
    glued = _reference_glued_rx()
    return _reference_as_tokens(projects.tokenizer().pairs(text), offset, glued.search(text) is None)


def test_glued_words_are_the_words_that_split():
    """Every adverb + verb word splits as the word-by-word test splits it, and no other word splits."""
    lx = projects.lexicons()
    table = projects._glued_words()
    assert table  # (the rule file has adverbs and verbs: 大力支持)
    assert table["大力支持"] == "大力"
    for a in lx.verb_adverbs:
        for v in lx.verbs:
            w = a + v
            assert table.get(w) == projects._adverb_of(w, lx), w
    for text in _pieces()[:400]:
        for w, _f in projects.tokenizer().pairs(text):
            assert table.get(w) == projects._adverb_of(w, lx), w


def test_segment_equals_regex_gated_reference():
    rng = random.Random(3)
    for text in _pieces():
        offset = rng.randint(0, 3000)
        assert projects.segment(text, offset) == _reference_segment(text, offset), text


def test_segment_many_equals_regex_gated_reference():
    pieces = [p for p in _pieces() if projects._JOIN not in p]
    rng = random.Random(4)
    for _ in range(300):
        spans = [(rng.choice(pieces), rng.randint(0, 5000)) for _ in range(rng.randint(0, 12))]
        assert projects.segment_many(spans) == [_reference_segment(t, o) for t, o in spans]


# ---------------------------------------------------------------- the suffix scan

def test_clause_bounds_equal_bounds_one_by_one():
    """Clauses.bounds_each of ascending positions gives what Clauses.bounds gives for each."""
    rng = random.Random(6)
    texts = _shadows() + ["无标点" * 200, "，。" * 50, "", "项目,项目。项目\n"]
    for sh in texts:
        cl = projects.Clauses(sh)
        for _ in range(20):
            s0 = rng.randint(-2, len(sh))
            s1 = rng.randint(s0, len(sh) + 3)
            positions = sorted(rng.randint(max(0, s0 - 5), len(sh) + 5) for _ in range(rng.randint(0, 30)))
            assert cl.bounds_each(positions, s0, s1) == [cl.bounds(p, s0, s1) for p in positions]


def _reference_names_nothing(sh, cs, ss, se, suffix, lx, lone_stops, generic_memo):
    """_suffix_names_nothing as it was: the word check decided before the scan."""
    if ss <= cs:
        return True
    if suffix[-1] in projects.CLOSE_Q or suffix[-1].isspace():
        return False
    if sh[ss - 1] in lone_stops:
        return True
    words = sh.find("和", cs, ss) < 0 and sh.find("及", cs, ss) < 0
    for start in range(ss - 2, cs - 1, -1):
        name = sh[start:se]
        if name.endswith(lx.generic_tails):
            return True
        if not projects.is_generic(name, suffix, lx, words):
            return False
    return True


def test_suffix_hits_equal_reference_scan():
    """The suffix hits of every scope: the matches, clauses and filter as computed one match at a time."""
    plan = projects._scan_plan()
    cr = next(c for c in plan.direct if c.id == "project.suffix_name")
    lx = projects.lexicons()
    g = cr.regex.groupindex["suffix"]
    rng = random.Random(8)
    lone = projects._lone_stops()
    memo = lx.generic_memo
    texts = [Document.from_text(p.read_text(encoding="utf-8"), p.stem) for p in sorted((ROOT / "data" / "raw").glob("*.txt"))]
    pieces = _pieces()
    for _ in range(150):  # made-up texts: pieces joined, with lists, 和 and generic heads
        joins = ["、", "和", "及", "，", "", "重点项目", "等项目", "重大项目建设"]
        texts.append(Document.from_text("".join(rng.choice(pieces) + rng.choice(joins) for _ in range(8)), "r"))
    for doc in texts:
        cl = projects.Clauses(doc.shadow)
        sh = doc.shadow
        for s0, s1 in doc.scopes():
            want = []
            for rm in cr.regex.finditer(sh, s0, s1, **cr.scan_options):
                if rm.start() == rm.end():
                    continue
                ss, se = rm.span(g)
                cs, ce = cl.bounds(ss, s0, s1)
                if not _reference_names_nothing(sh, cs, ss, se, rm.group(g), lx, lone, memo):
                    want.append((ss, se, rm.group(g), cs, ce))
            assert projects._suffix_hits(doc, cl, cr, (s0, s1), lx) == want



# ---------------------------------------------------------------- lists

def test_last_conjunction_equals_scan_of_every_token():
    rng = random.Random(12)
    for text in _pieces()[:600] + ["A、B和C及D", "和及和", "汽车和零部件及配套项目"]:
        offset = rng.randint(0, 100)
        toks = projects.segment(text, offset)
        for _ in range(8):
            ls = rng.randint(offset - 2, offset + len(text) + 2)
            le = rng.randint(ls, offset + len(text) + 3)
            every = [t for t in toks if ls < t[2] and t[3] < le and t[0] in ("和", "及") and t[1].startswith("c")]
            assert projects._last_conjunction(toks, ls, le) == (every[-1] if every else None), (text, ls, le)


def test_quote_class_is_the_quote_characters():
    import regex

    old = regex.compile("[" + regex.escape(projects.OPEN_Q + projects.CLOSE_Q, special_only=False) + "]")
    chars = projects.OPEN_Q + projects.CLOSE_Q + "\\\\]^-[项目、，ab1 "
    rng = random.Random(13)
    for _ in range(2000):
        t = "".join(rng.choice(chars) for _ in range(rng.randint(0, 6)))
        lo = rng.randint(0, len(t))
        hi = rng.randint(lo, len(t))
        a, b = projects._QUOTE_CHAR.search(t, lo, hi), old.search(t, lo, hi)
        assert (a and a.span()) == (b and b.span()), t



# ---------------------------------------------------------------- scope

def test_spans_inside_a_scope_are_in_scope_when_nothing_is_excluded():
    """Inside one of doc.scopes(), doc.in_scope says no only of spans an
    excluded span holds (so, with nothing excluded, every span there is in
    scope): what the candidate filters rely on."""
    rng = random.Random(15)
    paths = sorted((ROOT / "data" / "raw").glob("*.txt")) + sorted((ROOT / "tests" / "articles").glob("*.txt"))
    seen_excluded = 0
    for p in paths:
        doc = Document.from_text(p.read_text(encoding="utf-8"), p.stem)
        excluded = doc.layout.excluded
        seen_excluded += bool(excluded)
        for s0, s1 in doc.scopes():
            for _ in range(200):
                s = rng.randint(s0, s1)
                e = rng.randint(s, s1)
                held = any(a <= s and e <= b for a, b in excluded)
                assert doc.in_scope(s, e) == (not held), (p.name, s, e)
    assert seen_excluded  # (the premise is tested with exclusions too)
