"""Numbers written in Arabic digits, Chinese numerals or a mix, as Decimal.

    >>> parse_number("1.5万亿")
    Decimal('1500000000000')
    >>> parse_number("一千六百一十七亿")
    Decimal('161700000000')
    >>> parse_number("3万4000")
    Decimal('34000')

Input is expected in the Simplified, half-width shadow (see shadow.py), so
Traditional 萬/億/兩 and full-width digits have already become 万/亿/两 and
ASCII. Unparseable input gives None, never an exception.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
# Big units, highest first; 兆 is 10^12 in financial Chinese.
BIG_UNITS = (("兆", Decimal(10) ** 12), ("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4))
NUMERAL_CHARS = frozenset(DIGITS) | frozenset(SMALL_UNITS) | {u for u, _ in BIG_UNITS}


def _arabic(s: str) -> Decimal | None:
    s = s.replace(",", "").replace("，", "").replace(" ", "").replace("。", ".")
    if not s or s.count(".") > 1 or s.startswith(".") or s.endswith("."):
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _tokens(s: str) -> list | None:
    """Split into Decimal numbers, small units (int) and big units (str)."""
    out: list = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isdigit():
            j = i
            while j < len(s) and (s[j].isdigit() or s[j] in ".,。" and j + 1 < len(s) and s[j + 1].isdigit()):
                j += 1
            val = _arabic(s[i:j])
            if val is None:
                return None
            out.append(val)
            i = j
        elif ch in DIGITS:
            out.append(Decimal(DIGITS[ch]))
            i += 1
        elif ch in SMALL_UNITS:
            out.append(SMALL_UNITS[ch])
            i += 1
        elif ch in ("兆", "亿", "万"):
            out.append(ch)
            i += 1
        elif ch in " ,，":
            i += 1
        else:
            return None
    return out


def _section(tokens: list) -> Decimal | None:
    """Value of a run with no big unit: 一千六百一十七, 一千零五十, 4000, 6千, 十八."""
    total = Decimal(0)
    run: list[Decimal] = []  # bare numbers since the last small unit
    for t in tokens:
        if isinstance(t, Decimal):
            if not run and t == 0 and total > 0:
                continue  # 零 marks a gap: 一千零五十
            run.append(t)
        else:
            if len(run) > 1:
                return None
            total += (run[0] if run else Decimal(1)) * t
            run = []
    if len(run) == 1:
        total += run[0]
    elif len(run) > 1:  # a digit string such as 二〇二〇
        if not all(d == d.to_integral_value() and 0 <= d < 10 for d in run):
            return None
        total += Decimal("".join(str(int(d)) for d in run))
    return total


def _value(tokens: list) -> Decimal | None:
    for name, mult in BIG_UNITS:
        if name in tokens:
            # Split on the last occurrence: left part is multiplied. 万亿 works
            # because the left part "1.5万" is itself parsed recursively.
            idx = len(tokens) - 1 - tokens[::-1].index(name)
            left, right = tokens[:idx], tokens[idx + 1:]
            if name in left or (name == "万" and "亿" in right):
                return None
            lv = _value(left) if left else Decimal(1)
            if lv is None:
                return None
            if right and right[0] == Decimal(0):  # 六十四万零一百四十三: 零 just marks a gap
                right = right[1:]
            rv = _value(right) if right else Decimal(0)
            if rv is None or rv >= mult:
                return None
            # 25万6千: a lone digit after a big unit with a small unit is fine;
            # "3万4" (bare digit) means 3.4万 colloquially: treat as 34000? no: reject.
            if right and len(right) == 1 and isinstance(right[0], Decimal) and right[0] < 10 and right[0] == right[0].to_integral_value() and left:
                return None
            return lv * mult + rv
    return _section(tokens)


# Deletes the characters an Arabic number may hold besides digits.
_ARABIC_SEPARATORS = str.maketrans("", "", ".,，。 ")
# The commonest shape by far: ASCII digits, maybe decimals, then 万 or 亿 (48.93亿).
_DIGITS_AND_UNIT = re.compile(r"([0-9]+(?:\.[0-9]+)?)(万|亿)")
_UNIT_VALUE = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8}
_ZERO = Decimal(0)
_ONE = Decimal(1)


def parse_number(s: str) -> Decimal | None:
    """The value of a number written in digits, Chinese numerals or both.

    A short string's value is kept (a bounded LRU cache): the parse is a pure
    function of the string and a Decimal is immutable, so a kept value is
    the value a new parse would give; the same few number strings (1亿, 10亿)
    come back across articles.
    """
    if not s:
        return None
    if len(s) <= _CACHED_LENGTH:
        return _parse_number_cached(s)
    return _parse_number(s)


_CACHED_LENGTH = 24  # longer strings are parsed each time


def _parse_number(s: str) -> Decimal | None:
    s = s.strip()
    digits = s.translate(_ARABIC_SEPARATORS)
    if not digits or digits.isdigit():  # every character a digit or a separator
        return _arabic(s)
    m = _DIGITS_AND_UNIT.fullmatch(s)
    if m:
        # What _value computes for the tokens [number, unit]: the section
        # 0 + number, times the unit, plus an empty right part 0.
        return normalize((_ZERO + Decimal(m.group(1))) * _UNIT_VALUE[m.group(2)] + _ZERO)
    tokens = _tokens(s)
    if not tokens:
        return None
    try:
        val = _value(tokens)
    except (InvalidOperation, ValueError):
        return None
    if val is None:
        return None
    return normalize(val)


_parse_number_cached = lru_cache(maxsize=4096)(_parse_number)


def normalize(d: Decimal) -> Decimal:
    """Drop a trailing fractional zero tail but never use exponent notation."""
    d = d.normalize()
    if d == d.to_integral_value():
        return d.quantize(_ONE)
    return d


def trailing_big_unit(s: str) -> str:
    """The run of unit characters that ends *s* (八到九百亿 → 百亿), for ranges."""
    i = len(s)
    while i > 0 and (s[i - 1] in SMALL_UNITS or s[i - 1] in ("万", "亿", "兆")):
        i -= 1
    return s[i:]


_CN_DIGIT_PAIR = "一二三四五六七八九"


def parse_digit_pair(s: str) -> tuple[Decimal, Decimal] | None:
    """Two neighbouring numerals as a rough range: 八九亿 → (8亿, 9亿), 三五百 → (300, 500).

    Only ascending pairs of ordinary numerals followed by units only; a
    digit string such as 二〇二〇 is not a pair.
    """
    if len(s) < 3 or s[0] not in _CN_DIGIT_PAIR or s[1] not in _CN_DIGIT_PAIR:
        return None
    lo, hi = DIGITS[s[0]], DIGITS[s[1]]
    rest = s[2:]
    if lo >= hi or not all(ch in SMALL_UNITS or ch in ("万", "亿", "兆") for ch in rest):
        return None
    unit = parse_number("一" + rest)
    if unit is None:
        return None
    return normalize(lo * unit), normalize(hi * unit)
