"""Dates: every calendar reference, resolved against the publication date.

Case lists, by kind:
- RESOLVED: development cases (text, reference, mention, start, end, kind);
- NOT_DATES: things that look like dates and are not (durations, clock
  times, counts, ids, back-references);
- UNRESOLVABLE: relative dates that no reference can resolve (not emitted);
- the seed gold, the rule corpus of rules/dates.yaml, and the peer
  conformance cases (JioNLP, Recognizers-Text) that fall within the guide.
"""
from __future__ import annotations

import json
import random
import re
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from extract.articles import Document
from extract.dates import extract_dates, five_year_plan, reference_date
from extract.rules import RuleError, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
CONFORMANCE = Path(__file__).parent / "conformance"
PUB = date(2022, 1, 30)


def dates_of(text: str, published: date | None = PUB):
    return extract_dates(Document.from_snippet(text, published=published))


def one(text: str, mention: str, published: date | None = PUB):
    hits = [d for d in dates_of(text, published) if d.text == mention]
    assert len(hits) == 1, [(d.text, d.rule_id) for d in dates_of(text, published)]
    return hits[0]


# ---------------------------------------------------------------- development cases

RESOLVED = [
    # text, reference, mention, start, end, kind
    ("1月26日,汽开区党工委副书记接受专访", PUB, "1月26日", "2022-01-26", "2022-01-26", "absolute"),
    ("去年2月,长春国际汽车城规划发布以来", date(2021, 9, 29), "去年2月", "2020-02-01", "2020-02-29", "relative"),
    ("“十四五”整车销量650万辆", PUB, "“十四五”", "2021-01-01", "2025-12-31", "period"),
    ("‘十三五’期间", PUB, "‘十三五’", "2016-01-01", "2020-12-31", "period"),
    ("1至8月,产值实现2940.8亿元", date(2020, 1, 1), "1至8月", "2020-01-01", "2020-08-31", "period"),
    ("《规划(2021—2025年)》", PUB, "2021—2025年", "2021-01-01", "2025-12-31", "period"),
    ("2022年末", PUB, "2022年末", "2022-10-01", "2022-12-31", "absolute"),
    ("2022年底", PUB, "2022年底", "2022-10-01", "2022-12-31", "absolute"),
    ("年底前建成", PUB, "年底", "2022-10-01", "2022-12-31", "relative"),
    ("1月中旬", PUB, "1月中旬", "2022-01-11", "2022-01-20", "absolute"),
    ("2月下旬", PUB, "2月下旬", "2022-02-21", "2022-02-28", "absolute"),
    ("2024年2月下旬", PUB, "2024年2月下旬", "2024-02-21", "2024-02-29", "absolute"),
    ("明年", PUB, "明年", "2023-01-01", "2023-12-31", "relative"),
    ("前年", PUB, "前年", "2020-01-01", "2020-12-31", "relative"),
    ("下半年,项目陆续投产", PUB, "下半年", "2022-07-01", "2022-12-31", "relative"),
    ("2022年上半年", PUB, "2022年上半年", "2022-01-01", "2022-06-30", "period"),
    ("2013年一季度末", PUB, "2013年一季度末", "2013-03-01", "2013-03-31", "period"),
    ("昨天,记者获悉", PUB, "昨天", "2022-01-29", "2022-01-29", "relative"),
    ("28日,正式揭牌", date(2021, 9, 29), "28日", "2021-09-28", "2021-09-28", "absolute"),
    ("二〇三五年远景目标", PUB, "二〇三五年", "2035-01-01", "2035-12-31", "absolute"),
    ("2017年8月15日至2018年3月29日", PUB, "2017年8月15日至2018年3月29日", "2017-08-15", "2018-03-29", "period"),
    ("今年1-5月", PUB, "今年1-5月", "2022-01-01", "2022-05-31", "period"),
    ("2020(第四届)中德汽车大会", PUB, "2020", "2020-01-01", "2020-12-31", "absolute"),
    ("长春汽开区2024年度工作会议", PUB, "2024年度", "2024-01-01", "2024-12-31", "absolute"),
    ("長春汽開區召開2024年度工作會議", PUB, "2024年度", "2024-01-01", "2024-12-31", "absolute"),
    ("到“十四五”末", PUB, "“十四五”末", "2025-01-01", "2025-12-31", "period"),
]


@pytest.mark.parametrize("text,ref,mention,start,end,kind", RESOLVED, ids=[c[2] for c in RESOLVED])
def test_resolved(text, ref, mention, start, end, kind):
    d = one(text, mention, ref)
    assert (d.start.isoformat(), d.end.isoformat(), d.kind) == (start, end, kind)


NOT_DATES = [
    "从接洽到奠基仅用28天", "从16年前应时而生起", "实现五年内完成100平方公里", "仅用112天",
    "GDP连续4年超千亿", "时间:08:13", "下午3点召开", "吉网新闻热线:0431-82902222",
    "身份证号140302197706220124。", "订单号 A202107211321363588510367",
    "红旗新能源工厂当年开工、当年暖封闭", "这一年,长春净月高新区", "力争全年主要经济指标增速高于全市",
    "总投资超过2000亿元", "2000多家企业", "3个月", "几个月来", "两个多小时的时间",
    "今天的汽开区", "明天的汽开区,锚定", "绘出更新更美的明天。", "有近2000年的历史",
    "三年攻坚行动", "16位医生24小时线上轮诊", "轨道交通2号线、7号线", "请在发生之日起30日内进行",
    "九五至尊", "十五个项目", "目前年产能达到30万辆", "过去年均增长5%", "三年初见成效",
    "黎明主演的电影已上映。", "一日之计在于晨", "有十分之一的概率", "2019款车型", "",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_dates(text):
    assert dates_of(text) == []


UNRESOLVABLE = ["今年,汽开区主动联手一汽", "去年2月", "年初获批以来", "1月26日", "10月的北国长春", "今天,我们见证", "28日,正式揭牌"]


@pytest.mark.parametrize("text", UNRESOLVABLE)
def test_relative_dates_without_reference_are_not_emitted(text):
    assert dates_of(text, published=None) == []


def test_explicit_dates_need_no_reference():
    assert [(d.text, d.start.isoformat()) for d in dates_of("2022年12月22日", published=None)] == [("2022年12月22日", "2022-12-22")]


def test_reference_date_is_recorded_for_relative_dates_only():
    assert one("今年5月", "今年5月").reference_date == PUB
    assert one("3月29日", "3月29日").reference_date == PUB
    assert one("2022年1月", "2022年1月").reference_date is None


# ---------------------------------------------------------------- meaning over calendar

def _article(body: str, header: str = "标题:某区经济运行情况综述\n2023-01-18 17:14:30 来源:新华网\n\n") -> Document:
    return Document.from_text(header + body)


def test_year_end_review_published_in_january_means_the_reviewed_year():
    doc = _article("2022年全区经济稳中向好。2022年累计开工项目81个。2022年末人才总量增长。\n今年,全区携优质企业推出房源。")
    d = next(x for x in extract_dates(doc) if x.text == "今年")
    assert (d.start, d.end) == (date(2022, 1, 1), date(2022, 12, 31))


def test_year_end_review_keeps_forward_looking_this_year():
    doc = _article("2022年全区经济稳中向好。2022年累计开工项目81个。2022年末人才总量增长。\n今年将新开工项目100个。")
    d = next(x for x in extract_dates(doc) if x.text == "今年")
    assert d.start == date(2023, 1, 1)


def test_an_ordinary_january_article_keeps_this_year():
    doc = _article("今年,全区计划实施项目141项。2022年,全区计划实施项目141项。")
    assert {x.start for x in extract_dates(doc) if x.text == "今年"} == {date(2023, 1, 1)}


def test_today_in_a_report_published_the_day_after_means_the_event_day():
    header = "某地正式揭牌\n时间:2021-09-29 08:13 来源:\n\n"
    doc = Document.from_text(header + "9月28日,管委会揭牌成立。\n今天,我们见证了揭牌仪式。")
    d = next(x for x in extract_dates(doc) if x.text == "今天")
    assert d.start == date(2021, 9, 28) == d.end


def test_today_without_an_earlier_event_is_the_publication_day():
    header = "某地正式揭牌\n时间:2021-09-29 08:13 来源:\n\n"
    doc = Document.from_text(header + "今天,我们见证了揭牌仪式。")
    assert next(x for x in extract_dates(doc) if x.text == "今天").start == date(2021, 9, 29)


def test_year_grain_reference_resolves_months_but_not_days():
    doc = Document.from_text("【直击2020中德汽车大会】目标\n\n10月,大会召开。今年5月开工。今天,我们见证。28日,正式揭牌。")
    got = {d.text: (d.start.isoformat(), d.end.isoformat()) for d in extract_dates(doc)}
    assert got["10月"] == ("2020-10-01", "2020-10-31")
    assert got["今年5月"] == ("2020-05-01", "2020-05-31")
    assert "今天" not in got and "28日" not in got


# ---------------------------------------------------------------- five-year plans and reference

@pytest.mark.parametrize("text,years", [
    ("十四五", (2021, 2025)), ("“十四五”", (2021, 2025)), ("十四五规划", (2021, 2025)),
    ("第十四个五年规划", (2021, 2025)), ("十三五", (2016, 2020)), ("十五五", (2026, 2030)),
    ("十五", (2001, 2005)), ("三五", (1966, 1970)), ("一五", (1953, 1957)), ("二五", (1958, 1962)),
    ("十一五", (2006, 2010)), ("“十四五”時期", (2021, 2025)),
    ("", None), ("规划", None), ("2025年", None),
])
def test_five_year_plan(text, years):
    assert five_year_plan(text) == years


def test_reference_date_of_seeds(raw_dir):
    want = {"000": date(2022, 1, 30), "001": date(2024, 4, 1), "002": date(2021, 9, 29),
            "003": date(2020, 1, 1), "004": date(2023, 1, 18)}
    for p in sorted(raw_dir.glob("*.txt")):
        assert reference_date(Document.from_text(p.read_text(encoding="utf-8"), p.stem)) == want[p.stem[:3]]
    assert reference_date(Document.from_snippet("x", published=PUB)) == PUB
    assert reference_date(Document.from_text("没有日期的一段话\n\n正文没有年份。")) is None


# ---------------------------------------------------------------- seeds against gold

def _gold_dates(raw_dir, gold_dir):
    for g in sorted(gold_dir.glob("*.jsonl")):
        raw = (raw_dir / f"{g.stem}.txt").read_text(encoding="utf-8")
        golds = []
        for line in g.read_text(encoding="utf-8").splitlines():
            r = json.loads(line) if line.strip() else None
            if r and r["type"] == "date":
                s = raw.find(r["context"]) + r["context"].find(r["text"])
                golds.append((s, s + len(r["text"]), r))
        yield g.stem, raw, golds


def test_seed_dates_match_gold(raw_dir, gold_dir):
    tp = n_gold = n_pred = kind_ok = 0
    misses = []
    for aid, raw, golds in _gold_dates(raw_dir, gold_dir):
        preds = extract_dates(Document.from_text(raw, aid))
        n_gold += len(golds)
        n_pred += len(preds)
        used = set()
        for s, e, g in golds:
            hit = next((i for i, p in enumerate(preds) if i not in used and p.char_start < e and p.char_end > s
                        and p.start.isoformat() == g["start"] and p.end.isoformat() == g["end"]), None)
            if hit is None:
                misses.append((aid, g["text"], g["context"]))
                continue
            used.add(hit)
            tp += 1
            kind_ok += preds[hit].kind == g["kind"]
    p, r = tp / n_pred, tp / n_gold
    f1 = 2 * p * r / (p + r)
    assert f1 >= 0.95, misses
    assert kind_ok == tp


def test_seed_records_hold_their_provenance(raw_dir):
    for p in sorted(raw_dir.glob("*.txt")):
        raw = p.read_text(encoding="utf-8")
        for d in extract_dates(Document.from_text(raw, p.stem)):
            assert raw[d.char_start:d.char_end] == d.text and d.start <= d.end
            assert d.rule_id.startswith("date.")


# ---------------------------------------------------------------- the rule corpus

RULES = load_ruleset("dates").rules


def _ref(expect):
    return date.fromisoformat(str(expect["reference"])) if expect.get("reference") else PUB


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_examples_hold_on_the_extractor_alone(rule):
    for ex in rule.rule.examples.positive:
        got = [d for d in dates_of(ex.text, _ref(ex.expect)) if d.text == ex.match and d.rule_id == rule.id]
        assert got, (ex.text, [(d.text, d.rule_id) for d in dates_of(ex.text, _ref(ex.expect))])
        fields = got[0].model_dump()
        for k, v in ex.expect.items():
            if k != "reference":
                assert str(fields[k]) == str(v), (ex.text, k)
    for text in rule.rule.examples.negative:
        assert dates_of(text) == [], text


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_documents_its_resolution(rule):
    assert rule.rule.doc and rule.rule.examples.negative
    assert all({"start", "end"} <= set(ex.expect) or rule.id == "date.period_span" and "start" in ex.expect
               for ex in rule.rule.examples.positive[:1])


def test_relative_year_words_are_all_matched_by_the_piece():
    rs = load_ruleset("dates")
    rx = rs.compile("(?&rel_year)")
    for word in rs.lexicons["relative_years"]:
        assert rx.fullmatch(word), word


# ---------------------------------------------------------------- never crash, stay fast

def test_any_text_gives_records_or_nothing():
    random.seed(5)
    alphabet = "0123456789年月日号至到-—~今去明前后天上下半季度初底末旬十一二三四五六七八九〇零“”,，。\n :时间来源五规划第个大会(届)回眸展望"
    for _ in range(400):
        s = "".join(random.choice(alphabet) for _ in range(random.randint(0, 50)))
        for pub in (None, PUB):
            for d in extract_dates(Document.from_snippet(s, published=pub)):
                assert s[d.char_start:d.char_end] == d.text
        extract_dates(Document.from_text(s))


def test_a_long_article_is_fast(raw_dir):
    raw = (raw_dir / "003_efb9b948de26f3ef.txt").read_text(encoding="utf-8")
    text = raw.split("来源:")[0] * 20  # ~55k characters of body
    t0 = time.perf_counter()
    extract_dates(Document.from_text(text))
    assert time.perf_counter() - t0 < 2


# ---------------------------------------------------------------- peer conformance
#
# Cases from JioNLP's time parser and Recognizers-Text's Chinese DateTime
# specs that fall within ANNOTATION.md run against the extractor with the
# peer's reference time as publication date; a case passes when one record
# has the peer's start and end (in days). Skipped, by category:
#   clock times and times of day; weeks and weekdays; the lunar calendar,
#   festivals, solar terms and seasons; durations and offsets from now
#   (3年后, 近30天, 未来5年); open-ended spans (以前, 之后, 起, 至今); centuries,
#   decades and regnal years; back-references the guide does not annotate
#   (当月, 这一年, 全天); grains where the guide differs (年初/年底/月底 are
#   quarters or dekads to us, JioNLP's are narrower; Recognizers counts 今年 to
#   date and ends ranges exclusive); dates without 日/号 (四月十三, 1月3); bare
#   numbers (2018, 20240307) and two-digit or slash-first shorthands; dates
#   without a year that the peers move to the nearest future or past year
#   (the guide takes the publication year); ordinal and "first/last N" units;
#   lists of several dates.

SKIP = [
    ("clock time", r"\d[:：]\d|[点时分秒钟]|早上|上午|下午|晚|凌晨|中午|夜|午|黎明|今早|今晨"),
    ("weeks", r"周|週|星期|礼拜|禮拜"),
    ("lunar calendar, festivals, seasons", r"农历|阴历|腊月|正月|闰|廿|节|除夕|元宵|端午|中秋|国庆|大年|芒种|寒|暑|春|夏|秋|冬|伊始"),
    ("durations and offsets", r"[天日年月周]半?\s*(?:前|后|以前|以后|之前|之后|以内|之内|内|以来)|未来|过去|近|最近|今后|再过|过|还剩|之间|马上|^[前后]\d|今明"),
    ("open-ended spans", r"以前|之前|以后|之后|起|至今|现在|开始|截止|自从|前$"),
    ("centuries, decades, regnal years", r"世纪|年代|康熙|雍正|民国|神龙"),
    ("back-references", r"当月|这一年|当年|全年|全天|本日"),
    ("guide differs on grain", r"年初|年底|年末|月底|月初|月末|首月|半月|个半年"),
    ("days without 日/号", r"月[\d一二三四五六七八九十]+(?![\d一二三四五六七八九十]*[日号])"),
    ("bare numbers and shorthands", r"^\s*=?\s*\d{4}$|^\d{8}$|·|^\d\d-\d\d$|^\d{4}\.\d\d|\d{1,2}/\d{1,2}/\d{4}|^\d{1,2}/\d{1,2}$|^\d\d-\d\d-\d\d$"),
    ("short years", r"^[\d零〇一二三四五六七八九]{2}\s*年"),
    ("ordinal and first/last N units", r"第|最後|最后|的前|[上本下这]个?季度|上一个月|前[两二三四五六七八九十\d]+[天年]"),
    ("lists", r"[，,、和或]"),
]


def _skip(text: str, ref: date, options, peer: str) -> str | None:
    for reason, pat in SKIP:
        if re.search(pat, text):
            return reason
    if peer == "recognizers" and (re.search(r"[至到\-–—~]", text) or text == "今年"):
        return "guide differs: ranges include their last unit; 今年 is the whole year"
    if not re.search(r"\d{4}|[〇零一二三四五六七八九]{4}|年", text) and all(o[0][:4] != str(ref.year) for o in options):
        return "guide differs: a date without a year takes the publication year"
    return None


def _jionlp():
    for line in (CONFORMANCE / "jionlp_time.jsonl").read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        tb, exp = (c.get("params") or {}).get("time_base"), c["expected"]
        if not isinstance(tb, (int, float)) or len(exp) != 1 or exp[0].get("type") not in ("time_point", "time_span"):
            continue
        t = exp[0]["time"]
        if not (isinstance(t, list) and len(t) == 2 and all(isinstance(x, str) and x[:1].isdigit() for x in t)):
            continue
        if t[0].endswith("00:00:00") and t[1].endswith("23:59:59"):
            ref = datetime.fromtimestamp(tb, timezone(timedelta(hours=8))).date()
            yield c["input"], ref, [(t[0][:10], t[1][:10])]


def _recognizers():
    for line in (CONFORMANCE / "recognizers_zh_datetime.jsonl").read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        ref = (c.get("context") or {}).get("ReferenceDateTime")
        if not ref or len(c["expected"]) != 1 or c["expected"][0]["TypeName"] not in ("datetimeV2.date", "datetimeV2.daterange"):
            continue
        e, opts = c["expected"][0], []
        for v in e.get("Resolution", {}).get("values", []):
            if v.get("Mod") or v.get("isLunar"):
                opts = []
                break
            if v.get("value", "")[:1].isdigit():
                opts.append((v["value"][:10], v["value"][:10]))
            elif "start" in v and "end" in v:  # Recognizers' end is exclusive
                opts.append((v["start"][:10], (date.fromisoformat(v["end"][:10]) - timedelta(days=1)).isoformat()))
        if opts:
            yield e["Text"], date.fromisoformat(ref[:10]), opts


def _conformance(cases, peer):
    ran, passed, fails = 0, 0, []
    for text, ref, opts in cases:
        if _skip(text, ref, opts, peer):
            continue
        ran += 1
        got = [(d.start.isoformat(), d.end.isoformat()) for d in dates_of(text, ref)]
        if any(g in opts for g in got):
            passed += 1
        else:
            fails.append((text, ref.isoformat(), opts, got))
    return ran, passed, fails


# Measured when this test was written: JioNLP 38/40 (上一年 and 大大后天 fail),
# Recognizers 30/31 (29日 in a February has no day 29 to resolve to).
@pytest.mark.parametrize("peer,cases,floor", [("jionlp", _jionlp, 0.9), ("recognizers", _recognizers, 0.9)])
def test_peer_conformance(peer, cases, floor):
    ran, passed, fails = _conformance(list(cases()), peer)
    assert ran >= 10
    assert passed / ran >= floor, fails


def test_peer_extraction_negatives_give_nothing():
    """JioNLP's extraction cases that expect no time at all."""
    n = 0
    for line in (CONFORMANCE / "jionlp_time.jsonl").read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        if c["expected"] == [] and "time_base" not in (c.get("params") or {}):
            n += 1
            assert dates_of(c["input"]) == [], c["input"]
    assert n >= 5


def test_the_dates_finder_finds_what_the_rule_set_finds():
    """dates.finder() shares trigger hits and anchors period_span for speed;
    it must give RuleSet.find's matches exactly (same rules, spans, groups),
    on whole texts and on sub-spans, hostile strings included."""
    from extract.dates import finder
    from extract.shadow import shadow

    rs = load_ruleset("dates")
    fast = finder(rs)
    root = Path(__file__).resolve().parent.parent
    texts = [shadow(p.read_text(encoding="utf-8")) for p in sorted((root / "data" / "raw").glob("*.txt"))]
    texts += [shadow(p.read_text(encoding="utf-8")) for p in sorted((root / "tests" / "articles").glob("*.txt"))]
    texts += [shadow(ex.text) for cr in rs.rules for ex in cr.rule.examples.positive]
    texts += [shadow(t) for cr in rs.rules for t in cr.rule.examples.negative]
    rng = random.Random(7)
    alphabet = "0123456789年月日号季度Q上中下旬初底末今去明前后天周第一二三四五十至到-—~ ，。、\n十四五规划期间"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120))) for _ in range(400)]
    # Pieces of the holds patterns (years, range words, 个, 昨, 〇, event words) in random order.
    words = ["2021", "1998", "20", "19", "年", "年度", "月", "日", "号", "至", "到", "——", "-", "~", " ", "\t",
             "个", "前", "半", "季", "Q3", "昨", "今", "天", "〇", "二〇二二", "十四五", "第十四个五年", "大会",
             "(第", "亿元", "份", "3", "12", "二十", "内", "，", "\n"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(0, 40))) for _ in range(600)]

    def key(ms):
        return [(m.rule.id, m.start, m.end, tuple(sorted(m.groups.items()))) for m in ms]

    for text in texts:
        assert key(fast.find(text)) == key(rs.find(text)), text[:60]
        if len(text) > 10:
            a, b = rng.randrange(len(text) // 2), rng.randrange(len(text) // 2, len(text))
            assert key(fast.find(text, a, b)) == key(rs.find(text, a, b)), text[a:b][:60]


def test_holds_chars_must_be_held_by_every_match_of_holds():
    """attrs.holds_chars lets the finder skip windows without those
    characters; a set that some match of holds does without fails at load."""
    from types import SimpleNamespace

    from extract.dates import _holds_chars

    def rule(holds, chars):
        return SimpleNamespace(attrs={"holds": holds, "holds_chars": chars}, source="t.yaml", id="date.t")

    assert _holds_chars(rule("[至到]", "至到")) == ("至到", True)
    assert _holds_chars(rule("[0-9]\\s*至|前月", "至前")) == ("至前", False)
    with pytest.raises(RuleError):
        _holds_chars(rule("至|到", "至"))
    with pytest.raises(RuleError):
        _holds_chars(rule("[至到]?月", "至到"))


def test_date_matches_start_and_end_outside_any_joint():
    """dates.find leaves out the joints no two dates touch (_joints_between).
    That changes nothing only because a date match neither starts nor ends
    with a space, a tab or a range word: then one that overlaps a joint
    holds all of it and outranks it. Checked on seeds, examples and random
    texts."""
    from extract.dates import finder
    from extract.shadow import shadow

    rs = load_ruleset("dates")
    f = finder(rs)
    joint, anchors = f.joint
    edge = set(anchors) | {" ", "\t"}
    root = Path(__file__).resolve().parent.parent
    texts = [shadow(p.read_text(encoding="utf-8")) for p in sorted((root / "data" / "raw").glob("*.txt"))]
    texts += [shadow(p.read_text(encoding="utf-8")) for p in sorted((root / "tests" / "articles").glob("*.txt"))]
    texts += [shadow(ex.text) for cr in rs.rules for ex in cr.rule.examples.positive]
    rng = random.Random(11)
    words = ["2021", "年", "3", "月", "5", "日", "号", " ", "\t", "至", "到", "-", "—", "——", "~", "～", "–",
             "今年", "去年", "上半年", "一季度", "十四五", "“", "”", "前5个月", "2022-01-30", "本月", "今天"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(0, 30))) for _ in range(1500)]
    n = 0
    for text in texts:
        for m in f.find(text):
            if m.rule is not joint:
                n += 1
                assert text[m.start] not in edge and text[m.end - 1] not in edge, (m.rule.id, text[m.start:m.end])
    assert n > 1000


def _lead_texts(seed: int) -> list[str]:
    """Seeds, rule examples and random texts built from the pieces of the
    rules with attrs.holds_lead (years, numerals, year and day words,
    quarters, plan names), spaces, tabs and newlines between them."""
    from extract.shadow import shadow

    rs = load_ruleset("dates")
    texts = [shadow(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data" / "raw").glob("*.txt"))]
    texts += [shadow(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "tests" / "articles").glob("*.txt"))]
    texts += [shadow(ex.text) for cr in rs.rules for ex in cr.rule.examples.positive]
    rng = random.Random(seed)
    words = ["2021", "1998", "19", "20", "0", "9", "12", "3", "〇", "二〇二二", "二", "十", "一", "五", "四",
             "年", "年度", "月", "份", "日", "天", "号", "初", "底", "末", "今", "去", "前", "明", "后", "上", "下",
             "本", "大", "半", "季", "季度", "Q", "个", "第", "近", "“", "”", "大会", "(第", "亿", " ", "\t",
             "\n", "，", "的", "至", "-", "2022年", "二〇二〇年", "12月", "十一月", "今年", "大前年", "上一年度",
             "明天", "大后天", "前三季度", "一季度", "上半年", "年初", "“十四五”", "第十四个五年规划"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(0, 60))) for _ in range(2500)]
    return texts


def test_holds_lead_is_where_every_match_holds_its_holds():
    """attrs.holds_lead N: every match of the rule has an occurrence of its
    holds pattern starting at most N characters after the match's start
    (what _led_matches relies on). Checked on seeds, examples and random
    texts, each match in every text."""
    from extract.dates import finder

    f = finder(load_ruleset("dates"))
    led = [(cr, holds, lead) for cr, _, holds, _, lead in f.plan if lead is not None]
    assert {cr.id for cr, _, _ in led} >= {"date.absolute_year", "date.month", "date.relative_year", "date.bare_year"}
    n = 0
    for text in _lead_texts(3):
        for cr, holds, lead in led:
            for m in cr.regex.finditer(text):
                # inside the match, and with the text after it (holds' lookaheads)
                for h in (holds(text, m.start(), m.end()), holds(text, m.start())):
                    assert h is not None and h.start() <= m.start() + lead, (cr.id, m.group())
                n += 1
    assert n > 2000


def test_led_matches_are_the_window_scan_matches():
    """_led_matches tries a rule only near the occurrences of its holds; on
    the finder's own windows (whole texts and sub-spans) it gives
    window_matches' matches, with the same spans and groups, in order."""
    from extract.dates import _led_matches, finder
    from extract.rules import window_matches

    f = finder(load_ruleset("dates"))
    rng = random.Random(5)

    def key(ms):
        return [(m.start, m.end, m._m.span(), tuple(sorted(m.groups.items()))) for m in ms]

    n = 0
    for text in _lead_texts(4):
        bounds = [(0, len(text))]
        if len(text) > 10:
            bounds.append((rng.randrange(len(text) // 2), rng.randrange(len(text) // 2, len(text))))
        for start, end in bounds:
            hits: dict = {}
            for cr, key_, holds, _, lead in f.plan:
                if lead is None:
                    continue
                spans = f._windows(key_, text, start, end, hits)
                want = window_matches(cr, text, spans, end, holds)
                assert key(_led_matches(cr, text, spans, end, holds, lead)) == key(want), (cr.id, text[start:end][:60])
                n += len(want)
    assert n > 2000


def test_records_are_built_as_the_model_builds_them():
    """_record calls DateRef's validator directly: the same record, the same
    fields set, and the same validation errors as DateRef(**fields)."""
    from pydantic import ValidationError

    from extract.dates import Resolved, _record
    from extract.models import DateRef

    doc = Document.from_snippet("净月高新区于2022年12月22日正式开通。今年5月启动", published=PUB)
    r = Resolved("absolute", date(2022, 12, 22), date(2022, 12, 22), None)
    got = _record(doc, 6, 17, "date.absolute_ymd", r)
    want = DateRef(article_id=doc.article_id, text=doc.raw[6:17], char_start=6, char_end=17,
                   sentence=doc.sentence_at(6), rule_id="date.absolute_ymd",
                   kind="absolute", start=r.start, end=r.end, reference_date=None)
    assert type(got) is DateRef and got == want and got.model_dump() == want.model_dump()
    assert got.__pydantic_fields_set__ == want.__pydantic_fields_set__
    assert [(x.record_id, x.model_dump()) for x in extract_dates(doc)] == [
        (x.record_id, x.model_dump()) for x in (DateRef(**x.model_dump(exclude={"record_id"})) for x in extract_dates(doc))]
    with pytest.raises(ValidationError):
        _record(doc, 6, 6, "date.absolute_ymd", r)  # empty text
    with pytest.raises(ValidationError):
        _record(doc, 6, 17, "date.absolute_ymd", Resolved("someday", r.start, r.end, None))


def test_joints_matched_at_date_ends_are_the_joints_of_the_scan():
    """dates.find matches the joint rule only where a date ends
    (_Finder.joints_between); that gives what a scan of each scope with
    _joints_between gives. Checked on seeds and on random texts of dates,
    range words, spaces and tabs, split into two scopes."""
    from extract.dates import _joints_between, finder
    from extract.shadow import shadow

    f = finder(load_ruleset("dates"))
    joint = f.joint[0]
    texts = [shadow(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data" / "raw").glob("*.txt"))]
    texts += [shadow(ex.text) for cr in load_ruleset("dates").rules for ex in cr.rule.examples.positive]
    rng = random.Random(13)
    words = ["2021年", "2022年", "3月", "5日", "12月31日", "今年", "去年", "上半年", "一季度", "2020-05-26", "1", "8月",
             "至", "到", "-", "—", "——", "~", "～", "–", " ", "\t", "，", "从", "止", "年", "月"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(0, 30))) for _ in range(1500)]
    n = 0
    for text in texts:
        cut = rng.randint(0, len(text))
        scopes = [(0, cut), (cut, len(text))]
        dates, scanned = [], []
        for s, e in scopes:
            for m in f.find(text, s, e):
                (scanned if m.rule is joint else dates).append(m)
        want = [(m.start, m.end) for m in _joints_between(dates, scanned)]
        assert [(m.start, m.end) for m in f.joints_between(text, dates, scopes)] == want, text[:60]
        n += len(want)
    assert n > 300
