"""How often the fingerprint library fires on human-written text (false positives), and on model-written text
for reference, using the real samples under ../shared/corpora (read in place, never copied).

Human-written: the human turns of Anthropic's HH-RLHF (harmless-base test, first 60), the Self-Instruct seed
tasks behind Alpaca (written by the authors), MT-Bench's questions, WizardLM's test-set instructions, and the
prose of ~45 dataset and model cards (Dolly, OpenAssistant and others), which name GPT-4, Claude and Llama
on every page without being written by them. Model-written, for reference: AlpacaEval outputs of GPT-4,
Claude 3 Opus, Gemini Pro and Llama 3 70B, the assistant turns of HH-RLHF (Anthropic's 2022 research model),
and FastChat's identity conversations (Vicuna naming itself, which no fingerprint of another provider may
take for its own).

    .venv/bin/python benchmarks/fingerprint_false_positives.py [--shared ../shared] [--backend python]

Prints, per sample, texts searched, texts matched and the rate, then every match with its fingerprint and
an excerpt. Exits 2 when ../shared is absent. tests/fingerprints/test_false_positives.py holds the
human-written rate at zero.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from tos_check.fingerprints import FingerprintSet, available_backends

SHARED = Path(__file__).resolve().parents[2] / "shared"
TURN = re.compile(r"\n\n(Human|Assistant): ")


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _hh_turns(path: Path, speaker: str) -> list[str]:
    """Turns of one speaker in HH-RLHF transcripts ("\\n\\nHuman: ... \\n\\nAssistant: ..."), each once."""
    seen: dict[str, None] = {}
    for record in _jsonl(path):
        for side in ("chosen", "rejected"):
            parts = TURN.split(str(record[side]))
            for who, text in zip(parts[1::2], parts[2::2], strict=True):
                if who == speaker and text.strip():
                    seen.setdefault(text.strip())
    return list(seen)


def _paragraphs(folder: Path) -> list[str]:
    found: list[str] = []
    for card in sorted(folder.glob("*.md")):
        text = card.read_text(encoding="utf-8", errors="replace")
        found += [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    return found


def human_written(shared: Path) -> dict[str, list[str]]:
    """Samples of text that people wrote, by name."""
    records, cards = shared / "corpora" / "records", shared / "corpora" / "cards"
    seeds: list[str] = []
    for task in _jsonl(records / "alpaca_seed_tasks.jsonl"):
        seeds.append(str(task["instruction"]))
        for instance in task["instances"]:  # type: ignore[attr-defined]
            seeds += [str(instance["input"]), str(instance["output"])]
    return {
        "HH-RLHF human turns": _hh_turns(records / "hh-rlhf_harmless-base_test_first60.jsonl", "Human"),
        "Self-Instruct seed tasks": [s for s in seeds if s.strip()],
        "MT-Bench questions": [str(t) for q in _jsonl(records / "mt_bench_question.jsonl") for t in q["turns"]],  # type: ignore[attr-defined]
        "WizardLM test instructions": [str(r["Instruction"]) for r in _jsonl(records / "wizardlm_testset.jsonl")],
        "dataset and model cards (paragraphs)": _paragraphs(cards),
    }


def model_written(shared: Path) -> dict[str, list[str]]:
    """Samples of text that models wrote, by name: what fingerprints are for."""
    records = shared / "corpora" / "records"
    samples: dict[str, list[str]] = {}
    for name in ("gpt4", "claude-3-opus", "gemini-pro", "Meta-Llama-3-70B-Instruct"):
        rows = json.loads((records / f"alpaca_eval_{name}_model_outputs_first40.json").read_text(encoding="utf-8"))
        samples[f"AlpacaEval outputs: {name}"] = [str(r["output"]) for r in rows]
    hh = records / "hh-rlhf_harmless-base_test_first60.jsonl"
    samples["HH-RLHF assistant turns (2022)"] = _hh_turns(hh, "Assistant")
    conversations = json.loads((records / "fastchat_dummy_conversation.json").read_text(encoding="utf-8"))
    samples["FastChat identity answers (Vicuna)"] = [
        str(turn["value"]) for c in conversations for turn in c["conversations"] if turn["from"] == "gpt"
    ]
    return samples


def matches(matcher: FingerprintSet, texts: list[str]) -> list[tuple[str, str]]:
    """(fingerprint id, text) for each text a fingerprint matches."""
    found = matcher.first_match(pa.array(texts, pa.large_string())).to_pylist()
    return [(fid, text) for fid, text in zip(found, texts, strict=True) if fid is not None]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--backend", choices=available_backends(), default=None)
    args = parser.parse_args()
    if not (args.shared / "corpora").is_dir():
        print(f"no reference data at {args.shared / 'corpora'}; pass --shared", file=sys.stderr)
        return 2
    matcher = FingerprintSet.installed(args.backend)
    print(f"fingerprints: {len(matcher.fingerprints)}, backend: {matcher.backend}")
    listed: list[str] = []
    sets = (("human-written", human_written(args.shared)), ("model-written", model_written(args.shared)))
    for title, samples in sets:
        total = hits = 0
        print(f"\n{title}")
        for name, texts in samples.items():
            found = matches(matcher, texts)
            total, hits = total + len(texts), hits + len(found)
            print(f"  {name:42} {len(texts):6} texts {len(found):4} matched  {len(found) / len(texts):7.2%}")
            listed += [f"  [{title}] {name}: {fid}: {' '.join(text.split())[:140]}" for fid, text in found]
        print(f"  {'all ' + title:42} {total:6} texts {hits:4} matched  {hits / total:7.2%}")
    if listed:
        print("\nmatches")
        print("\n".join(listed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
