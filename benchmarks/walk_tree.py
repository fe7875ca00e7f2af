"""How fast one scan goes through a large tree of metadata: files per second and peak memory.

Builds a temporary tree of 10,000 files (dataset and model cards with front matter and prose, provenance
manifests, training configs, small YAML settings, JSON), then runs the real scan in-process — the walk,
every registered built-in source, the lineage graph, the built-in policies and the evaluator — once to
warm up, then three times more, and reports the median of those (warm file cache, imports and catalogs):
a shared machine's speed moves by a third from one run to the next. Target: 2,000 files/s on one core.

    .venv/bin/python benchmarks/walk_tree.py                 # build, scan 1 + 3 times, report
    .venv/bin/python benchmarks/walk_tree.py --profile 25    # and the top 25 functions by own time
    .venv/bin/python benchmarks/walk_tree.py --tracemalloc   # and Python-level peak allocation (slower)
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from machine import describe  # benchmarks/machine.py: run as a script, its folder is on the path

os.environ.setdefault("TOS_CHECK_NO_EXTERNAL_PLUGINS", "1")  # measure the built-ins only

from tos_check.identity.resolver import Resolver
from tos_check.plugins import policy_dirs, sources
from tos_check.policy.load import load_policies
from tos_check.report.model import Report
from tos_check.scan import ScanOptions, _no_full_collections, scan
from tos_check.use import DeclaredUse, UseSource
from tos_check.walk import walk

TARGET_FILES_PER_SECOND = 2_000
FILES_PER_FOLDER = 20

MODELS = ["gpt-4-0613", "gpt-3.5-turbo", "claude-3-opus-20240229", "Llama-2-70b-chat", "mistral-large", "gemini-pro"]
DATASETS = ["tatsu-lab/alpaca", "HuggingFaceH4/ultrachat_200k", "Open-Orca/OpenOrca", "databricks/databricks-dolly-15k"]
LICENSES = ["apache-2.0", "cc-by-nc-4.0", "mit", "cc-by-4.0", "other"]

PROSE = """
## Dataset Description

This dataset collects {n} instruction and response pairs for supervised fine-tuning of chat assistants.
The instructions were written by annotators and cover coding, writing, reasoning and open-ended questions.
{generation}

### Languages

The text is in English. A small share of the records mix code with natural language.

### Data Fields

- `instruction`: the task the user asked for.
- `output`: the answer, in Markdown.
- `source`: which upstream collection the instruction came from.

## Considerations for Using the Data

The answers may contain mistakes. We filtered for length and removed duplicates with MinHash, keeping one
record per cluster. Results on MT-Bench are reported in the paper and compared to {other} where relevant.

## Licensing Information

Released under {license}. Check the terms of the upstream datasets before using it commercially.
"""


def dataset_card(i: int) -> str:
    model = MODELS[i % len(MODELS)]
    generation = (
        f"The responses were generated with {model} using the prompts in `prompts/`."
        if i % 3 == 0
        else "All responses were written by trained annotators."
    )
    front = (
        f"---\nlicense: {LICENSES[i % len(LICENSES)]}\nlanguage:\n- en\ntask_categories:\n- text-generation\n"
        f"size_categories:\n- 10K<n<100K\npretty_name: Chat set {i}\nsource_datasets:\n- {DATASETS[i % 4]}\n"
        f"annotations_creators:\n- {'machine-generated' if i % 3 == 0 else 'expert-generated'}\n"
        f"tags:\n- chat\n- sft\n---\n\n# Chat set {i}\n"
    )
    return front + PROSE.format(n=1000 + i, generation=generation, other=MODELS[(i + 1) % 6], license=LICENSES[i % 5])


def model_card(i: int) -> str:
    return (
        f"---\nlicense: apache-2.0\nbase_model: mistralai/Mistral-7B-v0.1\ndatasets:\n- local/chat-{i}\n"
        f"pipeline_tag: text-generation\nlibrary_name: transformers\n---\n\n# acme-chat-{i}\n\n"
        "A chat model fine-tuned on our instruction data. Evaluated against GPT-4 on MT-Bench.\n"
    )


def manifest(i: int, local: bool) -> str:
    model = MODELS[i % len(MODELS)]
    return (
        "artifacts:\n"
        f"  - id: data/gen-{i}{'-b' if local else ''}\n    kind: dataset\n    path: data/gen-{i}.jsonl\n"
        f"    generated_by:\n      - model: {model}\n        date: 2024-0{1 + i % 9}-15\n        role: responses\n"
        f"        by: us\n        records: {100 + i}\n    derived_from: [{DATASETS[i % 4]}]\n"
    )


def training_config(i: int) -> str:
    return (
        f"base_model: mistralai/Mistral-7B-v0.1\nmodel_type: MistralForCausalLM\nload_in_8bit: false\n"
        f"datasets:\n  - path: {DATASETS[i % 4]}\n    type: alpaca\n  - path: data/gen-{i}.jsonl\n    type: sharegpt\n"
        f"val_set_size: 0.05\noutput_dir: ./out/run-{i}\nsequence_len: 4096\nmicro_batch_size: 2\n"
        f"num_epochs: 3\nlearning_rate: 0.0002\nlr_scheduler: cosine\n"
    )


def settings_yaml(i: int) -> str:
    return f"name: job-{i}\nretries: 3\ntimeout_s: 600\nlabels:\n  team: data\n  tier: {i % 4}\nenabled: true\n"


def json_file(i: int, kind: int) -> str:
    if kind == 0:
        return f'{{"architectures": ["MistralForCausalLM"], "hidden_size": 4096, "num_layers": {32 + i % 4}}}\n'
    if kind == 1:
        columns = '["instruction", "output"]'
        return f'{{"name": "stats-{i}", "rows": {1000 + i}, "bytes": {i * 977}, "columns": {columns}}}\n'
    if kind == 2:
        return f'{{"bos_token": "<s>", "eos_token": "</s>", "model_max_length": {2048 + i % 3}}}\n'
    return f'{{"run": {i}, "metrics": {{"loss": 1.{i % 97:02d}, "accuracy": 0.{i % 89:02d}}}, "tags": ["nightly"]}}\n'


def build_tree(root: Path, files: int) -> Counter[str]:
    """`files` files in folders of 20: 5 cards, 2 manifests, 3 training configs, 4 small YAML, 6 JSON."""
    kinds: Counter[str] = Counter()
    folders = (files + FILES_PER_FOLDER - 1) // FILES_PER_FOLDER
    written = 0
    for f in range(folders):
        folder = root / f"team-{f // 50:02d}" / f"project-{f:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        plan: list[tuple[str, str, str]] = [("README.md", dataset_card(f), "dataset card")]
        plan += [(f"datasheet-{k}.md", dataset_card(f * 7 + k), "dataset card") for k in range(3)]
        plan.append(("model-card.md", model_card(f), "model card"))
        plan.append(("tos-provenance.yaml", manifest(f, False), "manifest"))
        plan.append(("extra.tos-provenance.yaml", manifest(f, True), "manifest"))
        plan += [(f"train-{k}.yaml", training_config(f * 3 + k), "training config") for k in range(3)]
        plan += [(f"settings-{k}.yaml", settings_yaml(f * 4 + k), "small YAML") for k in range(4)]
        plan += [(f"meta-{k}.json", json_file(f * 6 + k, k % 4), "JSON") for k in range(6)]
        for name, text, kind in plan:
            if written == files:
                return kinds
            (folder / name).write_text(text, encoding="utf-8")
            kinds[kind] += 1
            written += 1
    return kinds


def run_scan(root: Path) -> tuple[Report, float]:
    policies, problems = load_policies(policy_dirs())
    assert not problems, problems
    use = UseSource(use=DeclaredUse(), path=None, assumed=True)
    started = time.perf_counter()
    report = scan([root], use, policies, Resolver.builtin(), ScanOptions(as_of=dt.date(2025, 6, 1)))
    return report, time.perf_counter() - started


def stages(root: Path) -> dict[str, float]:
    """Seconds in the walk, in `claims`, and in `read`, measured apart (the rest is graph and evaluation)."""
    with _no_full_collections():  # as in a scan
        started = time.perf_counter()
        files = walk([root]).files
        walked = time.perf_counter()
        registered = sources()
        claimed = [(f, s) for f in files for s in registered if s.claims(f)]
        claims_done = time.perf_counter()
        for file, source in claimed:
            source.read(file)
        read_done = time.perf_counter()
    return {"walk": walked - started, "claims": claims_done - walked, "read": read_done - claims_done}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="warm runs; the median is reported (default 3)")
    parser.add_argument("--keep", type=Path, help="build the tree here (and keep it) instead of a temporary folder")
    parser.add_argument("--profile", type=int, metavar="N", help="print the top N functions by own time")
    parser.add_argument("--tracemalloc", action="store_true", help="also measure Python-level peak allocation")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tos-check-bench-") as tmp:
        root = args.keep or Path(tmp) / "tree"
        root.mkdir(parents=True, exist_ok=True)
        kinds = build_tree(root, args.files)
        print(f"machine: {describe()} (the scan uses one CPU)")
        print(f"tree: {sum(kinds.values()):,} files ({', '.join(f'{n:,} {k}' for k, n in sorted(kinds.items()))})")

        _, cold = run_scan(root)
        report, first = run_scan(root)
        times = sorted([first, *(run_scan(root)[1] for _ in range(args.runs - 1))])  # one report kept, not three
        warm = statistics.median(times)
        files = report.summary.files_scanned
        print(f"first run: {cold:.2f} s ({files / cold:,.0f} files/s, includes loading catalogs)")
        print(
            f"warm runs: median {warm:.2f} s (of {len(times)}: {times[0]:.2f}-{times[-1]:.2f} s) -> "
            f"{files / warm:,.0f} files/s (range {files / times[-1]:,.0f}-{files / times[0]:,.0f}; "
            f"target {TARGET_FILES_PER_SECOND:,}: {'met' if files / warm >= TARGET_FILES_PER_SECOND else 'NOT met'})"
        )
        print(
            f"  {files:,} files scanned, {report.summary.artifacts:,} datasets, "
            f"{len(report.findings):,} findings, {len(report.problems):,} problems"
        )
        parts = stages(root)
        rest = warm - sum(parts.values())
        print(
            "  split: "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items())
            + f", graph + evaluation + report {max(rest, 0.0):.2f} s"
        )
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":
            peak_kib //= 1024
        print(f"peak memory (max RSS of the process, imports and catalogs included): {peak_kib / 1024:,.0f} MiB")

        if args.tracemalloc:
            tracemalloc.start()
            run_scan(root)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak Python allocation during one scan (tracemalloc): {peak / 1_048_576:,.0f} MiB")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            run_scan(root)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(args.profile)
            stats.sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue())
        if report.problems:
            print("first problems:", *report.problems[:5], sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
