"""Writing tables: CSV (RFC 4180, UTF-8, ISO dates, empty for null) and Parquet
with real types, into a directory that is swapped in whole, so a run that
fails half-way leaves the previous outputs untouched."""
from __future__ import annotations

import csv
import io
from array import array
from itertools import accumulate
import operator
import os
import re
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

from .models import value_kind

MONEY_TYPE = pa.decimal128(38, 6)


_ARROW_TYPES = {"bool": pa.bool_(), "int": pa.int64(), "decimal": MONEY_TYPE, "float": pa.float64(),
                "date": pa.date32()}


def _arrow_type(annotation) -> pa.DataType:
    return _ARROW_TYPES.get(value_kind(annotation), pa.string())


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


# _cell for the exact types records hold, looked up without isinstance checks.
_CELL_BY_TYPE = {
    int: str,
    type(None): lambda v: "",
    Decimal: lambda v: format(v.normalize(), "f"),
    date: date.isoformat,
}


def _text_or_empty(v) -> str:
    return v if type(v) is str else _cell(v)


def _cell_of(kind: str):
    """_cell for a column whose validated values are of *kind* (see
    models.value_kind), with _cell itself for any other value."""
    fast = {"int": int, "decimal": Decimal, "date": date}.get(kind)
    conv = _CELL_BY_TYPE.get(fast)
    if conv is None:
        return _cell
    return lambda v: conv(v) if type(v) is fast else _cell(v)


def _cell_plan(model: type[BaseModel], cols: list[str]) -> tuple[tuple[tuple[int, object], ...], tuple[int, ...]]:
    """How a record's field values become CSV cells: (index, converter) of
    each column whose values are not always str, and the indices of the
    columns that may hold text (the only cells that can need quoting: a
    number or a date never holds a comma, a quote or a line break)."""
    convert, text = [], []
    for i, c in enumerate(cols):
        f = model.model_fields[c]
        kind = value_kind(f.annotation)
        if kind == "text":
            text.append(i)
            if not (f.annotation is str or (isinstance(f.annotation, type) and issubclass(f.annotation, Enum))):
                convert.append((i, _text_or_empty))  # Optional[str]: None is the empty cell
        else:
            convert.append((i, _cell_of(kind)))
    return tuple(convert), tuple(text)


_ROW_GETTERS: dict[type, operator.itemgetter] = {}


def row_of(record: BaseModel) -> tuple:
    """A validated record as a plain tuple of its field values in column
    order: what a worker process sends to the writing parent. Pickling the
    tuples costs a sixth of pickling the models (whose unpickling, in the
    parent, cost more than writing them)."""
    get = _ROW_GETTERS.get(type(record))
    if get is None:
        cols = columns(type(record))
        get = _ROW_GETTERS[type(record)] = operator.itemgetter(*cols) if len(cols) > 1 else (
            lambda d, c=cols[0]: (d[c],))
    return get(record.__dict__)


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
        # One tuple of field values per record, in column order (a 1-tuple too).
        getter = operator.itemgetter(*self.cols)
        self._values = getter if len(self.cols) > 1 else (lambda d: (getter(d),))
        self._commas = len(self.cols) - 1
        self._convert, self._text_cells = _cell_plan(model, self.cols)
        # The csv module formats only the rare line a plain join cannot (see _lines).
        self._sio = io.StringIO()
        self._fallback = csv.writer(self._sio, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self._csv = open(Path(directory) / f"{name}.csv", "w", encoding="utf-8", newline="")
        self._csv.write(self._lines([self.cols])[0])
        self._xl = None
        if excel:  # the spreadsheet copy, written in the same pass (see publish.write_excel_copies)
            from .publish import EXCEL_DIR, INJECTION_PREFIXES, text_columns

            xd = Path(directory) / EXCEL_DIR
            xd.mkdir(exist_ok=True)
            # utf-8 with the BOM written by hand: the bytes of utf-8-sig, without
            # its incremental encoder (pure Python) running on every write.
            self._xl = open(xd / f"{name}.csv", "w", encoding="utf-8", newline="")
            self._xl.write("\ufeff" + self._lines([self.cols])[0])
            texty = text_columns(model)
            self._risky = [i for i, c in enumerate(self.cols) if c in texty]
            self._formula_starts = frozenset(p[0] for p in INJECTION_PREFIXES)
            # A text cell that may start like a formula, in the text cells each
            # preceded by \x1f: a hit is checked cell by cell; no hit means no
            # such cell (the literal \x1f lets re skip ahead fast).
            self._suspect = re.compile(
                "\x1f[" + "".join(re.escape(c) for c in sorted(self._formula_starts)) + "]").search
            get = operator.itemgetter(*self._risky) if self._risky else (lambda line: ())
            self._risky_cells = get if len(self._risky) != 1 else (lambda line: (get(line),))
        self._pq = pq.ParquetWriter(Path(directory) / f"{name}.parquet", self.schema)
        self._rows: list[tuple] = []  # buffered for the next Parquet row group

    def _lines(self, rows: list[list[str]], quotable: tuple[int, ...] | None = None) -> list[str]:
        """The CSV line of each row (cells all str, CRLF included), exactly as
        csv.writer writes it (RFC 4180, QUOTE_MINIMAL).

        Most lines need no quoting: they are the plain join of their cells.
        A line with a comma inside a cell, a quote or a line break has those
        cells quoted (quotes doubled), as csv does; the odd line with NUL, or
        a row of one empty cell (csv writes \"\"), is left to csv.writer.
        *quotable* names the cells that may hold such characters (the text
        columns; a number or a date never does); by default, every cell.
        """
        commas, needs_quotes, special = self._commas, _NEEDS_QUOTES.search, _SPECIAL.search
        out = []
        for cells in rows:
            line = ",".join(cells)
            if line.count(",") != commas or special(line) is not None or not line:
                if not line or "\x00" in line:
                    sio = self._sio
                    sio.seek(0)
                    sio.truncate()
                    self._fallback.writerow(cells)
                    out.append(sio.getvalue())
                    continue
                if quotable is None:
                    line = ",".join(['"' + c.replace('"', '""') + '"' if needs_quotes(c) else c for c in cells])
                else:
                    quoted = cells.copy()
                    for i in quotable:
                        c = quoted[i]
                        if needs_quotes(c) is not None:
                            quoted[i] = '"' + c.replace('"', '""') + '"'
                    line = ",".join(quoted)
            out.append(line + "\r\n")
        return out

    def write(self, records: Iterable[BaseModel]) -> None:
        """Write validated records of the writer's model."""
        values = self._values
        self.write_rows(values(r.__dict__) for r in records)  # the validated field values (enums stored as values)

    def write_rows(self, rows: Iterable[tuple]) -> None:
        """Write rows as ``row_of`` gives them: a validated record's field
        values in column order (what worker processes send, see pipeline)."""
        buffered, batch = self._rows, self.batch
        convert = self._convert
        lines = []
        for vals in rows:
            cells = list(vals)
            for i, to_cell in convert:  # the cells that are not already str
                cells[i] = to_cell(cells[i])
            lines.append(cells)
            buffered.append(vals)
            self.count += 1
            if len(buffered) >= batch:
                self._write_lines(lines)
                lines = []
                self._flush()
                buffered = self._rows
        self._write_lines(lines)

    def _write_lines(self, lines: list[list[str]]) -> None:
        if not lines:
            return
        text = self._lines(lines, self._text_cells)
        self._csv.write("".join(text))
        if self._xl is None:
            return
        # The Excel copy differs only on lines with a text cell that opens like
        # a formula; a cheap look at the text cells joined skips the others.
        risky, starts, suspect = self._risky, self._formula_starts, self._suspect
        pick = self._risky_cells
        for k, line in enumerate(lines):
            if risky and suspect("\x1f" + "\x1f".join(pick(line))) is not None:
                changed = False
                for i in risky:
                    v = line[i]
                    if v and v[0] in starts:
                        line[i] = "'" + v  # the CSV line is already written: the list is free to change
                        changed = True
                if changed:
                    text[k] = self._lines([line])[0]
        self._xl.write("".join(text))

    def _flush(self) -> None:
        rows = self._rows
        if not rows:
            return
        arrays = {}
        for c, col in zip(self.cols, zip(*rows)):
            if any(issubclass(t, Enum) for t in set(map(type, col))):
                col = [v.value if isinstance(v, Enum) else v for v in col]
            arrays[c] = col
        table = pa.table({c: _arrow_array(arrays[c], self.schema.field(c).type) for c in self.schema.names},
                         schema=self.schema)
        self._pq.write_table(table)
        self._rows = []

    def close(self) -> None:
        self._flush()
        if self.count == 0:  # a header-only table still gets its schema
            self._pq.write_table(self.schema.empty_table())
        self._pq.close()
        self._csv.close()
        if self._xl is not None:
            self._xl.close()


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MONEY_UNIT = 10 ** MONEY_TYPE.scale
_MONEY_LIMIT = 10 ** MONEY_TYPE.precision


def _validity(col, n: int):
    """Arrow's validity bitmap of *col* (None where no value is missing) and the null count."""
    nulls = col.count(None)
    if not nulls:
        return None, 0
    bits = "".join(["0" if v is None else "1" for v in col])
    return pa.py_buffer(int(bits[::-1], 2).to_bytes((n + 7) // 8, "little")), nulls


def _arrow_array(values, type_: pa.DataType) -> pa.Array:
    """pa.array(values, type=type_), built from buffers for the column types
    records have (string, int64, float64, date32, the money decimal).

    pa.array asks whether pandas is installed on its first call, which imports
    pandas (about 0.3 s); the buffers need no such probe. Any value of another
    type, or out of range, goes to pa.array, which converts it or raises as
    it always did.
    """
    try:
        array = _arrow_from_buffers(list(values), type_)
    except (ValueError, TypeError, OverflowError, ArithmeticError, UnicodeError):
        array = None
    return array if array is not None else pa.array(values, type=type_)


def _arrow_from_buffers(col: list, type_: pa.DataType) -> pa.Array | None:
    n = len(col)
    kinds = set(map(type, col))
    kinds.discard(type(None))
    if type_ == pa.string():
        if not kinds <= {str}:
            return None
        data = [b"" if v is None else v.encode("utf-8") for v in col]
        offsets = array("i", accumulate(map(len, data), initial=0))  # OverflowError past 2 GiB
        validity, nulls = _validity(col, n)
        return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))], nulls)
    if type_ == pa.int64():
        if not kinds <= {int}:
            return None
        data = array("q", [0 if v is None else v for v in col])
    elif type_ == pa.float64():
        if not kinds <= {float}:
            return None
        data = array("d", [0.0 if v is None else v for v in col])
    elif type_ == pa.date32():
        if not kinds <= {date}:
            return None
        data = array("i", [0 if v is None else v.toordinal() - _EPOCH_ORDINAL for v in col])
    elif type_ == MONEY_TYPE:
        if not kinds <= {Decimal}:
            return None
        parts = []
        for v in col:
            if v is None:
                parts.append(bytes(16))
                continue
            num, den = v.as_integer_ratio()  # exact; ValueError/OverflowError for NaN and infinities
            units, rest = divmod(num * _MONEY_UNIT, den)
            if rest or not -_MONEY_LIMIT < units < _MONEY_LIMIT:
                return None  # more decimals or digits than the column holds: pa.array says so
            parts.append(units.to_bytes(16, "little", signed=True))
        data = b"".join(parts)
    else:
        return None
    validity, nulls = _validity(col, n)
    return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(data)], nulls)


# What makes csv.writer (QUOTE_MINIMAL, CRLF) quote a cell: the delimiter, the
# quote character (doubled inside) or a line break. _SPECIAL finds the same in
# a whole line (its commas are counted instead), and NUL, left to csv.writer.
_NEEDS_QUOTES = re.compile('[,"\r\n]')
_SPECIAL = re.compile('["\r\n\x00]')


def write_table(directory: Path, name: str, model: type[BaseModel], records: list[BaseModel]) -> None:
    """Write a whole table at once (small tables, derived outputs)."""
    w = TableWriter(directory, name, model)
    try:
        w.write(records)
    finally:
        w.close()
