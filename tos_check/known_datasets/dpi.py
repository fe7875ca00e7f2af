"""Import Data Provenance Initiative collection metadata (`data_summaries/*.json`) as known datasets.

The DPI audited the licences and origins of some 1,800 fine-tuning datasets; its `Model Generated` field
names the models that wrote each one. Importing it gives the catalog breadth; the hand-written entries stay
the reference where both exist. The import records what the DPI says and judges nothing: model strings keep
the DPI's spelling (`OpenAI ChatGPT`, `BART`, `templates`) for the resolver to make sense of, licences keep
theirs, including the model terms the DPI records as licences (`OpenAI`, `Anthropic`, `Llama 2`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tos_check.known_datasets.catalog import name_key
from tos_check.known_datasets.model import Generation, KnownDataset
from tos_check.loader import Document, parse_json, read_text
from tos_check.problems import InputError, Problem

_HF_PREFIX = "huggingface.co/datasets/"
_NO_LICENSE = {"", "unspecified", "none"}
_FIELD_ORDER = (
    "id",
    "names",
    "license",
    "generated_by",
    "human_written",
    "derived_from",
    "source",
    "verified",
    "evidence",
    "note",
)


def import_dpi(path: Path) -> tuple[list[KnownDataset], list[Problem]]:
    """Every dataset of every collection file under `path` (a `data_summaries` folder, its parent, or one file).

    A file that cannot be read or parsed becomes a problem naming it, and the other files are still read.
    """
    files = _collection_files(path)
    if not files:
        return [], [Problem(str(path), None, "no DPI collection files (data_summaries/*.json) found here")]
    problems: list[Problem] = []
    records: list[tuple[str, dict[str, Any]]] = []
    for file in files:
        collection = read_collection(file)
        problems.extend(collection.problems)
        records.extend((collection.path, record) for record in collection.records)
    return [entry for _, entry in _entries(records, problems)], sorted(problems)


@dataclass
class Collection:
    """One collection file: its records (each with its `Unique Dataset Identifier`), parsed with lines."""

    path: str
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    document: Document | None = None


def read_collection(file: Path, display: str | None = None) -> Collection:
    """Read one `data_summaries/<Collection>.json`; what cannot be read is a problem naming the file."""
    name = display or str(file)
    collection = Collection(name)
    try:
        text = read_text(file, name)
    except InputError as exc:
        collection.problems.extend(exc.problems)
        return collection
    try:
        collection.document = parse_json(text, name)
    except InputError as exc:
        empty = " (the file is empty)" if not text.strip() else ""
        collection.problems.extend(
            Problem(p.path, p.line, f"{p.message}{empty}; skipped this collection") for p in exc.problems
        )
        return collection
    data = collection.document.data
    if not isinstance(data, dict):
        collection.problems.append(Problem(name, 1, "expected an object keyed by dataset id; skipped this collection"))
        return collection
    for key, record in data.items():
        if isinstance(record, dict):
            collection.records.append(record | {"Unique Dataset Identifier": key})
        else:
            line = collection.document.line_of((key,))
            collection.problems.append(Problem(name, line, f"dataset {key!r} is not an object; skipped it"))
    return collection


def collection_entries(collection: Collection) -> tuple[list[tuple[str, KnownDataset]], list[Problem]]:
    """The datasets of one collection as catalog entries, each with its `Unique Dataset Identifier`."""
    problems: list[Problem] = []
    entries = _entries([(collection.path, record) for record in collection.records], problems)
    return entries, problems


def dump_catalog(entries: list[KnownDataset]) -> str:
    """YAML in the catalog format, sorted by id and with defaults left out, so re-imports diff cleanly."""
    datasets = [_plain(entry) for entry in sorted(entries, key=lambda e: name_key(e.id))]
    return yaml.safe_dump({"datasets": datasets}, sort_keys=False, allow_unicode=True, width=120)


def _collection_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    folder = path / "data_summaries" if (path / "data_summaries").is_dir() else path
    return sorted(p for p in folder.glob("*.json") if not p.name.startswith("_"))


def _entries(records: list[tuple[str, dict[str, Any]]], problems: list[Problem]) -> list[tuple[str, KnownDataset]]:
    """Build entries; a Hub id becomes the entry's id only if one DPI dataset alone claims it."""
    hub_ids = [_hub_id(record) for _, record in records]
    claims: dict[str, int] = {}
    for hub in hub_ids:
        if hub:
            claims[name_key(hub)] = claims.get(name_key(hub), 0) + 1
    drafts: list[tuple[str, str, dict[str, Any]]] = []
    taken: dict[str, str] = {}
    for (file, record), hub in zip(records, hub_ids, strict=True):
        uid = str(record["Unique Dataset Identifier"])
        own_hub = hub if hub and claims[name_key(hub)] == 1 else None
        entry_id = own_hub or uid
        if name_key(entry_id) in taken:
            problems.append(
                Problem(file, None, f"dataset {uid!r} is also in {taken[name_key(entry_id)]}; kept the first one")
            )
            continue
        taken[name_key(entry_id)] = file
        drafts.append((file, uid, _draft(record, entry_id, uid)))
    # A name two datasets share would make lookups ambiguous: leave it out of both.
    counts: dict[str, int] = {}
    for _, _, draft in drafts:
        for name in {name_key(n) for n in [draft["id"], *draft["names"]]}:
            counts[name] = counts.get(name, 0) + 1
    entries = []
    for file, uid, draft in drafts:
        draft["names"] = [n for n in draft["names"] if counts[name_key(n)] == 1]
        try:
            entries.append((uid, KnownDataset.model_validate(draft)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(top level)"
            problems.append(Problem(file, None, f"dataset {draft['id']!r}: {where}: {first['msg']}; skipped it"))
    return entries


def _draft(record: dict[str, Any], entry_id: str, uid: str) -> dict[str, Any]:
    licenses = [
        str(item.get("License", "")).strip() for item in _list(record.get("Licenses")) if isinstance(item, dict)
    ]
    stated = [name for name in licenses if name.lower() not in _NO_LICENSE]
    names: list[str] = []
    for name in (uid, _text(record.get("Dataset Name"))):
        if name and name_key(name) != name_key(entry_id) and name_key(name) not in map(name_key, names):
            names.append(name)
    source = next(
        (_text(record.get(k)) for k in ("Dataset URL", "Hugging Face URL", "GitHub URL") if _text(record.get(k))),
        None,
    )
    verified_by = _text(record.get("License Verified By"))
    notes = [f"DPI collection {_text(record.get('Collection')) or '?'}, dataset {uid}"]
    if verified_by:
        notes.append(f"licence verified for the DPI by {verified_by}")
    if license_notes := _text(record.get("License Notes")):
        notes.append(f"DPI licence notes: {license_notes}")
    return {
        "id": entry_id,
        "names": names,
        "license": " AND ".join(dict.fromkeys(stated)) or None,
        "generated_by": [
            Generation(model=model, role="other", note="DPI 'Model Generated' (what the model wrote is not said)")
            for model in dict.fromkeys(_text(m) for m in _list(record.get("Model Generated")))
            if model and not is_placeholder(model)
        ],
        "derived_from": [d for d in dict.fromkeys(_text(d) for d in _list(record.get("Derived from Datasets"))) if d],
        "source": source,
        "verified": bool(source and verified_by),
        "evidence": "DPI",
        "note": "; ".join(notes),
    }


PLACEHOLDER_MODELS = frozenset({"other", "others", "templates", "template", "unknown", "unnamed model", "n/a", "none"})
"""Values the DPI puts in `Model Generated` that say the text is generated but name no model."""


def is_placeholder(model: str) -> bool:
    """Also a value with no letter or digit (`:`, `-`), which cannot name a model."""
    return model.strip().lower() in PLACEHOLDER_MODELS or not any(ch.isalnum() for ch in model)


def _hub_id(record: dict[str, Any]) -> str | None:
    """The Hub id from the DPI's own `Hugging Face URL` (its inferred `HF Dataset` is often a parent set)."""
    url = _text(record.get("Hugging Face URL"))
    if _HF_PREFIX not in url:
        return None
    parts = url.split(_HF_PREFIX, 1)[1].split("?")[0].split("#")[0].strip("/").split("/")
    hub = "/".join(parts[:2]) if len(parts) >= 2 and parts[1] not in ("viewer", "tree", "blob") else parts[0]
    return hub or None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _plain(entry: KnownDataset) -> dict[str, Any]:
    data = entry.model_dump(exclude_defaults=True)
    if "generated_by" in data:
        data["generated_by"] = [g.model_dump(exclude_defaults=True) for g in entry.generated_by]
    return {key: data[key] for key in _FIELD_ORDER if key in data}
