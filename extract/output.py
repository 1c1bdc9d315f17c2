"""Writing tables: CSV (RFC 4180, UTF-8, ISO dates, empty for null) and Parquet
with real types, into a directory that is swapped in whole, so a run that
fails half-way leaves the previous outputs untouched."""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from .models import base_type

MONEY_TYPE = pa.decimal128(38, 6)


def _arrow_type(annotation) -> pa.DataType:
    base = base_type(annotation)
    if isinstance(base, type):
        if issubclass(base, bool):
            return pa.bool_()
        if issubclass(base, Enum):
            return pa.string()
        if issubclass(base, int):
            return pa.int64()
        if issubclass(base, Decimal):
            return MONEY_TYPE
        if issubclass(base, float):
            return pa.float64()
        if issubclass(base, date):
            return pa.date32()
    return pa.string()


def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    return pa.schema([pa.field(name, _arrow_type(f.annotation), nullable=True) for name, f in model.model_fields.items()])


def columns(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, Enum):
        return str(v.value)
    if isinstance(v, Decimal):  # shortest exact form: 2000000.000000 → 2000000, never 2E+6
        return format(v.normalize(), "f")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def rows(records: Iterable[BaseModel]) -> Iterator[dict]:
    for r in records:
        yield r.model_dump()


def csv_text(model: type[BaseModel], records: Iterable[BaseModel]) -> str:
    buf = io.StringIO()
    cols = columns(model)
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(cols)
    for row in rows(records):
        w.writerow([_cell(row[c]) for c in cols])
    return buf.getvalue()


@contextmanager
def atomic_directory(out: Path):
    """Yield a fresh temporary directory; on success it replaces *out*.

    Files already in *out* that the run did not write (a report, say) are
    carried over. On an exception the temporary directory is removed and
    *out* is left exactly as it was.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        for entry in out.iterdir():  # copied, not moved: out stays whole until the swap
            if not (tmp / entry.name).exists():
                if entry.is_dir():
                    shutil.copytree(entry, tmp / entry.name)
                else:
                    shutil.copy2(entry, tmp / entry.name)
        os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


class TableWriter:
    """Streams one table to CSV and Parquet: rows are written as they come,
    Parquet in row groups, so memory does not grow with the corpus."""

    def __init__(self, directory: Path, name: str, model: type[BaseModel], batch: int = 2000,
                 excel: bool = False):
        self.name, self.model, self.batch = name, model, batch
        self.schema = arrow_schema(model)
        self.cols = columns(model)
        self.count = 0
        self._csv = open(Path(directory) / f"{name}.csv", "w", encoding="utf-8", newline="")
        self._w = csv.writer(self._csv, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self._w.writerow(self.cols)
        self._xl = None
        if excel:  # the spreadsheet copy, written in the same pass (see publish.write_excel_copies)
            from .publish import EXCEL_DIR, INJECTION_PREFIXES, text_columns

            xd = Path(directory) / EXCEL_DIR
            xd.mkdir(exist_ok=True)
            self._xl_file = open(xd / f"{name}.csv", "w", encoding="utf-8-sig", newline="")
            self._xl = csv.writer(self._xl_file, lineterminator="\r\n")
            self._xl.writerow(self.cols)
            texty = text_columns(model)
            self._risky = [i for i, c in enumerate(self.cols) if c in texty]
            self._formula_starts = frozenset(p[0] for p in INJECTION_PREFIXES)
        self._pq = pq.ParquetWriter(Path(directory) / f"{name}.parquet", self.schema)
        self._buf: dict[str, list] = {c: [] for c in self.schema.names}
        self._buffered = 0

    def write(self, records: Iterable[BaseModel]) -> None:
        cols, bufs = self.cols, [self._buf[c] for c in self.cols]
        lines = []
        for r in records:
            d = r.__dict__  # the validated field values (enums already stored as values)
            vals = [d[c] for c in cols]
            lines.append([v if type(v) is str else _cell(v) for v in vals])
            for b, v in zip(bufs, vals):
                b.append(v.value if isinstance(v, Enum) else v)
            self._buffered += 1
            self.count += 1
            if self._buffered >= self.batch:
                self._write_lines(lines)
                lines = []
                self._flush()
                bufs = [self._buf[c] for c in cols]
        self._write_lines(lines)

    def _write_lines(self, lines: list[list[str]]) -> None:
        self._w.writerows(lines)
        if self._xl is None:
            return
        risky, starts = self._risky, self._formula_starts
        for line in lines:
            for i in risky:
                v = line[i]
                if v and v[0] in starts:
                    line[i] = "'" + v  # the CSV line is already written: the list is free to change
        self._xl.writerows(lines)

    def _flush(self) -> None:
        if not self._buffered:
            return
        table = pa.table({c: pa.array(self._buf[c], type=self.schema.field(c).type) for c in self.schema.names},
                         schema=self.schema)
        self._pq.write_table(table)
        self._buf = {c: [] for c in self.schema.names}
        self._buffered = 0

    def close(self) -> None:
        self._flush()
        if self.count == 0:  # a header-only table still gets its schema
            self._pq.write_table(self.schema.empty_table())
        self._pq.close()
        self._csv.close()
        if self._xl is not None:
            self._xl_file.close()


def write_table(directory: Path, name: str, model: type[BaseModel], records: list[BaseModel]) -> None:
    """Write a whole table at once (small tables, derived outputs)."""
    w = TableWriter(directory, name, model)
    try:
        w.write(records)
    finally:
        w.close()
