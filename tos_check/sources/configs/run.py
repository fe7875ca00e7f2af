"""What every training config says, whatever tool it is for: a run that trains a model on datasets.

Each tool's module reads its own keys and tells a `RunReader` what it found: the datasets trained on, the
model started from, the model it becomes. The reader turns them into artifacts and edges, each with the
config's path and the line the name was written on, and turns wrong shapes into problems.

A dataset a run trains on becomes `Artifact(id=<name as written>, external=True, in_use=True)`: the config
only names it, so the lineage graph describes it from whatever else the scan holds (a card, a manifest, a
LLaMA-Factory `dataset_info.json`) or from the known-datasets catalog, and it is judged either way; a dataset
nobody explains is reported as of unknown provenance.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from tos_check.lineage.model import Artifact, Edge, Location, SourceResult
from tos_check.loader import Document, Loc
from tos_check.problems import Problem

LOCAL_SUFFIXES = (
    ".json",
    ".jsonl",
    ".parquet",
    ".csv",
    ".tsv",
    ".txt",
    ".arrow",
    ".gz",
    ".zst",
    ".bz2",
    ".xz",
    ".tar",
)
"""A reference ending like this is a file, not a Hugging Face id (`data/train.jsonl`)."""

_HUB_URL = re.compile(r"^(?:https?://huggingface\.co/datasets/|hf://datasets/)([^/\s]+/[^/\s]+)")


def is_local(reference: str) -> bool:
    """Whether a reference names a file or folder rather than a Hub id (`org/name` or a bare name)."""
    text = reference.strip()
    if text.startswith(("/", "./", "../", "~", "\\")) or text in (".", ".."):
        return True
    if re.match(r"^[A-Za-z]:[\\/]", text) or "\\" in text:
        return True
    return text.count("/") >= 2 or text.lower().endswith(LOCAL_SUFFIXES)


def hub_id_of_url(url: str) -> str | None:
    """`org/name` of a Hugging Face dataset URL (`https://huggingface.co/datasets/laion/OIG/resolve/...`)."""
    match = _HUB_URL.match(url.strip())
    return match.group(1) if match else None


def shape(value: Any) -> str:
    """What a wrong value is, for messages: "a mapping", "a list", "the number 3"."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the value {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if value is None:
        return "nothing"
    return repr(value)


def name_of(value: Any) -> str | None:
    """A name written as a plain value; None when the value is not a name (a mapping, a list, a boolean)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    return text or None


@dataclass
class RunReader:
    """Collects one run (one model trained) from a config; `finish()` gives the artifacts and edges."""

    doc: Document
    folder: str
    run_id: str
    run_line: int | None = None
    run_paths: tuple[str, ...] = ()
    result: SourceResult = field(default_factory=SourceResult)
    _datasets: dict[str, Artifact] = field(default_factory=dict)
    _mentioned: bool = False

    @classmethod
    def for_config(cls, doc: Document, folder: str, config_id: str, base: Loc = ()) -> RunReader:
        """The run a config (or a section `base` of it) describes, named by what it publishes.

        Its id is `hub_model_id` when there is one, so that a later config that starts from that model
        (`model_name_or_path: org/that-model`) meets it; otherwise `config_id`, the config's path below the
        scanned folder (with `#section` for one of several runs in a file). A relative `output_dir`
        is among its paths, so that a model card or manifest in that folder joins it. An absolute one
        (`/output/`, a container path) is not: it is not in the scan.
        """
        section = doc.data.get(base[0]) if base and isinstance(doc.data, dict) else doc.data
        section = section if isinstance(section, dict) else {}
        hub_id = name_of(section.get("hub_model_id"))
        run_id = hub_id or (f"{config_id}#{base[0]}" if base else config_id)
        line = doc.line_of((*base, "hub_model_id")) if hub_id else (doc.line_of(base) if base else None)
        paths: tuple[str, ...] = ()
        output = name_of(section.get("output_dir"))
        if output and not output.replace("\\", "/").startswith(("/", "~")):
            paths = (posixpath.normpath(posixpath.join(folder, output)),)
        return cls(doc=doc, folder=folder, run_id=run_id, run_line=line, run_paths=paths)

    @property
    def path(self) -> str:
        return self.doc.path

    def here(self, loc: Loc) -> Location:
        return Location(path=self.doc.path, line=self.doc.line_of(loc))

    def problem(self, loc: Loc, message: str) -> None:
        self.result.problems.append(Problem(self.doc.path, self.doc.line_of(loc), message))

    def local_paths(self, reference: str) -> tuple[str, ...]:
        """Where a local reference lives, as scanned: relative to the config's folder, or absolute as written."""
        if not is_local(reference):
            return ()
        text = reference.replace("\\", "/")
        if text.startswith(("/", "~")) or re.match(r"^[A-Za-z]:/", text):
            return (posixpath.normpath(text),)
        return (posixpath.normpath(posixpath.join(self.folder, text)) if self.folder else posixpath.normpath(text),)

    def dataset(
        self,
        name: str,
        loc: Loc,
        *,
        trained_on: bool = True,
        names: tuple[str, ...] = (),
        paths: tuple[str, ...] = (),
    ) -> None:
        """A dataset the config names at `loc`: trained on (judged), or only mentioned (eval sets: not judged)."""
        self._mentioned = True
        where = self.here(loc)
        local = self.local_paths(name)
        all_paths = tuple(dict.fromkeys((*local, *paths)))
        # A local file is known by where it is: `data/train.jsonl` in two projects' configs is two datasets.
        name = local[0] if local else name
        artifact = Artifact(
            id=name,
            kind="dataset",
            names=tuple(n for n in dict.fromkeys(names) if n != name),
            paths=all_paths,
            location=where,
            external=True,
            in_use=trained_on,
        )
        kept = self._datasets.get(name)
        if kept is None:
            self._datasets[name] = artifact
        else:
            self._datasets[name] = kept.model_copy(
                update={
                    "names": tuple(dict.fromkeys((*kept.names, *artifact.names))),
                    "paths": tuple(dict.fromkeys((*kept.paths, *artifact.paths))),
                    "in_use": kept.in_use or trained_on,
                }
            )
        if trained_on:
            self.edge("trained_on", name, loc, all_paths)

    def base_model(self, name: str, loc: Loc) -> None:
        self._mentioned = True
        self.edge("base_model", name, loc, self.local_paths(name))

    def edge(
        self,
        relation: Literal["trained_on", "derived_from", "base_model"],
        target: str,
        loc: Loc,
        paths: tuple[str, ...],
    ) -> None:
        self.result.edges.append(
            Edge(relation=relation, source=self.run_id, target=target, target_paths=paths, location=self.here(loc))
        )

    def names_at(self, loc: Loc, what: str) -> list[tuple[str, Loc]]:
        """A value that holds one name or a list of names, each with where it is; other shapes are problems."""
        value = self._get(loc)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        out: list[tuple[str, Loc]] = []
        for index, item in enumerate(items):
            item_loc: Loc = (*loc, index) if isinstance(value, list) else loc
            name = name_of(item)
            if name is None:
                if item is not None:
                    self.problem(item_loc, f"{_key_text(loc)}: expected {what}, found {shape(item)}")
                continue
            out.append((name, item_loc))
        return out

    def _get(self, loc: Loc) -> Any:
        value: Any = self.doc.data
        for part in loc:
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                value = value[part]
            else:
                return None
        return value

    def finish(self, *, always: bool = False) -> SourceResult:
        """The run's model and what it names; nothing at all when the config named neither data nor a model."""
        if not self._mentioned and not always:
            return SourceResult(problems=self.result.problems)
        run = Artifact(
            id=self.run_id,
            kind="model",
            paths=self.run_paths,
            location=Location(path=self.doc.path, line=self.run_line),
        )
        self.result.artifacts = [run, *sorted(self._datasets.values(), key=lambda a: (a.location.line or 0, a.id))]
        return self.result


def _key_text(loc: Loc) -> str:
    return ".".join(str(part) for part in loc if not isinstance(part, int)) or "value"
