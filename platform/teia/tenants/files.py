"""Reading the files under ``tenants/``: YAML with its hash, and problems naming file and path."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


@dataclass(frozen=True)
class FileProblem:
    file: Path
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else str(self.file)
        return f"{where}: {self.message}"


class TenantDataError(Exception):
    """One or more files are invalid; nothing was loaded."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_yaml(path: Path, problems: list[FileProblem]) -> tuple[dict[str, Any], str] | None:
    """The file's top-level mapping and the SHA-256 of its bytes; a problem when it is not one."""
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        problems.append(FileProblem(path, "", f"not valid YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        problems.append(FileProblem(path, "", "expected a mapping of fields at the top"))
        return None
    return data, hashlib.sha256(raw).hexdigest()


def validation_problems(path: Path, exc: ValidationError) -> list[FileProblem]:
    """Each pydantic error as ``file: dotted.path: message``."""
    return [
        FileProblem(path, ".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()
    ]
