"""The cheaper record validation, pinned to what it stands in for.

* Choice fields (kinds, bounds, units) are validated as Literals of the enum's
  values: the same accepted values and the same stored str as the enum
  validator with use_enum_values.
* record_id hashes with CPython's own SHA-1: the same ids as hashlib.sha1.
"""
from __future__ import annotations

import hashlib
import random
from enum import Enum
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from extract import models
from extract.models import Amount, Bound, Choice, Project, record_id

ROOT = Path(__file__).resolve().parent.parent
CHOICES = [c for c in vars(models).values() if isinstance(c, type) and issubclass(c, Choice) and c is not Choice]


# --- Choice fields -----------------------------------------------------------------

def _enum_model(enum_cls: type[Enum]) -> type[BaseModel]:
    """A field of the plain (str, Enum) twin of *enum_cls*, as the models had it."""
    plain = Enum(enum_cls.__name__, {m.name: m.value for m in enum_cls}, type=str)

    class Reference(BaseModel):
        model_config = ConfigDict(use_enum_values=True)
        v: plain  # type: ignore[valid-type]

    return Reference


def _choice_model(enum_cls: type[Enum]) -> type[BaseModel]:
    class WithChoice(BaseModel):
        model_config = ConfigDict(use_enum_values=True)
        v: enum_cls  # type: ignore[valid-type]

    return WithChoice


@pytest.mark.parametrize("enum_cls", CHOICES, ids=lambda c: c.__name__)
def test_choice_fields_accept_and_store_what_the_enum_validator_did(enum_cls):
    assert len(CHOICES) >= 7
    ref, new = _enum_model(enum_cls), _choice_model(enum_cls)
    for member in enum_cls:
        for given in (member.value, member):
            got = new(v=given).v
            assert got == ref(v=given).v == member.value
            assert type(got) is str
    for wrong in ("", "x", member.value.upper() + "_", " " + member.value, 1, None, 2.5):
        with pytest.raises(ValidationError):
            ref(v=wrong)
        with pytest.raises(ValidationError):
            new(v=wrong)


def test_choice_types_stay_the_field_annotations():
    """publish, output and sqlite_export read the Enum class off the annotation."""
    assert Amount.model_fields["bound"].annotation is Bound
    assert Project.model_fields["kind"].annotation is models.ProjectKind
    assert [m.value for m in Bound] == ["exact", "approx", "min", "max", "range"]


# --- record ids --------------------------------------------------------------------

def test_record_ids_are_the_hashlib_sha1_ids():
    assert record_id("0000000_000_699eb03364696f07", "projects", 1103, 1120, "project.list_item") == "59867f4c0c8754a5"
    assert record_id("某文章_2024", "amounts", 0, 5, "amount.symbol") == "f9507f54e16a1cc3"
    rng = random.Random(5)
    alphabet = "abc_019.某文章\x1f"
    for _ in range(2000):
        parts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90))) for _ in range(3)]
        start, end = rng.randint(0, 10**7), rng.randint(0, 10**7)
        want = hashlib.sha1(f"{parts[0]}\x1f{parts[1]}\x1f{start}\x1f{end}\x1f{parts[2]}".encode()).hexdigest()[:16]
        assert record_id(parts[0], parts[1], start, end, parts[2]) == want


def test_a_record_gets_its_id_and_keeps_a_given_one():
    fields = dict(article_id="a", text="合肥项目", char_start=3, char_end=7, sentence="x", rule_id="project.x",
                  name="合肥项目", name_text="合肥项目", kind="project", status="signed")
    p = Project.model_validate(fields)
    assert p.record_id == "79805ad45c9e16e3" == record_id("a", "projects", 3, 7, "project.x")
    assert "record_id" in p.model_fields_set
    assert Project.model_validate({**fields, "record_id": "given"}).record_id == "given"
    with pytest.raises(ValidationError):
        Project.model_validate({**fields, "char_end": 8})  # the span must hold the text
    with pytest.raises(ValidationError):
        Project.model_validate({**fields, "kind": "factory"})
