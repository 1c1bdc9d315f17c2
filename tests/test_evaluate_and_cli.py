"""`extract eval` agrees with the shared scorer; every command has help with an example."""
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cli import app
from extract.evaluate import score

runner = CliRunner()
SCORER = __import__("conftest").SHARED / "tools" / "score.py"


def test_seed_amounts_meet_the_bar(seed_run, raw_dir, gold_dir):
    _, out = seed_run
    report = score(raw_dir, gold_dir, out)
    a = report["amount"]
    assert a.f1 >= 0.95 and a.provenance_ok == 1.0
    assert a.attributes["kind"] >= 0.9 and a.attributes["bound"] >= 0.9


@pytest.mark.skipif(not SCORER.exists(), reason="shared/tools/score.py not beside the project")
def test_eval_numbers_equal_the_shared_scorer(seed_run, raw_dir, gold_dir):
    _, out = seed_run
    theirs = json.loads(subprocess.run([sys.executable, str(SCORER), str(raw_dir), str(gold_dir), str(out), "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    ours = score(raw_dir, gold_dir, out)
    for kind, ts in ours.items():
        t = theirs[kind]
        assert (ts.gold, ts.predicted, ts.matched) == (t["gold"], t["pred"], t["tp"]), kind
        assert round(ts.f1, 3) == t["f1"] and ts.provenance_ok == t["provenance_ok"], kind
        assert ts.attributes == t["attr_accuracy"], kind


def test_every_command_has_help_with_an_example():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    import typer.main
    commands = list(typer.main.get_command(app).commands)
    assert {"all", "article", "explain", "eval"} <= set(commands)
    for name in commands:
        r = runner.invoke(app, [name, "--help"])
        assert r.exit_code == 0 and "Example:" in r.output, name


def test_article_reads_stdin_as_json():
    r = runner.invoke(app, ["article", "-", "--format", "json"], input="总投资超过2000亿元的项目。".encode())
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["amounts"][0]["text"] == "2000亿元" and data["amounts"][0]["bound"] == "min"


def test_article_csv_and_table_formats(raw_dir):
    path = str(next(raw_dir.glob("003_*.txt")))
    r = runner.invoke(app, ["article", path, "--format", "csv", "--table", "amounts"])
    assert r.exit_code == 0 and "48.93亿元" in r.output and r.output.startswith("# amounts")
    r = runner.invoke(app, ["article", path])
    assert r.exit_code == 0 and "amount.currency" in r.output


def test_explain_shows_rule_and_groups(raw_dir):
    path = str(next(raw_dir.glob("000_*.txt")))
    r = runner.invoke(app, ["explain", path, "--table", "amounts"])
    assert r.exit_code == 0
    assert "rule=amount.context" in r.output and "pre='超'" in r.output and "-> record" in r.output


def test_errors_are_one_line_with_exit_1(tmp_path):
    r = runner.invoke(app, ["article", str(tmp_path / "nope.txt")])
    assert r.exit_code == 1 and r.output.strip().startswith("Error:") and len(r.output.strip().splitlines()) == 1
    r = runner.invoke(app, ["all", "--raw", str(tmp_path / "missing"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "Error:" in r.output
    r = runner.invoke(app, ["article", "-", "--format", "xml"], input=b"x")
    assert r.exit_code == 1


def test_all_exits_1_when_an_article_is_skipped(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ok.txt").write_text("投资80亿元。", encoding="utf-8")
    (raw / "bad.txt").write_bytes(b"")
    r = runner.invoke(app, ["all", "--raw", str(raw), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1 and "bad.txt: empty file" in r.output
    assert (tmp_path / "out" / "amounts.csv").exists()
