"""The matcher: every backend gives the answer Python's own `re` gives, whatever the column's shape."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tos_check.fingerprints import FingerprintSet, available_backends, engine
from tos_check.fingerprints.catalog import builtin_paths, load_fingerprints
from tos_check.fingerprints.model import Fingerprint
from tos_check.fingerprints.syntax import FLAGS, expanded

LIBRARY = load_fingerprints(builtin_paths())
ENGINES = [(backend, arrow) for backend in available_backends() for arrow in (True, False)]


def fingerprint(name: str, pattern: str) -> Fingerprint:
    return Fingerprint.model_validate(
        {
            "id": f"acme/{name}",
            "provider": "acme",
            "model": "acme-chat",
            "kind": "boilerplate",
            "pattern": pattern,
            "confidence": 0.3,
            "rationale": "a test entry",
            "examples": {"positive": ["x", "y"], "negative": ["x", "y"]},
        }
    )


def reference(fingerprints: list[Fingerprint], text: str | None) -> str | None:
    """The rule the engine promises, with Python `re` alone: the leftmost match, library order on a tie."""
    if not text:
        return None
    best: tuple[int, int] | None = None
    for i, f in enumerate(fingerprints):
        found = re.search(expanded(f.pattern), text, FLAGS)
        if found and (best is None or (found.start(), i) < best):
            best = (found.start(), i)
    return None if best is None else fingerprints[best[1]].id


FRAGMENTS = [
    *(t for f in LIBRARY for t in [*f.examples.positive, *f.examples.negative]),
    "I'm",
    "ChatGPT",
    " ",
    "\n",
    "\x00",
    "é",
    "中文",
    "As an AI",
    " language model",
    "KELVIN \u212a",
]


@pytest.mark.parametrize(("backend", "arrow"), ENGINES)
@given(st.lists(st.one_of(st.none(), st.lists(st.sampled_from(FRAGMENTS), max_size=4).map("".join)), max_size=12))
def test_every_backend_agrees_with_python_re(backend: str, arrow: bool, texts: list[str | None]) -> None:
    matcher = FingerprintSet(LIBRARY, backend, arrow_regex=arrow)
    assert matcher.first_match(pa.array(texts, pa.string())).to_pylist() == [reference(LIBRARY, t) for t in texts]


@pytest.mark.parametrize(("backend", "arrow"), ENGINES)
def test_leftmost_match_wins_then_library_order(backend: str, arrow: bool) -> None:
    library = [fingerprint("late", r"\bbeta\b"), fingerprint("early", r"\balpha\b"), fingerprint("tie", r"\bbeta")]
    matcher = FingerprintSet(library, backend, arrow_regex=arrow)
    found = matcher.first_match(pa.array(["beta then alpha", "alpha then beta", "beta", "betamax"]))
    assert found.to_pylist() == ["acme/late", "acme/early", "acme/late", "acme/tie"]


@pytest.mark.parametrize(("backend", "arrow"), ENGINES)
def test_no_match_crosses_from_one_text_into_the_next(backend: str, arrow: bool) -> None:
    """Hyperscan scans a column as one buffer: a row's end must stay a text's end (for \\b too)."""
    matcher = FingerprintSet([fingerprint("word", r"\bfoo bar\b")], backend, arrow_regex=arrow)
    texts = ["ends with foo", "bar starts this", "xfoo bar", "foo bar", "foo barx", "foo bar"]
    assert matcher.first_match(pa.array(texts)).to_pylist() == [None, None, None, "acme/word", None, "acme/word"]


@pytest.mark.parametrize(("backend", "arrow"), ENGINES)
def test_column_shapes(backend: str, arrow: bool) -> None:
    matcher = FingerprintSet(LIBRARY, backend, arrow_regex=arrow)
    texts = ["I'm ChatGPT, hi.", None, "", "plain", "I'm ChatGPT, hi."]
    expected = ["openai/self-id-chatgpt", None, None, None, "openai/self-id-chatgpt"]
    assert matcher.first_match(pa.array(texts, pa.large_string())).to_pylist() == expected
    assert matcher.first_match(pa.array(texts).dictionary_encode()).to_pylist() == expected
    chunked = pa.chunked_array([pa.array(texts[:2]), pa.array([], pa.string()), pa.array(texts[2:])])
    assert matcher.first_match(chunked).to_pylist() == expected
    assert matcher.first_match(pa.array(texts).slice(3)).to_pylist() == expected[3:]  # an offset into buffers
    assert matcher.first_match(pa.nulls(3)).to_pylist() == [None] * 3
    assert matcher.first_match(pa.array([], pa.string())).to_pylist() == []
    with pytest.raises(TypeError):
        matcher.first_match(pa.array([1, 2]))


@pytest.mark.parametrize(("backend", "arrow"), ENGINES)
def test_a_large_column_is_matched_in_slices_with_the_same_answer(
    backend: str, arrow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["filler text " * 20, "As an AI language model, no.", None, "I am Claude, an AI assistant."] * 50
    matcher = FingerprintSet(LIBRARY, backend, arrow_regex=arrow)
    whole = matcher.first_match(pa.array(texts)).to_pylist()
    monkeypatch.setattr(engine, "SLICE_BYTES", 1000)
    assert matcher.first_match(pa.array(texts)).to_pylist() == whole
    assert whole.count("openai/as-an-ai-language-model") == 50 and whole.count("anthropic/self-id-claude") == 50


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="backend"):
        FingerprintSet(LIBRARY, "grep")
    with pytest.raises(ValueError):
        FingerprintSet([])


def test_the_installed_set_is_compiled_once() -> None:
    assert FingerprintSet.installed("python") is FingerprintSet.installed("python")
