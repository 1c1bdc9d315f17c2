"""Scale and robustness: parallel, cached, distributed and killed runs give
the same (or the previous) output; no text makes an extractor fail."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.models import TABLES
from extract.pipeline import process_snippet, run_all


def _tables(out: Path) -> dict[str, bytes]:
    return {t: (out / f"{t}.csv").read_bytes() for t in TABLES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, raw_dir):
    out = tmp_path_factory.mktemp("ref") / "out"
    run_all(raw_dir, out)
    return _tables(out)


def test_jobs_give_byte_identical_output(tmp_path, raw_dir, reference):
    run_all(raw_dir, tmp_path / "out", jobs=2)
    assert _tables(tmp_path / "out") == reference


def test_cache_hits_and_corrupt_entries_are_redone(tmp_path, raw_dir, reference):
    cache = tmp_path / "cache"
    first = run_all(raw_dir, tmp_path / "a", cache_dir=cache)
    assert first.cached == 0
    second = run_all(raw_dir, tmp_path / "b", cache_dir=cache)
    assert second.cached == 5 and _tables(tmp_path / "b") == reference
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 5
    entries[0].write_text(entries[0].read_text()[:100])            # truncated
    data = json.loads(entries[1].read_text())
    data["payload"] = data["payload"].replace("CNY", "USD", 1)      # tampered
    entries[1].write_text(json.dumps(data))
    third = run_all(raw_dir, tmp_path / "c", cache_dir=cache)
    assert third.cached == 3 and _tables(tmp_path / "c") == reference


def test_changed_rules_invalidate_the_cache(tmp_path, raw_dir, monkeypatch):
    import extract.cache as cache_mod
    cache = tmp_path / "cache"
    run_all(raw_dir, tmp_path / "a", cache_dir=cache)
    monkeypatch.setattr(cache_mod, "rules_fingerprint", lambda directory=None: "other-rules")
    assert run_all(raw_dir, tmp_path / "b", cache_dir=cache).cached == 0


def test_dask_engine_equals_local_engine(tmp_path, raw_dir, reference):
    pytest.importorskip("distributed")
    summary = run_all(raw_dir, tmp_path / "out", engine="dask")
    assert summary.ok and _tables(tmp_path / "out") == reference


def test_jsonl_corpus_offsets_refer_to_the_text_field(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    lines = [
        {"id": "a1", "text": "总投资超过2000亿元,力争明年产值突破500亿元。", "published": "2022-01-30", "url": "http://x"},
        "not json",
        {"id": "a2"},
        {"id": "a3", "text": "投資48.93億元的吉林玲瓏輪胎項目。"},
    ]
    corpus.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    summary = run_all(corpus, tmp_path / "out")
    assert summary.articles == 2
    assert sorted(p.path for p in summary.problems) == [f"{corpus}:2", f"{corpus}:3"]
    import csv
    rows = list(csv.DictReader(open(tmp_path / "out" / "amounts.csv", encoding="utf-8")))
    text = {"a1": lines[0]["text"], "a3": lines[3]["text"]}
    assert {r["text"] for r in rows} == {"2000亿元", "500亿元", "48.93億元"}
    assert all(text[r["article_id"]][int(r["char_start"]):int(r["char_end"])] == r["text"] for r in rows)
    targets = list(csv.DictReader(open(tmp_path / "out" / "targets.csv", encoding="utf-8")))
    assert targets[0]["year"] == "2023" and targets[0]["stated_date"] == "2022-01-30"


def test_stdin_jsonl_through_the_cli(tmp_path):
    from typer.testing import CliRunner
    from cli import app
    line = json.dumps({"id": "s1", "text": "投资80亿元的项目。"}, ensure_ascii=False)
    r = CliRunner().invoke(app, ["all", "--raw", "-", "--out", str(tmp_path / "out"), "--force"], input=line + "\n")
    assert r.exit_code == 0, r.output
    assert "80亿元" in (tmp_path / "out" / "amounts.csv").read_text(encoding="utf-8")


def test_a_killed_run_leaves_the_previous_output_intact(tmp_path, raw_dir):
    raw = tmp_path / "raw"
    raw.mkdir()
    seeds = sorted(raw_dir.glob("*.txt"))
    for i in range(600):
        src = seeds[i % len(seeds)]
        (raw / f"{i:04d}_{src.name}").write_bytes(src.read_bytes())
    out = tmp_path / "out"
    run_all(raw_dir, out)
    before = _tables(out)
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from cli import main; sys.argv=['extract','all','--raw',sys.argv[1],'--out',sys.argv[2],'--force','-q']; main()",
                             str(raw), str(out)], cwd=Path(__file__).resolve().parent.parent)
    # Kill it while it is writing: once its temporary output folder has rows in it.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        tmp = [d for d in tmp_path.glob(".out.tmp-*") if (d / "amounts.csv").exists()
               and (d / "amounts.csv").stat().st_size > 20_000]
        if tmp:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed; make the corpus larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _tables(out) == before
    import pandas as pd
    for t in TABLES:
        pd.read_parquet(out / f"{t}.parquet")


CHARS = st.sampled_from(list("0123456789.,，。；、%~-—至到约近超过逾余多以上下左右万亿千百十零一二两三四五六七八九兆元美欧港日币人民币"
                             "年月日今去明初底旬上中下半十四五“”\"()（）【】力争目标要计划到预计产量销量产值整车新能源汽车投资总额项目基地工厂园区中心"
                             "区市的等和与及、开工建设签约落位竣工投产 \n\t") + ["萬", "億", "兩", "產", "輛", "\u3000", "\ufeff", "𠀀", "\x00"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(CHARS, max_size=120), st.text(max_size=80)))
def test_any_text_gives_records_or_nothing(text):
    res = process_snippet(text)
    assert res.errors == []
    for recs in res.records.values():
        for r in recs:
            assert text[r.char_start:r.char_end] == r.text
