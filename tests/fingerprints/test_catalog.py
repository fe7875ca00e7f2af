"""The packaged fingerprint library: every entry's own examples, on every backend, and the loader's errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from tos_check.fingerprints import FingerprintSet, available_backends
from tos_check.fingerprints.catalog import builtin_paths, load_fingerprints
from tos_check.fingerprints.model import MAX_CONFIDENCE, Fingerprint
from tos_check.identity.resolver import Resolver
from tos_check.problems import InputError

LIBRARY = load_fingerprints(builtin_paths())
ENGINES = [(backend, arrow) for backend in available_backends() for arrow in (True, False)]
"""Every backend installed here, each with and without pyarrow's regex kernel."""


def test_the_library_covers_the_major_chat_providers() -> None:
    providers = {f.provider for f in LIBRARY}
    assert {"openai", "anthropic", "google", "meta"} <= providers
    assert {f.kind for f in LIBRARY} >= {"self-identification", "refusal", "knowledge-cutoff", "boilerplate"}


@pytest.mark.parametrize("fingerprint", LIBRARY, ids=lambda f: f.id)
def test_each_model_string_resolves_to_its_provider(fingerprint: Fingerprint) -> None:
    """The gate and the scan judge a match through `model`: it must mean the provider the entry names."""
    identity = Resolver.builtin().resolve(fingerprint.model)
    assert identity.provider == fingerprint.provider
    assert fingerprint.confidence <= MAX_CONFIDENCE


@pytest.mark.parametrize(("backend", "arrow"), ENGINES)
def test_every_example_on_every_backend(backend: str, arrow: bool) -> None:
    """Positives match their own entry first (not another); negatives (mentions, look-alikes) match nothing,
    column-wise and one text at a time."""
    matcher = FingerprintSet(LIBRARY, backend, arrow_regex=arrow)
    texts: list[str] = []
    expected: list[str | None] = []
    for f in LIBRARY:
        texts += [*f.examples.positive, *f.examples.negative]
        expected += [f.id] * len(f.examples.positive) + [None] * len(f.examples.negative)
    assert matcher.first_match(pa.array(texts)).to_pylist() == expected
    singles = [found.id if (found := matcher.match(text)) else None for text in texts]
    assert singles == expected


def test_the_pure_python_fallback_is_always_there(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the native wheels (the `fast` extra), the Python backend is chosen and gives the same answers."""
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None)
    assert available_backends() == ["python"]
    assert FingerprintSet(LIBRARY).backend == "python"


# --- the loader's errors --------------------------------------------------------------------------------

ENTRY = """\
fingerprints:
  - id: acme/self-id
    provider: acme
    model: acme-chat
    kind: self-identification
    pattern: '{pattern}'
    confidence: {confidence}
    rationale: Acme's assistant names itself.
    examples:
      positive: ["I am AcmeBot, an assistant.", "Hi, I am AcmeBot here."]
      negative: ["AcmeBot is a product.", "Compare AcmeBot and others."]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(paths: list[Path]) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_fingerprints(paths)
    return [str(p) for p in caught.value.problems]


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, "acme.yaml", ENTRY.format(pattern=r"\bI am AcmeBot\b", confidence=0.4))
    (loaded,) = load_fingerprints([path])
    assert loaded.id == "acme/self-id" and loaded.confidence == 0.4


@pytest.mark.parametrize(
    ("pattern", "confidence", "says"),
    [
        (r"I am.AcmeBot", 0.4, "'.'"),
        (r"(?=I am)AcmeBot", 0.4, "lookahead"),
        (r"^I am AcmeBot", 0.4, "anchor"),
        (r"(?:AcmeBot)?", 0.4, "empty text"),
        (r"I am\sAcmeBot", 0.4, "\\s"),
        (r"I am [^x]cmeBot", 0.4, "negated"),
        (r"(?x)Acme Bot", 0.4, "inline flags"),
        (r"I am (AcmeBot", 0.4, "invalid regular expression"),
        (r"I am (?:Acme+)+Bot", 0.4, "exponential"),
        (r"I am (?:Acme|AcmeB)*ot", 0.4, "exponential"),
        (r"I am (?:A+){0,3}cmeBot", 0.4, "not parted"),
        (r"I am (?:[\w ]+ ){0,3}AcmeBot", 0.4, "not parted"),
        (r"\bI am AcmeBot\b", 0.9, "0.6"),
    ],
)
def test_a_bad_entry_is_named_with_its_file_and_line(
    tmp_path: Path, pattern: str, confidence: float, says: str
) -> None:
    path = write(tmp_path, "acme.yaml", ENTRY.format(pattern=pattern, confidence=confidence))
    (problem,) = problems_of([path])
    assert problem.startswith(f"{path}:")
    line = int(problem.split(":")[1])
    field = "pattern" if confidence <= MAX_CONFIDENCE else "confidence"
    assert path.read_text().splitlines()[line - 1].strip().startswith(field)
    assert says in problem


def test_unknown_keys_and_missing_reasons_are_errors(tmp_path: Path) -> None:
    text = ENTRY.format(pattern=r"\bI am AcmeBot\b", confidence=0.4)
    unknown = write(tmp_path, "unknown.yaml", text.replace("    rationale:", "    colour: red\n    rationale:"))
    no_reason = write(tmp_path, "no-reason.yaml", text.replace("    rationale: Acme's assistant names itself.\n", ""))
    found = problems_of([unknown, no_reason])
    assert any(p.startswith(f"{unknown}:") and "colour" in p for p in found)
    assert any(p.startswith(f"{no_reason}:") and "rationale" in p for p in found)


def test_an_id_defined_twice_names_both_places(tmp_path: Path) -> None:
    text = ENTRY.format(pattern=r"\bI am AcmeBot\b", confidence=0.4)
    first, second = write(tmp_path, "a.yaml", text), write(tmp_path, "b.yaml", text)
    (problem,) = problems_of([first, second])
    assert problem.startswith(f"{second}:2:") and f"{first}:2" in problem


def test_an_id_must_start_with_its_provider(tmp_path: Path) -> None:
    text = ENTRY.format(pattern=r"\bI am AcmeBot\b", confidence=0.4).replace("id: acme/", "id: other/")
    (problem,) = problems_of([write(tmp_path, "acme.yaml", text)])
    assert "acme/" in problem


def test_a_pattern_in_a_policy_file_is_never_run_as_code(tmp_path: Path) -> None:
    """YAML tags that would build Python objects are refused by the safe loader."""
    text = ENTRY.format(pattern=r"\bI am AcmeBot\b", confidence=0.4).replace(
        "model: acme-chat", "model: !!python/object/apply:os.system ['touch pwned']"
    )
    problems_of([write(tmp_path, "acme.yaml", text)])
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


# --- files from plugins --------------------------------------------------------------------------------


@pytest.fixture
def plugin_files(tmp_path: Path) -> Iterator[list[Path]]:
    """A plugin registering the fingerprint files the test puts in the list; caches cleared around it."""
    from tos_check.fingerprints import engine
    from tos_check.hookspecs import hookimpl
    from tos_check.plugins import plugin_manager

    files: list[Path] = []

    class Plugin:
        @hookimpl
        def register_fingerprint_files(self, register: Callable[[Path], None]) -> None:
            for path in files:
                register(path)

    engine._installed.cache_clear()
    plugin_manager().register(Plugin(), name="test-fingerprints")
    try:
        yield files
    finally:
        plugin_manager().unregister(name="test-fingerprints")
        engine._installed.cache_clear()


def test_a_plugin_adds_fingerprints_to_the_gate_and_the_scan(tmp_path: Path, plugin_files: list[Path]) -> None:
    from tests.scanning import PUBLIC_CHAT, scan_builtin
    from tos_check.gate.decide import Gate

    plugin_files.append(write(tmp_path, "acme.yaml", ENTRY.format(pattern=r"\bI am AcmeBot\b", confidence=0.4)))
    installed = FingerprintSet.installed()
    assert "acme/self-id" in installed.fingerprints and len(installed.fingerprints) == len(LIBRARY) + 1
    decided = Gate.from_config(PUBLIC_CHAT).decide_records([{"response": "I am AcmeBot, an assistant."}])
    assert decided[0].fingerprint == "acme/self-id"  # the unresolved acme-chat model: a note, not held
    records = tmp_path / "data" / "chat.jsonl"
    records.parent.mkdir()
    records.write_text('{"response": "I am AcmeBot, hello."}\n', encoding="utf-8")
    report = scan_builtin(records.parent, use=PUBLIC_CHAT)
    assert any(f.model == "acme-chat" and f.evidence[0].kind == "fingerprint" for f in report.findings)


def test_a_plugin_file_repeating_a_builtin_id_is_named(tmp_path: Path, plugin_files: list[Path]) -> None:
    copy = ENTRY.format(pattern=r"\bI am AcmeBot\b", confidence=0.4).replace("acme/self-id", "acme/x")
    clash = LIBRARY[0]
    text = copy.replace("id: acme/x", f"id: {clash.id}").replace("provider: acme", f"provider: {clash.provider}")
    plugin_files.append(write(tmp_path, "clash.yaml", text))
    with pytest.raises(InputError) as caught:
        FingerprintSet.installed()
    (problem,) = caught.value.problems
    places = {f"{plugin_files[0]}:2", f"{clash_file(clash.provider)}:"}
    assert "defined twice" in str(problem) and all(place in str(problem) for place in places)


def clash_file(provider: str) -> str:
    (path,) = [p for p in builtin_paths() if p.stem == provider]
    return str(path)


def test_a_broken_plugin_file_makes_a_scan_partial_with_its_line(tmp_path: Path, plugin_files: list[Path]) -> None:
    from tests.scanning import scan_builtin

    broken = write(tmp_path, "broken.yaml", ENTRY.format(pattern=r"I am.AcmeBot", confidence=0.4))
    plugin_files.append(broken)
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        (data / name).write_text('{"response": "I am AcmeBot, hello."}\n', encoding="utf-8")
    report = scan_builtin(data)
    assert report.summary.partial
    named = [p for p in report.problems if p.startswith(f"{broken}:")]
    assert len(named) == 1 and "'.'" in named[0]  # once, not once per records file
