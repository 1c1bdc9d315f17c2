"""Derived outputs of ``extract all``: what makes the tables publishable.

``write_derived_outputs`` runs inside the atomic output folder after the
tables are written (pipeline.POST_WRITERS) and adds:

* ``target_revisions.csv`` / ``.parquet`` — goals restated by later articles
  (extract.revisions);
* ``excel/<table>.csv`` — copies for spreadsheet users: UTF-8 with a BOM
  (so Excel detects the encoding) and CSV injection neutralised in text
  columns;
* ``datapackage.json`` — a Frictionless Data Package describing every table;
* ``README.md`` — the codebook: every table, column, type, meaning and
  allowed value, generated from the pydantic models.

Everything is derived from the CSV files just written, not from records
held in memory, so the same functions work on any output folder and the
derived files always agree with the tables beside them. Any failure is
raised as one line; the atomic folder then leaves the previous outputs
untouched.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import typing
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Iterable, Iterator

from pydantic import BaseModel, ValidationError

from .models import RECORD_MODELS, Article, base_type, value_kind
from .revisions import TargetRevision
from .textio import ArticleError

#: every published table, in the order they are documented
MODELS: dict[str, type[BaseModel]] = {"articles": Article, **RECORD_MODELS, "target_revisions": TargetRevision}

PRIMARY_KEYS: dict[str, list[str]] = {
    "articles": ["article_id"],
    **{t: ["record_id"] for t in RECORD_MODELS},
    "target_revisions": ["revision_id"],
}

FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {  # table: [(column, other table, other column)]
    **{t: [("article_id", "articles", "article_id")] for t in RECORD_MODELS},
    "target_revisions": [("prev_record_id", "targets", "record_id"), ("new_record_id", "targets", "record_id"),
                         ("prev_article_id", "articles", "article_id"), ("new_article_id", "articles", "article_id")],
}

TABLE_DESCRIPTIONS: dict[str, str] = {
    "articles": "One row per article read: file, encoding, script, headline, publication date, outlet, "
                "body span and the number of records found in each table.",
    "amounts": "One row per sum of money mentioned, in yuan where the currency is CNY, with its bound and kind.",
    "targets": "One row per stated goal: subject, metric, value in base units (vehicles or yuan), due year "
               "and the publication date of the article that states it.",
    "projects": "One row per named plant, base, park, line or project, with investment, status and location.",
    "dates": "One row per calendar reference, resolved against the article's own publication date.",
    "target_revisions": "One row per restatement of a goal (same subject, metric and due year) by a later "
                        "article: previous and new value, the change, and both sources. Derived from targets.",
}

#: a cell that starts with one of these is read as a formula by spreadsheet programs (OWASP)
INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

EXCEL_DIR = "excel"


# --- reading a published folder -------------------------------------------------

def _optional(annotation) -> bool:
    return type(None) in typing.get_args(annotation)


def text_columns(model: type[BaseModel]) -> set[str]:
    """Columns that hold free text (str or enum), the only ones a formula can hide in."""
    out = set()
    for name, f in model.model_fields.items():
        base = base_type(f.annotation)
        if isinstance(base, type) and issubclass(base, (str, Enum)):
            out.add(name)
    return out


def read_header(out_dir: Path, table: str) -> list[str]:
    with open(Path(out_dir) / f"{table}.csv", encoding="utf-8", newline="") as f:
        return next(csv.reader(f), [])


def iter_rows(out_dir: Path, table: str) -> Iterator[dict[str, str]]:
    """The rows (as strings) of ``<out_dir>/<table>.csv``, one at a time: memory stays flat."""
    with open(Path(out_dir) / f"{table}.csv", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def read_rows(out_dir: Path, table: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and all rows (as strings) of ``<out_dir>/<table>.csv``."""
    return read_header(out_dir, table), list(iter_rows(out_dir, table))


def read_records(out_dir: Path, table: str) -> list[BaseModel]:
    """The rows of a published table validated back into their model (empty cell = null)."""
    model = MODELS[table]
    fields = set(model.model_fields)
    return [model.model_validate({k: (v if v != "" else None) for k, v in r.items() if k in fields})
            for r in iter_rows(out_dir, table)]


# --- Excel copies -----------------------------------------------------------------

def neutralise(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula."""
    return "'" + cell if cell.startswith(INJECTION_PREFIXES) else cell


def excel_rows(header: list[str], rows: Iterable[list[str] | dict[str, str]],
               model: type[BaseModel] | None) -> Iterator[list[str]]:
    """CSV rows (lists aligned with *header*, or dicts) with every text cell neutralised."""
    # Numeric and date columns are validated numbers/dates: a leading "-" there is a sign,
    # and quoting it would turn -12.5 into text. Unknown extra columns count as text.
    known = set(model.model_fields) if model else set()
    texty = text_columns(model) if model else set()
    risky = [i for i, c in enumerate(header) if not (c in known and c not in texty)]
    first = frozenset(p[0] for p in INJECTION_PREFIXES)
    for row in rows:
        if isinstance(row, dict):
            row = [row.get(c) or "" for c in header]
        elif len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        for i in risky:
            v = row[i]
            if v and v[0] in first:
                row[i] = neutralise(v)
        yield row


def write_excel_copies(out_dir: Path, missing_only: bool = False) -> list[Path]:
    """``excel/<table>.csv``: UTF-8 with BOM, CRLF, text cells neutralised.

    The pipeline's table writers make these copies as they go; with
    *missing_only* only the tables without one are copied here.
    """
    d = Path(out_dir) / EXCEL_DIR
    d.mkdir(exist_ok=True)
    written = []
    for table, model in MODELS.items():
        src = Path(out_dir) / f"{table}.csv"
        path = d / f"{table}.csv"
        if not src.exists() or (missing_only and path.exists()):
            continue
        with open(src, encoding="utf-8", newline="") as fin, \
                open(path, "w", encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(fin)
            header = next(reader, [])
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(header)
            w.writerows(excel_rows(header, reader, model))
        written.append(path)
    return written


# --- Data Package -----------------------------------------------------------------

_FIELD_TYPES = {"bool": "boolean", "int": "integer", "decimal": "number", "float": "number", "date": "date"}


def _field_type(annotation) -> str:
    """The Table Schema type of a field."""
    return _FIELD_TYPES.get(value_kind(annotation), "string")


def _pattern_choices(pattern: str) -> list[str] | None:
    """``^(header|body)$`` → ["header", "body"]: a closed list written as a pattern."""
    import re

    m = re.fullmatch(r"\^\(([\w|]+)\)\$", pattern)
    return m.group(1).split("|") if m else None


def _constraints(name: str, f, primary: list[str]) -> dict:
    c: dict = {}
    if not _optional(f.annotation) or name in primary:
        c["required"] = True
    base = base_type(f.annotation)
    if isinstance(base, type) and issubclass(base, Enum):
        c["enum"] = [m.value for m in base]
    for m in f.metadata:
        if hasattr(m, "ge"):
            c["minimum"] = m.ge
        elif hasattr(m, "gt"):
            c["minimum"] = m.gt + 1 if _field_type(f.annotation) == "integer" else m.gt
        elif hasattr(m, "min_length"):
            c["minLength"] = m.min_length
        elif getattr(m, "pattern", None):
            choices = _pattern_choices(m.pattern)
            if choices:
                c["enum"] = choices
            else:
                c["pattern"] = m.pattern.lstrip("^").rstrip("$")  # Table Schema patterns are anchored
    return c


def table_schema(table: str) -> dict:
    model = MODELS[table]
    primary = PRIMARY_KEYS[table]
    fields = []
    for name, f in model.model_fields.items():
        fd = {"name": name, "type": _field_type(f.annotation)}
        if f.description:
            fd["description"] = f.description
        if fd["type"] == "date":
            fd["format"] = "default"  # ISO 8601
        if fd["type"] == "number" and base_type(f.annotation) is Decimal:
            fd["bareNumber"] = True
        c = _constraints(name, f, primary)
        if c:
            fd["constraints"] = c
        fields.append(fd)
    schema = {"fields": fields, "missingValues": [""], "primaryKey": primary}
    fks = [{"fields": col, "reference": {"resource": other, "fields": ocol}}
           for col, other, ocol in FOREIGN_KEYS.get(table, [])]
    if fks:
        schema["foreignKeys"] = fks
    return schema


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def datapackage(out_dir: Path) -> dict:
    """The Data Package descriptor of an output folder (tables that exist in it)."""
    from . import __version__

    out_dir = Path(out_dir)
    n_articles, folders = 0, set()
    if (out_dir / "articles.csv").exists():
        for a in iter_rows(out_dir, "articles"):
            n_articles += 1
            if a.get("path") and a["path"] != "-":
                folders.add(str(Path(a["path"]).parent))
    try:
        raw = os.path.commonpath(sorted(folders)) if folders else ""
    except ValueError:  # absolute and relative paths mixed
        raw = ""
    resources = []
    for table in MODELS:
        path = out_dir / f"{table}.csv"
        if not path.exists():
            continue
        resources.append({
            "name": table,
            "type": "table",
            "path": f"{table}.csv",
            "scheme": "file",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "title": table.replace("_", " ").capitalize(),
            "description": TABLE_DESCRIPTIONS[table] + f" Same rows, with real types, in {table}.parquet; "
                           f"a spreadsheet copy in {EXCEL_DIR}/{table}.csv.",
            "bytes": path.stat().st_size,
            "hash": f"sha256:{_sha256(path)}",
            "dialect": {"csv": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"'}},
            "schema": table_schema(table),
        })
    return {
        "name": "extract-output",
        "title": "Amounts, targets, projects and dates extracted from Chinese economic news articles",
        "description": f"Rule-based extraction by extract {__version__}. Every record carries the article id, "
                       "the exact surface text, half-open code-point offsets (raw[char_start:char_end] == text), "
                       "the sentence and the id of the rule that produced it. Codebook: README.md.",
        "version": __version__,
        "extract_version": __version__,
        "keywords": ["China", "economy", "news", "information extraction", "targets", "investment"],
        "sources": [
            {"title": f"{n_articles} news article(s) (plain text); file name, path and SHA-256 of each "
                      f"are in articles.csv", "path": raw or "."},
            {"title": f"extract {__version__}: the rule-based extractor and its rules/ files"},
        ],
        "resources": resources,
    }


def write_datapackage(out_dir: Path) -> Path:
    path = Path(out_dir) / "datapackage.json"
    path.write_text(json.dumps(datapackage(out_dir), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# --- codebook ---------------------------------------------------------------------

def _type_label(annotation) -> str:
    base = base_type(annotation)
    t = {"integer": "integer", "number": "decimal" if base is Decimal else "number", "date": "date (ISO 8601)",
         "boolean": "boolean"}.get(_field_type(annotation), "text")
    return t + (" or null" if _optional(annotation) else "")


def _allowed(f) -> str:
    base = base_type(f.annotation)
    if isinstance(base, type) and issubclass(base, Enum):
        return ", ".join(f"`{m.value}`" for m in base)
    parts = []
    for m in f.metadata:
        if hasattr(m, "ge"):
            parts.append(f"≥ {m.ge}")
        elif hasattr(m, "gt"):
            parts.append(f"> {m.gt}")
        elif getattr(m, "pattern", None):
            choices = _pattern_choices(m.pattern)
            parts.append(", ".join(f"`{c}`" for c in choices) if choices else f"matches `{m.pattern}`")
    return "; ".join(parts)


def _row_count(out_dir: Path, table: str) -> int:
    """Rows of a table: from its Parquet footer when there is one, else by reading the CSV."""
    pq_path = out_dir / f"{table}.parquet"
    if pq_path.exists():
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(pq_path).metadata.num_rows
        except Exception:  # noqa: BLE001 - an unreadable footer: count the CSV instead
            pass
    return sum(1 for _ in iter_rows(out_dir, table))


def codebook(out_dir: Path | None = None) -> str:
    """The codebook (Markdown) for the tables, with row counts when *out_dir* is given."""
    from . import __version__

    lines = [
        "# Codebook",
        "",
        f"Generated by `extract {__version__}` from its record models (`extract/models.py`,",
        "`extract/revisions.py`); do not edit by hand.",
        "",
        "Files: `<table>.csv` (UTF-8 without BOM, comma-separated, RFC 4180 quoting, CRLF, ISO 8601 dates,",
        "empty cell for null), `<table>.parquet` (same rows with real types: money as decimal128(38,6),",
        "years as int64, dates as date32), `excel/<table>.csv` (for spreadsheets: UTF-8 with BOM; a text",
        "cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so it is never run as a formula;",
        "numeric and date columns are left as they are), `datapackage.json` (Frictionless Data Package:",
        "types, constraints, keys).",
        "",
        "Offsets are half-open, in Unicode code points, into the article file decoded to text:",
        "`raw[char_start:char_end] == text`.",
        "",
    ]
    for table, model in MODELS.items():
        n = ""
        if out_dir is not None and (Path(out_dir) / f"{table}.csv").exists():
            n = f" — {_row_count(Path(out_dir), table)} row(s)"
        lines += [f"## {table}{n}", "", TABLE_DESCRIPTIONS[table], "",
                  f"Primary key: `{', '.join(PRIMARY_KEYS[table])}`."]
        for col, other, ocol in FOREIGN_KEYS.get(table, []):
            lines.append(f"`{col}` refers to `{other}.{ocol}`.")
        lines += ["", "| column | type | meaning | allowed values |", "|---|---|---|---|"]
        for name, f in model.model_fields.items():
            desc = (f.description or "").replace("|", "\\|")
            lines.append(f"| `{name}` | {_type_label(f.annotation)} | {desc} | {_allowed(f).replace('|', chr(92) + '|')} |")
        lines.append("")
    return "\n".join(lines)


def write_codebook(out_dir: Path) -> Path:
    path = Path(out_dir) / "README.md"
    path.write_text(codebook(out_dir), encoding="utf-8")
    return path


# --- the hook -----------------------------------------------------------------------

def write_revisions(out_dir: Path) -> int:
    """target_revisions.csv/.parquet, streamed from targets.csv; returns the row count."""
    from .output import TableWriter
    from .revisions import revision_rows_from_csv

    w = TableWriter(Path(out_dir), "target_revisions", TargetRevision, excel=True)
    try:
        w.write_rows(revision_rows_from_csv(Path(out_dir) / "targets.csv"))
    finally:
        w.close()
    return w.count


def write_derived_outputs(out_dir: Path, tables: dict[str, list] | None = None) -> None:
    """Revisions, Excel copies, data package and codebook for the tables in *out_dir*.

    *tables* (the records in memory) is accepted for the pipeline hook but
    not needed: everything is derived from the CSV files already written.
    """
    out_dir = Path(out_dir)
    try:
        write_revisions(out_dir)
        write_excel_copies(out_dir, missing_only=True)
        write_datapackage(out_dir)
        write_codebook(out_dir)
    except (OSError, ValueError, KeyError, ValidationError, csv.Error) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ArticleError(f"writing derived outputs in {out_dir}: {msg}") from e
