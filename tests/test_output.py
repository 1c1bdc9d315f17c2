"""The table writer's fast paths against the libraries they stand in for:
CSV lines against csv.writer, Arrow columns against pa.array."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings, strategies as st

from extract.models import Amount
from extract.output import MONEY_TYPE, TableWriter, _arrow_array

CELL = st.text(alphabet=st.sampled_from(list('ab,"\r\n\x00 \t=+-亿元，“”')), max_size=8)


def _csv_module(rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return buf.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=6))
def test_csv_lines_are_what_csv_writer_writes(tmp_path_factory, rows):
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    w = TableWriter(tmp_path_factory.mktemp("w"), "amounts", Amount)
    w._commas = width - 1  # the writer is built for its model's width; test other widths too
    try:
        assert "".join(w._lines(rows)) == _csv_module(rows)
    finally:
        w.close()


MONEY = st.decimals(min_value=Decimal("-1e20"), max_value=Decimal("1e20"), places=6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.tuples(st.just(pa.string()), st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=8)),
    st.tuples(st.just(pa.int64()), st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)), max_size=8)),
    st.tuples(st.just(pa.date32()), st.lists(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2100, 1, 1))), max_size=8)),
    st.tuples(st.just(MONEY_TYPE), st.lists(st.one_of(st.none(), MONEY), max_size=8)),
))
def test_arrow_columns_equal_pa_array(case):
    type_, values = case
    assert _arrow_array(values, type_).equals(pa.array(values, type=type_))


TEXT = st.text(alphabet=st.sampled_from(list('ab,"\r\n \t=+-亿元，“”')), max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT.filter(bool), TEXT, st.one_of(st.none(), TEXT), MONEY, st.one_of(st.none(), MONEY),
                          st.integers(0, 10**9)), min_size=0, max_size=6))
def test_written_records_are_what_csv_writer_writes(tmp_path_factory, cases):
    # The writer's per-column cell plan (only text columns checked for quoting,
    # None as the empty cell) against the csv module over _cell of every field.
    from extract.output import csv_text

    records = [Amount(article_id="a,1", text=text, char_start=start, char_end=start + len(text), sentence=sentence,
                      rule_id="amount.x", value_cny=value, value=value, high=high, currency="CNY", bound="exact",
                      kind="investment", subject=subject)
               for text, sentence, subject, value, high, start in cases]
    d = tmp_path_factory.mktemp("w")
    w = TableWriter(d, "amounts", Amount)
    w.write(records)
    w.close()
    assert (d / "amounts.csv").read_bytes().decode("utf-8") == csv_text(Amount, records)


FORMULA_TEXT = st.text(alphabet=st.sampled_from(list('ab,"\r\n\x00 \t=+-@\'亿元，“”')), max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(FORMULA_TEXT.filter(bool), FORMULA_TEXT, st.one_of(st.none(), FORMULA_TEXT),
                          MONEY, st.one_of(st.none(), MONEY), st.integers(0, 10**9)), min_size=0, max_size=9),
       st.integers(1, 4), st.lists(st.integers(0, 4), max_size=4))
def test_batched_writes_are_the_csv_excel_and_parquet_of_the_records(tmp_path_factory, cases, batch, cuts):
    # Batches of a few rows, written in calls of a few records: the CSV is
    # csv.writer's (NUL included: such a batch goes line by line), the Excel
    # copy is what publish.write_excel_copies makes of that CSV (formula
    # openings neutralised), and Parquet holds pa.array of each column.
    import pyarrow.parquet as pq
    from extract.output import arrow_schema, csv_text
    from extract.publish import EXCEL_DIR, write_excel_copies

    records = [Amount(article_id="a,1", text=text, char_start=start, char_end=start + len(text), sentence=sentence,
                      rule_id="=amount.x" if start % 2 else "amount.x", value_cny=value, value=value, high=high,
                      currency="CNY", bound="exact", kind="investment", subject=subject)
               for text, sentence, subject, value, high, start in cases]
    d = tmp_path_factory.mktemp("w")
    w = TableWriter(d, "amounts", Amount, batch=batch, excel=True)
    i = 0
    for n in cuts + [len(records)]:
        w.write(records[i:i + n])
        i += n
    w.close()
    assert w.count == len(records)
    assert (d / "amounts.csv").read_bytes().decode("utf-8") == csv_text(Amount, records)
    if "\x00" not in (d / "amounts.csv").read_text(encoding="utf-8"):  # csv.reader (in publish) reads no NUL
        ref = tmp_path_factory.mktemp("ref")
        (ref / "amounts.csv").write_bytes((d / "amounts.csv").read_bytes())
        write_excel_copies(ref)
        assert (d / EXCEL_DIR / "amounts.csv").read_bytes() == (ref / EXCEL_DIR / "amounts.csv").read_bytes()
    schema = arrow_schema(Amount)
    expected = pa.table({c: pa.array([r.__dict__[c] for r in records], type=schema.field(c).type)
                         for c in schema.names}, schema=schema)
    got = pq.ParquetFile(d / "amounts.parquet")
    assert got.read().equals(expected)
    assert [got.metadata.row_group(g).num_rows for g in range(got.metadata.num_row_groups)] == (
        [min(batch, len(records) - s) for s in range(0, len(records), batch)] or [0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(list('a\x1f\x00é亿😀,')), max_size=5)),
                min_size=1, max_size=8))
def test_string_column_from_joined_cells_equals_pa_array(values):
    from extract.output import _string_array_from_joined

    cells = [v or "" for v in values]
    array = _string_array_from_joined("\x1f".join(cells), values, set(map(type, values)))
    if any("\x1f" in c for c in cells):
        assert array is None  # the separator inside a value: the writer builds this column value by value
    else:
        array.validate(full=True)
        assert array.equals(pa.array(values, type=pa.string()))


ANY_DECIMAL = st.one_of(MONEY, st.decimals(allow_nan=True, allow_infinity=True),
                        st.decimals(min_value=Decimal("-1e40"), max_value=Decimal("1e40"), places=8))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), ANY_DECIMAL), min_size=1, max_size=8))
def test_money_column_by_cast_equals_pa_array(values):
    # The cast of the values' text is the decimal array pa.array makes of
    # them, or None exactly where pa.array refuses them (too many decimals or
    # digits, NaN, infinity): the writer then leaves them to pa.array.
    from extract.output import _money_array

    array = _money_array(values, set(map(type, values)))
    try:
        expected = pa.array(values, type=MONEY_TYPE)
    except (pa.ArrowInvalid, ValueError, TypeError, OverflowError, ArithmeticError):
        assert array is None
    else:
        assert array is not None and array.equals(expected)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab,"\r\n\x00\x1f 亿，“”')), max_size=12))
def test_quote_check_of_a_joined_column_is_the_regex(text):
    import re

    from extract.output import _needs_quotes_or_nul

    assert _needs_quotes_or_nul(text) == (re.search('[,"\r\n\x00]', text) is not None)
