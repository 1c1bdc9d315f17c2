"""Named projects (issue 4): suffix names, 等-lists, generic heads, status,
investment and location, and the cost of segmentation.

The lists say what kind of case each one is: development cases come from the
seed articles, held-out cases were written without looking at the rules'
output, negatives must give no project, and strict xfails are known misses.
"""
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extract.projects as projects
from extract.articles import Document
from extract.pipeline import process_snippet


def _projects(text: str):
    return process_snippet(text).records["projects"]


def _names(text: str) -> list[str]:
    return [p.name for p in _projects(text)]


def _one(text: str, name: str):
    hits = [p for p in _projects(text) if p.name == name]
    assert hits, f"{name!r} not found in {_names(text)}"
    return hits[0]


# ---------------------------------------------------------------- lists

def test_list_items_before_deng_xiang_mu_are_projects():
    text = "做实“六个回归”,重点推进恩福油封、联东U谷、解放车桥等13个项目加快建设,"
    recs = _projects(text)
    assert [p.name for p in recs] == ["恩福油封", "联东U谷", "解放车桥"]
    assert {p.rule_id for p in recs} == {"project.list_item"}
    assert {p.status for p in recs} == {"under_construction"}


def test_list_item_keeps_its_own_suffix_and_kind():
    recs = {p.name: p for p in _projects("重点推进红旗丝尔科跑车、红旗尊享订制中心等整车项目加快建设")}
    assert recs["红旗丝尔科跑车"].kind == "project"
    assert recs["红旗尊享订制中心"].kind == "centre"


def test_coordinated_suffix_names_split_at_he():
    text = "依托智能网联示范区,合力打造旗帜创新中心、旗境创新空间、一汽人才产业园和研发产业园,"
    names = _names(text)
    assert {"旗帜创新中心", "旗境创新空间", "一汽人才产业园", "研发产业园"} <= set(names)
    assert "一汽人才产业园和研发产业园" not in names


def test_he_inside_a_name_is_kept_when_the_left_part_is_no_project():
    assert _names("加速推进50万平方米专家和蓝白领公寓续扩建工程,") == ["专家和蓝白领公寓续扩建工程"]


def test_joint_venture_item_is_not_split():
    names = _names("旭阳和中联重科合作生产特种车、东风马勒与富奥散热器合作等63个洽谈项目加速落位")
    assert names == ["旭阳和中联重科合作生产特种车", "东风马勒与富奥散热器合作"]


def test_last_list_item_splits_at_he():
    assert _names("支持微思科技未来驾驶和启明信息二期等项目") == ["微思科技未来驾驶", "启明信息二期"]


def test_list_after_a_quantifier_names_kinds_not_projects():
    assert _names("实施了一批公园、绿地、流域治理等生态项目") == []


def test_list_of_events_is_not_a_list_of_projects():
    assert _names("抓住中德汽车大会、中国汽车创新大会以及各种博览会、汽博会等契机洽谈项目") == []


@pytest.mark.parametrize("text", [
    "与中国一汽、吉林大学等单位合作项目",
    "完成征地、拆迁、平整等项目前期工作",
    "围绕汽车、农产品加工、医药健康等重点产业项目",
    "今年以来,全市共谋划储备了智能制造、新能源、生物医药等领域项目500余个",
])
def test_lists_of_bodies_steps_and_industries_are_not_projects(text):
    assert _names(text) == []


def test_list_item_with_a_place_word_inside():
    names = _names("推进吉林大学中日联谊医院二期、长春市儿童医院新院区等民生项目建设")
    assert names == ["吉林大学中日联谊医院二期", "长春市儿童医院新院区"]


def test_quoted_conjunct_and_sibling_items():
    rec = _one("加快推进红旗绿色智能小镇和“旗E春城”建设", "旗E春城")
    assert rec.text == "旗E春城" and rec.rule_id == "project.conjunct"
    assert rec.status == "under_construction"


# ---------------------------------------------------------------- generic heads

GENERIC = [
    "充分发挥好重大项目的牵引带动作用",
    "谋划实施了5000万元以上项目超过150个",
    "多个整车项目相继开工",
    "一批重大项目加快落位",
    "加快落位一批签约项目",
    "提质扩容一批储备项目",
    "全面推进老旧小区改造工程",
    "长春净月高新区重点项目签约仪式",
    "努力打造一批数字化生产线、数字化车间和智慧工厂",
    "汽开区全面启动41个老旧小区改造工程",
    "21项道路工程竣工通车",
    "推进一批重大项目建设",
    "今年我省将实施500个省重点项目",
    "全市新开工亿元以上项目56个",
    "此次签约的20个项目总投资达300亿元",
    "据了解,该基地占地约1000亩",
    "该项目建成后将年产动力电池20GWh",
    "努力把长春国际汽车城建设成为世界级汽车产业基地",
    "打造成为汽车产业集聚区、创新驱动先行区、改革开放实验区、产城融合示范区",
    "成功获批国家自主创新示范区",
    "与西门子、国家新能源汽车创新中心合作",
    "务实高效落实全省推动汽车产业集群“上台阶”工程",
    "全力以赴完成年度各项目标任务",
    "举办重点项目集中签约活动和项目推介会",
    "围绕长春国际汽车城中心任务",
    "以汽车公园为核心的区域发展中心",
    "项目负责人介绍,工程进展顺利",
    "今年以来,我区坚持项目为王,全力推进重大项目建设",
    "二期工程预计年内开工",
    "一个万亿级世界汽车产业基地,正从蓝图走向现实",
    "建设长春国家自主创新示范区",
    "",
]


@pytest.mark.parametrize("text", GENERIC)
def test_generic_phrases_are_not_projects(text):
    assert _names(text) == []


# ---------------------------------------------------------------- attributes

def test_investment_links_the_amount_and_sets_its_subject():
    res = process_snippet("投资48.93亿元的吉林玲珑轮胎项目,从接洽到签约仅用112天")
    (proj,) = res.records["projects"]
    assert proj.investment_cny == Decimal("4893000000")
    (amount,) = res.records["amounts"]
    assert amount.subject == "吉林玲珑轮胎项目"


def test_investment_after_the_name():
    res = process_snippet("长城汽车重庆工厂总投资45亿元")
    (proj,) = res.records["projects"]
    assert proj.investment_cny == Decimal("4500000000") and proj.kind == "plant"
    assert res.records["amounts"][0].subject == "长城汽车重庆工厂"


def test_each_list_item_gets_its_own_investment():
    res = process_snippet("推动总投资超5.6亿元的长发算力中心、拟投资10亿元的邮储银行数据中心等项目落位")
    got = {p.name: (p.investment_cny, p.status) for p in res.records["projects"]}
    assert got == {"长发算力中心": (Decimal("560000000"), "signed"),
                   "邮储银行数据中心": (Decimal("1000000000"), "planned")}
    assert [a.subject for a in res.records["amounts"]] == ["长发算力中心", "邮储银行数据中心"]


def test_a_list_total_is_not_an_item_investment():
    res = process_snippet("吸引了复星长春鹿鸣谷文旅蜂巢、泰康之家长寿社区等35个项目正式签约,投资总额达191.7亿元")
    assert all(p.investment_cny is None for p in res.records["projects"])


@pytest.mark.parametrize("text,name,status", [
    ("联合吉大、一汽共同发起红旗学院项目,", "红旗学院项目", "planned"),
    ("谋划长影新总部项目,", "长影新总部项目", "planned"),
    ("重点推进朗迪汽车零部件等63个洽谈项目加速落位", "朗迪汽车零部件", "negotiating"),
    ("投资80亿元的旭阳智能中法工业园项目落位朝阳经济开发区", "旭阳智能中法工业园项目", "signed"),
    ("一汽新能源智能网联创新试验基地从接洽到奠基仅用28天", "一汽新能源智能网联创新试验基地", "started"),
    ("投资78亿元的一汽红旗新能源工厂项目,开工前期准备仅用29天", "一汽红旗新能源工厂项目", "started"),
    ("到投资70亿元的颐高数字经济产业园等一批项目加快落位、开工、建设", "颐高数字经济产业园", "under_construction"),
    ("解放J7智能生产线、一汽轿车蔚山基地等整车项目即将竣工", "一汽轿车蔚山基地", "under_construction"),
    ("力促吉林玲珑轮胎、旭阳中法产业园等重大项目早日建成、达产见效", "旭阳中法产业园", "under_construction"),
    ("在全力推进红旗繁荣基地、蔚山工厂扩能等整车扩能项目达产增效的基础上", "蔚山工厂扩能", "completed"),
    ("全省首家智能网联示范区竣工通车", "智能网联示范区", "completed"),
    ("全力支持大陆汽车电子二期扩能项目,力争2024年产值达到100亿元", "大陆汽车电子二期扩能项目", "unknown"),
    ("统筹推进伊通河南南段数字场景科创小镇、爱未来文创工厂等项目,打造净月数字文旅新地标",
     "爱未来文创工厂", "unknown"),
])
def test_status_from_the_verbs_around_the_name(text, name, status):
    assert _one(text, name).status == status


@pytest.mark.parametrize("text,name,place", [
    ("投资12亿元的新能源汽车产业园项目落位绿园区西新工业集中区,", "新能源汽车产业园项目", "绿园区西新工业集中区"),
    ("在新湖镇打造现代农业产业园,", "现代农业产业园", "新湖镇"),
    ("特斯拉上海超级工厂位于临港新片区。", "特斯拉上海超级工厂", "临港新片区"),
    ("在南京江北新区建设集成电路产业园。", "集成电路产业园", "南京江北新区"),
])
def test_location_when_the_clause_places_it(text, name, place):
    assert _one(text, name).location == place


def test_no_location_without_a_place():
    assert _one("加快推进红旗国际小镇建设", "红旗国际小镇").location is None


# ---------------------------------------------------------------- names

def test_traditional_text_gives_a_simplified_name_and_keeps_the_surface():
    rec = _one("建成凱達新能源産業園、動力總成工業園、軸齒工業園等一批專業汽車零部件産業園區", "凯达新能源产业园")
    assert rec.name_text == rec.text == "凱達新能源産業園"
    assert rec.status == "completed" and rec.kind == "park"


def test_same_project_twice_gives_two_records_with_one_name():
    text = "新城大街快速路竣工通车。\n新城大街快速路通车,实现了快速连接"
    recs = _projects(text)
    assert [p.name for p in recs] == ["新城大街快速路", "新城大街快速路"]
    assert recs[0].char_start != recs[1].char_start
    assert all(text[p.char_start:p.char_end] == p.text for p in recs)


def test_leading_de_and_edge_quotes_are_stripped_but_inner_quotes_kept():
    assert _names("正在建设中的数字科技孵化基地项目") == ["数字科技孵化基地项目"]
    assert _names("导入网易数字中心、“元宇宙”创新创业中心等楼宇类数字经济项目") == ["网易数字中心", "“元宇宙”创新创业中心"]


# Written from general news phrasing, not from the seeds.
HELD_OUT = [
    ("总投资50亿元的宁德时代宜宾基地二期项目正式开工。", "宁德时代宜宾基地二期项目", "started", Decimal("5000000000")),
    ("华为松山湖研发中心项目已竣工投用。", "华为松山湖研发中心项目", "completed", None),
    ("京沪高速公路改扩建工程全面开工。", "京沪高速公路改扩建工程", "started", None),
    ("上汽通用武汉基地、上汽大众宁波工厂等项目加快建设。", "上汽通用武汉基地", "under_construction", None),
    ("吉林化纤年产1.5万吨碳纤维项目开工奠基。", "吉林化纤年产1.5万吨碳纤维项目", "started", None),
    ("该市成功引进了总投资10亿元的恒大新能源汽车项目。", "恒大新能源汽车项目", "signed", Decimal("1000000000")),
    ("台积电南京厂扩产项目顺利投产。", "台积电南京厂扩产项目", "completed", None),
    ("完成了中国(长春)汽车产业创新中心的建设。", "中国(长春)汽车产业创新中心", None, None),
    ("投资120亿元建设年产30万辆新能源汽车整车项目。", "年产30万辆新能源汽车整车项目", None, Decimal("12000000000")),
    ("总投资120亿元的中车长客轨道车辆智能制造基地项目主体完工;", "中车长客轨道车辆智能制造基地项目", "completed",
     Decimal("12000000000")),
    ("吉林石化120万吨/年乙烯项目加快建设;", "吉林石化120万吨/年乙烯项目", "under_construction", None),
    ("总投资15亿元的长春市轨道交通6号线工程正式开工建设。", "长春市轨道交通6号线工程", "started", Decimal("1500000000")),
    ("长春市第二污水处理厂提标改造工程也在加紧施工。", "长春市第二污水处理厂提标改造工程", "under_construction", None),
    ("由中国能建投资建设的吉林松原百万千瓦级氢能产业园项目日前获得核准,项目总投资296亿元。",
     "吉林松原百万千瓦级氢能产业园项目", None, Decimal("29600000000")),
    ("长春至辽源高速公路、吉林至舒兰高速公路等交通项目被列入名单。", "长春至辽源高速公路", None, None),
    ("双方将共同推进红旗新能源汽车工厂、解放新能源商用车基地和奔腾新能源产业园建设。", "奔腾新能源产业园",
     "under_construction", None),
    ("其中包括总投资50亿元的宁德时代储能电池生产基地、总投资20亿元的京东亚洲一号物流园等。",
     "京东亚洲一号物流园", None, Decimal("2000000000")),
]


@pytest.mark.parametrize("text,name,status,investment", HELD_OUT)
def test_held_out(text, name, status, investment):
    rec = _one(text, name)
    if status:
        assert rec.status == status
    assert rec.investment_cny == investment


# Known misses, kept visible: a name without suffix outside a list, and a
# status the gold reads from the paragraph rather than the clause.
@pytest.mark.xfail(strict=True, reason="no suffix and no 等-list: 影都 is not a project suffix")
def test_xfail_name_without_suffix_outside_a_list():
    assert "万达国际影都" in _names("大力支持万达国际影都建设,打造数字影视")


@pytest.mark.xfail(strict=True, reason="打造 reads as planned; the seed gold calls these under construction")
def test_xfail_dazao_as_under_construction():
    assert _one("合力打造旗帜创新中心、一汽人才产业园和研发产业园", "旗帜创新中心").status == "under_construction"


# ---------------------------------------------------------------- robustness and cost

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("项目工厂基地产业园中心工程小镇生产线等、和及与的“”()，。;\n 0123456789亿万元个投资落位建设开工在于-J第首级国家拟即将竣工")
                                        + ["\u3000", "🙂", "\x00"]), max_size=80))
def test_any_text_gives_records_or_nothing(text):
    for p in projects.extract_projects(Document.from_snippet(text), {"amounts": []}):
        assert text[p.char_start:p.char_end] == p.text and p.name


def test_extractor_accepts_no_found_records():
    assert projects.extract_projects(Document.from_snippet("投资80亿元的旭阳智能中法工业园项目")) != []


def test_jieba_is_loaded_once_per_process():
    for text in ("投资80亿元的旭阳智能中法工业园项目", "恩福油封、联东U谷等13个项目加快建设", "红旗繁荣基地"):
        _projects(text)
    assert projects.LOADS == 1
    assert projects.tokenizer.cache_info().misses == 1


def test_only_candidate_clauses_are_segmented(monkeypatch):
    calls = []
    real = projects.segment

    def counting(text, offset=0):
        calls.append(text)
        return real(text, offset)

    def counting_many(spans):
        calls.extend(text for text, _offset in spans)
        return [real(text, offset) for text, offset in spans]

    monkeypatch.setattr(projects, "segment", counting)
    monkeypatch.setattr(projects, "segment_many", counting_many)
    filler = "今年全区经济运行总体平稳,固定资产投资稳步增长。" * 50
    assert projects.extract_projects(Document.from_snippet(filler)) == []
    assert calls == []
    projects.extract_projects(Document.from_snippet(filler + "投资80亿元的旭阳智能中法工业园项目落位。" + filler))
    assert calls == ["投资80亿元的旭阳智能中法工业园项目落位"]
    calls.clear()
    projects.extract_projects(Document.from_snippet(filler + "旭阳智能中法工业园项目落位。" + filler + "红旗繁荣基地开工。"))
    assert calls == ["旭阳智能中法工业园项目落位", "红旗繁荣基地开工"]


def test_the_planned_scan_finds_what_the_generic_scan_finds():
    """projects.find scans its first-pass rules directly and matches list
    siblings only at the 、 after an accepted project; it must accept exactly
    the candidates of _find_generic (every rule through RuleSet.find)."""
    import random
    from pathlib import Path

    from extract.articles import Document
    from extract.projects import _find_generic, find
    from extract.rules import load_ruleset

    root = Path(__file__).resolve().parent.parent
    docs = [Document.from_text(p.read_text(encoding="utf-8"), p.stem)
            for p in sorted((root / "data" / "raw").glob("*.txt")) + sorted((root / "tests" / "articles").glob("*.txt"))]
    rs = load_ruleset("projects")
    docs += [Document.from_snippet(ex.text) for cr in rs.rules for ex in cr.rule.examples.positive]
    rng = random.Random(5)
    parts = ["红旗繁荣基地", "一汽人才产业园", "研发产业园", "旗帜创新中心", "、", "和", "及", "“旗E春城”", "等", "13个",
             "项目", "重大项目", "建设", "开工", "投资80亿元的", "，", "。", "在长春新区", "生产线", "的"]
    docs += [Document.from_snippet("".join(rng.choice(parts) for _ in range(rng.randint(1, 30)))) for _ in range(300)]

    def key(cands):
        return [(c.rule.id, c.start, c.end, c.kind, c.clause, c.before_end, c.after_start, c.own_prefix, c.head)
                for c in cands]

    for doc in docs:
        assert key(find(doc)) == key(_find_generic(doc)), doc.raw[:60]


def test_stop_positions_from_the_table_equal_a_comparison_per_stop():
    """StopIndex reads stop positions from a look-up table: the same list as
    comparing every character with every stop (emoji, surrogates, full-width)."""
    import random

    from extract.spans import stop_positions

    rng = random.Random(11)
    alphabet = list(projects.CLAUSE_END) + ["项", "目", "a", " ", "\u3000", "🙂", "\U0001ff0c", "\ud800", "\uff0c"]
    texts = ["", "，", "项目。", "🙂，🙂"] + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
                                         for _ in range(300)]
    for text in texts:
        assert stop_positions(text, projects.CLAUSE_END) == [i for i, c in enumerate(text)
                                                              if c in projects.CLAUSE_END], repr(text)
    assert stop_positions("a🙂b🙂", "🙂") == [1, 3]  # a stop outside the plane: the comparisons


def test_opener_prefilter_letters_end_every_plural_and_scale_match():
    """_opener_rejects asks _PLURAL and _SCALE only of a text ending in one of
    their last characters: every text they match ends in one."""
    import random

    pieces = ["13", "3 ", "个", "一批", "一系列", "若干", "多个", "各类", "各项", "这些", "上述", "等", "世界", "省", "市",
              "级", "项", "家", "所", "座", "条", "类", "两", "百", "多", "数", "建设", "项目", "的", "列", "干"]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))).rstrip()
        if projects._PLURAL.search(text):
            assert text[-1:] in projects._PLURAL_LAST, text
        if projects._SCALE.search(text):
            assert text[-1:] == projects._SCALE_LAST, text


def _shadow_pieces():
    """Pieces of the seed articles' shadows (1 to 60 characters), for equality tests of the segmenter."""
    import random
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    rng = random.Random(7)
    out = []
    for p in sorted((root / "data" / "raw").glob("*.txt")) + sorted((root / "tests" / "articles").glob("*.txt")):
        sh = Document.from_text(p.read_text(encoding="utf-8"), p.stem).shadow
        out += [sh[i:i + rng.randint(1, 60)] for i in range(0, len(sh), 23)]
    return out + ["", " ", "中法工业园项目", "中德汽车大会", "2022-01-30", "\r", "大力支持红旗繁荣基地", "🙂项目"]


def test_segmenter_pairs_are_rjieba_tags():
    """The segmenter's pairs come from rjieba's cut and a memo of word flags: the same as its tag."""
    seg = projects.tokenizer()
    if not hasattr(seg, "_tag"):
        pytest.skip("rjieba not installed")
    for text in _shadow_pieces():
        assert seg.pairs(text) == seg._tag(text, True), text


def test_segment_many_is_segment_of_each_text():
    """Clauses segmented in one call give the tokens each gives alone."""
    import random

    pieces = [p for p in _shadow_pieces() if projects._JOIN not in p]
    rng = random.Random(9)
    for _ in range(200):
        spans = [(rng.choice(pieces), rng.randint(0, 5000)) for _ in range(rng.randint(0, 12))]
        assert projects.segment_many(spans) == [projects.segment(t, o) for t, o in spans]
    spans = [("大力支持红旗繁荣基地", 3), ("红旗，基地", 40), ("项目", 60)]  # a text holding the joiner
    assert projects.segment_many(spans) == [projects.segment(t, o) for t, o in spans]


def test_segment_cut_is_segment_many_path():
    """segment_many's tokens straight from rjieba's cut equal segment's, text by text."""
    seg = projects.tokenizer()
    if getattr(seg, "_cut", None) is None:
        pytest.skip("rjieba not installed")
    import random

    pieces = [p for p in _shadow_pieces() if projects._JOIN not in p]
    rng = random.Random(11)
    for _ in range(100):
        spans = [(rng.choice(pieces), rng.randint(0, 5000)) for _ in range(rng.randint(2, 12))]
        got = projects._segment_cut(seg, spans, projects._JOIN.join(t for t, _o in spans))
        assert got is not None
        assert got == [projects.segment(t, o) for t, o in spans]


def test_clause_sums_shared_equal_own():
    """_investment given a clause's shared sums finds what it finds alone."""
    texts = ["推动总投资超5.6亿元的长发算力中心、拟投资10亿元的邮储银行数据中心等项目落位",
             "投资48.93亿元的吉林玲珑轮胎项目和总投资20亿元的一汽物流园项目开工,长城汽车重庆工厂总投资45亿元",
             "吉林化纤碳纤维项目日前获得核准,项目总投资296亿元"]
    for text in texts:
        doc = Document.from_snippet(text, "t", None)
        res = process_snippet(text)
        amounts = projects.SpanIndex(a for a in res.records["amounts"] if isinstance(a, projects.Amount))
        cands = projects.find(doc)
        assert cands
        for c in cands:
            taken = [o for o in cands if o.clause == c.clause]
            shared = projects._clause_sums(amounts, c.clause)
            assert (projects._investment(doc.shadow, c, amounts, taken, shared)
                    is projects._investment(doc.shadow, c, amounts, taken))


def test_resolve_by_clusters_equals_resolve_overlaps():
    """_resolve (disjoint spans kept, clusters resolved apart) keeps what the shared policy keeps."""
    import random

    from extract.rules import resolve_overlaps

    rules = [r for r in projects.load_ruleset("projects").rules]
    rng = random.Random(5)
    for _ in range(3000):
        cands = []
        for _k in range(rng.randint(0, 12)):
            s = rng.randint(0, 40)
            e = s + rng.randint(0 if rng.random() < 0.05 else 1, 8)
            cands.append(projects.Candidate(rng.choice(rules), s, e, "x", (0, 50), 0, e))
        got = projects._resolve(cands)
        want = resolve_overlaps(cands)
        assert [id(c) for c in got] == [id(c) for c in want]
