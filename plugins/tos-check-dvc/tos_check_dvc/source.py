"""DVC pipelines as lineage: what each stage made (`outs`), from what (`deps`), and which model it called.

- `dvc.yaml`: each stage's outs become artifacts (datasets; models when the file says so by its suffix),
  each data dep a `derived_from` edge (or `trained_on`, for a model out) at the dep's line. A stage that
  generates data (its name or command says so: generate, synthesize, distill, annotate, judge, rewrite …)
  and names a model, in its command (`--model gpt-4o`) or through a parameter (`params: [generate.model]`
  with `generate.model: gpt-4o` in params.yaml), gives its dataset outs a `generated_by` that model:
  weak evidence (kind `metadata`, confidence 0.5 / 0.4), since a command line is not a declaration.
- `dvc.lock`: the same stages as they last ran, with the parameter values DVC recorded.
- `*.dvc`: files and folders tracked by DVC (outs with md5 and path) and, for `dvc import`, where they came
  from (deps with a repository URL) as `derived_from` edges.

Nothing is executed: DVC's `${...}` templating is expanded from `vars:`, params.yaml and `foreach` items only.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from tos_check.lineage.model import Artifact, ArtifactKind, Edge, Evidence, GeneratedBy, Location, SourceResult
from tos_check.loader import Document, load_document, parse_yaml, read_text
from tos_check.policy.model import Role
from tos_check.problems import InputError, Problem
from tos_check.walk import ScanFile

PIPELINE_NAMES = frozenset({"dvc.yaml", "dvc.yml"})
LOCK_NAME = "dvc.lock"

MODEL_KEYS = frozenset(
    {
        "model",
        "model_name",
        "model_id",
        "model_name_or_path",
        "generator",
        "generator_model",
        "generation_model",
        "llm",
        "llm_model",
        "teacher",
        "teacher_model",
        "judge",
        "judge_model",
        "engine",
    }
)
"""Parameter names (the last part of a dotted key, any case, `-` read as `_`) that name a model."""

_MODEL_FLAG = re.compile(
    r"--(?P<flag>model|model[-_]name|model[-_]id|generator|generator[-_]model|generation[-_]model|llm|llm[-_]model"
    r"|teacher|teacher[-_]model|judge|judge[-_]model|engine)(?:=|\s+)(?P<value>\"[^\"]*\"|'[^']*'|\S+)"
)
_GENERATION_WORDS = re.compile(
    r"generat|synth|distil|annotat|label|judg|(?<![a-z])rat(?:e|es|ing|er)(?![a-z])|rank|prefer|rewrit|paraphras"
    r"|augment|complet|respon"
    r"|teacher",
    re.IGNORECASE,
)
_TEMPLATE = re.compile(r"\$\{\s*(?P<key>[^{}\s]+)\s*\}")

MODEL_SUFFIXES = frozenset(
    {".pt", ".pth", ".bin", ".safetensors", ".onnx", ".h5", ".keras", ".ckpt", ".gguf", ".pkl", ".joblib", ".pb"}
)
"""Outs with these suffixes are models, not data."""
CODE_SUFFIXES = frozenset(
    {
        ".py",
        ".ipynb",
        ".sh",
        ".r",
        ".jl",
        ".js",
        ".ts",
        ".go",
        ".rs",
        ".java",
        ".scala",
        ".sql",
        ".toml",
        ".cfg",
        ".ini",
    }
)
"""Deps with these suffixes are the code or configuration a stage runs, not the data it reads."""
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"

CMD_CONFIDENCE = 0.5
PARAM_CONFIDENCE = 0.4


class DvcSource:
    name = "dvc"

    def claims(self, file: ScanFile) -> bool:
        name = file.path.name
        return name in PIPELINE_NAMES or name == LOCK_NAME or (name.endswith(".dvc") and name != ".dvc")

    def read(self, file: ScanFile) -> SourceResult:
        try:
            doc = parse_yaml(read_text(file.path, file.display), file.display)
        except InputError as exc:
            return SourceResult(problems=exc.problems)
        reader = _Reader(file, doc)
        if file.path.name in PIPELINE_NAMES:
            reader.pipeline()
        elif file.path.name == LOCK_NAME:
            reader.lock()
        else:
            reader.tracked()
        return reader.result


@dataclass
class _Stage:
    name: str
    loc: tuple[str | int, ...]
    body: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    """Values for `${...}` in this stage: its foreach item, then vars and params.yaml."""


class _Reader:
    def __init__(self, file: ScanFile, doc: Document) -> None:
        self.file = file
        self.doc = doc
        self.result = SourceResult()
        self.shown_folder = file.folder
        self.relative_folder = posixpath.dirname(file.relative or file.display)
        self._params: dict[str, Document | None] = {}

    # --- helpers --------------------------------------------------------------------------------------

    def problem(self, loc: tuple[str | int, ...], message: str) -> None:
        self.result.problems.append(Problem(self.doc.path, self.doc.line_of(loc), message))

    def here(self, loc: tuple[str | int, ...]) -> Location:
        return Location(path=self.doc.path, line=self.doc.line_of(loc))

    def ids(self, path: str, wdir: str = ".") -> tuple[str, str]:
        """(id below the scanned folder, path as scanned) of a path written relative to the file (and wdir)."""
        relative = posixpath.normpath(posixpath.join(self.relative_folder, wdir, path))
        shown = posixpath.normpath(posixpath.join(self.shown_folder, wdir, path))
        return relative, shown

    def params_doc(self, name: str, wdir: str = ".") -> Document | None:
        """A parameters file beside the pipeline, parsed once; problems reading it are reported once."""
        path = posixpath.normpath(posixpath.join(wdir, name))
        if path not in self._params:
            real = self.file.path.parent / path
            shown = posixpath.normpath(posixpath.join(self.shown_folder, path))
            doc: Document | None = None
            if real.suffix.lower() in (".yaml", ".yml", ".json") and real.is_file():
                try:
                    doc = load_document(real, shown)
                except InputError as exc:
                    self.result.problems.extend(exc.problems)
            self._params[path] = doc
        return self._params[path]

    # --- dvc.yaml -------------------------------------------------------------------------------------

    def pipeline(self) -> None:
        data = self.doc.data
        if data is None:
            return
        if not isinstance(data, dict):
            self.problem((), "dvc.yaml must be a mapping with a `stages:` key")
            return
        stages = data.get("stages")
        if stages is None:
            return
        if not isinstance(stages, dict):
            self.problem(("stages",), "`stages` must be a mapping of stage names to stages")
            return
        context = self._vars(data.get("vars"))
        for name, stage in stages.items():
            loc: tuple[str | int, ...] = ("stages", name)
            if not isinstance(stage, dict):
                self.problem(loc, f"stage {name!r} must be a mapping (cmd, deps, outs, params)")
                continue
            for expanded in self._expand(str(name), loc, stage, context):
                self._stage(expanded)

    def _vars(self, value: Any) -> dict[str, Any]:
        """DVC's templating context: params.yaml (always), then each `vars:` entry (a file or a mapping)."""
        context: dict[str, Any] = {}
        default = self.params_doc("params.yaml")
        if default is not None and isinstance(default.data, dict):
            context.update(default.data)
        items = value if isinstance(value, list) else [] if value is None else [value]
        if value is not None and not isinstance(value, list):
            self.problem(("vars",), "`vars` must be a list of files or mappings")
        for item in items:
            if isinstance(item, dict):
                context.update(item)
            elif isinstance(item, str):
                doc = self.params_doc(item.split(":", 1)[0])
                if doc is not None and isinstance(doc.data, dict):
                    context.update(doc.data)
        return context

    def _expand(
        self, name: str, loc: tuple[str | int, ...], stage: dict[str, Any], context: dict[str, Any]
    ) -> Iterator[_Stage]:
        if "foreach" not in stage:
            yield _Stage(name, loc, stage, context)
            return
        body = stage.get("do")
        if not isinstance(body, dict):
            self.problem((*loc, "do"), f"stage {name!r} has `foreach` but no `do:` mapping")
            return
        items = stage["foreach"]
        if isinstance(items, str):  # foreach: ${datasets}, a list or mapping from params.yaml or vars
            template = _TEMPLATE.fullmatch(items.strip())
            items = _lookup(context, template.group("key")) if template else None
        pairs: list[tuple[str, Any]]
        if isinstance(items, list):
            pairs = [(str(i), item) for i, item in enumerate(items)]
            names = [str(item) if not isinstance(item, (dict, list)) else str(i) for i, item in enumerate(items)]
        elif isinstance(items, dict):
            pairs = [(str(k), v) for k, v in items.items()]
            names = [str(k) for k in items]
        else:
            self.problem((*loc, "foreach"), f"stage {name!r}: `foreach` must be a list or a mapping")
            return
        for (key, item), label in zip(pairs, names, strict=True):
            yield _Stage(f"{name}@{label}", (*loc, "do"), body, {**context, "item": item, "key": key})

    def _stage(self, stage: _Stage) -> None:
        body, loc = stage.body, stage.loc
        cmd = _command(body.get("cmd"))
        if body.get("cmd") is not None and cmd is None:
            self.problem((*loc, "cmd"), f"stage {stage.name!r}: `cmd` must be a command or a list of commands")
        raw_wdir = body.get("wdir")
        wdir = _text(raw_wdir, stage.context) if isinstance(raw_wdir, str) else "."
        outs = self._paths(body.get("outs"), (*loc, "outs"), stage)
        deps = self._paths(body.get("deps"), (*loc, "deps"), stage)
        generating = _generates(stage.name, cmd or "")
        generations = self._generations(stage, cmd or "", wdir) if generating else []
        data_deps = [(p, line) for p, line in deps if _is_data(p)]
        for path, line in outs:
            kind: ArtifactKind = "model" if not generating and _is_model(path) else "dataset"
            self._artifact(path, wdir, kind, line, tuple(generations) if kind == "dataset" else ())
            source, _ = self.ids(path, wdir)
            relation: Literal["trained_on", "derived_from"] = "trained_on" if kind == "model" else "derived_from"
            for dep, dep_line in data_deps:
                target, shown = self.ids(dep, wdir)
                if target != source:
                    self.result.edges.append(
                        Edge(
                            relation=relation,
                            source=source,
                            target=target,
                            target_paths=(shown,),
                            location=Location(path=self.doc.path, line=dep_line),
                        )
                    )

    def _paths(self, value: Any, loc: tuple[str | int, ...], stage: _Stage) -> list[tuple[str, int | None]]:
        """`outs` / `deps`: each a path, or a one-key mapping `{path: {cache: false, ...}}`."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(loc, f"stage {stage.name!r}: `{loc[-1]}` must be a list of paths")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict) and len(item) == 1:
                item = next(iter(item))
            if not isinstance(item, str) or not item.strip():
                self.problem((*loc, i), f"stage {stage.name!r}: each of `{loc[-1]}` must be a path")
                continue
            out.append((_text(item, stage.context), self.doc.line_of((*loc, i))))
        return out

    def _generations(self, stage: _Stage, cmd: str, wdir: str) -> list[GeneratedBy]:
        role = _role(f"{stage.name} {cmd}")
        found: dict[str, GeneratedBy] = {}
        for match in _MODEL_FLAG.finditer(cmd):
            raw = match.group("value").strip("\"'")
            template = _TEMPLATE.fullmatch(raw)
            if template:
                key = template.group("key")
                generation = self._param_generation(
                    "params.yaml", key, wdir, role, stage, f"--{match.group('flag')} {raw}"
                )
                if generation is None:
                    value = _lookup(stage.context, key)
                    if isinstance(value, str) and value.strip():
                        generation = self._cmd_generation(value, stage, role, f"--{match.group('flag')} {raw}")
            else:
                generation = self._cmd_generation(raw, stage, role, match.group(0))
            if generation is not None:
                found.setdefault(generation.model.lower(), generation)
        for params_file, key, _line in self._param_refs(stage, wdir):
            if _is_model_key(key):
                generation = self._param_generation(params_file, key, wdir, role, stage, f"params: {key}")
                if generation is not None:
                    found.setdefault(generation.model.lower(), generation)
        return [found[k] for k in sorted(found)]

    def _cmd_generation(self, model: str, stage: _Stage, role: Role, seen: str) -> GeneratedBy | None:
        if not model or _TEMPLATE.search(model):
            return None
        return GeneratedBy(
            model=model,
            role=role,
            by="us",
            evidence=Evidence(
                kind="metadata",
                detail=f"DVC stage {stage.name!r} generates data with {seen}",
                location=self.here((*stage.loc, "cmd")),
                confidence=CMD_CONFIDENCE,
            ),
        )

    def _param_generation(
        self, params_file: str, key: str, wdir: str, role: Role, stage: _Stage, seen: str
    ) -> GeneratedBy | None:
        doc = self.params_doc(params_file, wdir)
        if doc is None:
            return None
        parts = tuple(key.split("."))
        value = _lookup(doc.data, key)
        if not isinstance(value, str) or not value.strip():
            return None
        return GeneratedBy(
            model=value.strip(),
            role=role,
            by="us",
            evidence=Evidence(
                kind="metadata",
                detail=f"DVC stage {stage.name!r} generates data with {seen} = {value.strip()}",
                location=Location(path=doc.path, line=doc.line_of(parts)),
                confidence=PARAM_CONFIDENCE,
            ),
        )

    def _param_refs(self, stage: _Stage, wdir: str) -> list[tuple[str, str, int | None]]:
        """(file, dotted key, line) of each parameter the stage declares; a bare key is in params.yaml."""
        value = stage.body.get("params")
        loc = (*stage.loc, "params")
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(loc, f"stage {stage.name!r}: `params` must be a list")
            return []
        refs: list[tuple[str, str, int | None]] = []
        for i, item in enumerate(value):
            line = self.doc.line_of((*loc, i))
            if isinstance(item, str):
                refs.append(("params.yaml", item, line))
            elif isinstance(item, dict):
                for params_file, keys in item.items():
                    if keys is None or keys == []:
                        doc = self.params_doc(str(params_file), wdir)
                        keys = list(_dotted_keys(doc.data)) if doc is not None else []
                    if not isinstance(keys, list):
                        self.problem((*loc, i, params_file), "parameter names must be a list")
                        continue
                    refs.extend((str(params_file), str(key), line) for key in keys if isinstance(key, str))
            else:
                self.problem((*loc, i), f"stage {stage.name!r}: each of `params` must be a name or a mapping")
        return refs

    def _artifact(
        self,
        path: str,
        wdir: str,
        kind: ArtifactKind,
        line: int | None,
        generated_by: tuple[GeneratedBy, ...] = (),
        md5: str | None = None,
    ) -> None:
        relative, shown = self.ids(path, wdir)
        names = (f"md5:{md5}",) if md5 and md5.removesuffix(".dir") != EMPTY_MD5 else ()
        self.result.artifacts.append(
            Artifact(
                id=relative,
                kind=kind,
                names=names,
                paths=(shown,),
                location=Location(path=self.doc.path, line=line),
                generated_by=generated_by,
            )
        )

    # --- dvc.lock -------------------------------------------------------------------------------------

    def lock(self) -> None:
        data = self.doc.data
        if data is None:
            return
        if not isinstance(data, dict):
            self.problem((), "dvc.lock must be a mapping with a `stages:` key")
            return
        stages = data.get("stages") if "schema" in data or "stages" in data else data
        prefix: tuple[str, ...] = ("stages",) if stages is not data else ()
        if not isinstance(stages, dict):
            self.problem(prefix, "`stages` must be a mapping of stage names to stages")
            return
        for name, stage in stages.items():
            loc = (*prefix, name)
            if not isinstance(stage, dict):
                self.problem(loc, f"stage {name!r} must be a mapping")
                continue
            cmd = _command(stage.get("cmd")) or ""
            generating = _generates(str(name), cmd)
            generations = self._lock_generations(str(name), loc, stage.get("params"), cmd) if generating else []
            outs = stage.get("outs")
            if outs is not None and not isinstance(outs, list):
                self.problem((*loc, "outs"), f"stage {name!r}: `outs` must be a list")
                continue
            wdir = stage.get("wdir") if isinstance(stage.get("wdir"), str) else "."
            for i, out in enumerate(outs or []):
                if not isinstance(out, dict) or not isinstance(out.get("path"), str):
                    self.problem((*loc, "outs", i), f"stage {name!r}: each out must have a `path`")
                    continue
                path = out["path"]
                kind: ArtifactKind = "model" if not generating and _is_model(path) else "dataset"
                self._artifact(
                    path,
                    str(wdir),
                    kind,
                    self.doc.line_of((*loc, "outs", i, "path")),
                    tuple(generations) if kind == "dataset" else (),
                    _md5(out),
                )

    def _lock_generations(self, name: str, loc: tuple[str | int, ...], params: Any, cmd: str) -> list[GeneratedBy]:
        """Model names among the parameter values DVC recorded for the stage (`params: {file: {key: value}}`)."""
        if not isinstance(params, dict):
            return []
        role = _role(f"{name} {cmd}")
        found: dict[str, GeneratedBy] = {}
        for params_file, values in params.items():
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                if not _is_model_key(str(key)) or not isinstance(value, str) or not value.strip():
                    continue
                found.setdefault(
                    value.strip().lower(),
                    GeneratedBy(
                        model=value.strip(),
                        role=role,
                        by="us",
                        evidence=Evidence(
                            kind="metadata",
                            detail=f"DVC stage {name!r} ran with {params_file} {key} = {value.strip()}",
                            location=self.here((*loc, "params", params_file, key)),
                            confidence=PARAM_CONFIDENCE,
                        ),
                    ),
                )
        return [found[k] for k in sorted(found)]

    # --- *.dvc ----------------------------------------------------------------------------------------

    def tracked(self) -> None:
        data = self.doc.data
        if not isinstance(data, dict) or not isinstance(data.get("outs"), list):
            self.problem(("outs",) if isinstance(data, dict) else (), "a .dvc file must have a list of `outs`")
            return
        sources = []
        for i, out in enumerate(data["outs"]):
            if not isinstance(out, dict) or not isinstance(out.get("path"), str) or not out["path"].strip():
                self.problem(("outs", i), "each out must have a `path`")
                continue
            path = out["path"]
            kind: ArtifactKind = "model" if _is_model(path) else "dataset"
            self._artifact(path, ".", kind, self.doc.line_of(("outs", i, "path")), md5=_md5(out))
            sources.append(self.ids(path)[0])
        deps = data.get("deps")
        if deps is None:
            return
        if not isinstance(deps, list):
            self.problem(("deps",), "`deps` must be a list")
            return
        for i, dep in enumerate(deps):
            if not isinstance(dep, dict) or not isinstance(dep.get("path"), str):
                self.problem(("deps", i), "each dep must have a `path`")
                continue
            repo = dep.get("repo")
            url = repo.get("url") if isinstance(repo, dict) else None
            target_paths: tuple[str, ...]
            if isinstance(url, str) and url:
                target, target_paths = f"{url.rstrip('/')}/{dep['path']}", ()
            elif "://" in dep["path"]:
                target, target_paths = dep["path"], ()
            else:
                target, shown = self.ids(dep["path"])
                target_paths = (shown,)
            for source in sources:
                self.result.edges.append(
                    Edge(
                        relation="derived_from",
                        source=source,
                        target=target,
                        target_paths=target_paths,
                        location=self.here(("deps", i, "path")),
                    )
                )


_SCRIPT = re.compile(r"(?:^|\s)(?:-m\s+(?P<module>[\w.]+)|(?P<file>[^\s;|&]+\.(?:py|sh|ipynb|r|jl)))\b", re.IGNORECASE)


def _generates(stage_name: str, cmd: str) -> bool:
    """A generation stage: its name, or the script or module its command runs, says it generates.

    Only those count, not the whole command line: `stats.py data/synthetic.jsonl` reads generated data.
    """
    scripts = [m.group("module") or m.group("file") for m in _SCRIPT.finditer(cmd)]
    return any(_GENERATION_WORDS.search(text) for text in (stage_name, *scripts))


def _command(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None


def _text(value: str, context: dict[str, Any]) -> str:
    """Expand `${key}` from the stage's context; what cannot be expanded stays as written."""

    def replace(match: re.Match[str]) -> str:
        found = _lookup(context, match.group("key"))
        return str(found) if isinstance(found, (str, int, float)) and not isinstance(found, bool) else match.group(0)

    return _TEMPLATE.sub(replace, value)


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _dotted_keys(data: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            dotted = f"{prefix}{key}"
            yield dotted
            yield from _dotted_keys(value, f"{dotted}.")


def _is_model_key(key: str) -> bool:
    return key.split(".")[-1].lower().replace("-", "_") in MODEL_KEYS


def _is_model(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in MODEL_SUFFIXES


def _is_data(path: str) -> bool:
    pure = PurePosixPath(path)
    return pure.suffix.lower() not in CODE_SUFFIXES and not pure.name.startswith("params.") and "${" not in path


def _md5(out: dict[str, Any]) -> str | None:
    value = out.get("md5") or out.get("etag") or out.get("checksum")
    return value if isinstance(value, str) else None


def _role(text: str) -> Role:
    lowered = text.lower()
    if re.search(r"judg|(?<![a-z])rat(?:e|es|ing|er)(?![a-z])|scor", lowered):
        return "judgments"
    if re.search(r"rank|prefer|compar", lowered):
        return "preferences"
    if re.search(r"rewrit|paraphras", lowered):
        return "rewrites"
    return "responses"
