"""Typed records, one pydantic model per output table.

Money is Decimal, kinds/bounds/units are enums, spans are half-open code-point
offsets into the original article text, and every record names the rule that
produced it. The field descriptions feed the generated codebook.
"""
from __future__ import annotations

import hashlib
import typing
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import ClassVar, Optional

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import core_schema


class Choice(str, Enum):
    """A closed list of words: a kind, a bound, a unit, a status.

    The class is the one list of allowed values (the data package's and the
    codebook's ``enum`` are read from it). A record field of a Choice type
    holds the word itself, a plain str, as ``use_enum_values`` would give,
    and pydantic validates it as a ``Literal`` of the values: one lookup in
    pydantic-core, where the enum validator plus ``use_enum_values``' Python
    call to take ``.value`` cost twice as much (~1.9k instructions a field,
    on every record of every table). A value outside the list is still a
    ValidationError.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        return core_schema.literal_schema([m.value for m in cls])


class Bound(Choice):
    exact = "exact"
    approx = "approx"
    min = "min"
    max = "max"
    range = "range"


class AmountKind(Choice):
    investment = "investment"
    output_value = "output_value"
    gdp = "gdp"
    fund = "fund"
    bond = "bond"
    subsidy = "subsidy"
    consumption = "consumption"
    revenue = "revenue"
    other = "other"


class Metric(Choice):
    vehicle_output = "vehicle_output"
    nev_output = "nev_output"
    nev_sales = "nev_sales"
    vehicle_sales = "vehicle_sales"
    vehicle_output_sales = "vehicle_output_sales"
    capacity = "capacity"
    output_value = "output_value"
    gdp = "gdp"
    investment = "investment"
    other = "other"


class Unit(Choice):
    vehicle = "vehicle"
    CNY = "CNY"


class ProjectKind(Choice):
    project = "project"
    plant = "plant"
    base = "base"
    park = "park"
    line = "line"
    centre = "centre"
    works = "works"
    other = "other"


class Status(Choice):
    planned = "planned"
    negotiating = "negotiating"
    signed = "signed"
    started = "started"
    under_construction = "under_construction"
    completed = "completed"
    unknown = "unknown"


class DateKind(Choice):
    published = "published"
    absolute = "absolute"
    relative = "relative"
    period = "period"


def base_type(annotation):
    """The type inside Optional[...]: what output, data package and SQL types are mapped from."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def value_kind(annotation) -> str:
    """What a field holds, for mapping to a file format's own types: "bool",
    "int", "decimal", "float", "date", or "text" (str, enums, anything else)."""
    base = base_type(annotation)
    if isinstance(base, type):
        for kind, types in (("bool", bool), ("text", Enum), ("int", int), ("decimal", Decimal),
                            ("float", float), ("date", date)):
            if issubclass(base, types):
                return kind
    return "text"


def record_id(article_id: str, table: str, start: int, end: int, rule_id: str) -> str:
    """Stable id: the same article, span and rule give the same id on every run."""
    return _sha1(f"{article_id}\x1f{table}\x1f{start}\x1f{end}\x1f{rule_id}".encode()).hexdigest()[:16]


try:
    # CPython's own SHA-1 (the module hashlib falls back to): the same digest
    # as hashlib.sha1, which is OpenSSL's, whose set-up per call (a context,
    # a provider fetch) costs more than hashing the 60-odd bytes of an id:
    # ~8.4k instead of ~10k instructions per record id.
    from _sha1 import sha1 as _sha1
except ImportError:  # a Python built without it
    _sha1 = hashlib.sha1


class Record(BaseModel):
    """Columns every record table has: provenance first."""

    # Unknown keys are impossible rather than checked: the extractors hand
    # the validator dicts of literal field names (tests/test_speed_rec.py
    # reads every such call and checks its keys), and the cache refuses an
    # entry with a key the model lacks. extra="forbid" would look up every
    # key of every record a second time, ~12% of a record's validation.
    model_config = ConfigDict(extra="ignore", use_enum_values=True)
    TABLE: ClassVar[str] = ""  # set by subclasses

    record_id: str = Field("", description="stable id from article, table, span and rule")
    article_id: str = Field(description="the article file name without extension")
    text: str = Field(min_length=1, description="the exact surface characters, in the article's own script")
    char_start: int = Field(ge=0, description="half-open start offset (code points) into the article text")
    char_end: int = Field(gt=0, description="half-open end offset: raw[char_start:char_end] == text")
    sentence: str = Field(description="the sentence that holds the mention, in the article's own script "
                          "(at most 400 characters around the mention when the sentence is longer)")
    rule_id: str = Field(description="id of the rule in rules/ that produced the record")

    @model_validator(mode="after")
    def _span(self):
        # The validated fields read from and record_id written to the
        # instance dict (what BaseModel.__setattr__ does for a field, less its
        # per-call checks): this runs for every record of every table.
        d = self.__dict__
        start, end = d["char_start"], d["char_end"]
        if end - start != len(d["text"]):
            raise ValueError("char_end - char_start must equal len(text)")
        if not d["record_id"]:
            d["record_id"] = record_id(d["article_id"], self.TABLE, start, end, d["rule_id"])
            self.__pydantic_fields_set__.add("record_id")
        return self


class Amount(Record):
    TABLE: ClassVar[str] = "amounts"
    value_cny: Optional[Decimal] = Field(None, description="the amount in yuan; null when the currency is not CNY")
    high_cny: Optional[Decimal] = Field(None, description="upper end of a CNY range, in yuan")
    value: Decimal = Field(description="the amount in the stated currency")
    high: Optional[Decimal] = Field(None, description="upper end of a range, in the stated currency")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    bound: Bound = Field(description="exact, approx (约), min (以上/超过), max (以下/不到) or range (50~60)")
    kind: AmountKind = Field(description="what the money is: investment, output_value, gdp, fund, …")
    subject: Optional[str] = Field(None, description="the project or body the sum belongs to, Simplified")


class Target(Record):
    TABLE: ClassVar[str] = "targets"
    subject: Optional[str] = Field(None, description="who the goal belongs to, Simplified")
    metric: Metric = Field(description="what is measured")
    metric_text: str = Field(description="the metric as written")
    value: Decimal = Field(description="goal value in base units (vehicles or yuan)")
    high: Optional[Decimal] = Field(None, description="upper end of a range goal")
    unit: Unit = Field(description="vehicle or CNY")
    bound: Bound = Field(description="as for amounts")
    year: Optional[int] = Field(None, description="the year the goal is due")
    period_start: Optional[int] = Field(None, description="first year of a multi-year period such as 十四五")
    stated_date: Optional[date] = Field(None, description="the article's publication date")


class Project(Record):
    TABLE: ClassVar[str] = "projects"
    name: str = Field(description="the name in Simplified script")
    name_text: str = Field(description="the name as written")
    kind: ProjectKind = Field(description="suffix class: project, plant, base, park, line, centre, works, other")
    investment_cny: Optional[Decimal] = Field(None, description="investment stated for the project, in yuan")
    status: Status = Field(description="planned, negotiating, signed, started, under_construction, completed, unknown")
    location: Optional[str] = Field(None, description="the place the article gives for it, Simplified")


class DateRef(Record):
    TABLE: ClassVar[str] = "dates"
    kind: DateKind = Field(description="published, absolute, relative or period")
    start: date = Field(description="first day the expression covers (inclusive)")
    end: date = Field(description="last day the expression covers (inclusive)")
    reference_date: Optional[date] = Field(None, description="the date a relative expression was resolved against")


class Article(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    TABLE: ClassVar[str] = "articles"

    article_id: str = Field(description="the article file name without extension")
    path: str = Field(description="path of the file as read")
    sha256: str = Field(description="SHA-256 of the file's bytes")
    encoding: str = Field(description="utf-8, utf-8-sig, gb18030 or big5")
    script: str = Field(pattern="^(simplified|traditional)$", description="simplified or traditional")
    title: Optional[str] = Field(None, description="the headline")
    published_date: Optional[date] = Field(None, description="publication date")
    date_source: Optional[str] = Field(None, pattern="^(header|body)$", description="header, body or null")
    outlet: Optional[str] = Field(None, description="the 来源 the article names")
    n_chars: int = Field(ge=0, description="length of the text in code points")
    body_start: int = Field(ge=0, description="offset where the article body starts")
    body_end: int = Field(ge=0, description="offset where the article body ends")
    n_amounts: int = Field(0, description="amount records")
    n_targets: int = Field(0, description="target records")
    n_projects: int = Field(0, description="project records")
    n_dates: int = Field(0, description="date records")


RECORD_MODELS: dict[str, type[Record]] = {
    "amounts": Amount,
    "targets": Target,
    "projects": Project,
    "dates": DateRef,
}
TABLES = ("articles", "amounts", "targets", "projects", "dates")
