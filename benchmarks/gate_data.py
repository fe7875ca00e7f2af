"""A seeded, realistic instruction dataset for the record gate's benchmark, written as JSONL and as Parquet
(the same records in the same order).

Each record is a chat (`messages`: 1-4 user/assistant turns; user turns 50-400 characters, assistant turns
200-3,000), drawn from a word-level Markov-ish generator (a fixed word list, a seeded successor table, a
pool of sentences): no network, the same bytes for the same seed and size. The mix:

- ~20% human-written records: no model field anywhere;
- the rest name their model: a top-level `model` on most, nested `completions[].model` (UltraFeedback
  style, 2-4 completions each with its own response) on a share, per-message `metadata.model` on a share;
- a few hundred distinct model strings with real-world spellings: those of ../shared/data/model-names-dev.tsv
  when it is there (read at run time, never copied here), else a built-in list, varied with case, prefix and
  suffix noise, drawn with a Zipf-like skew (a few models dominate, as in real data);
- ~1.5% of assistant texts carry a provider's self-identification phrase (a content fingerprint).

    .venv/bin/python benchmarks/gate_data.py --size-mb 150 --out /tmp/gate-data     # ~150 MB of JSONL
    .venv/bin/python benchmarks/gate_data.py --records 10000 --out /tmp/gate-data --seed 7

Writes DIR/records.jsonl and DIR/records.parquet (override the stem with --name) and prints what it wrote.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def _words(text: str) -> list[str]:
    return text.split()


SHARED_NAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "model-names-dev.tsv"

BUILTIN_NAMES = _words(
    """
gpt-4-0613 gpt-4-0314 gpt-4 gpt-4-32k gpt-4-turbo gpt-4-1106-preview gpt-4o gpt-4o-2024-05-13 gpt-4o-mini
gpt-3.5-turbo gpt-3.5-turbo-0613 gpt-3.5-turbo-16k text-davinci-003 o1-mini openai/gpt-4-turbo
claude-3-opus-20240229 claude-3-sonnet-20240229 claude-3-haiku-20240307 claude-3-5-sonnet-20240620
claude-2.0 claude-2.1 claude-instant-1.2 anthropic.claude-v2 anthropic.claude-3-sonnet-20240229-v1:0
gemini-1.5-pro gemini-1.5-flash gemini-pro gemini-1.0-pro google/gemma-2-9b-it google/gemma-7b-it
meta-llama/Llama-3.1-70B-Instruct meta-llama/Llama-3.1-8B-Instruct meta-llama/Llama-2-70b-chat-hf
meta-llama/Meta-Llama-3-70B-Instruct llama-2-13b-chat llama3.1:8b meta.llama3-70b-instruct-v1:0
Qwen/Qwen2.5-7B-Instruct Qwen/Qwen2.5-72B-Instruct Qwen/Qwen1.5-72B-Chat qwen-max
mistralai/Mistral-7B-Instruct-v0.2 mistralai/Mixtral-8x7B-Instruct-v0.1 mistral-large-latest mistral-medium
deepseek-ai/DeepSeek-R1 deepseek-ai/DeepSeek-V3 deepseek-chat command-r-plus command-r-08-2024
microsoft/Phi-3-mini-4k-instruct 01-ai/Yi-34B-Chat tiiuae/falcon-40b-instruct HuggingFaceH4/zephyr-7b-beta
lmsys/vicuna-13b-v1.5 WizardLMTeam/WizardLM-13B-V1.2 bigscience/bloomz-7b1 grok-2 nvidia/Nemotron-4-340B-Instruct
"""
)
"""Used when ../shared/data/model-names-dev.tsv is absent: 60 spellings as they occur in datasets."""

PREFIXES = ["", "", "", "openai/", "models/", "azure/", "bedrock/", "together/", "hf:", "api:", "vertex_ai/"]
SUFFIXES = ["", "", "", "-chat", "@latest", ":free", "-v1", "-hf", "-api", " ", "-2024", "-awq", "-fp16"]

FINGERPRINTS = [
    "As an AI language model developed by OpenAI, I don't have personal opinions, but",
    "As an AI language model, I cannot browse the internet, however",
    "I'm Claude, an AI assistant made by Anthropic. ",
    "I am ChatGPT, a large language model trained by OpenAI. ",
    "I'm sorry, but as an AI developed by OpenAI I can't help with that part. ",
    "As of my knowledge cutoff in September 2021, ",
    "I am Gemini, a large language model built by Google. ",
]
"""Phrases that betray a provider's outputs, put at the start of ~1.5% of assistant texts."""

WORDS = _words(
    """
the of and to a in is that for it as with was on be by this are or from at which an have not can but
they their has more all one you we if will would there been when data model its also these into other
such than some time may only new use used each first two most any over make like then what about many
how between through after where before should under because very well both each while during without
however system value result example function method number process table point work case part order
information problem question answer approach code file line list output input user learning research
language training network example results analysis performance error string class object type function
parameter variable test step solution people world water history city country government health year
company market product service customer price design project team plan idea reason way change group
important different possible simple common specific general large small high low good better best
first second next last following early recent short long major key main clear strong useful effective
write read show provide create include consider explain describe compare improve support allow help
return define check build run call find keep start need take give follow understand apply reduce
increase require produce represent identify develop maintain implement measure evaluate generate
python javascript database query server memory cache thread request response format schema record
story character scene season recipe ingredient oven minutes garden soil plant river mountain travel
music song guitar painting color light energy climate carbon policy economy interest loan budget
"""
)

SENTENCE_POOL = 40_000
"""Distinct sentences texts are built from: enough that Parquet's compressor does not see a toy corpus."""

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("model", pa.string()),
        pa.field(
            "messages",
            pa.list_(
                pa.struct(
                    [
                        pa.field("role", pa.string()),
                        pa.field("content", pa.string()),
                        pa.field("metadata", pa.struct([pa.field("model", pa.string()), pa.field("turn", pa.int64())])),
                    ]
                )
            ),
        ),
        pa.field(
            "completions",
            pa.list_(
                pa.struct(
                    [
                        pa.field("model", pa.string()),
                        pa.field("response", pa.string()),
                        pa.field("overall_score", pa.float64()),
                    ]
                )
            ),
        ),
        pa.field("created", pa.string()),
    ]
)
"""The Parquet schema (JSONL has the same records, with absent fields left out rather than null)."""


@dataclass(frozen=True)
class Mix:
    human: float = 0.20
    top_level_model: float = 0.85
    """Of the model-written records."""
    completions: float = 0.18
    """Of the model-written records: UltraFeedback-style nested completions."""
    message_metadata: float = 0.15
    """Of the model-written records: `metadata.model` on the assistant turns."""
    fingerprint: float = 0.015
    """Of all assistant texts (responses and completions)."""
    distinct_models: int = 300


def base_names() -> tuple[list[str], str]:
    """The real-world spellings to vary, and where they came from."""
    if SHARED_NAMES.is_file():
        names = []
        for line in SHARED_NAMES.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name = line.split("\t", 1)[0].strip()
            if name and name != "input":
                names.append(name)
        if names:
            return names, str(SHARED_NAMES)
    return list(BUILTIN_NAMES), "built-in list"


def model_strings(rng: random.Random, count: int) -> list[str]:
    """`count` distinct spellings: every base name as it is, then noisy variants of them."""
    names, _ = base_names()
    out = list(dict.fromkeys(names))
    seen = set(out)
    while len(out) < count:
        name = rng.choice(names)
        case = rng.random()
        if case < 0.15:
            name = name.lower()
        elif case < 0.22:
            name = name.upper()
        elif case < 0.30:
            name = name.replace("-", "_")
        elif case < 0.36:
            name = name.replace("-", " ")
        name = rng.choice(PREFIXES) + name + rng.choice(SUFFIXES)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


class Text:
    """Seeded Markov-ish text: each word has a fixed set of likely successors; sentences go to a pool,
    and a text of a given length is sentences drawn from it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        successors = {w: rng.sample(WORDS, 12) for w in WORDS}
        pool = []
        for _ in range(SENTENCE_POOL):
            word = rng.choice(WORDS)
            words = [word.capitalize()]
            for _ in range(rng.randint(5, 24)):
                word = rng.choice(successors[word]) if rng.random() < 0.8 else rng.choice(WORDS)
                words.append(word)
            end = rng.choice(".........?!:")
            sentence = " ".join(words) + end
            if rng.random() < 0.05:
                sentence += "\n\n"
            elif rng.random() < 0.03:
                sentence = f"\n```python\nresult = {word}_{rng.randint(0, 99)}(x)\n```\n"
            pool.append(sentence)
        self.pool = pool

    def of_length(self, low: int, high: int) -> str:
        target = self.rng.randint(low, high)
        parts = self.rng.choices(self.pool, k=max(1, target // 60 + 2))
        text = " ".join(parts)
        while len(text) < target:
            text += " " + self.rng.choice(self.pool)
        cut = text.rfind(" ", 0, target)
        return text[: cut if cut > low else target].rstrip()


class Generator:
    def __init__(self, seed: int, mix: Mix | None = None) -> None:
        self.rng = random.Random(seed)
        self.mix = mix or Mix()
        self.text = Text(self.rng)
        self.models = model_strings(self.rng, self.mix.distinct_models)
        # Zipf-like: the first spellings (the real ones) most of the time, the noisy variants in the tail.
        self.weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(self.models))]
        self.fingerprinted = 0

    def model(self) -> str:
        return self.rng.choices(self.models, self.weights)[0]

    def assistant_text(self, low: int = 200, high: int = 3000) -> str:
        text = self.text.of_length(low, high)
        if self.rng.random() < self.mix.fingerprint:
            self.fingerprinted += 1
            text = self.rng.choice(FINGERPRINTS) + " " + text[0].lower() + text[1:]
        return text

    def record(self, index: int) -> dict[str, Any]:
        rng, mix = self.rng, self.mix
        human = rng.random() < mix.human
        record: dict[str, Any] = {"id": f"rec-{index:09d}", "source": "annotators" if human else "synthetic"}
        model = None if human else self.model()
        if model is not None and rng.random() < mix.top_level_model:
            record["model"] = model
        with_metadata = model is not None and rng.random() < mix.message_metadata
        messages = []
        for turn in range(rng.choices([1, 2, 3, 4], [0.45, 0.30, 0.15, 0.10])[0]):
            messages.append({"role": "user", "content": self.text.of_length(50, 400)})
            reply: dict[str, Any] = {
                "role": "assistant",
                "content": self.text.of_length(200, 3000) if human else self.assistant_text(),
            }
            if with_metadata:
                reply["metadata"] = {"model": model if rng.random() < 0.8 else self.model(), "turn": turn}
            messages.append(reply)
        record["messages"] = messages
        if model is not None and rng.random() < mix.completions:
            record["completions"] = [
                {
                    "model": self.model(),
                    "response": self.assistant_text(),
                    "overall_score": round(rng.uniform(1, 10), 1),
                }
                for _ in range(rng.randint(2, 4))
            ]
        record["created"] = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return record

    def records(self) -> Iterator[dict[str, Any]]:
        index = 0
        while True:
            yield self.record(index)
            index += 1


def write(out: Path, name: str, seed: int, records: int | None, size_mb: float | None) -> dict[str, Any]:
    """Write DIR/NAME.jsonl and DIR/NAME.parquet; stop after `records` records or once the JSONL reaches
    `size_mb` MB (10^6 bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    jsonl_path, parquet_path = out / f"{name}.jsonl", out / f"{name}.parquet"
    limit = int(size_mb * 1_000_000) if size_mb is not None else None
    generator = Generator(seed)
    written = size = 0
    batch: list[dict[str, Any]] = []
    started = time.perf_counter()
    with jsonl_path.open("wb") as jsonl, pq.ParquetWriter(parquet_path, SCHEMA, compression="snappy") as parquet:
        for record in generator.records():
            line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
            jsonl.write(line)
            size += len(line)
            written += 1
            batch.append(record)
            if len(batch) == 20_000:
                parquet.write_table(pa.Table.from_pylist(batch, schema=SCHEMA), row_group_size=20_000)
                batch = []
            if (records is not None and written >= records) or (limit is not None and size >= limit):
                break
        if batch:
            parquet.write_table(pa.Table.from_pylist(batch, schema=SCHEMA), row_group_size=20_000)
    return {
        "jsonl": str(jsonl_path),
        "parquet": str(parquet_path),
        "records": written,
        "jsonl_bytes": jsonl_path.stat().st_size,
        "parquet_bytes": parquet_path.stat().st_size,
        "distinct_model_strings": len(generator.models),
        "fingerprinted_texts": generator.fingerprinted,
        "names_from": base_names()[1],
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--records", type=int, help="how many records")
    size.add_argument("--size-mb", type=float, help="stop once the JSONL reaches this many MB (10^6 bytes)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write NAME.jsonl and NAME.parquet in")
    parser.add_argument("--name", default="records", help="file stem (default: records)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--json", action="store_true", help="print what was written as one JSON object")
    args = parser.parse_args(argv)
    info = write(args.out, args.name, args.seed, args.records, args.size_mb)
    if args.json:
        print(json.dumps(info))
    else:
        print(
            f"wrote {info['records']:,} records: {info['jsonl']} ({info['jsonl_bytes'] / 1e6:,.1f} MB), "
            f"{info['parquet']} ({info['parquet_bytes'] / 1e6:,.1f} MB); {info['distinct_model_strings']} model "
            f"strings from {info['names_from']}; {info['fingerprinted_texts']:,} fingerprinted texts; "
            f"seed {info['seed']}; {info['seconds']} s",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
