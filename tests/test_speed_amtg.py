"""The amounts and targets fast paths give what their generic references give."""
import random
import textwrap

import pytest

from conftest import ROOT
from extract import amounts
from extract.rules import GroupReader, RuleError, load_ruleset
from extract.shadow import shadow


def _texts() -> list[str]:
    """The seeds, the test articles and every rule example, as shadows."""
    paths = sorted((ROOT / "data" / "raw").glob("*.txt")) + sorted((ROOT / "tests" / "articles").glob("*.txt"))
    texts = [shadow(p.read_text(encoding="utf-8")) for p in paths]
    for name in ("amounts", "targets"):
        for r in load_ruleset(name).rules:
            texts += [shadow(ex.text) for ex in r.rule.examples.positive]
            texts += [shadow(t) for t in r.rule.examples.negative]
    return texts


def _random_texts(alphabet: str, n: int, seed: int, longest: int = 150) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(n)]


def _match_key(ms):
    return [(m.rule.id, m.start, m.end, tuple(sorted(m.groups.items()))) for m in ms]


# ---------------------------------------------------------------- amounts

AMOUNT_ALPHABET = ("0123456789约超过近不到人民币美元港币¥$亿万兆千百十一二两三四五六七八九元至到-~—，。 \n"
                   "余多以上左右的年月日号数几个级辆%人平方投资产值基金")


def test_amounts_find_fast_finds_what_find_finds():
    """RuleSet.find_fast on the amount rules (amount.context tried only from
    the runs that end at its trigger hits: holds_trigger) gives RuleSet.find's
    matches exactly: rules, spans, groups and order, on whole texts and sub-spans."""
    rs = load_ruleset("amounts")
    rng = random.Random(3)
    for text in _texts() + _random_texts(AMOUNT_ALPHABET, 2000, 11):
        assert _match_key(rs.find_fast(text)) == _match_key(rs.find(text)), text[:60]
        if len(text) > 10:
            a, b = rng.randrange(len(text) // 2), rng.randrange(len(text) // 2, len(text))
            assert _match_key(rs.find_fast(text, a, b)) == _match_key(rs.find(text, a, b)), text[a:b][:60]


def test_amount_context_is_tried_only_where_it_can_start():
    """The speed-up is real: amount.context, whose trigger looks ahead (so
    the pattern alone cannot show that a match holds a hit), gets a start
    rule from its holds_trigger key."""
    from extract.pattern_analysis import start_rule
    cr = load_ruleset("amounts").by_id("amount.context")
    assert cr.rule.holds_trigger
    sr = start_rule(cr)
    assert sr is not None and sr.run_back is not None
    text = "谋划一期投资约100亿、占地50公顷"
    hit = text.index("亿")
    assert sr.ranges(text, [(hit, hit + 1)], 0) == [(text.index("约"), hit)]


def test_a_wrong_holds_trigger_fails_at_load(tmp_path):
    """holds_trigger is checked on the rule's examples when the file loads: a
    match that consumes no trigger hit fails it, naming the file and key."""
    (tmp_path / "x.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: x.money
            doc: digits, then 元 or 万 that the trigger does not stand for
            trigger: '万(?!人)'
            holds_trigger: true
            pattern: '\\d+[万元]'
            examples: {positive: [{text: 花了5元, match: 5元}], negative: ["abc"]}
        """), encoding="utf-8")
    with pytest.raises(RuleError, match=r"x.yaml.*rules\[0\]\.holds_trigger.*the match '5元'"):
        load_ruleset("x", tmp_path)


def test_clause_and_sentence_bounds_equal_the_walks():
    """amounts' compiled boundary searches give spans.boundary_before/after."""
    from extract.spans import boundary_after, boundary_before
    rng = random.Random(5)
    alphabet = amounts.CLAUSE_END + amounts.SENTENCE_END + "ab一二"
    for text in _random_texts(alphabet, 20000, 17, longest=30):
        pos, floor = rng.randint(0, len(text)), rng.randint(-45, len(text) + 3)
        ceil = rng.choice([None, rng.randint(-3, len(text) + 20)])
        assert amounts._clause_start(text, pos, floor) == boundary_before(text, pos, amounts.CLAUSE_END, floor)
        assert amounts._sentence_start(text, pos, floor) == boundary_before(text, pos, amounts.SENTENCE_END, floor)
        assert amounts._clause_end(text, pos, ceil) == boundary_after(text, pos, amounts.CLAUSE_END, ceil)


def test_money_kind_equals_its_reference():
    """money_kind (one search for the nearest stop or kind word on each
    side) gives _money_kind_reference's answer (clause bounds first, then a
    search in each part): at every position of the seeds, the examples and
    random texts of kind words, stops and numbers."""
    lx = amounts.lexicons()
    assert lx.kind_before_or_stop_rev_rx is not None and lx.kind_after_or_stop_rx is not None
    words = sorted(set(lx.kind_before) | set(lx.kind_after))
    rng = random.Random(41)
    alphabet = words + list(amounts.CLAUSE_END) + ["5亿元", "投", "资", "以上", "a", "的", "。", "项", "目"] * 3
    texts = _texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    for text in texts:
        for start in range(len(text) + 1) if len(text) < 200 else rng.sample(range(len(text)), 200):
            end = rng.randint(start, min(len(text), start + 6))
            assert amounts.money_kind(text, start, end, lx) == amounts._money_kind_reference(text, start, end, lx), \
                (text[max(0, start - 25):end + 15], start, end)


def test_read_groups_are_the_groups_by_name():
    """interpret reads its groups from one groups() tuple (_read_groups):
    each is m.group(name), None for a name the rule's pattern lacks, for
    every rule (re and regex engines) on the seeds and random texts."""
    rs = load_ruleset("amounts")
    seen = set()
    for text in _texts() + _random_texts(AMOUNT_ALPHABET, 1500, 43):
        for m in rs.find(text):
            assert amounts._read_groups(m) == tuple(m.group(name) for name in amounts._read_groups.names), text[:60]
            seen.add(m.rule.id)
    assert seen == {cr.id for cr in rs.rules}


def test_adding_no_subunits_leaves_a_value_as_it_is():
    """interpret adds the 角/分 only when there are some: value + 0 would be
    value, digits and exponent alike, for the values numbers gives."""
    from decimal import Decimal

    from extract.numbers import parse_digit_pair, parse_number
    rng = random.Random(9)
    numerals = "0123456789.一二两三四五六七八九十百千万亿兆零"
    strings = ["".join(rng.choice(numerals) for _ in range(rng.randint(1, 12))) for _ in range(20000)]
    strings += ["1.50", "0.0", "100", "1E+3", "5万", "1.5万亿", "八九亿", "三五百", "0.000001亿"]
    for s in strings:
        for v in (parse_number(s), *(parse_digit_pair(s) or ())):
            if v is not None:
                assert str(v + Decimal(0)) == str(v), s


# ---------------------------------------------------------------- targets

def test_target_match_groups_are_the_groups_by_name():
    """extract_targets reads a match's groups at once (_match_groups, a
    GroupReader): m.group of each name, for every targets rule (re and
    regex engines) on the seeds, the examples and random texts."""
    from extract.targets import _match_groups
    rs = load_ruleset("targets")
    rng = random.Random(47)
    words = ["整车产量", "产值", "销量", "GDP", "总投资", "要突破", "达到", "力争", "向", "目标", "的", "50", "两", "万", "亿",
             "元", "辆", "台", "~", "余", "以上", "，", "。"]
    seen = set()
    for text in _texts() + ["".join(rng.choice(words) for _ in range(rng.randint(0, 16))) for _ in range(3000)]:
        for m in rs.find(text):
            assert _match_groups(m) == tuple(m.group(name) for name in _match_groups.names), text[:60]
            seen.add(m.rule.id)
    assert seen == {cr.id for cr in rs.rules}
    with pytest.raises(ValueError):
        GroupReader("num")


def test_suffix_starts_are_regexs_overlapped_finditer():
    """targets._suffix_starts (re searches, \\p{Han} as explicit ranges)
    gives the starts of regex's overlapped finditer of the suffix pattern."""
    import regex

    from extract.targets import _suffix_source, _suffix_starts, lexicons
    lx = lexicons()
    suffixes = sorted(load_ruleset("targets").lexicons["subject_suffixes"], key=len, reverse=True)
    reference = regex.compile(_suffix_source(suffixes))
    rng = random.Random(21)
    pieces = ["区", "市", "新区", "开发区", "经济技术开发区", "长春", "汽车城", "集团", "公司", "股份", "a", "，",
              "1", "\U00020000", "\u3007", "城区", "省"]
    texts = _texts() + ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(20000)]
    for text in texts:
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        want = [m.start() for m in reference.finditer(text, a, b, overlapped=True)]
        assert list(_suffix_starts(text, a, b, lx.suffix_rx)) == want, (text[:60], a, b)


def test_subject_matches_equal_subject_rx_finditer():
    """targets._subject_matches gives subject_rx.finditer's matches."""
    from extract.targets import _subject_matches, lexicons
    lx = lexicons()
    rng = random.Random(23)
    pieces = ["区", "市", "新区", "开发区", "长春", "汽开", "汽车城", "集团", "公司", "a1", "，", " ", "的", "\U00020000"]
    texts = _texts() + ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 16))) for _ in range(5000)]
    for text in texts:
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        want = [m.span() for m in lx.subject_rx.finditer(text, a, b)]
        assert [m.span() for m in _subject_matches(text, a, b, lx)] == want, (text[:60], a, b)


def test_topic_matches_with_the_verb_reach_filter():
    """_topic_matches skips a clause mark with no verb TOPIC_LENGTH on (no
    space there): same topics as topic_rx.finditer, on texts with spaces,
    verbs at every distance and the seeds; and every character regex's \\s
    matches is one str.isspace holds for, so a space is never missed."""
    import regex

    from extract.targets import _topic_matches, lexicons
    lx = lexicons()
    space = regex.compile(r"\s")
    assert all(chr(c).isspace() for c in range(0x110000) if space.match(chr(c)))
    rng = random.Random(29)
    pieces = ["，", "。", "\n", " ", "\u3000", "比亚迪", "长", "汽开区", "将", "表示", "要", "预计划", "a", "12", "的"]
    texts = _texts() + ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 16))) for _ in range(20000)]
    for text in texts:
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        want = [m.span("topic") for m in lx.topic_rx.finditer(text, a, b)]
        assert [m.span("topic") for m in _topic_matches(text, a, b, lx)] == want, (text[:60], a, b)


@pytest.mark.parametrize("rule_id", ["target.vehicles", "target.money", "target.toward", "amount.context"])
def test_rules_on_re_match_as_regex_would_on_random_texts(rule_id):
    """engine: re for these rules: the same spans and groups as regex on
    random texts built from their words, numbers, separators and spaces."""
    import regex

    from extract.rules import FLAGS, expand_pieces
    rs = load_ruleset(rule_id.split(".")[0].replace("target", "targets").replace("amount", "amounts"))
    cr = rs.by_id(rule_id)
    assert cr.rule.engine == "re"
    reference = regex.compile(expand_pieces(cr.rule.pattern, rs.pieces), FLAGS)
    pieces = ["整车产量", "产值", "销量", "GDP", "总投资", "要突破", "达到", "超", "力争", "向", "目标", "奋斗", "的",
              "50", "3.5", "1,000", "82，225.00", "5。3", "两", "一百二十", "万", "亿", "千", "元", "辆", "台", "次",
              "~", "至", "——", "-", "余", "多", "以上", "左右", " ", "\u3000", "\n", "，", "。", "、", "(", "“", "a",
              "约", "超过", "不到", "投资", "基金", "个", "级", "人", "平方", "兆", "零", "十"]
    rng = random.Random(31)
    for _ in range(8000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        got = [(m.span(), m.groupdict()) for m in cr.regex.finditer(text)]
        want = [(m.span(), m.groupdict()) for m in reference.finditer(text, overlapped=False)]
        assert got == want, text


def test_subject_and_topic_patterns_on_re_match_as_on_regex():
    """subject_rx, topic_rx and the name run run on re, spelt with the han
    piece and \\s less \\x1c-\\x1f (_spellings): the same matches as the
    same patterns spelt for regex (ON_REGEX), on texts mixing names, Han
    characters outside the BMP, every kind of space, suffixes and verbs;
    and the re class of spaces is regex's \\s, code point by code point."""
    import re

    import regex

    from extract.targets import ON_REGEX, _spellings, _subject_source, _topic_source, lexicons
    lx = lexicons()
    rs = load_ruleset("targets")
    on_re = _spellings(rs.pieces["han"].pattern)
    space_re, space_regex = re.compile(on_re["space"]), regex.compile(ON_REGEX["space"])
    assert all(bool(space_re.match(chr(c))) == bool(space_regex.match(chr(c))) for c in range(0x110000))
    suffixes = sorted(rs.lexicons["subject_suffixes"], key=len, reverse=True)
    pairs = [(lx.subject_rx, regex.compile(_subject_source(suffixes, ON_REGEX))),
             (lx.topic_rx, regex.compile(_topic_source(rs.lexicons["topic_verbs"], ON_REGEX))),
             (lx.name_run_rx, regex.compile(ON_REGEX["name"] + "{1,14}"))]
    rng = random.Random(37)
    pieces = ["区", "市", "新区", "开发区", "长春", "汽开", "集团", "公司", "a1", "Z", "_", "，", "。", "\n", " ", "\u3000",
              "\x1c", "\x1f", "\xa0", "的", "\U00020000", "\u3007", "〆", "表示", "将", "要", "计划", "称", "-", "比亚迪"]
    texts = _texts() + ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 20))) for _ in range(6000)]
    for text in texts:
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        for on_re_rx, on_regex_rx in pairs:
            got = [(m.span(), m.groupdict()) for m in on_re_rx.finditer(text, a, b)]
            want = [(m.span(), m.groupdict()) for m in on_regex_rx.finditer(text, a, b)]
            assert got == want, (on_re_rx.pattern[:40], text[:60], a, b)
