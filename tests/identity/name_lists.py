"""The lists of real-world spellings the resolver is scored on, and how a row is judged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEV_LIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "model-names-dev.tsv"
EXTRA_LIST = Path(__file__).resolve().parent / "names-extra.tsv"


@dataclass(frozen=True)
class Row:
    """One scored spelling: what a name must resolve to (provider None for a negative row)."""

    input: str
    provider: str | None
    family: str | None
    open_weights: bool | None
    note: str

    def judge(self, provider: str | None, family: str | None, open_weights: bool) -> bool:
        if self.provider is None:
            return provider is None
        if (provider, family) != (self.provider, self.family):
            return False
        return self.open_weights is None or open_weights == self.open_weights


def read_rows(path: Path) -> list[Row]:
    """Rows of a names TSV: input, provider (`none` for negatives), family, open_weights (`-` if not given)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, provider, family, weights, *note = line.split("\t")
        rows.append(
            Row(
                input=name,
                provider=None if provider == "none" else provider,
                family=None if family == "-" else family,
                open_weights=None if weights == "-" else weights == "true",
                note=note[0] if note else "",
            )
        )
    return rows
