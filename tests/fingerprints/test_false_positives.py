"""No fingerprint fires on human-written text, nor on another provider's model naming itself: the real samples
under ../shared/corpora, read as benchmarks/fingerprint_false_positives.py reads them (it prints the rates)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO, shared_path
from tos_check.fingerprints import FingerprintSet


def measurement() -> ModuleType:
    path = REPO / "benchmarks" / "fingerprint_false_positives.py"
    spec = importlib.util.spec_from_file_location("fingerprint_false_positives", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shared() -> Path:
    return shared_path("corpora").parent


def test_no_fingerprint_matches_human_written_samples(shared: Path) -> None:
    script = measurement()
    samples = script.human_written(shared)
    assert sum(map(len, samples.values())) > 2000  # the samples were read, not skipped
    found = {name: script.matches(FingerprintSet.installed(), texts) for name, texts in samples.items()}
    assert found == {name: [] for name in samples}


def test_vicuna_naming_itself_is_not_taken_for_another_provider(shared: Path) -> None:
    answers = measurement().model_written(shared)["FastChat identity answers (Vicuna)"]
    assert any("Vicuna" in a for a in answers)
    assert measurement().matches(FingerprintSet.installed(), answers) == []
