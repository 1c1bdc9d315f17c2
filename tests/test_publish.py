"""Issue 6: target revisions, dataset diffs, data package, Excel copies, SQLite, codebook, report.

Everything runs on three tiny synthetic articles of different years that
restate one goal (汽开区's 2025 vehicle output: 200 → 220 → 210万辆; the
third in Traditional script, the second naming 长春汽开区, an alias).
"""
from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from extract.models import Target
from extract.publish import MODELS, excel_rows, neutralise, read_rows
from extract.revisions import TargetRevision, target_revisions

runner = CliRunner()

ARTICLES = {
    "a2021": "汽开区发布发展规划\n2021-09-29 08:13 来源: 某报\n到2025年,汽开区整车产量要突破200万辆。\n",
    "b2022": "汽开区调整目标\n2022-03-01 09:00 来源: 某报\n到2025年,长春汽开区整车产量要突破220万辆。\n",
    "c2023": "汽開區再定目標\n2023-05-10 10:30 來源: 某報\n到2025年,汽開區整車産量要突破210萬輛。\n",
}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from extract import run_all

    base = tmp_path_factory.mktemp("publish")
    raw = base / "raw"
    raw.mkdir()
    for name, text in ARTICLES.items():
        (raw / f"{name}.txt").write_text(text, encoding="utf-8")
    out = base / "out"
    summary = run_all(raw, out)
    assert summary.ok and summary.articles == 3
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- 1. target revisions ------------------------------------------------------------

def test_revisions_follow_the_goal_through_three_articles(synthetic):
    revs = _csv(synthetic / "target_revisions.csv")
    targets = {t["article_id"]: t for t in _csv(synthetic / "targets.csv")}
    assert [(r["prev_article_id"], r["new_article_id"]) for r in revs] == [("a2021", "b2022"), ("b2022", "c2023")]
    first, second = revs
    assert {r["subject"] for r in revs} == {"汽开区"} and {r["metric"] for r in revs} == {"vehicle_output"}
    assert {r["year"] for r in revs} == {"2025"} and {r["n_statements"] for r in revs} == {"3"}
    assert (first["revision"], first["prev_value"], first["new_value"], first["change"], first["change_pct"],
            first["direction"]) == ("1", "2000000", "2200000", "200000", "10.0", "raised")
    assert (second["prev_value"], second["new_value"], second["change"], second["change_pct"], second["direction"]) \
        == ("2200000", "2100000", "-100000", "-4.55", "lowered")
    assert (first["prev_stated_date"], first["new_stated_date"], second["new_stated_date"]) == \
        ("2021-09-29", "2022-03-01", "2023-05-10")
    # both sources, citable: record ids, texts and sentences are those of the targets table
    for r in revs:
        for side in ("prev", "new"):
            t = targets[r[f"{side}_article_id"]]
            assert r[f"{side}_record_id"] == t["record_id"] and r[f"{side}_sentence"] == t["sentence"]
            assert r[f"{side}_text"] == t["text"]
    assert second["new_sentence"] == "到2025年,汽開區整車産量要突破210萬輛。"  # the article's own script
    assert (synthetic / "target_revisions.parquet").exists()


def _target(article_id, subject, value, stated, start=10, metric="output_value"):
    text = "x" * 5
    return Target(article_id=article_id, text=text, char_start=start, char_end=start + 5, sentence="s", rule_id="r",
                  subject=subject, metric=metric, metric_text="产值", value=Decimal(value), unit="CNY",
                  bound="exact", year=2025, stated_date=stated)


def test_revisions_group_aliases_and_keep_one_statement_per_article():
    ts = [
        _target("n2", "中国一汽", "1200", date(2022, 1, 1)),
        _target("n1", "一汽", "1000", date(2021, 1, 1)),            # alias of 中国一汽
        _target("n1", "一汽", "9999", date(2021, 1, 1), start=40),   # second mention in the same article
        _target("n3", None, "5", date(2023, 1, 1)),                 # no subject: not in a series
        _target("n4", "汽开区", "7", date(2023, 1, 1)),              # stated once: no revision
    ]
    revs = target_revisions(ts)
    assert len(revs) == 1
    r = revs[0]
    assert (r.subject, r.prev_article_id, r.new_article_id, r.prev_value, r.new_value, r.change_pct) == \
        ("中国一汽", "n1", "n2", Decimal("1000"), Decimal("1200"), 20.0)


def test_revisions_streamed_from_targets_csv_equal_those_made_in_memory(tmp_path):
    # write_revisions reads targets.csv back row by row (memory flat in the
    # corpus size); it must give what target_revisions gives from the records,
    # whatever the cells hold: quotes, commas and line breaks, ranges, nulls.
    from extract.output import write_table
    from extract.revisions import revisions_from_csv

    ts = []
    for k in range(60):
        t = _target(f"a{k % 13:02d}", ["一汽", "中国一汽", "汽开区", None][k % 4], f"{1000 + 37 * k}.5",
                    date(2020 + k % 5, 1 + k % 12, 1), start=k, metric=["output_value", "gdp"][k % 2])
        ts.append(t.model_copy(update={"sentence": ['他说:"到2025年,产值', "第一行\r\n第二行", "", "=1+1"][k % 4] + str(k),
                                       "year": None if k % 11 == 0 else 2025, "high": Decimal(k) if k % 3 else None}))
    write_table(tmp_path, "targets", Target, ts)
    streamed = [r.model_dump() for r in revisions_from_csv(tmp_path / "targets.csv")]
    assert streamed == [r.model_dump() for r in target_revisions(ts)] and len(streamed) > 10


def test_revisions_sorted_in_runs_on_disk_equal_those_sorted_at_once(tmp_path):
    # A targets table larger than one sort run is sorted in runs spilled to
    # disk and merged; the rows must be those of the one in-memory sort, in
    # the same order (ties between equal keys included).
    from extract.output import write_table
    from extract.revisions import revision_rows_from_csv

    ts = []
    for k in range(90):
        t = _target(f"a{k % 23:02d}", ["一汽", "中国一汽", "汽开区"][k % 3], f"{1000 + 41 * (k % 7)}",
                    date(2020 + k % 4, 1 + k % 12, 1), start=k % 5, metric=["output_value", "gdp"][k % 2])
        ts.append(t.model_copy(update={"sentence": f"第{k}句", "year": 2025 + k % 2}))
    write_table(tmp_path, "targets", Target, ts)
    at_once = list(revision_rows_from_csv(tmp_path / "targets.csv"))
    assert len(at_once) > 30
    for run in (1, 2, 7, 89):
        assert list(revision_rows_from_csv(tmp_path / "targets.csv", sort_run=run)) == at_once, run


def test_diff_targets_command_prints_the_revisions(synthetic):
    r = runner.invoke(app, ["diff", "targets", "--out", str(synthetic), "--subject", "长春汽开区"])
    assert r.exit_code == 0, r.output
    assert "汽开区 · vehicle_output · due 2025" in r.output
    assert "≥200万辆" in r.output and "≥220万辆" in r.output and "-10万辆" in r.output and "-4.5%" in r.output
    assert "汽開區整車産量要突破210萬輛" in r.output
    r = runner.invoke(app, ["diff", "targets", "--out", str(synthetic), "--metric", "gdp"])
    assert r.exit_code == 0 and "No target is stated in more than one article." in r.output
    r = runner.invoke(app, ["diff", "targets", "--out", str(synthetic), "-f", "json"])
    assert [x["new_value"] for x in json.loads(r.output)] == ["2200000", "2100000"]
    r = runner.invoke(app, ["diff", "targets", "--out", str(synthetic), "--metric", "nonsense"])
    assert r.exit_code == 1 and r.output.startswith("Error:")


# --- 2. dataset diffs ---------------------------------------------------------------

def _rewrite(path: Path, edit) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, list(reader)
    rows = edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)


def test_diff_two_folders(synthetic, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(synthetic, old)
    r = runner.invoke(app, ["diff", str(old), str(synthetic)])
    assert r.exit_code == 0 and "No differences." in r.output

    def edit_targets(rows):
        rows[1]["value"] = "2300000"
        rows[1]["metric_text"] = "产量"
        return rows
    _rewrite(old / "targets.csv", edit_targets)
    _rewrite(old / "dates.csv", lambda rows: rows[1:])                 # new has one date more: added
    _rewrite(old / "articles.csv", lambda rows: rows + [{**rows[0], "article_id": "gone"}])  # removed
    r = runner.invoke(app, ["diff", str(old), str(synthetic), "--format", "json"])
    assert r.exit_code == 1, r.output
    res = json.loads(r.output)
    t = res["targets"]
    assert t["added"] == [] and t["removed"] == []
    assert len(t["changed"]) == 1
    ch = t["changed"][0]
    assert ch["key"] == {"article_id": "b2022", "char_start": 44, "char_end": 56}
    assert ch["changes"] == {"value": ["2300000", "2200000"], "metric_text": ["产量", "整车产量"]}
    assert len(res["dates"]["added"]) == 1 and not res["dates"]["removed"]
    assert [a["article_id"] for a in res["articles"]["removed"]] == ["gone"]
    assert not any(res["amounts"][k] for k in ("added", "removed", "changed"))
    # the readable form: summary line per table, old → new per changed column
    r = runner.invoke(app, ["diff", "tables", str(old), str(synthetic)])
    assert r.exit_code == 1
    assert "targets: 1 changed" in r.output and "b2022 [44:56]" in r.output
    assert "value: '2300000' → '2200000'" in r.output and "- gone" in r.output
    assert "amounts: no changes" in r.output
    r = runner.invoke(app, ["diff", str(old), str(synthetic), "-t", "amounts"])
    assert r.exit_code == 0
    r = runner.invoke(app, ["diff", str(old), str(tmp_path / "nowhere")])
    assert r.exit_code == 1 and r.output.startswith("Error:")


# --- 3. data package ----------------------------------------------------------------

def test_datapackage_describes_every_table_and_validates(synthetic, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    import extract

    dp = json.loads((synthetic / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in dp["resources"]]
    assert names == list(MODELS)
    assert dp["extract_version"] == extract.__version__ and dp["sources"]
    targets = next(r for r in dp["resources"] if r["name"] == "targets")
    fields = {f["name"]: f for f in targets["schema"]["fields"]}
    assert targets["schema"]["primaryKey"] == ["record_id"]
    assert fields["value"]["type"] == "number" and fields["year"]["type"] == "integer"
    assert fields["stated_date"]["type"] == "date"
    assert "vehicle_output" in fields["metric"]["constraints"]["enum"]
    assert fields["subject"]["description"] == Target.model_fields["subject"].description
    report = frictionless.validate(synthetic / "datapackage.json")
    assert report.valid, report.flatten(["type", "message"])
    # and the validator does check the data: a value outside an enum fails
    bad = tmp_path / "bad"
    shutil.copytree(synthetic, bad)
    _rewrite(bad / "targets.csv", lambda rows: [{**rows[0], "metric": "happiness"}, *rows[1:]])
    dp["resources"] = [{k: v for k, v in r.items() if k not in ("bytes", "hash")} for r in dp["resources"]]
    (bad / "datapackage.json").write_text(json.dumps(dp, ensure_ascii=False), encoding="utf-8")
    report = frictionless.validate(bad / "datapackage.json")
    assert not report.valid
    assert "constraint-error" in {e[0] for e in report.flatten(["type"])}


# --- 4. Excel copies ----------------------------------------------------------------

def test_canonical_csv_has_no_bom_and_excel_copy_has_one(synthetic):
    for t in MODELS:
        assert not (synthetic / f"{t}.csv").read_bytes().startswith(b"\xef\xbb\xbf"), t
        excel = (synthetic / "excel" / f"{t}.csv").read_bytes()
        assert excel.startswith(b"\xef\xbb\xbf"), t
        assert excel[3:] == (synthetic / f"{t}.csv").read_bytes(), t  # nothing here needs neutralising
    # a negative number in a numeric column stays a number
    rows = _csv(synthetic / "excel" / "target_revisions.csv")
    assert rows[1]["\ufeffrevision_id"] and rows[1]["change"] == "-100000" and rows[1]["change_pct"] == "-4.55"


def test_excel_neutralises_formulas_in_text_columns_only():
    assert [neutralise(s) for s in ("=1+1", "+86 10", "-5%", "@SUM(A1)", "\tx", "\rx", "汽开区", "", "a=b")] == \
        ["'=1+1", "'+86 10", "'-5%", "'@SUM(A1)", "'\tx", "'\rx", "汽开区", "", "a=b"]
    header = ["revision_id", "subject", "change", "change_pct", "prev_stated_date", "extra"]
    row = {"revision_id": "=HYPERLINK(\"http://x\")", "subject": "-汽开区", "change": "-100000",
           "change_pct": "-4.55", "prev_stated_date": "2021-09-29", "extra": "+1"}
    out = next(excel_rows(header, [row], TargetRevision))
    assert out == ["'=HYPERLINK(\"http://x\")", "'-汽开区", "-100000", "-4.55", "2021-09-29", "'+1"]


# --- 5. SQLite --------------------------------------------------------------------------

def test_export_sqlite_with_indexes_and_chinese_full_text_search(synthetic, tmp_path):
    db = tmp_path / "x.sqlite"
    r = runner.invoke(app, ["export", "sqlite", str(db), "--out", str(synthetic)])
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from targets").fetchone() == (3,)
    assert con.execute("select value, typeof(value), year, typeof(year) from targets where article_id='a2021'").fetchone() \
        == (2000000, "integer", 2025, "integer")
    idx = {row[0] for row in con.execute("select sql from sqlite_master where type='index' and sql is not null")}
    assert any('ON "targets" ("article_id")' in s for s in idx)
    assert any('ON "targets" ("subject", "metric", "year")' in s for s in idx)
    assert con.execute("select count(*) from target_revisions where direction='lowered'").fetchone() == (1,)
    fts = "select t.article_id from targets t join targets_fts f on f.rowid = t.rowid where targets_fts match ? order by 1"
    assert [a for (a,) in con.execute(fts, ["整车产量"])] == ["a2021", "b2022", "c2023"]  # Simplified finds Traditional
    assert [a for (a,) in con.execute(fts, ["長春汽開區"])] == []
    assert [a for (a,) in con.execute(fts, ["长春汽开区"])] == ["b2022"]
    assert [a for (a,) in con.execute(fts, ["汽開區整車"])] == ["c2023"]  # the original script too
    assert con.execute("select value from extract_meta where key='fts_tokenizer'").fetchone() == ("trigram",)
    assert con.execute("select count(*) from targets where sentence_simplified like '%汽开区%'").fetchone() == (3,)


# --- 6. codebook ----------------------------------------------------------------------

def test_codebook_lists_every_table_column_and_enum_value(synthetic):
    from extract.models import Metric

    text = (synthetic / "README.md").read_text(encoding="utf-8")
    for t, model in MODELS.items():
        assert f"## {t}" in text
        for name, f in model.model_fields.items():
            assert f"| `{name}` |" in text, (t, name)
            if f.description:
                assert f.description.replace("|", "\\|") in text
    assert all(f"`{m.value}`" in text for m in Metric)
    assert "## targets — 3 row(s)" in text


# --- 7. report ------------------------------------------------------------------------

def test_report_is_self_contained_and_links_figures_to_sentences(synthetic, tmp_path):
    import re

    path = tmp_path / "report.html"
    r = runner.invoke(app, ["report", "--out", str(synthetic), "--path", str(path)])
    assert r.exit_code == 0, r.output
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page) and "<script" not in page and "<link" not in page
    assert "Run summary" in page and "Target revisions" in page and "Largest investments" in page
    assert "Records per article" in page and "<svg" in page and "<polyline" in page
    assert "汽开区 · vehicle_output" in page and "due 2025" in page
    assert page.count("<circle") == 3  # three statements, one line
    targets = _csv(synthetic / "targets.csv")
    for t in targets:  # every point links to its sentence, and the sentence is on the page
        assert f'href="#s-{t["record_id"]}"' in page and f'id="s-{t["record_id"]}"' in page
    assert "<mark>整車産量要突破210萬輛</mark>" in page
    for a in ("a2021", "b2022", "c2023"):
        assert f'id="a-{a}"' in page


def test_derived_output_failure_leaves_previous_output_untouched(synthetic, tmp_path, monkeypatch):
    import extract.publish as publish
    from extract import run_all
    from extract.textio import ArticleError

    out = tmp_path / "out"
    shutil.copytree(synthetic, out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(out_dir):
        raise OSError("disk full")
    monkeypatch.setattr(publish, "write_codebook", broken)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "z.txt").write_text(ARTICLES["a2021"], encoding="utf-8")
    with pytest.raises(ArticleError, match="disk full"):
        run_all(raw, out)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_subcommands_have_help_with_an_example():
    for args in (["diff"], ["diff", "tables"], ["diff", "targets"], ["export"], ["export", "sqlite"], ["report"]):
        r = runner.invoke(app, [*args, "--help"])
        assert r.exit_code == 0 and "Example:" in r.output, args


def test_read_rows_roundtrip(synthetic):
    header, rows = read_rows(synthetic, "targets")
    assert header == list(Target.model_fields) and len(rows) == 3


def test_revision_rows_are_the_rows_of_the_validated_revisions(tmp_path):
    # The writer takes revision_rows_from_csv as they are; they must be what
    # row_of gives of each validated TargetRevision, value and type.
    from extract.output import row_of, write_table
    from extract.revisions import revision_rows_from_csv, revisions_from_csv

    ts = []
    for k in range(80):
        t = _target(f"a{k % 17:02d}", ["一汽", "中国一汽", "汽开区", None][k % 4], ["1000", "1200.5", "0", "-3"][k % 3 + k % 2],
                    date(2020 + k % 5, 1 + k % 12, 1), start=k, metric=["output_value", "gdp"][k % 2])
        ts.append(t.model_copy(update={"sentence": ["他说:\"到2025年", "a,b", "", "=1+1"][k % 4] + str(k),
                                       "year": None if k % 11 == 0 else 2025, "high": Decimal(k) if k % 3 else None}))
    write_table(tmp_path, "targets", Target, ts)
    rows = list(revision_rows_from_csv(tmp_path / "targets.csv"))
    models = [row_of(r) for r in revisions_from_csv(tmp_path / "targets.csv")]
    assert len(rows) > 20 and {r[11] for r in rows} == {"raised", "lowered", "unchanged"}
    assert rows == models and [list(map(type, r)) for r in rows] == [list(map(type, r)) for r in models]
