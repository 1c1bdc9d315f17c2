"""`extract all` end to end: tables, provenance, bad input, atomic writes."""
import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from extract.models import TABLES
from extract.pipeline import process_snippet, run_all
from extract.textio import MAX_BYTES


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_all_tables_written_in_both_formats(seed_run):
    summary, out = seed_run
    assert summary.ok and summary.articles == 5
    for t in TABLES:
        assert (out / f"{t}.csv").exists() and (out / f"{t}.parquet").exists()
        assert len(pd.read_parquet(out / f"{t}.parquet")) == summary.counts[t]


def test_provenance_holds_for_every_record(seed_run, raw_dir):
    _, out = seed_run
    texts = {p.stem: p.read_text(encoding="utf-8") for p in raw_dir.glob("*.txt")}
    n = 0
    for t in TABLES[1:]:
        for row in _read_csv(out / f"{t}.csv"):
            s, e = int(row["char_start"]), int(row["char_end"])
            assert texts[row["article_id"]][s:e] == row["text"], row
            assert row["text"] in row["sentence"] or row["sentence"] in texts[row["article_id"]]
            assert row["rule_id"]
            n += 1
    assert n > 30


def test_traditional_article_keeps_its_script(seed_run):
    _, out = seed_run
    rows = [r for r in _read_csv(out / "amounts.csv") if r["article_id"].startswith("001_")]
    assert "1350億元" in {r["text"] for r in rows}
    arts = {r["article_id"]: r for r in _read_csv(out / "articles.csv")}
    assert arts["001_daccf96b69374b52"]["script"] == "traditional"
    assert arts["000_699eb03364696f07"]["script"] == "simplified"


def test_parquet_keeps_real_types(seed_run):
    _, out = seed_run
    df = pd.read_parquet(out / "amounts.parquet")
    from decimal import Decimal
    assert isinstance(df["value_cny"].dropna().iloc[0], Decimal)
    assert str(df["char_start"].dtype) == "int64"


def test_csv_has_no_exponent_and_empty_nulls(seed_run):
    _, out = seed_run
    rows = _read_csv(out / "amounts.csv")
    assert all("E" not in r["value_cny"] for r in rows)
    assert any(r["high_cny"] == "" for r in rows)


def test_runs_are_deterministic(tmp_path, raw_dir):
    run_all(raw_dir, tmp_path / "a")
    run_all(raw_dir, tmp_path / "b")
    for t in TABLES:
        assert (tmp_path / "a" / f"{t}.csv").read_bytes() == (tmp_path / "b" / f"{t}.csv").read_bytes()


def test_bad_files_are_skipped_and_reported(tmp_path, raw_dir):
    src = tmp_path / "raw"
    src.mkdir()
    good = next(raw_dir.glob("003_*.txt"))
    (src / good.name).write_bytes(good.read_bytes())
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (src / "undecodable.txt").write_bytes(b"\x81\x30\xff\xfe" * 50)
    big = src / "huge.txt"
    with open(big, "wb") as fh:
        fh.seek(MAX_BYTES + 10)
        fh.write("投资".encode())
    (src / "gbk.txt").write_bytes("总投资80亿元的项目。".encode("gb18030"))
    summary = run_all(src, tmp_path / "out")
    skipped = {Path(p.path).name: p.message for p in summary.problems}
    assert set(skipped) == {"empty.txt", "binary.txt", "undecodable.txt", "huge.txt"}
    assert all("\n" not in m and m for m in skipped.values())
    assert "MiB" in skipped["huge.txt"]
    assert summary.articles == 2
    arts = {r["article_id"]: r for r in _read_csv(tmp_path / "out" / "articles.csv")}
    assert arts["gbk"]["encoding"] == "gb18030"
    assert any(r["article_id"] == "gbk" for r in _read_csv(tmp_path / "out" / "amounts.csv"))


def test_failed_run_leaves_previous_outputs_untouched(tmp_path, raw_dir, monkeypatch):
    out = tmp_path / "out"
    run_all(raw_dir, out)
    snapshot = lambda: {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*")  # noqa: E731
                        if p.is_file() and p.name != "notes.md"}
    before = snapshot()
    (out / "notes.md").write_text("mine")  # a file of the user's, carried over

    import extract.pipeline as pl
    calls = {"n": 0}
    real = pl.TableWriter.write_rows

    def exploding(self, rows):
        calls["n"] += 1
        if calls["n"] == 12:  # half-way through the articles
            raise OSError("disk full")
        return real(self, rows)

    monkeypatch.setattr(pl.TableWriter, "write_rows", exploding)
    with pytest.raises(OSError):
        run_all(raw_dir, out)
    assert snapshot() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp")]
    monkeypatch.setattr(pl.TableWriter, "write_rows", real)
    run_all(raw_dir, out)
    assert (out / "notes.md").read_text() == "mine"


def test_record_ids_are_stable_and_unique(seed_run):
    _, out = seed_run
    for t in TABLES[1:]:
        ids = [r["record_id"] for r in _read_csv(out / f"{t}.csv")]
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize("text", ["", "。。。", "亿" * 500, "1" * 5000, "万亿级", "\x00\ud800"[0] + "元",
                                  "人民币", "约", "5至", "~亿元", "數十億元" * 30])
def test_extractors_never_crash(text):
    res = process_snippet(text)
    for recs in res.records.values():
        for r in recs:
            assert text[r.char_start:r.char_end] == r.text


def test_junk_tail_gives_no_amounts():
    from extract.pipeline import process_text
    text = ("标题：某区招商引资成果显著\n2022-01-30 08:59 | 来源: 某报\n\n"
            "  今年全区签约项目总投资80亿元。\n\n来源:某报\n\n热门推荐\n  某酒业投资100亿元打造品牌\n")
    res = process_text(text, "t")
    assert [a.text for a in res.records["amounts"]] == ["80亿元"]


def test_an_extractor_that_raises_is_reported_and_the_run_goes_on(tmp_path, raw_dir, monkeypatch):
    import extract.pipeline as pl

    def broken(doc, found):
        if doc.article_id.startswith("002"):
            raise RuntimeError("boom")
        return []

    monkeypatch.setattr(pl, "EXTRACTORS", [*pl.EXTRACTORS, ("dates", broken)])
    summary = run_all(raw_dir, tmp_path / "out")
    assert summary.articles == 5
    assert [(Path(p.path).name[:3], p.message) for p in summary.problems] == [("002", "dates extractor failed: RuntimeError: boom")]
    rows = _read_csv(tmp_path / "out" / "amounts.csv")
    assert any(r["article_id"].startswith("002") for r in rows)  # the other tables of that article are kept
