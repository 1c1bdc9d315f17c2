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
