"""Load known-dataset files and look datasets up by any name they go by.

Loading is where data mistakes are caught, each with its file and line: an unknown key, a date that does not
exist, and a name that two entries claim (a lookup must never have to choose between two datasets). Every
entry keeps the file and line it was written at, so that evidence drawn from the catalog can point there.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tos_check.known_datasets.model import CatalogFile, KnownDataset
from tos_check.problems import InputError, Problem
from tos_check.validation import load_valid_files

BUILTIN_DIR = Path(__file__).resolve().parent / "catalog"

_URL_PREFIXES = ("https://huggingface.co/datasets/", "http://huggingface.co/datasets/", "hf://datasets/")


def builtin_paths() -> list[Path]:
    """The packaged catalog files, in a stable order."""
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def name_key(name: str) -> str:
    """How names are compared: without case, surrounding space, a trailing slash or a Hub URL prefix."""
    key = name.strip().rstrip("/")
    for prefix in _URL_PREFIXES:
        if key.lower().startswith(prefix):
            key = key[len(prefix) :]
            break
    return key.casefold()


@dataclass(frozen=True)
class KnownDatasets:
    """The loaded catalog. Build it with `load_known_datasets` (or `builtin()`); it is only read after that."""

    entries: tuple[KnownDataset, ...] = ()
    _by_name: dict[str, KnownDataset] = field(default_factory=dict, repr=False)
    _by_segment: dict[str, KnownDataset] = field(default_factory=dict, repr=False)
    _locations: dict[str, tuple[str, int | None]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[KnownDataset]:
        return iter(self.entries)

    def find(self, name: str) -> KnownDataset | None:
        """The entry whose id or one of whose names is `name` (case-insensitive), else None.

        A bare name (`alpaca-gpt4`) also matches the last segment of one entry's `org/name` id, when exactly
        one entry's id ends that way. A name with an org (`someone/alpaca`) never falls back like that: a
        copy under another org may hold different data, and naming the wrong dataset is worse than none.
        """
        key = name_key(name)
        found = self._by_name.get(key)
        if found is None and "/" not in key:
            found = self._by_segment.get(key)
        return found

    def entry_location(self, entry: KnownDataset) -> tuple[str, int | None]:
        """The file and line where `entry` was written (its `id` key)."""
        return self._locations[name_key(entry.id)]


def load_known_datasets(paths: Iterable[Path]) -> KnownDatasets:
    """Read and validate catalog files; raises `InputError` with every problem in every file at once."""
    problems: list[Problem] = []
    entries: list[KnownDataset] = []
    by_name: dict[str, KnownDataset] = {}
    origins: dict[str, str] = {}
    locations: dict[str, tuple[str, int | None]] = {}
    for doc, data in load_valid_files(paths, CatalogFile, problems):
        for i, entry in enumerate(data.datasets):
            here = (doc.path, doc.line_of(("datasets", i, "id")))
            clashes = False
            for j, name in enumerate(entry.all_names()):
                key = name_key(name)
                loc = ("datasets", i, "id") if j == 0 else ("datasets", i, "names", j - 1)
                line = doc.line_of(loc)
                known = by_name.get(key)
                if known is None:
                    by_name[key] = entry
                    origins[key] = f"{doc.path}:{line}"
                elif known is not entry:
                    clashes = True
                    problems.append(
                        Problem(
                            doc.path,
                            line,
                            f"{name!r} already names {known.id!r} (at {origins[key]}); one name cannot mean two "
                            "datasets: remove it here, or merge the two entries if they are the same data",
                        )
                    )
            if not clashes:
                entries.append(entry)
                locations[name_key(entry.id)] = here
    if problems:
        raise InputError(problems)
    return KnownDatasets(tuple(entries), by_name, _unambiguous_segments(entries, by_name), locations)


def _unambiguous_segments(entries: list[KnownDataset], by_name: dict[str, KnownDataset]) -> dict[str, KnownDataset]:
    """Last segments of `org/name` ids that exactly one entry ends with and that name nothing else."""
    owners: dict[str, list[KnownDataset]] = {}
    for entry in entries:
        for name in entry.all_names():
            key = name_key(name)
            if "/" in key:
                owners.setdefault(key.rsplit("/", 1)[1], []).append(entry)
    return {
        segment: found[0]
        for segment, found in owners.items()
        if segment not in by_name and len({id(e) for e in found}) == 1
    }


@functools.cache
def builtin() -> KnownDatasets:
    """The packaged catalog, loaded on first use and shared after that."""
    return load_known_datasets(builtin_paths())
