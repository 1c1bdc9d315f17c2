"""The dates extractor's speed paths, each pinned to the plain call it stands for."""
from __future__ import annotations

import random
from pathlib import Path

from extract.dates import (_SHORT_SCAN, _YEAR_ATOM, _char_hits, _groupdict, _group_names, _positions, _year_hits,
                           finder)
from extract.rules import load_ruleset
from extract.shadow import shadow

ROOT = Path(__file__).resolve().parent.parent


def _texts(seed: int) -> list[str]:
    """Seed articles, rule examples and random texts of date pieces."""
    rs = load_ruleset("dates")
    texts = [shadow(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data" / "raw").glob("*.txt"))]
    texts += [shadow(ex.text) for cr in rs.rules for ex in cr.rule.examples.positive]
    texts += [shadow(t) for cr in rs.rules for t in cr.rule.examples.negative]
    rng = random.Random(seed)
    words = ["2021", "1998", "20", "19", "二〇二二", "年", "年度", "月", "份", "日", "号", "天", "五", "季", "Q", "Q3",
             "至", "到", "-", "—", "——", "–", "~", "～", "前", "半", "今", "去", "上", "本", "个", "第", "十四五",
             "3", "12", "二十", " ", "\t", "\n", "，", "。", "大会", "(第", "亿元", "末", "初", "底", "旬"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(0, 50))) for _ in range(800)]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(100, 400))) for _ in range(40)]
    return texts


def test_groupdict_from_groups_is_the_match_groupdict():
    """_groupdict zips the group names with m.groups() (the regex module's
    groupdict and named lookups are slow); that is m.groupdict() for every
    match of every date rule, and a pattern with an unnamed group falls
    back to groupdict."""
    import regex

    rs = load_ruleset("dates")
    f = finder(rs)
    n = 0
    for text in _texts(21):
        for m in f.find(text):
            if m._m is not None:
                assert _groupdict(m) == m._m.groupdict(), (m.rule.id, text[m.start:m.end])
                assert list(_groupdict(m)) == list(m._m.groupdict())
                n += 1
    assert n > 3000
    assert _group_names(regex.compile(r"(?P<a>x)(y)")) is None
    assert _group_names(regex.compile(r"(?P<a>x)|(?P<a>y)(?P<b>z)")) == ("a", "b")


def test_one_scan_char_hits_are_the_per_character_scans():
    """_Finder.char_hits finds every character the finder looks up in one
    pass; for each it gives _char_hits' list (one str.find pass), for each
    character set it asks about (holds_chars, the joint's anchors)
    _positions' list, and the year hits, on whole texts and on sub-spans."""
    f = finder(load_ruleset("dates"))
    assert set(f.char_sets) >= {cs for _, _, _, cs, _ in f.plan if cs} | {f.joint[1]}
    rng = random.Random(22)
    odd = "年😀月\ud800日—Q～" * 60  # astral characters and a lone surrogate, short and long
    texts = _texts(23) + [odd[:20], odd]
    assert any(len(t) >= _SHORT_SCAN for t in texts) and any(0 < len(t) < _SHORT_SCAN for t in texts)
    years = 0
    for text in texts:
        bounds = [(0, len(text))]
        if len(text) > 4:
            bounds.append((rng.randrange(len(text) // 2), rng.randrange(len(text) // 2, len(text))))
        for start, end in bounds:
            hits, where = f.char_hits(text, start, end)
            assert set(hits) - {_YEAR_ATOM} == set(f.scan_chars) and set(where) == set(f.char_sets)
            for ch in f.scan_chars:
                assert hits[ch] == _char_hits(text, ch, start, end), (ch, text[start:end][:60])
            for cs in f.char_sets:
                assert where[cs] == _positions(text, cs, start, end, {}), (cs, text[start:end][:60])
            assert hits[_YEAR_ATOM] == _year_hits(text, start, end), text[start:end][:60]
            years += len(hits[_YEAR_ATOM])
    assert years > 200
