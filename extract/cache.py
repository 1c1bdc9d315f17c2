"""Incremental runs: an article whose bytes, rules and tool version are
unchanged is not extracted again.

One JSON file per article, named by a key over (article id, content hash,
rules fingerprint, version). Each entry carries a checksum of its payload;
an entry that is unreadable, truncated, tampered with or fails model
validation is treated as missing (and re-extracted), never trusted.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from . import __version__
from .models import RECORD_MODELS, Article
from .rules import rules_dir


@lru_cache(maxsize=None)
def rules_fingerprint(directory: str | None = None) -> str:
    """Hash of every rule file's bytes and the tool version."""
    h = hashlib.sha256(__version__.encode())
    for p in sorted(Path(directory or rules_dir()).glob("*.yaml")):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _cached_record(model, data):
    """A cached record validated into *model*. The record models ignore
    unknown keys (the extractors hand them literal field names, checked by
    tests/test_speed_rec.py), so a key the model does not have (an entry
    written by a version with other fields) is refused here."""
    if isinstance(data, dict) and not data.keys() <= model.model_fields.keys():
        raise ValueError(f"unknown fields {sorted(data.keys() - model.model_fields.keys())}")
    return model.model_validate(data)


class Cache:
    def __init__(self, directory: str | Path):
        self.dir = Path(directory)
        self.hits = 0
        self.misses = 0

    def key(self, article_id: str, sha256: str, published: object = None) -> str:
        raw = f"{article_id}\0{sha256}\0{published}\0{rules_fingerprint()}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, key: str):
        """(Article, {table: [records]}) or None when missing or not trustworthy."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            payload = entry["payload"]
            if hashlib.sha256(payload.encode()).hexdigest() != entry["checksum"]:
                raise ValueError("checksum mismatch")
            data = json.loads(payload)
            article = Article.model_validate(data["article"])
            records = {t: [_cached_record(RECORD_MODELS[t], r) for r in data["records"].get(t, [])] for t in RECORD_MODELS}
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            self.misses += 1
            try:
                path.unlink()
            except OSError:
                pass
            return None
        self.hits += 1
        return article, records

    def put(self, key: str, article: Article, records: dict) -> None:
        payload = json.dumps({"article": article.model_dump(mode="json"),
                              "records": {t: [r.model_dump(mode="json") for r in rs] for t, rs in records.items()}},
                             ensure_ascii=False, sort_keys=True)
        entry = json.dumps({"checksum": hashlib.sha256(payload.encode()).hexdigest(), "payload": payload}, ensure_ascii=False)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(entry)
            os.replace(tmp, path)  # an entry is whole or absent
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
