"""Targets: forward-looking frames only, year and subject resolution, money reused from amounts."""
from datetime import date

import pytest

from extract.pipeline import process_snippet

REF = date(2022, 1, 30)


def targets(text, ref=REF):
    return process_snippet(text, published=ref).records["targets"]


def test_list_sharing_one_frame_gives_one_target_per_metric():
    ts = targets("全力保障中国一汽今年力争实现整车销量410万辆、产值超7700亿,“十四五”整车销量650万辆、产值超万亿的奋斗目标。")
    got = [(t.metric, int(t.value), t.year, t.period_start, t.subject) for t in ts]
    assert got == [
        ("vehicle_sales", 4100000, 2022, None, "中国一汽"),
        ("output_value", 770000000000, 2022, None, "中国一汽"),
        ("vehicle_sales", 6500000, 2025, 2021, "中国一汽"),
        ("output_value", 1000000000000, 2025, 2021, "中国一汽"),
    ]


def test_money_target_is_also_an_amount():
    res = process_snippet("力争2024年产值达到100亿元。", published=REF)
    (t,) = res.records["targets"]
    (a,) = res.records["amounts"]
    assert t.value == a.value_cny and a.char_start >= t.char_start and a.char_end == t.char_end
    assert t.unit == "CNY" and t.year == 2024


@pytest.mark.parametrize("text", [
    "1至8月,长春汽开区规上工业产值实现2940.8亿元,同比增长14.3%。",   # a reported result
    "去年全区汽车产量达到120万辆。",                                 # past, no cue
    "力争新能源汽车产量增长35%。",                                   # a percentage, not a value
    "计划新建充电桩1200个。",                                        # a count, not a metric
    "目标是打造万亿级产业集群。",                                    # a scale label
    "重要的是整车产量达到50万辆时的成本。",                          # 重要 is not the cue 要
    "力争整车产量突破100万吨。",                                     # tonnes are not vehicles
])
def test_not_targets(text):
    assert targets(text) == []


def test_year_words_resolve_against_the_publication_date():
    assert targets("明年力争整车产量突破50万辆。")[0].year == 2023
    assert targets("今年力争整车产量突破50万辆。", ref=date(2024, 4, 1))[0].year == 2024
    assert targets("“十五五”期间,整车产量要达到300万辆。")[0].year == 2030
    assert targets("“十五五”期间,整车产量要达到300万辆。")[0].period_start == 2026
    t = targets("计划整车产量达到50万辆。", ref=None)[0]
    assert t.year is None and t.stated_date is None


def test_year_and_subject_carry_across_a_semicolon():
    ts = targets("到2025年,汽開區整車産量要突破220萬輛;全區經濟總量力爭突破1350億元,向1500億元目標奮進。")
    assert [(t.text, t.year, t.subject, t.metric) for t in ts] == [
        ("整車産量要突破220萬輛", 2025, "汽开区", "vehicle_output"),
        ("經濟總量力爭突破1350億元", 2025, "汽开区", "gdp"),
        ("1500億元", 2025, "汽开区", "gdp"),
    ]


def test_subject_from_the_sentence_before_and_aliases():
    ts = targets("同时,长春汽开区与中国一汽政企融合。双方年度计划完成投资177亿元。")
    assert ts[0].subject == "汽开区"
    assert targets("全力支持一汽集团实现产销超600万辆的目标。")[0].subject == "中国一汽"
    assert targets("净月高新区力争明年产值突破500亿元。")[0].subject == "净月高新区"


def test_stated_date_is_the_publication_date():
    assert targets("计划整车产量达到50万辆。")[0].stated_date == REF


def test_subject_is_cut_after_a_preposition():
    ts = targets("记者从合肥市发改委获悉,今年力争新能源汽车产量突破50万辆。")
    assert ts[0].subject == "合肥市"


@pytest.mark.parametrize("text", ["今年,汽开区力争整车产量突破50万辆。", "明年,全区计划实现产值500亿元。",
                                  "“十四五”期间,全市新能源汽车产量要突破100万辆。"])
def test_target_year_agrees_with_the_dates_table(text):
    res = process_snippet(text, published=REF)
    (t,) = res.records["targets"]
    (d,) = [x for x in res.records["dates"] if x.char_end <= t.char_start]
    assert t.year == d.end.year
    assert t.period_start == (d.start.year if d.start.year != d.end.year else None)


def test_the_targets_trigger_scan_finds_what_the_rule_set_finds():
    """targets._find gets its windows from one shared scan of every trigger
    word list; the matches must be RuleSet.find's, on whole texts and sub-spans."""
    import random
    from pathlib import Path

    from extract.rules import load_ruleset
    from extract.shadow import shadow
    from extract.targets import _find

    rs = load_ruleset("targets")
    root = Path(__file__).resolve().parent.parent
    texts = [shadow(p.read_text(encoding="utf-8")) for p in sorted((root / "data" / "raw").glob("*.txt"))]
    texts += [shadow(p.read_text(encoding="utf-8")) for p in sorted((root / "tests" / "articles").glob("*.txt"))]
    texts += [shadow(ex.text) for cr in rs.rules for ex in cr.rule.examples.positive]
    rng = random.Random(11)
    words = ["力争", "争取", "确保", "努力", "目标", "产量", "整车产量", "产值", "销量", "突破", "达到", "万辆", "亿元", "到", "2025年", "，", "。",
             "向", "台", "元", "辆", "50", "的", "奋斗", "增长6%", "," + "长春" * 9]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(0, 40))) for _ in range(600)]

    def key(ms):
        return [(m.rule.id, m.start, m.end) for m in ms]

    for text in texts:
        assert key(_find(rs, text, 0, len(text))) == key(rs.find(text)), text[:60]
        if len(text) > 10:
            a, b = rng.randrange(len(text) // 2), rng.randrange(len(text) // 2, len(text))
            assert key(_find(rs, text, a, b)) == key(rs.find(text, a, b)), text[a:b][:60]


def test_must_hold_characters_of_the_targets_rules():
    """_find skips a window without a character every match consumes: the
    sets found, each confirmed by holds_occurrence, and none for a rule
    whose matches need not hold a short list (target.money: any metric word)."""
    from extract.rules import load_ruleset
    from extract.targets import _holds_rx

    got = {cr.id: (_holds_rx(cr).pattern if _holds_rx(cr) else None) for cr in load_ruleset("targets").rules}
    assert got == {"target.vehicles": "[台辆]", "target.money": None, "target.followup": "[元台辆]", "target.toward": "[向]"}


def test_must_hold_reads_branches_repeats_and_classes():
    from extract.pattern_analysis import parsed
    from extract.targets import _must_hold

    assert _must_hold(parsed("a(?:bc|d)+[xy]")) == frozenset("a")
    assert _must_hold(parsed("(?:bc|d)+[xy]?")) == frozenset("bd")
    assert _must_hold(parsed("[^a]b*")) is None
    assert _must_hold(parsed(r"\d+(?:元|辆)")) == frozenset("元辆")


def test_sentence_span_equals_the_walks():
    """_sentence_span's two searches give boundary_before/boundary_after's walks."""
    import random

    from extract.spans import boundary_after, boundary_before
    from extract.targets import MAX_SENTENCE_REACH, SENTENCE_END, _sentence_span

    rng = random.Random(5)
    pieces = ["长春", "。", "！", "?", "\n", "，", "a" * 150]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for pos in {0, len(text), rng.randint(0, len(text))}:
            want = (boundary_before(text, pos, SENTENCE_END, pos - MAX_SENTENCE_REACH),
                    boundary_after(text, pos, SENTENCE_END, pos + MAX_SENTENCE_REACH))
            assert _sentence_span(text, pos) == want, (text, pos)


def test_topic_matches_equal_topic_rx_finditer():
    """_topic_matches (tried after clause marks only, in windows holding a
    verb) gives the topic groups of topic_rx.finditer, on texts and windows."""
    import random

    from extract.targets import _topic_matches, lexicons

    lx = lexicons()
    rng = random.Random(3)
    pieces = ["，", "。", "\n", " ", "比亚迪", "长春", "汽开区", "将", "表示", "要", "计划", "预计", "a", "12", "、", "的"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        want = [m.span("topic") for m in lx.topic_rx.finditer(text, a, b)]
        assert [m.span("topic") for m in _topic_matches(text, a, b, lx)] == want, (text, a, b)


def test_span_index_order_matches_a_stable_sort_by_start():
    """SpanIndex keeps records already in start order as they are and sorts
    the others stably by start: the same order as sorted(key=char_start)."""
    import random
    from types import SimpleNamespace

    from extract.spans import SpanIndex

    rnd = random.Random(7)
    for n in (0, 1, 5, 40):
        recs = [SimpleNamespace(char_start=rnd.randrange(10), char_end=20, k=i) for i in range(n)]
        for case in (recs, sorted(recs, key=lambda r: r.char_start)):
            idx = SpanIndex(iter(case))
            want = sorted(case, key=lambda r: r.char_start)
            assert [r.k for r in idx.records] == [r.k for r in want]
            assert idx.starts == [r.char_start for r in want]
