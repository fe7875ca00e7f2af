"""Deciding cheaply which files are training configs, and reading them with the project's one loader.

Training tools load their YAML with `yaml.safe_load`, where a repeated key silently keeps its last value, and
real configs repeat keys (open-instruct's Tülu 3 recipes write `dataset_mix_dir` twice). Refusing the file
would hide every dataset it names because of a logging option, so configs are parsed with
`repeated_keys="last"`, as the tool reads them, and the source reports the repeats that matter (a repeated
`datasets:` changes what is trained on).
"""

from __future__ import annotations

import re
from pathlib import Path

from tos_check.loader import Document, Loc, parse_json, parse_yaml, read_text

PEEK_BYTES = 8192
"""How much of a `.yaml` / `.json` file is read to decide whether it is a training config."""

RESERVED_NAMES = frozenset(
    {
        "tos-check.yaml",
        "tos-check.yml",
        "tos-provenance.yaml",
        "tos-provenance.yml",
        "pyproject.toml",
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "adapter_config.json",
        "pipeline.yaml",
        "pipeline.yml",
        ".pre-commit-config.yaml",
        "mkdocs.yml",
        "mkdocs.yaml",
        "docker-compose.yml",
        "docker-compose.yaml",
    }
)
"""Files that are never training configs, or that another source owns (the manifest, distilabel pipelines)."""

RESERVED_FOLDERS = frozenset({".github", ".gitlab", ".circleci"})

REGISTRY_NAME = "dataset_info.json"
"""LLaMA-Factory's dataset registry (name -> hf_hub_url / file_name ...)."""

_TOP_LEVEL_KEY = re.compile(
    rb"^(base_model|datasets|pretraining_dataset|dataset_mixer|dataset_mixer_list|dataset_mixture|dataset_name|"
    rb"model_name_or_path|dataset|train_file|hub_model_id)[ \t]*:",
    re.MULTILINE,
)
"""A YAML line that starts with one of these keys at column 0: the file may be a training config."""

_SECTION_KEY = re.compile(rb"^  (datasets|datasets_extra|model_name)[ \t]*:", re.MULTILINE)
"""Open-Assistant: named run configs at the top level, each with `datasets:` or `model_name:` two spaces in."""

_JSON_KEY = re.compile(rb'"(model_name_or_path|dataset_name|dataset_mixer|dataset_mixer_list|dataset_mixture)"\s*:')
_NOT_A_CONFIG = re.compile(rb"^(distilabel|pipeline|artifacts|versions|clauses|provider)[ \t]*:", re.MULTILINE)
"""Top-level keys of files other sources own: distilabel pipelines, our manifest, policies, identity catalogs."""


def claims(path: Path, relative: str, head: bytes | None) -> bool:
    """From the name, and for `.yaml` / `.yml` / `.json` from the first few KB: tool keys where they belong."""
    name = path.name.lower()
    if name in RESERVED_NAMES or name.endswith((".tos-provenance.yaml", ".tos-provenance.yml")):
        return False
    if RESERVED_FOLDERS.intersection(relative.replace("\\", "/").split("/")[:-1]):
        return False
    if name == REGISTRY_NAME:
        return True
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        return False
    if head is None:
        return False
    head = head[:PEEK_BYTES]
    if suffix == ".json":
        return head.lstrip().startswith(b"{") and _JSON_KEY.search(head) is not None
    head = head.removeprefix(b"\xef\xbb\xbf")
    if _NOT_A_CONFIG.search(head):
        return False
    return _TOP_LEVEL_KEY.search(head) is not None or _SECTION_KEY.search(head) is not None


def load(path: Path, display: str) -> tuple[Document, list[tuple[Loc, int]]]:
    """The document and the keys it repeats (where, and the line of the repeat). Raises InputError."""
    text = read_text(path, display)
    if path.suffix.lower() == ".json":
        return parse_json(text, display), []
    doc = parse_yaml(text, display, repeated_keys="last")
    return doc, doc.repeated
