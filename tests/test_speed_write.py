"""The writer's fast paths pinned to the plain code they stand in for."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from extract.output import _cell, _column_cells, _IsoDates

VALUES = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6),
    st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("-0.000"), Decimal("5E+7"), Decimal("1E-9"),
                     Decimal("12345678901234567890123456789012345"), Decimal("NaN"), Decimal("-Infinity")]),
)
DATES = st.dates(date(1, 1, 1), date(9999, 12, 31))


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.lists(VALUES, max_size=12),
    st.lists(st.one_of(st.none(), VALUES), max_size=12),
    st.lists(DATES, max_size=12),
    st.lists(st.one_of(st.none(), DATES), max_size=12),
    st.lists(st.one_of(st.none(), DATES, st.datetimes(), st.integers(), st.text(max_size=3)), max_size=12),
))
def test_column_cells_are_cell_of_each_value(values):
    col = tuple(values)
    assert list(_column_cells(col, set(map(type, col)))) == [_cell(v) for v in col]


def test_iso_dates_memo_is_isoformat_and_bounded():
    memo = _IsoDates(limit=3)
    days = [date(2020, 1, d) for d in (1, 2, 3, 1, 4, 5, 2, 6)]
    assert [memo[d] for d in days] == [d.isoformat() for d in days]
    assert len(memo) <= 3


# Money that fits decimal(38, 6) but has more than the 28 digits normalize
# keeps (its CSV cell is rounded): Parquet must still hold the exact value.
WIDE_MONEY = st.one_of(
    st.decimals(min_value=Decimal("-1e20"), max_value=Decimal("1e20"), places=6, allow_nan=False),
    st.decimals(min_value=Decimal("-1e31"), max_value=Decimal("1e31"), places=6, allow_nan=False),
    st.sampled_from([Decimal("12345678901234567890123456789.123456"), Decimal("-0"), Decimal("5E+7"),
                     Decimal("1.000000"), Decimal("99999999999999999999999999999999.999999")]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(WIDE_MONEY, st.one_of(st.none(), WIDE_MONEY)), max_size=7), st.integers(1, 4))
def test_parquet_money_is_exact_whatever_the_csv_cell(tmp_path_factory, values, batch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from extract.models import Amount
    from extract.output import MONEY_TYPE, TableWriter

    records = [Amount(article_id="a", text="x", char_start=0, char_end=1, sentence="x", rule_id="amount.x",
                      value_cny=v, value=v, high=h, currency="CNY", bound="exact", kind="investment")
               for v, h in values]
    d = tmp_path_factory.mktemp("w")
    w = TableWriter(d, "amounts", Amount, batch=batch)
    w.write(records)
    w.close()
    got = pq.read_table(d / "amounts.parquet")
    for c in ("value", "high"):
        assert got.column(c).combine_chunks().equals(pa.array([r.__dict__[c] for r in records], type=MONEY_TYPE))
