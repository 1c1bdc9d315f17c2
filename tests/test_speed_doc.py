"""Pins for the document stage's speed paths: each equals its plain reference."""
from __future__ import annotations

import numpy as np


def test_shadow_and_class_table_holds_both_tables():
    """scan reads the shadow code point and the class from one gather: the
    combined table must be exactly _lookup() below and _classes() on top."""
    from extract.shadow import _CLASS_SHIFT, _CODE_MASK, _classes, _lookup, _shadow_and_class

    both = _shadow_and_class()
    assert np.array_equal(both & _CODE_MASK, _lookup())
    assert np.array_equal((both >> _CLASS_SHIFT).astype(np.uint8), _classes())
    assert int(_lookup().max()) <= _CODE_MASK


def test_scan_classes_are_the_class_table_read_per_character():
    from extract.shadow import _classes, scan

    text = "長春汽開區整車産量要突破２２０萬輛。\n5。3亿元！a\u3000b\U0001F600；"
    sc = scan(text)
    assert sc.classes.tolist() == [int(_classes()[ord(c)]) for c in text]
    assert sc.classes.flags["C_CONTIGUOUS"]


def _plain_tail_parts(rules):
    """_tail_parts as it was before the first-character lookahead: the
    prefix words tried after every newline."""
    import re

    import regex

    alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"
    space = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and regex.match(r"[^\S\n]", c))
    prefix = "[" + re.escape(space) + "]*(?:" + alt(rules.lexicons.get("tail_prefixes", [])) + ")"
    markers = rules.lexicons.get("tail_markers", [])
    return re.compile(prefix), re.compile("\n" + prefix), re.compile(alt(markers)), max(map(len, markers), default=0)


def test_tail_start_equals_the_plain_prefix_search():
    import random

    from extract.articles import _first_tail, _tail_start, load_ruleset

    rules = load_ruleset("articles")
    pieces = (list(rules.lexicons["tail_prefixes"]) + list(rules.lexicons["tail_markers"])
              + ["\n", "\n", "\n", " ", "\t", "\u3000", "\r", "来", "源", "编", "辑", "责任", "#", "文字", "版权", "上一", ":"])
    plain = _plain_tail_parts(rules)
    rng = random.Random(11)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        pos = rng.randint(0, len(text))
        assert _tail_start(rules, text, pos) == _first_tail(plain, text, pos), (text, pos)
