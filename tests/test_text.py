"""Numbers, the shadow text, sentences and file decoding."""
from decimal import Decimal

import pytest

from extract.numbers import parse_digit_pair, parse_number
from extract.sentences import Sentences
from extract.shadow import is_traditional, shadow
from extract.textio import ArticleError, decode


@pytest.mark.parametrize("text,value", [
    ("48.93亿", "4893000000"), ("5,000", "5000"), ("5。3", "5.3"), ("五千万", "50000000"),
    ("两千亿", "200000000000"), ("一千六百一十七亿", "161700000000"), ("一万五千亿", "1500000000000"),
    ("〇", "0"), ("一千零五十", "1050"), ("壹万贰仟叁佰肆拾伍", "12345"), ("3万4000", "34000"),
    ("1.5万亿", "1500000000000"), ("25万6千", "256000"), ("十八", "18"), ("千亿", "100000000000"),
    ("万亿", "1000000000000"), ("二〇二〇", "2020"), ("四十九兆九千五百九十二亿", "49959200000000"),
])
def test_parse_number(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "亿亿万", "5 3 x", "abc", "一二三四十", "3万4"])
def test_parse_number_rejects_garbage(text):
    assert parse_number(text) is None


def test_no_float_noise():
    assert str(parse_number("0.1万")) == "1000"
    assert str(parse_number("880.81万")) == "8808100"


def test_digit_pairs_are_ranges():
    assert parse_digit_pair("八九亿") == (Decimal(800000000), Decimal(900000000))
    assert parse_digit_pair("三五百") == (Decimal(300), Decimal(500))
    assert parse_digit_pair("二〇二〇") is None
    assert parse_digit_pair("九八亿") is None


def test_shadow_keeps_length_and_maps_scripts():
    raw = "經濟總量力爭突破１３５０億元，產値"
    sh = shadow(raw)
    assert len(sh) == len(raw)
    assert sh.startswith("经济总量力争突破1350亿元")
    assert "，" in sh  # the clause comma survives


def test_script_detection():
    assert is_traditional("長春汽開區整車産量要突破220萬輛")
    assert not is_traditional("长春汽开区整车产量要突破220万辆")


def test_sentences_never_split_inside_a_number():
    text = "产值达5。3亿元。次年翻番！目标：100亿元；完成\n下一行"
    s = Sentences(text)
    parts = [text[a:b] for a, b in s]
    assert parts == ["产值达5。3亿元。", "次年翻番！", "目标：100亿元；", "完成", "下一行"]
    assert s.sentence_at(text.index("3亿")) == "产值达5。3亿元。"


def test_decode_utf8_bom_gb18030_big5():
    assert decode("投资80亿元".encode("utf-8")) == ("投资80亿元", "utf-8")
    assert decode(b"\xef\xbb\xbf" + "投资".encode("utf-8")) == ("投资", "utf-8-sig")
    assert decode("投资80亿元".encode("gb18030")) == ("投资80亿元", "gb18030")
    text, enc = decode("投資80億元，長春汽車產業".encode("big5"))
    assert text == "投資80億元，長春汽車產業" and enc == "big5"


@pytest.mark.parametrize("data,message", [
    (b"", "empty"), (b"   \n", "empty"), (b"\x00\x01\x02binary\x00", "binary"),
    (b"\xff\xfe\xfd\xfc\x81\x30" * 10, "not valid"),
])
def test_decode_rejects_bad_bytes(data, message):
    with pytest.raises(ArticleError, match=message):
        decode(data)


# --- StopIndex: the bisecting form of boundary_before / boundary_after --------

from hypothesis import given, strategies as st  # noqa: E402

from extract.spans import StopIndex, boundary_after, boundary_before  # noqa: E402

_STOPS = ",，。\n"


@given(st.text(alphabet="ab,，\n。x亿", max_size=40), st.integers(-5, 45), st.integers(-5, 50))
def test_stop_index_agrees_with_the_walks(text, pos, limit):
    pos = max(0, min(pos, len(text)))
    idx = StopIndex(text, _STOPS)
    assert idx.before(pos, limit) == boundary_before(text, pos, _STOPS, limit)
    assert idx.after(pos, limit) == boundary_after(text, pos, _STOPS, limit)
    assert idx.after(pos) == boundary_after(text, pos, _STOPS)
    assert idx.around(pos, pos - limit, pos + limit) == (idx.before(pos, pos - limit), idx.after(pos, pos + limit))


@given(st.text(max_size=60) | st.text(alphabet="萬億元投資發展汽車國產１２３．％　，。", max_size=60))
def test_vectorised_shadow_equals_the_table(text):
    from extract.shadow import _table, shadow_and_script
    sh, _ = shadow_and_script(text)
    assert sh == text.translate(_table())


def test_a_sentence_without_end_is_cut_around_the_mention():
    from extract.sentences import MAX_SENTENCE
    text = "序。" + "长春汽开区投资80亿元建设红旗繁荣基地" * 200
    sents = Sentences(text)
    for offset in (2, 1000, len(text) - 5):
        got = sents.sentence_at(offset)
        assert len(got) == MAX_SENTENCE
        start = text.index(got, max(0, offset - MAX_SENTENCE))
        assert start <= offset < start + MAX_SENTENCE
    assert sents.sentence_at(0) == "序。"


def test_long_unpunctuated_text_gives_linear_output():
    """Records of a page without punctuation each carry a bounded excerpt,
    so output grows with the text, not with records × text."""
    from extract.pipeline import process_text
    from extract.sentences import MAX_SENTENCE
    text = "。" + "长春汽开区力争整车产量突破220万辆产值超7700亿元总投资超过2000亿元的红旗繁荣基地项目加快建设" * 300
    res = process_text(text, "h")
    recs = [r for v in res.records.values() for r in v]
    assert recs and all(len(r.sentence) <= MAX_SENTENCE and r.sentence in text for r in recs)


# --- Sentences read from code points (numpy) agree with the scan -------------

@given(st.text(alphabet="ab1２٣。！？；!?;\n \u3000，", max_size=40) | st.text(max_size=40))
def test_sentence_marks_from_code_points_equal_the_scan(text):
    from extract.shadow import scan
    scanned, read = Sentences(text), Sentences(text, scan(text))
    assert (read._starts, read._ends) == (scanned._starts, scanned._ends)
    assert list(read) == list(scanned)


@given(st.text(alphabet="ab\n。 ", max_size=30))
def test_line_bounds_from_code_points_equal_the_scan(text):
    from extract.articles import _line_bounds
    from extract.shadow import scan
    assert _line_bounds(text, scan(text)) == _line_bounds(text)
    assert list(zip(*_line_bounds(text))) == [(m, m + len(p)) for p, m in _offsets(text.split("\n"))]


def _offsets(parts):
    at = 0
    for p in parts:
        yield p, at
        at += len(p) + 1


def test_scan_agrees_with_shadow_and_script():
    from extract.shadow import scan, shadow_and_script
    for text in ("", "長春汽開區整車産量要突破２２０萬輛", "plain\ntext"):
        sc = scan(text)
        assert (sc.shadow, sc.traditional) == shadow_and_script(text)
        assert [chr(c) for c in sc.codes.tolist()] == list(text)
        assert len(sc.classes) == len(text)


@given(st.text(alphabet="\u4dff\u4e00\u9fff\ua000長长萬万a１", max_size=30))
def test_script_share_counts_u4e00_to_u9fff(text):
    from extract.shadow import _table, shadow_and_script
    table = _table()
    cjk = [c for c in text if 0x4E00 <= ord(c) <= 0x9FFF]
    trad = [c for c in cjk if ord(c) in table]
    assert shadow_and_script(text)[1] == (bool(cjk) and len(trad) / len(cjk) >= 0.02)


def test_every_decimal_digit_is_classed_maybe_digit():
    """Sentences checks a 。's neighbours with \\d only where both are
    MAYBE_DIGIT, so no decimal digit may have another class."""
    import regex
    from extract.shadow import MAYBE_DIGIT, _classes
    classes = _classes()
    digit = regex.compile(r"\d")
    assert [c for c in range(0x110000) if digit.match(chr(c)) and classes[c] != MAYBE_DIGIT] == []


def test_character_classes():
    from extract.shadow import CJK, FULL_STOP, NEWLINE, PLAIN, TERMINATOR, TERMINATORS, TRADITIONAL, _classes
    classes = _classes()
    assert [classes[ord(c)] for c in "长長a\n。！"] == [CJK, TRADITIONAL, PLAIN, NEWLINE, FULL_STOP, TERMINATOR]
    assert all(classes[ord(c)] == TERMINATOR for c in TERMINATORS.replace("。", ""))
