"""Two articles written after the seeds, in shapes the seeds lack (a
Taiwan-style Traditional page, foreign currencies, 最高/签约/记者从…).
They were used to find and fix general bugs, so they are development
cases, not a held-out score; they guard those fixes."""
from pathlib import Path

import pytest

from extract.pipeline import process_file

HERE = Path(__file__).parent / "articles"


@pytest.fixture(scope="module")
def hefei():
    return process_file(HERE / "hefei_nev_2023.txt")


@pytest.fixture(scope="module")
def byd():
    return process_file(HERE / "byd_thailand_2024_traditional.txt")


def _by_text(records):
    return {r.text: r for r in records}


def test_header_and_tail(hefei, byd):
    assert (hefei.article.published_date.isoformat(), hefei.article.outlet) == ("2023-03-15", "安徽日报")
    assert byd.article.published_date.isoformat() == "2024-07-05" and byd.article.script == "traditional"
    # the junk tail after 热门推荐 / 延伸閱讀 gives nothing
    assert not any(a.value_cny == 20_000_000_000 for a in hefei.records["amounts"])
    assert not any(a.text == "50億元" for a in byd.records["amounts"])


def test_amount_bounds_kinds_and_currencies(hefei, byd):
    h = _by_text(hefei.records["amounts"])
    assert (h["亿元"].bound, h["亿元"].kind) == ("min", "investment")       # 新签约亿元以上项目: 约 of 签约 is no bound
    assert h["100亿元"].kind == "fund"                                       # 规模为100亿元的…产业基金
    assert h["1200亿元"].bound == "approx"
    b = _by_text(byd.records["amounts"])
    assert (b["4.9億美元"].currency, b["4.9億美元"].value_cny) == ("USD", None)
    assert (b["20億歐元"].currency, b["20億歐元"].bound) == ("EUR", "min")
    assert (b["15萬泰銖"].currency, b["15萬泰銖"].bound, b["15萬泰銖"].kind) == ("THB", "max", "subsidy")
    assert b["人民幣3億元"].value_cny == 300_000_000


def test_targets_years_and_subjects(hefei, byd):
    t = {(x.metric, x.year): x for x in hefei.records["targets"]}
    assert t[("nev_output", 2023)].value == 500_000 and t[("nev_output", 2023)].subject == "合肥"
    assert t[("capacity", 2025)].value == 3_000_000
    assert t[("output_value", 2025)].bound == "min"
    assert not any(x.value == 255_000 for x in hefei.records["targets"])  # 2022年…产量达25.5万辆 is a result
    s = {x.metric: x for x in byd.records["targets"]}
    assert (s["vehicle_sales"].value, s["vehicle_sales"].subject) == (3_600_000, "比亚迪")


def test_projects_names_and_status(hefei, byd):
    h = _by_text(hefei.records["projects"])
    assert h["比亚迪合肥基地二期项目"].investment_cny == 15_000_000_000 and h["比亚迪合肥基地二期项目"].status == "started"
    b = {p.name: p for p in byd.records["projects"]}
    assert b["印尼生产基地"].status == "under_construction"       # 扩建 is a verb, not part of the name
    assert b["匈牙利塞格德工厂"].status == "under_construction"


def test_dates_resolve_against_the_page_date(hefei):
    d = {(x.text, x.start.isoformat()) for x in hefei.records["dates"]}
    assert ("去年底", "2022-10-01") in d and ("今年1-2月", "2023-01-01") in d and ("“十四五”", "2021-01-01") in d


def test_work_report_goals():
    res = process_file(HERE / "work_report_2024.txt")
    got = {(t.metric, int(t.value), t.year, t.bound) for t in res.records["targets"]}
    assert ("gdp", 375_000_000_000, 2024, "exact") in got       # 增长6%左右,力争达到3750亿元: metric carried over
    assert ("gdp", 450_000_000_000, 2027, "min") in got         # 到2027年…突破4500亿元: a future year is a cue
    assert ("capacity", 500_000, 2027, "exact") in got
    assert ("vehicle_output", 450_000, 2024, "min") in got      # 45万辆以上
    assert not any(t.value == 352_000_000_000 for t in res.records["targets"])  # 2023's result is no goal


def test_held_out_signing_ceremony():
    """Held out: written after the fixes above and passed without a change."""
    res = process_file(HERE / "heldout_signing_2024.txt")
    p = {x.name: x for x in res.records["projects"]}
    assert p["华为东北区域总部项目"].investment_cny == 5_000_000_000
    assert p["华为东北区域总部项目"].location == "长春新区北湖科技开发区"
    assert p["华为东北区域总部项目"].status == "signed"
    assert {"中车长客轨道交通装备配套产业园", "国药集团东北医药物流中心", "京东亚洲一号智能物流园"} <= set(p)
    assert p["比亚迪长春新能源汽车零部件生产基地"].status == "completed"
    a = {x.text: x for x in res.records["amounts"]}
    assert a["50亿元"].subject == "华为东北区域总部项目" and a["412.6亿元"].kind == "investment"
    assert res.records["targets"] == []   # percentages and counts are no goals
