"""Rule files: every rule loads, has examples, and its examples hold; broken
rule files fail loudly with file and line."""
import textwrap
from pathlib import Path

import pytest

from extract.corpus import check_rule
from extract.rules import PositiveExample, RuleError, all_rule_files, check_unique_ids, load_ruleset, resolve_overlaps, Match

RULE_FILES = all_rule_files()


def _all_rules():
    for path in RULE_FILES:
        rs = load_ruleset(path.stem)
        for rule in rs.rules:
            yield pytest.param(rs, rule, id=rule.id)


def test_there_are_rule_files():
    names = {p.stem for p in RULE_FILES}
    assert {"amounts", "articles"} <= names


def test_rule_ids_are_unique_across_files():
    check_unique_ids()


@pytest.mark.parametrize("ruleset,rule", list(_all_rules()))
def test_rule_examples(ruleset, rule):
    problems = check_rule(ruleset, rule)
    assert not problems, "\n".join(problems)


def test_a_wrong_example_is_caught():
    """The corpus harness is not a rubber stamp: a wrong expectation fails."""
    rs = load_ruleset("amounts")
    rule = rs.by_id("amount.currency")
    wrong_value = PositiveExample(text="投资80亿元的项目", match="80亿元", expect={"value_cny": 8})
    wrong_span = PositiveExample(text="投资80亿元的项目", match="投资80亿元")
    from extract.corpus import check_negative, check_positive
    assert check_positive("amounts", rule, wrong_value)
    assert check_positive("amounts", rule, wrong_span)
    assert check_negative("amounts", rule, "投资80亿元")


# ---------------------------------------------------------------- broken files

GOOD_RULE = """
  - id: amount.ok
    doc: fine
    pattern: '\\d+元'
    examples:
      positive: [{text: "5元", match: "5元"}]
      negative: ["x"]
"""


def _write(tmp_path: Path, body: str) -> Path:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "broken.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return d


def _load_error(tmp_path, body) -> str:
    d = _write(tmp_path, body)
    with pytest.raises(RuleError) as e:
        load_ruleset("broken", d)
    return str(e.value)


def test_bad_regex_names_file_line_and_position(tmp_path):
    msg = _load_error(tmp_path, "rules:" + GOOD_RULE + """
  - id: amount.bad
    doc: broken on purpose
    pattern: '(\\d+元'
    examples:
      positive: [{text: "5元", match: "5元"}]
      negative: ["x"]
""")
    assert "broken.yaml" in msg and "line 11" in msg and "position 5" in msg and "rules[1].pattern" in msg and "bad regex" in msg


def test_duplicate_id_fails(tmp_path):
    msg = _load_error(tmp_path, "rules:" + GOOD_RULE + GOOD_RULE)
    assert "duplicate rule id 'amount.ok'" in msg and "rules[1].id" in msg


def test_pattern_matching_empty_string_fails(tmp_path):
    msg = _load_error(tmp_path, """
rules:
  - id: amount.empty
    doc: matches nothing at all
    pattern: '\\d*'
    examples:
      positive: [{text: "5", match: "5"}]
      negative: ["x"]
""")
    assert "empty string" in msg and "line 5" in msg


def test_unknown_key_fails(tmp_path):
    msg = _load_error(tmp_path, """
rules:
  - id: amount.typo
    doc: misspelt key
    patern: 'x'
""")
    assert "broken.yaml" in msg and "rules[0]" in msg


def test_rule_without_negative_examples_fails(tmp_path):
    msg = _load_error(tmp_path, """
rules:
  - id: amount.noneg
    doc: only positives
    pattern: '\\d+元'
    examples:
      positive: [{text: "5元", match: "5元"}]
      negative: []
""")
    assert "negative" in msg


def test_unknown_piece_fails(tmp_path):
    msg = _load_error(tmp_path, """
rules:
  - id: amount.nopiece
    doc: refers to a piece nobody defined
    pattern: '(?&no_such_piece)元'
    examples:
      positive: [{text: "5元", match: "5元"}]
      negative: ["x"]
""")
    assert "bad regex" in msg and "rules[0].pattern" in msg


def test_yaml_syntax_error_names_line(tmp_path):
    msg = _load_error(tmp_path, "rules:\n  - id: [unclosed\n")
    assert "broken.yaml" in msg and "YAML syntax" in msg


def test_example_match_must_be_inside_text(tmp_path):
    msg = _load_error(tmp_path, """
rules:
  - id: amount.outside
    doc: example mention not in its text
    pattern: '\\d+元'
    examples:
      positive: [{text: "5元", match: "6元"}]
      negative: ["x"]
""")
    assert "not inside text" in msg


# ---------------------------------------------------------------- overlap policy

class _R:
    def __init__(self, order):
        self.order = order
        self.id = f"r{order}"


def _m(start, end, order=0):
    return Match(_R(order), start, end, {})


def test_overlap_policy_longest_then_leftmost_then_rule_order():
    kept = resolve_overlaps([_m(0, 3), _m(1, 6), _m(5, 8)])
    assert [(m.start, m.end) for m in kept] == [(1, 6)]
    kept = resolve_overlaps([_m(0, 4), _m(2, 6)])
    assert [(m.start, m.end) for m in kept] == [(0, 4)]
    kept = resolve_overlaps([_m(0, 4, order=1), _m(0, 4, order=0)])
    assert [m.rule.order for m in kept] == [0]
    kept = resolve_overlaps([_m(0, 2), _m(2, 4)])
    assert len(kept) == 2


# ---------------------------------------------------------------- triggers

def _full_scan(rule, text):
    out = set()
    for m in rule.regex.finditer(text):
        if m.end() > m.start():
            out.add(m.span("text") if "text" in m.groupdict() and m.start("text") >= 0 else m.span())
    return out


def _texts():
    from conftest import ROOT
    from extract.shadow import shadow
    texts = [shadow(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data" / "raw").glob("*.txt"))]
    for path in RULE_FILES:
        for r in load_ruleset(path.stem).rules:
            texts += [shadow(ex.text) for ex in r.rule.examples.positive] + [shadow(t) for t in r.rule.examples.negative]
    return texts


@pytest.mark.parametrize("ruleset,rule", [p for p in _all_rules() if p.values[1].trigger is not None])
def test_trigger_windows_lose_no_match(ruleset, rule):
    """A rule with a trigger finds, in its windows, what a full scan finds."""
    from extract.rules import RuleSet
    single = RuleSet(ruleset.name, ruleset.path, [rule], ruleset.lexicons, ruleset.pieces, ruleset.define)
    for text in _texts():
        windowed = {(m.start, m.end) for m in single.find(text)}
        assert _full_scan(rule, text) <= windowed, text[:80]


@pytest.mark.parametrize("ruleset,rule", [p for p in _all_rules() if p.values[1].trigger is not None])
def test_fast_trigger_finds_what_regex_finds(ruleset, rule):
    """A trigger compiled by ``re`` for speed hits exactly where ``regex`` would."""
    import regex

    from extract.rules import FLAGS, expand_pieces
    reference = regex.compile(expand_pieces(rule.rule.trigger, ruleset.pieces), FLAGS)
    for text in _texts():  # the seeds and every rule example
        assert [m.span() for m in rule.trigger.finditer(text)] == [m.span() for m in reference.finditer(text)]


@pytest.mark.parametrize("ruleset,rule", [p for p in _all_rules() if p.values[1].trigger is not None])
def test_trigger_windows_add_no_match(ruleset, rule):
    """A window's scan runs a margin past its end; the end of that scan must
    not pass for the end of the text (28日内 is not the date 28日), whatever
    the distance between one trigger hit and the next mention."""
    from extract.rules import RuleSet
    single = RuleSet(ruleset.name, ruleset.path, [rule], ruleset.lexicons, ruleset.pieces, ruleset.define)
    tails = ["28日内完成", "2025年以来", "3月底前", "5亿元以上的", "15万辆左右"]
    texts = [f"5日{'，' * k}{tail}" for k in range(0, 40) for tail in tails] + _texts()
    for text in texts:
        windowed = {(m.start, m.end) for m in single.find(text)}
        assert windowed <= _full_scan(rule, text), text[:80]


@pytest.mark.parametrize("ruleset,rule", [p for p in _all_rules() if p.values[1].rule.engine == "re"])
def test_rules_on_the_stdlib_engine_match_as_regex_would(ruleset, rule):
    """``engine: re`` is a speed choice only: same spans and groups as ``regex`` on every example and seed."""
    import regex

    from extract.rules import FLAGS, expand_pieces
    reference = regex.compile(expand_pieces(rule.rule.pattern, ruleset.pieces), FLAGS)
    for text in _texts():
        got = [(m.span(), m.groupdict()) for m in rule.regex.finditer(text)]
        want = [(m.span(), m.groupdict()) for m in reference.finditer(text, overlapped=False)]
        assert got == want, text[:80]


def test_engine_re_refuses_regex_only_syntax(tmp_path):
    (tmp_path / "x.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: x.han
            doc: a Han run
            engine: re
            pattern: '\\p{Han}+'
            examples: {positive: [{text: 汽车, match: 汽车}], negative: ["abc"]}
        """), encoding="utf-8")
    with pytest.raises(RuleError, match=r"x.yaml: line \d+: rules\[0\]\.engine: engine 're'"):
        load_ruleset("x", tmp_path)


def test_shared_han_piece_is_regex_p_han():
    """pieces.yaml's ``han`` piece spells \\p{Han} as ranges so that
    amount.currency can run on re: it must hold exactly regex's \\p{Han},
    code point by code point (a newer regex with more Han characters fails
    here, and the ranges are then to be updated)."""
    import re

    import regex
    rs = load_ruleset("amounts")
    piece = rs.pieces["han"].pattern
    everything = "".join(map(chr, range(0x110000)))
    want = [m.span() for m in regex.finditer(r"\p{Han}+", everything)]
    assert [m.span() for m in re.finditer(piece + "+", everything)] == want
    assert [m.span() for m in rs.compile("(?&han)+").finditer(everything)] == want


@pytest.mark.parametrize("ruleset,rule", [p for p in _all_rules() if p.values[1].rule.trigger_starts])
def test_trigger_hits_from_trigger_starts_are_finditers(ruleset, rule):
    """trigger_hits, which tries the trigger only where a trigger_starts
    character stands, gives the trigger's finditer hits, on the seeds, the
    examples, random strings and sub-spans."""
    import random

    from extract.rules import trigger_hits
    rng = random.Random(7)
    alphabet = rule.rule.trigger_starts + "0123456789十百千万亿元美人个级辆%年 ，。$"
    texts = _texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(800)]
    for text in texts:
        assert trigger_hits(rule, text, 0, len(text)) == [m.span() for m in rule.trigger.finditer(text)], text[:60]
        a = rng.randrange(len(text) + 1)
        b = rng.randrange(a, len(text) + 1)
        assert trigger_hits(rule, text, a, b) == [m.span() for m in rule.trigger.finditer(text, a, b)], text[:60]


def test_first_chars_reads_where_a_match_can_start():
    from extract.rules import first_chars
    assert first_chars("[万亿兆](?!个|级)") == set("万亿兆")
    assert first_chars("(?:US|HK)?\\$") == set("UH$")
    assert first_chars("(?<=a)(?=b)[bc]d*") == set("bc")
    assert first_chars("(?P<x>q)|(?P<x>r)") == set("qr")
    for unknown in ("a*", "\\d元", ".元", "[^元]", "(?i:u)s", "(?i)us", "(a)?\\1b", "\\p{Han}元"):
        assert first_chars(unknown) is None, unknown


def _trigger_starts_file(tmp_path, trigger, starts):
    (tmp_path / "x.yaml").write_text(textwrap.dedent(f"""\
        rules:
          - id: x.money
            doc: a sum in 亿 or 万
            trigger: '{trigger}'
            trigger_starts: '{starts}'
            pattern: '\\d+[万亿]元'
            examples: {{positive: [{{text: 投资5亿元, match: 5亿元}}], negative: ["5亿辆"]}}
        """), encoding="utf-8")


def test_a_trigger_starts_that_misses_a_start_fails_at_load(tmp_path):
    _trigger_starts_file(tmp_path, "[万亿]元", "亿")
    with pytest.raises(RuleError, match=r"x.yaml: line \d+: rules\[0\]\.trigger_starts: .*can also start with '万'"):
        load_ruleset("x", tmp_path)


def test_a_trigger_starts_that_cannot_be_checked_fails_at_load(tmp_path):
    _trigger_starts_file(tmp_path, "\\d[万亿]", "0123456789")
    with pytest.raises(RuleError, match=r"rules\[0\]\.trigger_starts: cannot tell"):
        load_ruleset("x", tmp_path)


def test_a_checked_trigger_starts_loads_and_finds_the_same(tmp_path):
    _trigger_starts_file(tmp_path, "[万亿]元", "亿万")
    rs = load_ruleset("x", tmp_path)
    text = "投资5亿元、3万元和2万辆"
    assert [(m.start, m.end) for m in rs.find_fast(text)] == [(m.start, m.end) for m in rs.find(text)] == [(2, 5), (6, 9)]


# ---------------------------------------------------------------- find_fast

def test_amount_currency_is_tried_only_where_it_can_start():
    """amount.currency has a finite alphabet and holds its trigger: find_fast
    tries it only in the runs before currency hits (the speed-up is real)."""
    from extract.pattern_analysis import start_rule
    sr = start_rule(load_ruleset("amounts").by_id("amount.currency"))
    assert sr is not None and sr.run_back is not None
    text = "总投资超过2000亿元,在全力推进"
    assert sr.ranges(text, [(text.index("元"), text.index("元") + 1)], 0) == [(3, text.index("元"))]


@pytest.mark.parametrize("name", [p.stem for p in RULE_FILES])
def test_find_fast_finds_what_find_finds(name):
    """RuleSet.find_fast tries each rule only where a match can start; it must
    give find's matches exactly (rules, spans, groups, order), on the seeds,
    the rule examples, random strings and sub-spans."""
    import random

    from conftest import ROOT
    from extract.shadow import shadow
    rs = load_ruleset(name)
    texts = _texts()
    texts += [shadow(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "tests" / "articles").glob("*.txt"))]
    rng = random.Random(13)
    alphabet = ("0123456789约超过近不到人民币美元港币¥$亿万千百十一二两三四五六七八九元至到-~—，。 \n"
                "余多以上左右的年月日号数几产量产值投资目标向力争确保达到突破辆台(含)")
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 150))) for _ in range(600)]

    def key(ms):
        return [(m.rule.id, m.start, m.end, tuple(sorted(m.groups.items()))) for m in ms]

    for text in texts:
        assert key(rs.find_fast(text)) == key(rs.find(text)), text[:60]
        if len(text) > 10:
            a, b = rng.randrange(len(text) // 2), rng.randrange(len(text) // 2, len(text))
            assert key(rs.find_fast(text, a, b)) == key(rs.find(text, a, b)), text[a:b][:60]


def test_start_rule_reads_patterns_conservatively(tmp_path):
    """No StartRule where the analysis cannot show where matches start: a
    trigger the match may skip, an unbounded alphabet, a lookaround trigger."""
    from extract.pattern_analysis import start_rule
    (tmp_path / "x.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: x.optional
            doc: the trigger is optional in the match
            trigger: '元'
            pattern: '\\d+元?'
            examples: {positive: [{text: 5元, match: 5元}], negative: ["abc"]}
          - id: x.unbounded
            doc: any character before the trigger
            trigger: '元'
            pattern: '(?:[^,]|\\d)+元'
            examples: {positive: [{text: 5元, match: 5元}], negative: ["abc"]}
          - id: x.bounded
            doc: digits before the trigger
            trigger: '元'
            pattern: '(?=\\d)\\d+\\s?元'
            examples: {positive: [{text: 5元, match: 5元}], negative: ["abc"]}
        """), encoding="utf-8")
    rs = load_ruleset("x", tmp_path)
    assert start_rule(rs.by_id("x.optional")) is None
    assert start_rule(rs.by_id("x.unbounded")) is None
    assert start_rule(rs.by_id("x.bounded")) is not None
    for text in ["5元", "a 12 元 3元", "元元12元", "1\u0661元"]:
        assert [(m.start, m.end) for m in rs.find_fast(text)] == [(m.start, m.end) for m in rs.find(text)]
