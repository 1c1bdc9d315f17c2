"""Writing tables: CSV (RFC 4180, UTF-8, ISO dates, empty for null) and Parquet
with real types, into a directory that is swapped in whole, so a run that
fails half-way leaves the previous outputs untouched."""
from __future__ import annotations

import csv
import io
from array import array
from itertools import accumulate, chain, islice, repeat
import operator
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, Inexact, localcontext
from enum import Enum
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


def _decimal_cell(v: Decimal) -> str:
    return format(v.normalize(), "f")


class _IsoDates(dict):
    """date.isoformat of each date looked up, kept for the next lookups: a
    table's dates repeat (an article's publication date is the stated date
    of each of its targets), and isoformat goes through C's printf. Bounded:
    emptied when it holds *limit* dates."""

    def __init__(self, limit: int = 10_000):
        super().__init__()
        self.limit = limit

    def __missing__(self, day: date) -> str:
        if len(self) >= self.limit:
            self.clear()
        cell = self[day] = day.isoformat()
        return cell


# _cell for the exact types records hold (None: the value is its own cell).
_CELL_OF_TYPE = {str: None, int: str, float: str, bool: str, date: _IsoDates().__getitem__, Decimal: _decimal_cell}
# Types whose cells never hold a comma, a quote, a line break or NUL.
_PLAIN_TYPES = frozenset({int, float, bool, date, Decimal, type(None)})
_NONE = type(None)


def _column_cells(col: tuple, kinds: set) -> tuple | list:
    """_cell of each value of a column whose values are of the types *kinds*.

    A column of one exact type (and None) is converted by that type's own
    converter (the branch _cell would take for it), mostly in C-level maps;
    any other mix goes through _cell value by value.
    """
    types = kinds - {_NONE}
    if len(types) == 1:
        (t,) = types
        if t in _CELL_OF_TYPE:
            conv = _CELL_OF_TYPE[t]
            if _NONE not in kinds:
                if t is Decimal:  # _decimal_cell, its two calls mapped in C
                    return list(map(format, map(Decimal.normalize, col), repeat("f")))
                return col if conv is None else list(map(conv, col))
            if conv is None:
                return [v or "" for v in col]  # str or None
            return ["" if v is None else conv(v) for v in col]
    elif not types:  # all None
        return [""] * len(col)
    return list(map(_cell, col))


_INSTANCE_DICT = operator.attrgetter("__dict__")


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
    """Streams one table to CSV and Parquet: rows are buffered and written a
    batch at a time (CSV lines and a Parquet row group), so memory does not
    grow with the corpus.

    A batch is formatted column by column: the values of a column are of one
    or two types (a type and None), so each column is converted, checked for
    quoting and turned into an Arrow array by C-level maps and joins instead
    of Python code per row (see _flush).
    """

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
        # The csv module formats only the rare line a plain join cannot (see _lines).
        self._sio = io.StringIO()
        self._fallback = csv.writer(self._sio, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        # Binary files, written with the utf-8 bytes of each batch's text: the
        # bytes a text file (utf-8, newline="") writes, encoded once for both copies.
        header = self._lines([self.cols])[0].encode("utf-8")
        self._csv = open(Path(directory) / f"{name}.csv", "wb")
        self._csv.write(header)
        self._xl = None
        if excel:  # the spreadsheet copy, written in the same pass (see publish.write_excel_copies)
            from .publish import EXCEL_DIR, INJECTION_PREFIXES, text_columns

            xd = Path(directory) / EXCEL_DIR
            xd.mkdir(exist_ok=True)
            self._xl = open(xd / f"{name}.csv", "wb")
            self._xl.write("\ufeff".encode("utf-8") + header)  # utf-8-sig: the BOM, then utf-8
            texty = text_columns(model)
            self._risky = [i for i, c in enumerate(self.cols) if c in texty]
            self._formula_starts = frozenset(p[0] for p in INJECTION_PREFIXES)
            # A cell that may start like a formula, in a column's cells each
            # preceded by \x1f: a hit is checked cell by cell; no hit means no
            # such cell (the literal \x1f lets re skip ahead fast).
            self._suspect = re.compile(
                "\x1f[" + "".join(re.escape(c) for c in sorted(self._formula_starts)) + "]").search
        self._pq = pq.ParquetWriter(Path(directory) / f"{name}.parquet", self.schema)
        self._rows: list[tuple] = []  # the batch being filled

    def _lines(self, rows: list[list[str]], quotable: Iterable[int] | None = None) -> list[str]:
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
                    quoted = list(cells)
                    for i in quotable:
                        c = quoted[i]
                        if needs_quotes(c) is not None:
                            quoted[i] = '"' + c.replace('"', '""') + '"'
                    line = ",".join(quoted)
            out.append(line + "\r\n")
        return out

    def write(self, records: Iterable[BaseModel]) -> None:
        """Write validated records of the writer's model."""
        # The validated field values (enums stored as values) of each record.
        self.write_rows(map(self._values, map(_INSTANCE_DICT, records)))

    def write_rows(self, rows: Iterable[tuple]) -> None:
        """Write rows as ``row_of`` gives them: a validated record's field
        values in column order (what worker processes send, see pipeline)."""
        rows, batch = iter(rows), self.batch
        while True:  # batches of exactly self.batch rows, however the rows come
            buffered = self._rows
            before = len(buffered)
            buffered.extend(islice(rows, batch - before))
            self.count += len(buffered) - before
            if len(buffered) < batch:
                return
            self._flush()

    def _flush(self) -> None:
        rows = self._rows
        if not rows:
            return
        self._rows = []
        cols = list(zip(*rows))  # the values, column by column
        kinds = [set(map(type, col)) for col in cols]
        with localcontext() as ctx:  # a copy of the context, to read whether normalize rounded (Inexact)
            cells = [_column_cells(col, k) for col, k in zip(cols, kinds)]
        # Money cells no normalize rounded (28 digits) are exact: Parquet reads them.
        money = {} if ctx.flags[Inexact] else {
            i: cells[i] for i, (k, field) in enumerate(zip(kinds, self.schema))
            if field.type == MONEY_TYPE and k <= _DECIMAL_OR_NONE}
        # The columns that can hold text (any but numbers, dates and None),
        # their cells joined by \x1f: looked at for quoting and formulas, and
        # encoded once into an Arrow string column.
        text = [i for i, k in enumerate(kinds) if not k <= _PLAIN_TYPES]
        joined = {i: "\x1f".join(cells[i]) for i in text}
        self._write_csv(cells, text, joined)
        self._write_parquet(cols, kinds, joined, money)

    def _write_csv(self, cells: list, quotable: list[int], joined: dict[int, str]) -> None:
        """The batch's CSV lines, built column by column, and its Excel copy.

        *cells* are _cell of each column's values (_column_cells). Only the
        *quotable* columns (those that can hold text) are looked at for
        quoting, all their cells at once (*joined*): a cell is quoted (quotes
        doubled) only in a column where some cell holds a comma, a quote or a
        line break, and only if it holds one, which is what _lines and
        csv.writer do. A batch with a NUL, or a table of one column, goes
        through _lines line by line.
        """
        quoted = cells.copy()
        line_by_line = not self._commas
        for i in quotable:
            text = joined[i]
            if _needs_quotes_or_nul(text):
                if "\x00" in text:
                    line_by_line = True
                    break
                # _NEEDS_QUOTES's four characters looked for by `in` (memchr-like,
                # most cells stop at their first comma): half the time of a
                # regex search per cell, which makes a match object.
                quoted[i] = ['"' + c.replace('"', '""') + '"' if "," in c or '"' in c or "\n" in c or "\r" in c
                             else c for c in cells[i]]
        changed = self._excel_lines(cells, quotable, joined) if self._xl is not None else None
        if line_by_line:
            lines = [line[:-2] for line in self._lines(list(map(list, zip(*cells))), quotable)]
        else:
            lines = map(",".join, zip(*quoted))
        # The lines and a last empty one: the CRLF after the last line comes
        # with the join, not by copying the batch's text again (+ "\r\n").
        if changed:
            lines = list(lines)
            lines.append("")
            data = "\r\n".join(lines).encode("utf-8")
            for k, line in changed.items():
                lines[k] = line
            xl_data = "\r\n".join(lines).encode("utf-8")
        else:
            data = xl_data = "\r\n".join(chain(lines, ("",))).encode("utf-8")
        self._csv.write(data)
        if self._xl is not None:
            self._xl.write(xl_data)  # most batches: the CSV bytes themselves

    def _excel_lines(self, cells: list, quotable: list[int], joined: dict[int, str]) -> dict[int, str]:
        """The Excel copy's line (without CRLF) for each row, by index, that
        differs from the CSV line: rows with a text cell that opens like a
        formula, prefixed with ' (publish.neutralise). One look at each text
        column's cells joined by \x1f (*joined* has some) skips the columns
        without such a cell."""
        starts, suspect = self._formula_starts, self._suspect
        hits: set[int] = set()
        for i in self._risky:
            col = cells[i]
            text = joined.get(i)
            if text is None:
                text = "\x1f".join(col)
            if suspect(text) is not None or (col and col[0][:1] in starts):  # a hit after \x1f, or the first cell
                hits.update(k for k, v in enumerate(col) if v and v[0] in starts)
        changed = {}
        for k in sorted(hits):
            row = [col[k] for col in cells]
            for i in self._risky:
                v = row[i]
                if v and v[0] in starts:
                    row[i] = "'" + v
            changed[k] = self._lines([row], quotable)[0][:-2]
        return changed

    def _write_parquet(self, cols: list[tuple], kinds: list[set], joined: dict[int, str],
                       money: dict[int, list[str]]) -> None:
        """The batch as a Parquet row group. String columns come from their
        joined cells (*joined*), money columns by a cast of their text
        (_money_array; their exact CSV cells when in *money*), the rest from
        buffers (_arrow_array)."""
        arrays = []
        for i, (col, k, field) in enumerate(zip(cols, kinds, self.schema)):
            if any(issubclass(t, Enum) for t in k):
                col = [v.value if isinstance(v, Enum) else v for v in col]
                k = set(map(type, col))
            array = None
            if i in joined and field.type == pa.string() and k <= _STR_OR_NONE:
                array = _string_array_from_joined(joined[i], col, k)
            elif field.type == MONEY_TYPE and k <= _DECIMAL_OR_NONE:
                array = _money_array(col, k, money.get(i))
            arrays.append(array if array is not None else _arrow_array(col, field.type, k))
        self._pq.write_table(pa.Table.from_arrays(arrays, schema=self.schema))

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


_VALID_BITS = bytes.maketrans(b"\x00\x01", b"01")


def _validity(col, n: int, has_none: bool = True):
    """Arrow's validity bitmap of *col* (None where no value is missing) and
    the null count; *has_none* False (the column's types hold no None) skips the look."""
    if not has_none:
        return None, 0
    # One 0/1 byte per value (is_not gives False/True), then as b"0"/b"1"
    # read as a binary number with the first value as the lowest bit.
    present = bytes(map(operator.is_not, col, repeat(None)))
    nulls = n - present.count(1)
    if not nulls:
        return None, 0
    bits = present.translate(_VALID_BITS)
    return pa.py_buffer(int(bits[::-1], 2).to_bytes((n + 7) // 8, "little")), nulls


_STR_OR_NONE = frozenset({str, _NONE})


def _string_array_from_joined(joined: str, col, kinds: set) -> pa.Array | None:
    """The Arrow string array of *col* (str or None, of the types *kinds*) from its cells joined
    by \x1f (None as ""), or None if a cell holds \x1f itself.

    The utf-8 of the joined text is the values' bytes with a 0x1f byte
    between each two (0x1f is no part of any other character's utf-8), so
    the k-th separator, at byte p, ends value k at p - k once the separators
    are taken out: one encode and a numpy scan instead of an encode per
    value. A null's slot is empty, as _arrow_from_buffers makes it.
    """
    n = len(col)
    data = joined.encode("utf-8")
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 0x1f)
    if len(ends) != n - 1 or len(data) >= 2 ** 31:
        return None  # a value with \x1f, or past int32 offsets
    offsets = np.empty(n + 1, np.int32)
    offsets[0] = 0
    offsets[1:n] = ends - np.arange(n - 1)
    offsets[n] = len(data) - (n - 1)
    validity, nulls = _validity(col, n, _NONE in kinds)
    return pa.Array.from_buffers(pa.string(), n, [validity, pa.py_buffer(offsets),
                                                  pa.py_buffer(data.replace(b"\x1f", b""))], nulls)


_DECIMAL_OR_NONE = frozenset({Decimal, _NONE})


def _money_array(col, kinds: set, cells: list[str] | None = None) -> pa.Array | None:
    """The money (decimal128(38, 6)) array of *col* (Decimal or None, of the
    types *kinds*), or None when a value does not fit the column (more than
    6 decimals or 38 digits) or is not a number (NaN, infinity).

    str() of a Decimal is exact ("2E+7", "-0.5"; not the CSV cell, which is
    rounded to 28 digits), so Arrow's string-to-decimal cast reads each to
    the same 128-bit integer the buffers path (_arrow_from_buffers) computes
    with Python integers, at a quarter of the cost, and refuses what that
    path refuses. The CSV *cells* of the values (None as ""), when given,
    serve as well if normalize rounded none of them: they are the same
    numbers, written in full ("20000000").
    """
    if cells is None:
        cells = ["" if v is None else str(v) for v in col] if _NONE in kinds else list(map(str, col))
    strings = _string_array_from_joined("\x1f".join(cells), col, kinds)  # a cell never holds \x1f
    if strings is None:
        return None
    try:
        return pc.cast(strings, MONEY_TYPE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _arrow_array(values, type_: pa.DataType, kinds: set | None = None) -> pa.Array:
    """pa.array(values, type=type_), built from buffers for the column types
    records have (string, int64, float64, date32, the money decimal).
    *kinds*, if given, is the set of the values' types.

    pa.array asks whether pandas is installed on its first call, which imports
    pandas (about 0.3 s); the buffers need no such probe. Any value of another
    type, or out of range, goes to pa.array, which converts it or raises as
    it always did.
    """
    try:
        if kinds is None:
            values = list(values)
            kinds = set(map(type, values))
        array = _arrow_from_buffers(values, type_, kinds)
    except (ValueError, TypeError, OverflowError, ArithmeticError, UnicodeError):
        array = None
    return array if array is not None else pa.array(values, type=type_)


def _arrow_from_buffers(col, type_: pa.DataType, kinds: set) -> pa.Array | None:
    """The array from its buffers, or None for a value of a type the column
    type does not take. Columns without None are converted by C-level maps."""
    n = len(col)
    has_none = _NONE in kinds
    kinds = kinds - {_NONE}
    if type_ == pa.string():
        if not kinds <= {str}:
            return None
        data = [b"" if v is None else v.encode("utf-8") for v in col] if has_none else list(map(str.encode, col))
        offsets = array("i", accumulate(map(len, data), initial=0))  # OverflowError past 2 GiB
        validity, nulls = _validity(col, n, has_none)
        return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))], nulls)
    if type_ == pa.int64():
        if not kinds <= {int}:
            return None
        data = array("q", [0 if v is None else v for v in col] if has_none else col)
    elif type_ == pa.float64():
        if not kinds <= {float}:
            return None
        data = array("d", [0.0 if v is None else v for v in col] if has_none else col)
    elif type_ == pa.date32():
        if not kinds <= {date}:
            return None
        if has_none:
            data = array("i", [0 if v is None else v.toordinal() - _EPOCH_ORDINAL for v in col])
        else:
            data = array("i", map(operator.sub, map(date.toordinal, col), repeat(_EPOCH_ORDINAL)))
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
    validity, nulls = _validity(col, n, has_none)
    return pa.Array.from_buffers(type_, n, [validity, pa.py_buffer(data)], nulls)


# What makes csv.writer (QUOTE_MINIMAL, CRLF) quote a cell: the delimiter, the
# quote character (doubled inside) or a line break. _SPECIAL finds the same in
# a whole line (its commas are counted instead), and NUL, left to csv.writer;
# _needs_quotes_or_nul the same in a column's cells joined by \x1f.
_NEEDS_QUOTES = re.compile('[,"\r\n]')
_SPECIAL = re.compile('["\r\n\x00]')


def _needs_quotes_or_nul(text: str) -> bool:
    """Whether *text* holds a comma, a quote, a line break or NUL: five
    substring scans (memchr-like) read a column with none of them ten times
    faster than one regex character-class search, which tries each position."""
    return "," in text or '"' in text or "\n" in text or "\r" in text or "\x00" in text


def write_table(directory: Path, name: str, model: type[BaseModel], records: list[BaseModel]) -> None:
    """Write a whole table at once (small tables, derived outputs)."""
    w = TableWriter(directory, name, model)
    try:
        w.write(records)
    finally:
        w.close()
