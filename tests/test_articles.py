"""Article metadata: date line, body-inferred year, title, outlet, body span
and the scope extractors look at."""
from __future__ import annotations

from datetime import date

import pytest

from extract.articles import Document, find_layout, infer_body_year, parse_date_text
from extract.pipeline import process_text
from extract.shadow import shadow

# ---------------------------------------------------------------- the seeds

SEEDS = {
    # prefix: (published, date_source, title, outlet)
    "000": (date(2022, 1, 30), "header", "汽开区党工委副书记、管委会主任朱光明:服务一汽 率先突破 加快建设“双一流”", "长春发布"),
    "001": (date(2024, 4, 1), "header", "不負春光再出發 ——從長春汽開區2024年度工作會議看振興突破新作為", "吉林日報"),
    "002": (date(2021, 9, 29), "header", "【汽开区】长春国际汽车城党工委、管委会正式揭牌", None),
    "003": (date(2020, 1, 1), "body", "【直击2020中德汽车大会】目标:万亿级产业集群——长春国际汽车城建设纪实", "吉林日报"),
    "004": (date(2023, 1, 18), "header", "【新华访谈(13)】专访长春净月高新区党工委书记李健", "新华网"),
}


@pytest.fixture(scope="module")
def seed_docs(raw_dir):
    return {p.stem[:3]: Document.from_text(p.read_text(encoding="utf-8"), p.stem) for p in sorted(raw_dir.glob("*.txt"))}


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_metadata(seed_docs, prefix):
    lay = seed_docs[prefix].layout
    published, source, title, outlet = SEEDS[prefix]
    assert (lay.published, lay.date_source, lay.title, lay.outlet) == (published, source, title, outlet)
    assert lay.date_grain == ("year" if source == "body" else "day")


def test_seed_body_leaves_out_page_furniture(seed_docs):
    tails = {
        "000": ["来源:长春发布", "0431-82902222", "您当前的位置"],
        "001": ["版權與信息産品內容銷售的聲明", "要聞    |"],
        "002": ["编 辑:", "无障碍 一网搜", "【字体"],
        "003": ["#CFW招聘#", "知行楼"],
        "004": ["【纠错】", "阅读下一篇", "字体:"],
    }
    for prefix, junk in tails.items():
        doc = seed_docs[prefix]
        body = doc.raw[doc.layout.body_start:doc.layout.body_end]
        assert body.strip() and not body[-1].isspace()
        for j in junk:
            assert j not in body, (prefix, j)


def test_seed_image_placeholders_and_repeated_headlines_are_out_of_scope(seed_docs):
    doc = seed_docs["001"]
    i = doc.raw.index("_fororder_1")
    assert not doc.in_scope(i - 5, i)
    j = doc.raw.index("長春汽開區2024年度工作會議現場")  # a caption stays in scope
    assert doc.in_scope(j, j + 6)
    t0, t1 = doc.layout.title_span
    assert doc.in_scope(t0, t1)


def test_003_year_comes_from_the_body(seed_docs):
    doc = seed_docs["003"]
    assert doc.layout.date_span is None and doc.layout.published == date(2020, 1, 1)


# ---------------------------------------------------------------- date-line shapes

BODY = "\n\n  今年,全区实现地区生产总值1000亿元。\n\n  2022年,全区计划实施项目141项。\n"
TITLE = "某某区召开经济工作会议部署全年任务"

DATE_LINES = [
    ("2022-01-30 08:59 | 来源: 长春发布", date(2022, 1, 30), "长春发布"),
    ("2024-04-01 15:31:26來源:吉林日報責編:趙瀅溪", date(2024, 4, 1), "吉林日報"),
    ("时间:2021-09-29 08:13 来源:", date(2021, 9, 29), None),
    ("2023 01/ 18 17:14:30", date(2023, 1, 18), None),
    ("2021年9月29日", date(2021, 9, 29), None),
    ("发布时间:2021-09-29", date(2021, 9, 29), None),
    ("發佈時間：2021年09月29日 10:00 來源：新華網", date(2021, 9, 29), "新華網"),
    ("【发布时间：2021-09-29】", date(2021, 9, 29), None),
    ("日期：2021/09/29", date(2021, 9, 29), None),
    ("2021-09-29 星期三 来源：人民网", date(2021, 9, 29), "人民网"),
    ("来源：人民网 2021年09月29日10:22", date(2021, 9, 29), "人民网"),
    ("作者：张三  2021-09-29 10:22:01", date(2021, 9, 29), None),
]


@pytest.mark.parametrize("line,published,outlet", DATE_LINES, ids=[d[0] for d in DATE_LINES])
def test_date_line_under_the_headline(line, published, outlet):
    lay = Document.from_text(f"首页 > 新闻中心 > 正文\n\n{TITLE}\n{line}{BODY}").layout
    assert (lay.published, lay.date_source, lay.title, lay.outlet) == (published, "header", TITLE, outlet)


@pytest.mark.parametrize("line,published,outlet", DATE_LINES[:5], ids=[d[0] for d in DATE_LINES[:5]])
def test_date_line_above_the_headline(line, published, outlet):
    lay = Document.from_text(f"新华网 > 新闻 > 正文\n{line}\n来源:新华网\n\n{TITLE}{BODY}").layout
    assert (lay.published, lay.title) == (published, TITLE)
    assert lay.outlet == (outlet or "新华网")


def test_site_banner_date_is_not_the_publication_date():
    text = f"今天是：2024年4月2日 星期二\n首页 > 新闻\n{TITLE}\n2024-03-30 10:00 来源：吉林日报{BODY}"
    assert Document.from_text(text).layout.published == date(2024, 3, 30)


def test_a_body_sentence_that_starts_with_a_date_is_not_a_date_line():
    lay = Document.from_text(f"{TITLE}\n\n2021年9月29日,长春国际汽车城揭牌。{BODY}").layout
    assert lay.date_source != "header"


@pytest.mark.parametrize("text,want", [
    ("2022-01-30", date(2022, 1, 30)), ("2023 01/ 18", date(2023, 1, 18)),
    ("2021年9月29日", date(2021, 9, 29)), ("2021-02-30", None), ("", None), ("2021", None),
])
def test_parse_date_text(text, want):
    assert parse_date_text(text) == want


# ---------------------------------------------------------------- no date line

def test_year_inferred_from_body_at_year_grain():
    lay = Document.from_text(f"{TITLE}\n\n今年以来,全区经济稳中向好。2019年全区产值增长,2019年项目开工。{BODY}").layout
    assert (lay.published, lay.date_source, lay.date_grain) == (date(2019, 1, 1), "body", "year")


def test_goal_years_are_no_evidence_of_the_article_year():
    text = f"{TITLE}\n\n到2025年,全区产值突破千亿。力争2030年建成。\n2021年,全区计划实施项目。"
    assert Document.from_text(text).layout.published == date(2021, 1, 1)


def test_no_year_anywhere_leaves_the_date_null():
    lay = Document.from_text(f"{TITLE}\n\n全区经济稳中向好,项目建设加快推进。\n").layout
    assert (lay.published, lay.date_source, lay.date_grain) == (None, None, None)


def test_headline_year_outweighs_a_single_body_mention():
    sh = shadow(f"【直击2020中德汽车大会】\n\n2018年,双方开始合作。")
    assert infer_body_year(sh, sh, [(0, len(sh))], (0, 14)) == 2020


# ---------------------------------------------------------------- junk tails produce nothing

@pytest.mark.parametrize("marker", ["来源:吉林日报", "来源：吉林日报", "热门推荐", "责任编辑:张三", "相关新闻", "版权所有 © 某网站"])
def test_figures_in_a_junk_tail_produce_no_records(marker):
    text = (f"首页 > 新闻\n{TITLE}\n2022-01-30 08:59 | 来源: 长春发布\n\n"
            "  今年,全区项目总投资50亿元,2022年计划新开工项目100个。\n\n"
            f"{marker}\n\n某地投资100亿元建设新能源汽车产业园项目,力争2025年整车产量突破30万辆。\n2021年3月5日\n")
    res = process_text(text)
    tail = text.index(marker)
    assert [a.text for a in res.records["amounts"]] == ["50亿元"]
    for table, records in res.records.items():
        assert all(r.char_end <= tail for r in records), (table, [r.text for r in records if r.char_end > tail])
    assert res.article.body_end <= tail


def test_snippets_are_all_body():
    doc = Document.from_snippet("来源:吉林日报\n投资100亿元", published=date(2022, 1, 30))
    assert doc.in_scope(0, len(doc.raw)) and doc.layout.date_grain == "day"


@pytest.mark.parametrize("text", ["", "\n\n\n", "来源:", "2022-01-30", "首页 > > >", "_fororder_1", "\x00\x01", "年" * 5000])
def test_layout_never_crashes(text):
    lay = find_layout(text, shadow(text))
    assert 0 <= lay.body_start <= lay.body_end <= len(text)


# ---------------------------------------------------------------- fast paths

from hypothesis import given, strategies as st  # noqa: E402


@given(st.lists(st.sampled_from(["标题", "x_fororder_1", "_fororder_", "正文", " ", "标题标题"]), max_size=12)
       .map("".join).map(lambda t: t.replace(" ", "\n")), st.integers(0, 12), st.integers(0, 12))
def test_lines_holding_equals_a_look_at_every_line(text, first, stop):
    from extract.articles import _line_bounds, _lines_holding
    starts, ends = _line_bounds(text)
    stop = min(stop, len(starts))
    if first >= stop:
        return
    needles = ("_fororder_", "标题")
    want = [j for j in range(first, stop) if any(n in text[starts[j]:ends[j]] for n in needles)]
    assert _lines_holding(text, starts, ends, first, stop, needles) == want
    assert _lines_holding(text, starts, ends, first, stop, (None, "")) == []


@given(st.lists(st.sampled_from(["长春汽开区投资", "2022-01-30 08:59", "来源:新华网", "\n", " ", "。", "_fororder_1",
                                 "首页 > 新闻", "2020年", "版权所有", "標題"]), max_size=16).map("".join))
def test_layout_from_code_points_equals_the_scan(text):
    from extract.shadow import scan
    sc = scan(text)
    assert find_layout(text, sc.shadow, sc) == find_layout(text, sc.shadow)


@given(st.lists(st.sampled_from(["长春汽开区", "2022-01-30 08:59", "2023 01/ 18", "时间:2021-09-29", "今天是2024年1月1日",
                                 "来源:新华网", "\n", " ", "12", "二〇二二年"]), max_size=14).map("".join))
def test_date_line_search_equals_a_scan_of_every_header_line(text):
    from extract.articles import HEADER_LINES, _find_date_line, _lines
    from extract.rules import load_ruleset
    rules = load_ruleset("articles")
    sh = shadow(text)
    lines = _lines(sh)
    want = None
    for i, (s, e) in enumerate(lines[:HEADER_LINES]):
        pubs = [(i, m.span("text"), parse_date_text(m.group("text")))
                for m in rules.by_id("article.date_line").regex.finditer(sh, s, e)]
        want = next((p for p in pubs if p[2]), None)
        if want:
            break
    assert _find_date_line(rules, sh, lines) == want


@given(st.lists(st.sampled_from(["首页", "当前位置", "字体", "【字体", "关闭", "新闻", "正文", " ", "\u3000", ">", "»", "›",
                                 "|", "｜", "/", "\n", "长春汽开区投资80亿元", "a"]), max_size=14).map("".join))
def test_navigation_check_equals_the_nav_pattern(line):
    from extract.articles import _NAV, _is_navigation
    assert _is_navigation(line) == bool(_NAV.search(line))
    assert _is_navigation(line.strip()) == bool(_NAV.search(line.strip()))
