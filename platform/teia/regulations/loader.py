"""Load regulation versions and reference values from ``tenants/`` with the councils' files.

Part of ``tenants sync``: every regulation file and the reference catalogue are validated with
the rest, and checked against what is already loaded, before anything is written. A loaded
version is immutable: its file may not change (new rules go in a new file with a later
effective date), and neither may a loaded reference value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.regulations.models import ReferenceValue, RegulationVersion
from teia.regulations.schema import (
    RegulationFile,
    error_lines,
    parse_reference_values,
    parse_regulation,
)
from teia.tenants.files import FileProblem, read_yaml
from teia.tenants.models import Tenant

REFERENCE_VALUES_FILE = Path("_catalogs") / "reference_values.yaml"
REGULATIONS_GLOB = "*/regulations/*.yaml"
IMMUTABLE_VERSION = "a loaded version is immutable: add a new file with a later effective date"


@dataclass(frozen=True)
class ParsedVersion:
    file: Path
    doc: RegulationFile
    digest: str


@dataclass(frozen=True)
class ReferenceRow:
    """One reference value as a file declares it; ``council`` None: the national catalogue."""

    file: Path
    where: str  # the path inside the file, for problems
    name: str
    council: str | None
    valid_from: date
    amount: Decimal
    source: str
    note: str | None = None

    @property
    def key(self) -> tuple[str, str | None, date]:
        return self.name, self.council, self.valid_from


@dataclass
class ParsedRegulations:
    versions: list[ParsedVersion] = field(default_factory=list)
    references: list[ReferenceRow] = field(default_factory=list)


def parse_regulations(root: Path, problems: list[FileProblem]) -> ParsedRegulations:
    """Validate every regulation file and the reference catalogue; problems are collected."""
    parsed = ParsedRegulations()
    catalogue = root / REFERENCE_VALUES_FILE
    if catalogue.exists():
        _parse_catalogue(catalogue, parsed, problems)
    for path in sorted(root.glob(REGULATIONS_GLOB)):
        version = _parse_version(root, path, problems)
        if version is not None:
            parsed.versions.append(version)
            parsed.references.extend(
                ReferenceRow(
                    path,
                    f"reference_overrides.{i}",
                    o.name,
                    version.doc.council,
                    o.valid_from,
                    o.amount,
                    o.source,
                )
                for i, o in enumerate(version.doc.reference_overrides)
            )
    _check_repeated_references(parsed.references, problems)
    return parsed


def _parse_catalogue(path: Path, parsed: ParsedRegulations, problems: list[FileProblem]) -> None:
    read = read_yaml(path, problems)
    if read is None:
        return
    try:
        spec = parse_reference_values(read[0])
    except ValidationError as exc:
        problems.extend(FileProblem(path, where, what) for where, what in error_lines(exc))
        return
    parsed.references.extend(
        ReferenceRow(
            path, f"values.{name}.{i}", name, None, e.valid_from, e.amount, e.source, e.note
        )
        for name, entries in spec.values.items()
        for i, e in enumerate(entries)
    )


def _parse_version(root: Path, path: Path, problems: list[FileProblem]) -> ParsedVersion | None:
    council = path.parent.parent.name
    try:
        effective = date.fromisoformat(path.stem)
    except ValueError:
        problems.append(
            FileProblem(
                path, "", "expected the file name to be the effective date, e.g. 2024-04-02.yaml"
            )
        )
        return None
    if not (root / council / "tenant.yaml").exists():
        problems.append(
            FileProblem(path, "", f"'{council}' is not a council folder with a tenant.yaml")
        )
        return None
    read = read_yaml(path, problems)
    if read is None:
        return None
    data, digest = read
    try:
        doc = parse_regulation(data, council=council, effective_from=effective)
    except ValidationError as exc:
        problems.extend(FileProblem(path, where, what) for where, what in error_lines(exc))
        return None
    return ParsedVersion(path, doc, digest)


def _check_repeated_references(rows: list[ReferenceRow], problems: list[FileProblem]) -> None:
    """Two files may declare the same override only with the same amount."""
    seen: dict[tuple[str, str | None, date], ReferenceRow] = {}
    for row in rows:
        first = seen.setdefault(row.key, row)
        if first is not row and first.amount != row.amount:
            problems.append(
                FileProblem(
                    row.file,
                    row.where,
                    f"{row.name} from {row.valid_from}: expected {first.amount} as in {first.file}",
                )
            )


def loaded_conflicts(session: Session, parsed: ParsedRegulations) -> list[FileProblem]:
    """Files that would change a loaded version or reference value (refused, never applied)."""
    slugs = {tenant_id: slug for tenant_id, slug in session.execute(select(Tenant.id, Tenant.slug))}
    loaded = {
        (slugs[v.tenant_id], v.effective_from): v.source_hash
        for v in session.scalars(select(RegulationVersion))
    }
    problems = [
        FileProblem(p.file, "effective_from", IMMUTABLE_VERSION)
        for p in parsed.versions
        if loaded.get((p.doc.council, p.doc.effective_from), p.digest) != p.digest
    ]
    amounts = {
        (r.name, slugs.get(r.tenant_id) if r.tenant_id else None, r.valid_from): r.amount
        for r in session.scalars(select(ReferenceValue))
    }
    for row in parsed.references:
        amount = amounts.get(row.key)
        if amount is not None and amount != row.amount:
            problems.append(
                FileProblem(
                    row.file,
                    row.where,
                    f"{row.name} from {row.valid_from} is loaded as {amount}: a loaded reference "
                    "value is immutable; add a new value with a later date",
                )
            )
    return problems


def load_regulations(
    session: Session, parsed: ParsedRegulations, tenants: dict[str, Tenant]
) -> tuple[list[str], list[str]]:
    """Insert what is new (by source hash); returns the names created and left unchanged."""
    session.flush()  # new councils get their ids
    created: list[str] = []
    unchanged: list[str] = []
    loaded = {(v.tenant_id, v.effective_from) for v in session.scalars(select(RegulationVersion))}
    for p in parsed.versions:
        tenant = tenants[p.doc.council]
        name = f"regulation:{p.doc.council}/{p.doc.effective_from.isoformat()}"
        if (tenant.id, p.doc.effective_from) in loaded:
            unchanged.append(name)
            continue
        session.add(
            RegulationVersion(
                tenant_id=tenant.id,
                effective_from=p.doc.effective_from,
                label=p.doc.version,
                title=p.doc.title,
                publication=p.doc.publication.model_dump(mode="json", exclude_none=True),
                document=p.doc.to_document(),
                source_hash=p.digest,
                source_path=p.file.parent.parent.name + "/regulations/" + p.file.name,
            )
        )
        created.append(name)
    existing = {
        (r.name, r.tenant_id, r.valid_from) for r in session.scalars(select(ReferenceValue))
    }
    added = 0
    for row in parsed.references:
        tenant_id = tenants[row.council].id if row.council else None
        key = (row.name, tenant_id, row.valid_from)
        if key in existing:
            continue
        existing.add(key)
        session.add(
            ReferenceValue(
                name=row.name,
                tenant_id=tenant_id,
                valid_from=row.valid_from,
                amount=row.amount,
                source=row.source,
                note=row.note,
            )
        )
        added += 1
    (created if added else unchanged).append("reference_values")
    return created, unchanged
