"""The cheaper record validation, pinned to what it stands in for.

* Choice fields (kinds, bounds, units) are validated as Literals of the enum's
  values: the same accepted values and the same stored str as the enum
  validator with use_enum_values.
* record_id hashes with CPython's own SHA-1: the same ids as hashlib.sha1.
* The record models ignore unknown keys instead of forbidding them: every
  place in extract/ that hands a record model its fields is read here and
  must name only the model's fields.
* Sentences.sentence_at keeps what it found per segment: the same sentences
  as the plain lookup, in any order of offsets.
"""
from __future__ import annotations

import ast
import csv
import hashlib
import json
import random
from enum import Enum
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from extract import models
from extract.cache import Cache
from extract.models import RECORD_MODELS, Amount, Bound, Choice, Project, record_id
from extract.sentences import MAX_SENTENCE, Sentences

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


# --- unknown keys ------------------------------------------------------------------

RECORD_CLASSES = {m.__name__: m for m in RECORD_MODELS.values()}


def _literal_keys(node: ast.AST) -> list[str] | None:
    """The keys of a dict display or dict(...) call with constant keys only, else None."""
    if isinstance(node, ast.Dict):
        if all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            return [k.value for k in node.keys]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        if all(k.arg is not None for k in node.keywords):
            return [k.arg for k in node.keywords]
    return None


def _record_inputs():
    """(place, model, keys or None) for every place in extract/ that hands a
    record model (by name) its fields: the model's own validator bound to a
    name and called, the constructor, model_validate. None: not literal."""
    for path in sorted((ROOT / "extract").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        validators: dict[str, type] = {}
        bound_attrs = set()
        for node in ast.walk(tree):  # name = Model.__pydantic_validator__.validate_python
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                v = node.value
                if (isinstance(v, ast.Attribute) and v.attr == "validate_python" and isinstance(v.value, ast.Attribute)
                        and v.value.attr == "__pydantic_validator__" and isinstance(v.value.value, ast.Name)
                        and v.value.value.id in RECORD_CLASSES):
                    name, model = node.targets[0].id, RECORD_CLASSES[v.value.value.id]
                    assert validators.setdefault(name, model) is model, f"{path.name}: {name} names two validators"
                    bound_attrs.add(id(v.value))
        for node in ast.walk(tree):
            place = f"{path.name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute) and node.attr == "__pydantic_validator__" \
                    and isinstance(node.value, ast.Name) and node.value.id in RECORD_CLASSES and id(node) not in bound_attrs:
                yield place, RECORD_CLASSES[node.value.id], None  # used some other way: not checkable
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id in validators:
                keys = _literal_keys(node.args[0]) if len(node.args) == 1 and not node.keywords else None
                yield place, validators[f.id], keys
            elif isinstance(f, ast.Name) and f.id in RECORD_CLASSES:
                ok = not node.args and all(k.arg is not None for k in node.keywords)
                yield place, RECORD_CLASSES[f.id], [k.arg for k in node.keywords] if ok else None
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in RECORD_CLASSES \
                    and f.attr.startswith("model_"):
                keys = _literal_keys(node.args[0]) if len(node.args) == 1 and f.attr == "model_validate" else None
                yield place, RECORD_CLASSES[f.value.id], keys


def test_every_record_built_in_extract_names_only_its_models_fields():
    """What makes extra="forbid" unneeded: no record input can hold an unknown key."""
    seen = set()
    for place, model, keys in _record_inputs():
        assert keys is not None, f"{place}: {model.__name__} gets fields that are not literal names"
        unknown = set(keys) - set(model.model_fields)
        assert not unknown, f"{place}: {model.__name__} has no field(s) {sorted(unknown)}"
        seen.add(model)
    assert seen == set(RECORD_MODELS.values())  # every extractor's call was found and read


def test_records_validated_generically_are_key_checked_or_filtered(tmp_path):
    """The other ways records are validated: a cache entry with an unknown key
    is refused (and re-extracted); publish.read_records keeps only the fields."""
    fields = dict(article_id="a", text="合肥项目", char_start=3, char_end=7, sentence="x", rule_id="project.x",
                  name="合肥项目", name_text="合肥项目", kind="project", status="signed")
    project = Project.model_validate(fields)
    article = models.Article(article_id="a", path="a.txt", sha256="0", encoding="utf-8", script="simplified",
                             n_chars=7, body_start=0, body_end=7)
    cache = Cache(tmp_path)
    cache.put("k1", article, {"projects": [project]})
    assert cache.get("k1")[1]["projects"] == [project]
    cache.put("k2", article, {"projects": [project]})
    path = cache._path("k2")
    entry = json.loads(path.read_text(encoding="utf-8"))
    payload = json.loads(entry["payload"])
    payload["records"]["projects"][0]["colour"] = "red"
    entry["payload"] = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    entry["checksum"] = hashlib.sha256(entry["payload"].encode()).hexdigest()
    path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    assert cache.get("k2") is None and not path.exists()
    from extract.publish import read_records

    row = {**project.model_dump(mode="json"), "colour": "red"}
    with open(tmp_path / "projects.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        w.writeheader()
        w.writerow({k: "" if v is None else v for k, v in row.items()})
    assert read_records(tmp_path, "projects") == [project]


# --- sentences ---------------------------------------------------------------------

def _reference_sentence(sn: Sentences, offset: int) -> str:
    """sentence_at as a plain lookup: the last trimmed, non-empty sentence
    starting at or before *offset* (else the first), cut to MAX_SENTENCE."""
    before = [sp for sp in sn.spans if sp[0] <= offset]
    s, e = before[-1] if before else (sn.spans[0] if sn.spans else (0, 0))
    if e - s > MAX_SENTENCE:
        s = max(s, min(offset - MAX_SENTENCE // 2, e - MAX_SENTENCE))
        return sn.text[s:s + MAX_SENTENCE]
    return sn.text[s:e]


def _texts() -> list[str]:
    rng = random.Random(9)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "articles").glob("*.txt"))]
    alphabet = ["。", "！", "？", "；", "\n", " ", "　", "\t", "5", "中", "a", "，", "。。", "\r\n"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    texts += ["中" * 900 + "。" + " 国" * 300, "\n\n  \n", ""]
    return texts


def test_sentence_at_is_the_plain_lookup_in_any_order():
    from extract.articles import Document

    rng = random.Random(4)
    for text in _texts():
        offsets = list(range(len(text) + 1)) * 2
        rng.shuffle(offsets)
        for sn in (Sentences(text), Document.from_text(text, "t").sentences):
            ref = Sentences(text)
            for off in offsets:
                assert sn.sentence_at(off) == _reference_sentence(ref, off), (text, off)
            assert [sn.span_at(o) for o in range(len(text) + 1)] == \
                   [_reference_span(ref, o) for o in range(len(text) + 1)]


def _reference_span(sn: Sentences, offset: int) -> tuple[int, int]:
    before = [sp for sp in sn.spans if sp[0] <= offset]
    return before[-1] if before else (sn.spans[0] if sn.spans else (0, 0))
