"""Precision, recall and F1 per table, and attribute accuracy, against gold
JSONL in the format of ANNOTATION.md.

Matching follows the published scorer exactly: a predicted record matches a
gold record of the same type when their spans overlap and the key fields
agree (amount: value within 0.5%; target: metric, value, year; project:
name up to two edits; date: start and end). Gold records are matched in file
order, each to the first unused prediction that fits.
"""
from __future__ import annotations

import csv
import json
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

TYPES = {"amount": "amounts", "target": "targets", "project": "projects", "date": "dates"}
ATTRIBUTES = {"amount": ["kind", "bound"], "target": ["subject", "bound"],
              "project": ["investment_cny", "status", "location"], "date": ["kind"]}
TOLERANCE = 0.005


def _num(x) -> float | None:
    if x is None or x == "":
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def close(a, b, tol: float = TOLERANCE) -> bool:
    a, b = _num(a), _num(b)
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(abs(a), abs(b), 1.0)


def name_key(s: str | None) -> str:
    s = unicodedata.normalize("NFKC", s or "").strip()
    for suffix in ("项目", "項目"):
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            s = s[: -len(suffix)]
    return s.lstrip("的")


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _year(x) -> int | None:
    v = _num(x)
    return int(v) if v is not None else None


def keys_agree(kind: str, gold: dict, pred: dict) -> bool:
    if kind == "amount":
        if gold.get("currency", "CNY") != "CNY":
            return (pred.get("currency") or "").upper() == gold["currency"] and close(gold.get("value"), pred.get("value"))
        return close(gold.get("value_cny"), pred.get("value_cny"))
    if kind == "target":
        return (gold["metric"] == (pred.get("metric") or "") and close(gold["value"], pred.get("value"))
                and _year(gold.get("year")) == _year(pred.get("year")))
    if kind == "project":
        a, b = name_key(gold["name"]), name_key(pred.get("name"))
        return a == b or (len(a) >= 4 and edit_distance(a, b) <= 2)
    if kind == "date":
        return str(pred.get("start") or "")[:10] == gold["start"] and str(pred.get("end") or "")[:10] == gold["end"]
    return False


def attribute_agrees(attr: str, gold: dict, pred: dict) -> bool:
    g, p = gold.get(attr), pred.get(attr)
    if attr == "investment_cny":
        return close(g, p)
    if g is None:
        return p in (None, "")
    if attr == "subject":
        g, p = str(g), str(p or "")
        return name_key(g) == name_key(p) or g in p or (p in g and len(p) >= 2)
    return str(g) == str(p or "")


def load_gold(articles_dir: Path, gold_dir: Path) -> dict[tuple[str, str], list[dict]]:
    gold: dict[tuple[str, str], list[dict]] = {}
    for g in sorted(Path(gold_dir).glob("*.jsonl")):
        art = (Path(articles_dir) / f"{g.stem}.txt").read_text(encoding="utf-8")
        for line in g.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            start = art.find(r["context"]) + r["context"].find(r["text"])
            r["_span"] = (start, start + len(r["text"]))
            gold.setdefault((g.stem, r["type"]), []).append(r)
    return gold


@dataclass
class TableScore:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    provenance_ok: float | None = None
    attributes: dict[str, float | None] = field(default_factory=dict)
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    extras: list[tuple[str, str]] = field(default_factory=list)
    missing_table: bool = False

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(articles_dir: str | Path, gold_dir: str | Path, out_dir: str | Path) -> dict[str, TableScore]:
    gold = load_gold(Path(articles_dir), Path(gold_dir))
    ids = sorted({a for a, _ in gold})
    texts = {a: (Path(articles_dir) / f"{a}.txt").read_text(encoding="utf-8") for a in ids}
    report: dict[str, TableScore] = {}
    for kind, table in TYPES.items():
        path = Path(out_dir) / f"{table}.csv"
        ts = TableScore()
        report[kind] = ts
        if not path.exists():
            ts.missing_table = True
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        preds: dict[str, list[dict]] = {}
        bad = 0
        for r in rows:
            a = r.get("article_id")
            if a not in texts:
                continue
            ts.predicted += 1
            try:
                s, e = int(float(r["char_start"])), int(float(r["char_end"]))
            except (KeyError, ValueError, TypeError):
                s, e = -1, -1
            r["_span"] = (s, e)
            if s < 0 or texts[a][s:e] != r.get("text"):
                bad += 1
            preds.setdefault(a, []).append(r)
        hits = {x: [0, 0] for x in ATTRIBUTES[kind]}
        for a in ids:
            golds, cands = gold.get((a, kind), []), preds.get(a, [])
            ts.gold += len(golds)
            used: set[int] = set()
            for g in golds:
                gs, ge = g["_span"]
                hit = next((i for i, p in enumerate(cands) if i not in used
                            and p["_span"][0] < ge and p["_span"][1] > gs and keys_agree(kind, g, p)), None)
                if hit is None:
                    ts.misses.append((a, g["text"], g["context"]))
                    continue
                used.add(hit)
                ts.matched += 1
                for x in ATTRIBUTES[kind]:
                    if x in g or x == "location":
                        hits[x][1] += 1
                        hits[x][0] += attribute_agrees(x, g, cands[hit])
            ts.extras += [(a, p.get("text")) for i, p in enumerate(cands) if i not in used]
        ts.provenance_ok = round(1 - bad / ts.predicted, 3) if ts.predicted else None
        ts.attributes = {x: (round(h / n, 3) if n else None) for x, (h, n) in hits.items()}
    return report


def macro_f1(report: dict[str, TableScore]) -> float:
    return round(sum(ts.f1 for ts in report.values()) / len(TYPES), 3)
