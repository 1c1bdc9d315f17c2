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
