"""Compare two output folders of ``extract all``: what was added, removed, changed.

Records are matched by where they are, not by their id: a record table is
keyed by (article_id, char_start, char_end), ``articles`` by article_id and
``target_revisions`` by (subject, metric, year, new_article_id). So a record
whose rule or value changed shows as *changed*, with each changed column as
old → new, rather than as one removal plus one addition.

The row comparison is csv-diff's ``compare`` (simonw/csv-diff, the library
behind ``csv-diff --key``), and the JSON shape is its shape, per table:
``{"added": [...], "removed": [...], "changed": [{"key": ..., "changes":
{column: [old, new]}}], "columns_added": [...], "columns_removed": [...]}``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from csv_diff import compare

from .models import RECORD_MODELS
from .publish import MODELS, read_rows

KEYS: dict[str, tuple[str, ...]] = {
    "articles": ("article_id",),
    **{t: ("article_id", "char_start", "char_end") for t in RECORD_MODELS},
    "target_revisions": ("subject", "metric", "year", "new_article_id"),
}
INT_KEY_COLUMNS = {"char_start", "char_end", "year"}


class DiffError(Exception):
    """A folder that is not an output of ``extract all``; one line for users."""


def _check_folder(d: Path) -> None:
    if not d.is_dir():
        raise DiffError(f"{d}: no such folder")
    if not any((d / f"{t}.csv").exists() for t in MODELS):
        raise DiffError(f"{d}: no output tables (*.csv of extract all) in this folder")


def _keyed(table: str, rows: list[dict[str, str]], ignore: set[str]) -> dict[tuple, dict[str, str]]:
    cols = KEYS[table]
    out: dict[tuple, dict[str, str]] = {}
    for r in rows:
        k = tuple(r.get(c, "") for c in cols)
        n = 2
        while k in out:  # two records on one span (should not happen): keep both, numbered
            k = tuple(r.get(c, "") for c in cols) + (f"#{n}",)
            n += 1
        out[k] = {c: v for c, v in r.items() if c not in ignore}
    return out


def key_dict(table: str, key: tuple) -> dict:
    d = {c: (int(v) if c in INT_KEY_COLUMNS and v.lstrip("-").isdigit() else v) for c, v in zip(KEYS[table], key)}
    if len(key) > len(KEYS[table]):
        d["duplicate"] = key[-1]
    return d


def diff_table(table: str, old_dir: Path, new_dir: Path, ignore: Iterable[str] = ()) -> dict:
    """csv-diff's result for one table of two output folders, keys as dicts."""
    ignore = set(ignore)
    empty: tuple[list[str], list[dict]] = ([], [])
    old_cols, old_rows = read_rows(old_dir, table) if (old_dir / f"{table}.csv").exists() else empty
    new_cols, new_rows = read_rows(new_dir, table) if (new_dir / f"{table}.csv").exists() else empty
    old, new = _keyed(table, old_rows, ignore), _keyed(table, new_rows, ignore)
    if old and new:
        res = compare(old, new)
    else:  # csv-diff needs a row on each side to read the columns
        res = {"added": list(new.values()) if not old else [], "removed": list(old.values()) if not new else [],
               "changed": [], "columns_added": [], "columns_removed": []}
    if old_cols and new_cols:  # from the headers, so empty tables count too, in header order
        res["columns_added"] = [c for c in new_cols if c not in old_cols and c not in ignore]
        res["columns_removed"] = [c for c in old_cols if c not in new_cols and c not in ignore]
    for ch in res["changed"]:
        ch["key"] = key_dict(table, ch["key"])
    res["rows_old"], res["rows_new"] = len(old_rows), len(new_rows)
    return res


def is_different(res: dict) -> bool:
    return any(res[k] for k in ("added", "removed", "changed", "columns_added", "columns_removed"))


def diff_folders(old_dir: str | Path, new_dir: str | Path, tables: Iterable[str] | None = None,
                 ignore: Iterable[str] = ()) -> dict[str, dict]:
    """Per table, what changed from *old_dir* to *new_dir* (tables present in either)."""
    old_dir, new_dir = Path(old_dir), Path(new_dir)
    _check_folder(old_dir)
    _check_folder(new_dir)
    names = list(tables) if tables else [t for t in MODELS
                                         if (old_dir / f"{t}.csv").exists() or (new_dir / f"{t}.csv").exists()]
    for t in names:
        if t not in KEYS:
            raise DiffError(f"unknown table {t!r}; tables: {', '.join(KEYS)}")
    return {t: diff_table(t, old_dir, new_dir, ignore) for t in names}


# --- human-readable ---------------------------------------------------------------

def _key_text(table: str, key: dict | tuple) -> str:
    if isinstance(key, tuple):
        key = key_dict(table, key)
    if table in RECORD_MODELS:
        s = f"{key['article_id']} [{key['char_start']}:{key['char_end']}]"
    else:
        s = " ".join(str(v) for c, v in key.items() if c != "duplicate")
    return s + (f" {key['duplicate']}" if "duplicate" in key else "")


def _short(v: str, n: int = 60) -> str:
    v = (v or "").replace("\r", " ").replace("\n", " ")
    return v if len(v) <= n else v[: n - 1] + "…"


def _row_text(table: str, row: dict) -> str:
    key = _key_text(table, tuple(row.get(c, "") for c in KEYS[table]))
    if table in RECORD_MODELS:
        return f"{key} {row.get('text', '')}  ({row.get('rule_id', '')})"
    if table == "articles":
        return f"{key}  {_short(row.get('title') or '', 40)}"
    return f"{key}  {row.get('prev_value', '')} → {row.get('new_value', '')}"


def summary_line(table: str, res: dict) -> str:
    if not is_different(res):
        return f"{table}: no changes ({res['rows_new']} rows)"
    parts = [f"{len(res[k])} {k}" for k in ("added", "removed", "changed") if res[k]]
    parts += [f"column(s) {k.split('_')[1]}: {', '.join(res[k])}" for k in ("columns_added", "columns_removed") if res[k]]
    return f"{table}: {', '.join(parts)} ({res['rows_old']} → {res['rows_new']} rows)"


def human_lines(result: dict[str, dict], limit: int = 50) -> list[str]:
    """A readable report: per table a summary, then + added, - removed, ~ changed (old → new)."""
    lines: list[str] = []
    for table, res in result.items():
        lines.append(summary_line(table, res))
        items = ([f"  + {_row_text(table, r)}" for r in res["added"]]
                 + [f"  - {_row_text(table, r)}" for r in res["removed"]])
        for ch in res["changed"]:
            items.append(f"  ~ {_key_text(table, ch['key'])}")
            items += [f"      {col}: {_short(str(o))!r} → {_short(str(n))!r}" for col, (o, n) in ch["changes"].items()]
        if len(items) > limit:
            items = items[:limit] + [f"  … {len(items) - limit} more line(s); use --format json for all"]
        lines += items
    n = sum(is_different(r) for r in result.values())
    lines.append(f"{n} of {len(result)} table(s) differ." if n else "No differences.")
    return lines


# --- target revisions, read back from an output folder ------------------------------

BOUND_MARK = {"min": "≥", "max": "≤", "approx": "≈", "range": "≥", "exact": ""}


def _num(d) -> str:
    s = f"{d:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def fmt_value(v, unit: str, signed: bool = False) -> str:
    """4100000 vehicle → 410万辆; 1000000000000 CNY → 10000亿元 (for reading; the tables keep base units)."""
    from decimal import Decimal, InvalidOperation

    try:
        d = Decimal(str(v))
    except (InvalidOperation, TypeError):
        return str(v)
    if d == 0:
        return "0"
    sign = "-" if d < 0 else ("+" if signed else "")
    d = abs(d)
    if unit == "CNY":
        s = (_num(d / 10**12) + "万亿元" if d >= 10**12 else _num(d / 10**8) + "亿元" if d >= 10**8
             else _num(d / 10**4) + "万元")
    else:
        s = _num(d / 10**4) + "万辆" if d >= 10**4 else _num(d) + "辆"
    return sign + s


def revision_table_lines(rows: list[dict[str, str]]) -> list[str]:
    """The target revisions as an aligned text table, one goal block after another."""
    if not rows:
        return ["No target is stated in more than one article."]
    out = []
    header = ["stated", "previous", "new", "change", "%", "articles (prev → new)"]
    blocks: dict[tuple, list[dict]] = {}
    for r in rows:
        blocks.setdefault((r["subject"], r["metric"], r["year"]), []).append(r)
    for (subject, metric, year), rs in blocks.items():
        out.append(f"{subject} · {metric} · due {year}  ({rs[0]['n_statements']} statements)")
        table = [header]
        for r in rs:
            unit = r["unit"]
            pct = r["change_pct"]
            table.append([f"{r['prev_stated_date']} → {r['new_stated_date']}",
                          BOUND_MARK.get(r["prev_bound"], "") + fmt_value(r["prev_value"], unit),
                          BOUND_MARK.get(r["new_bound"], "") + fmt_value(r["new_value"], unit),
                          fmt_value(r["change"], unit, signed=True),
                          (f"{float(pct):+.1f}%" if pct and float(pct) else "0%" if pct else ""),
                          f"{r['prev_article_id']} → {r['new_article_id']}"])
        widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            out.append("  " + "  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip())
        said: dict[str, str] = {}
        for r in rs:
            said.setdefault(r["prev_article_id"], r["prev_sentence"])
            said.setdefault(r["new_article_id"], r["new_sentence"])
        out += [f"    {a}: {_short(s, 70)}" for a, s in said.items()]
        out.append("")
    return out[:-1]


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))
