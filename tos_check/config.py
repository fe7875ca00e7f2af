"""`tos-check.yaml`: the declared use plus the scan settings a project wants every run to have.

Found next to the first scanned folder, else in the current folder; `[tool.tos-check]` in pyproject.toml
holds the same keys. Command-line options win over the file.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from tos_check.loader import load_document
from tos_check.report.model import FailOn
from tos_check.suppress.waivers import PlacedWaiver, Waiver
from tos_check.use import DeclaredUse, UseSource, load_pyproject_use, load_use_file
from tos_check.validation import validate_model

CONFIG_NAMES = ("tos-check.yaml", "tos-check.yml")


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    use: DeclaredUse | None = None
    policies: list[str] = Field([], description="Extra policy folders, relative to this file.")
    fail_on: FailOn | None = None
    min_confidence: float | None = Field(None, ge=0.0, le=1.0)
    waivers: list[Waiver] = Field([], description="Findings accepted, each with reason, approver and expiry.")


class Settings(BaseModel):
    use: UseSource
    policy_dirs: list[Path] = []
    fail_on: FailOn | None = None
    min_confidence: float | None = None
    config_path: str | None = None
    waivers: list[PlacedWaiver] = []


def find_config(paths: list[Path], cwd: Path = Path(".")) -> Path | None:
    folders = [p for p in paths[:1] if p.is_dir()] + [cwd]
    for folder in folders:
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def find_pyproject(paths: list[Path], cwd: Path = Path(".")) -> Path | None:
    folders = [p for p in paths[:1] if p.is_dir()] + [cwd]
    for folder in folders:
        if (folder / "pyproject.toml").is_file():
            return folder / "pyproject.toml"
    return None


def load_settings(paths: list[Path], config: Path | None, use_file: Path | None, cwd: Path = Path(".")) -> Settings:
    """Raises InputError (with file and line) for anything in the files that is wrong. `cwd` stands for the
    current folder when the paths are a copy of the tree at another commit (`scan --since`)."""
    config = config or find_config(paths, cwd)
    settings = Settings(use=UseSource(use=DeclaredUse(), path=None, assumed=True))
    if config is not None:
        doc = load_document(config, str(config))
        data = doc.data if doc.data is not None else {}
        parsed = validate_model(Config, doc, data)
        settings = Settings(
            use=UseSource(use=parsed.use, path=str(config)) if parsed.use else settings.use,
            policy_dirs=[config.parent / p for p in parsed.policies],
            fail_on=parsed.fail_on,
            min_confidence=parsed.min_confidence,
            config_path=str(config),
            waivers=[
                PlacedWaiver(waiver, f"{config}:{doc.line_of(('waivers', i)) or 1}")
                for i, waiver in enumerate(parsed.waivers)
            ],
        )
    if settings.use.assumed:
        pyproject = find_pyproject(paths, cwd)
        from_pyproject = load_pyproject_use(pyproject) if pyproject else None
        if from_pyproject is not None:
            settings = settings.model_copy(update={"use": from_pyproject})
    if use_file is not None:
        settings = settings.model_copy(update={"use": load_use_file(use_file)})
    return settings
