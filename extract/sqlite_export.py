"""One SQLite database with every table of an output folder, for ``datasette``.

* Column types follow the models: integers as INTEGER, money as NUMERIC
  (SQLite keeps whole yuan as exact integers), dates as ISO TEXT; empty
  cells become NULL.
* Primary keys as in datapackage.json; ``article_id`` is declared a foreign
  key to ``articles`` so datasette links every record to its article.
* Indexes on ``article_id``, the span (article_id, char_start, char_end) and
  the columns people filter on (subject/metric/year, kind, status, name…).
* Full-text search: ``<table>_fts`` (FTS5, external content) over ``text``
  and ``sentence`` — the naming datasette and sqlite-utils use, so
  datasette shows a search box. Sentences keep the article's script, so
  record tables get one more column here, ``sentence_simplified`` (the
  OpenCC t2s shadow), indexed too: a Simplified query finds Traditional
  articles. The default FTS5 tokenizer does not
  segment Chinese (a whole run of Han characters is one token), so the
  ``trigram`` tokenizer (SQLite ≥ 3.34) is used: any substring of three or
  more characters matches (``MATCH '整车产量'``). Shorter queries (``一汽``)
  need ``LIKE '%一汽%'``. Where trigram is missing, ``unicode61`` is used
  and the ``extract_meta`` table says so.

The database is built in a temporary file and moved into place, so a
failed export never leaves a half-written database.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Iterable

from .models import RECORD_MODELS, value_kind
from .publish import FOREIGN_KEYS, MODELS, PRIMARY_KEYS, iter_rows, read_header

INDEXES: dict[str, list[tuple[str, ...]]] = {
    **{t: [("article_id",), ("article_id", "char_start", "char_end")] for t in RECORD_MODELS},
    "amounts": [("article_id",), ("article_id", "char_start", "char_end"), ("kind", "value_cny"), ("subject",)],
    "targets": [("article_id",), ("article_id", "char_start", "char_end"), ("subject", "metric", "year"), ("stated_date",)],
    "projects": [("article_id",), ("article_id", "char_start", "char_end"), ("name",), ("status",), ("location",)],
    "dates": [("article_id",), ("article_id", "char_start", "char_end"), ("kind", "start")],
    "articles": [("published_date",), ("outlet",)],
    "target_revisions": [("subject", "metric", "year"), ("prev_article_id",), ("new_article_id",),
                         ("prev_record_id",), ("new_record_id",)],
}
FTS_COLUMNS: dict[str, tuple[str, ...]] = {
    **{t: ("text", "sentence", "sentence_simplified") for t in RECORD_MODELS},
    "articles": ("title",),
    "target_revisions": ("prev_sentence", "new_sentence"),
}


class ExportError(Exception):
    """One line for users."""


_SQL_TYPES = {"bool": "INTEGER", "int": "INTEGER", "decimal": "NUMERIC", "float": "REAL"}


def _sql_type(annotation) -> str:
    """The SQLite column type of a field (dates are ISO text)."""
    return _SQL_TYPES.get(value_kind(annotation), "TEXT")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _convert(v: str, sql_type: str):
    if v == "":
        return None
    if sql_type == "INTEGER":
        return int(v)
    if sql_type == "REAL":
        return float(v)
    return v  # NUMERIC affinity turns "4100000" into an integer, "1.5" into a real


def fts_tokenizer(con: sqlite3.Connection) -> str:
    try:
        con.execute("CREATE VIRTUAL TABLE temp._probe USING fts5(x, tokenize='trigram')")
        con.execute("DROP TABLE temp._probe")
        return "trigram"
    except sqlite3.OperationalError:
        return "unicode61"


def _create(con: sqlite3.Connection, table: str, header: list[str], rows: Iterable[dict[str, str]]) -> list[str]:
    model = MODELS[table]
    types = {c: _sql_type(f.annotation) for c, f in model.model_fields.items()}
    cols = header or list(model.model_fields)
    if "sentence" in cols:  # search column: a Simplified query should find Traditional articles too
        from .shadow import to_simplified

        cols = [*cols, "sentence_simplified"]
        rows = ({**r, "sentence_simplified": to_simplified(r.get("sentence") or "")} for r in rows)
    pk = PRIMARY_KEYS[table]
    defs = [f"{_q(c)} {types.get(c, 'TEXT')}" + (" PRIMARY KEY" if pk == [c] else "") for c in cols]
    for col, other, ocol in FOREIGN_KEYS.get(table, []):
        if other in MODELS and col in cols:
            defs.append(f"FOREIGN KEY({_q(col)}) REFERENCES {_q(other)}({_q(ocol)})")
    con.execute(f"CREATE TABLE {_q(table)} (\n  " + ",\n  ".join(defs) + "\n)")
    placeholders = ", ".join("?" for _ in cols)
    con.executemany(f"INSERT INTO {_q(table)} ({', '.join(map(_q, cols))}) VALUES ({placeholders})",
                    ([_convert(r.get(c) or "", types.get(c, "TEXT")) for c in cols] for r in rows))
    for idx in INDEXES.get(table, []):
        if all(c in cols for c in idx):
            name = f"idx_{table}_{'_'.join(idx)}"
            con.execute(f"CREATE INDEX {_q(name)} ON {_q(table)} ({', '.join(map(_q, idx))})")
    return cols


def _create_fts(con: sqlite3.Connection, table: str, cols: list[str], tokenizer: str) -> None:
    fts_cols = [c for c in FTS_COLUMNS.get(table, ()) if c in cols]
    if not fts_cols:
        return
    names = ", ".join(map(_q, fts_cols))
    con.execute(f"CREATE VIRTUAL TABLE {_q(table + '_fts')} USING fts5({names}, content=[{table}], "
                f"tokenize='{tokenizer}')")
    con.execute(f"INSERT INTO {_q(table + '_fts')} (rowid, {names}) SELECT rowid, {names} FROM {_q(table)}")


def export_sqlite(out_dir: str | Path, db_path: str | Path) -> dict[str, int]:
    """Write every table of *out_dir* into the SQLite database *db_path*; rows per table."""
    from . import __version__

    out_dir, db_path = Path(out_dir), Path(db_path)
    tables = [t for t in MODELS if (out_dir / f"{t}.csv").exists()]
    if not tables:
        raise ExportError(f"{out_dir}: no output tables (*.csv of extract all) in this folder")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(fd)
    counts: dict[str, int] = {}
    try:
        con = sqlite3.connect(tmp)
        try:
            tokenizer = fts_tokenizer(con)
            with con:
                for t in tables:
                    cols = _create(con, t, read_header(out_dir, t), iter_rows(out_dir, t))
                    _create_fts(con, t, cols, tokenizer)
                    counts[t] = con.execute(f"SELECT count(*) FROM {_q(t)}").fetchone()[0]
                con.execute("CREATE TABLE extract_meta (key TEXT PRIMARY KEY, value TEXT)")
                con.executemany("INSERT INTO extract_meta VALUES (?, ?)", [
                    ("extract_version", __version__), ("source_folder", str(out_dir)),
                    ("fts_tokenizer", tokenizer),
                    ("fts_note", "trigram: MATCH needs 3+ characters; use LIKE for shorter Chinese terms"
                     if tokenizer == "trigram" else "unicode61 does not segment Chinese; use LIKE"),
                ])
        finally:
            con.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, db_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return counts
