"""Load ``tenants/`` into the database: validate every file first, then write all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.core.tenancy import require_tenant_id
from teia.regulations.loader import (
    REFERENCE_VALUES_FILE,
    ParsedRegulations,
    load_regulations,
    loaded_conflicts,
    parse_regulations,
)
from teia.tenants.files import FileProblem, TenantDataError, read_yaml, validation_problems
from teia.tenants.models import CatalogEntry, Consortium, Organization, Tenant
from teia.tenants.schemas import CatalogFile, ConsortiumFile, TenantFile

MUNICIPALITY_TYPE = "municipality"


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass
class _Parsed:
    tenants: list[tuple[TenantFile, str]] = field(default_factory=list)
    consortia: list[tuple[ConsortiumFile, str]] = field(default_factory=list)
    catalogs: list[tuple[CatalogFile, str]] = field(default_factory=list)
    regulations: ParsedRegulations = field(default_factory=ParsedRegulations)


def sync_tenants(session: Session, root: Path) -> SyncReport:
    """Validate every file under ``root``, then create or update what changed.

    Regulation versions and reference values are only ever added: a file that would change a
    loaded one is refused with the rest.
    """
    parsed = _parse_all(Path(root))
    conflicts = loaded_conflicts(session, parsed.regulations)
    if conflicts:
        raise TenantDataError(conflicts)
    report = SyncReport()
    for catalog, digest in parsed.catalogs:
        _sync_catalog(session, catalog, digest, report)
    tenants = {
        spec.slug: _sync_tenant(session, spec, digest, report) for spec, digest in parsed.tenants
    }
    for spec, digest in parsed.consortia:
        _sync_consortium(session, spec, digest, tenants, report)
    created, unchanged = load_regulations(session, parsed.regulations, tenants)
    report.created.extend(created)
    report.unchanged.extend(unchanged)
    session.flush()
    return report


def _parse_all(root: Path) -> _Parsed:
    if not root.is_dir():
        raise TenantDataError([FileProblem(root, "", "expected a folder of tenant files")])
    problems: list[FileProblem] = []
    parsed = _Parsed()
    kinds: list[tuple[str, type[BaseModel], list[Any]]] = [
        ("*/tenant.yaml", TenantFile, parsed.tenants),
        ("*/consortium.yaml", ConsortiumFile, parsed.consortia),
        ("_catalogs/*.yaml", CatalogFile, parsed.catalogs),
    ]
    for pattern, model, into in kinds:
        for path in sorted(root.glob(pattern)):
            if path == root / REFERENCE_VALUES_FILE:
                continue  # read with the regulations
            loaded = _load(path, model, problems)
            if loaded is None:
                continue
            spec = loaded[0]
            if not isinstance(spec, CatalogFile) and spec.slug != path.parent.name:  # type: ignore[attr-defined]
                problems.append(
                    FileProblem(path, "slug", f"expected '{path.parent.name}' (the folder's name)")
                )
                continue
            into.append(loaded)
    _check_references(root, parsed, problems)
    parsed.regulations = parse_regulations(root, problems)
    if problems:
        raise TenantDataError(problems)
    return parsed


def _load(
    path: Path, model: type[BaseModel], problems: list[FileProblem]
) -> tuple[Any, str] | None:
    read = read_yaml(path, problems)
    if read is None:
        return None
    data, digest = read
    try:
        return model.model_validate(data), digest
    except ValidationError as exc:
        problems.extend(validation_problems(path, exc))
        return None


def _check_references(root: Path, parsed: _Parsed, problems: list[FileProblem]) -> None:
    slugs = {path.parent.name for path in root.glob("*/tenant.yaml")}
    catalogs = [c.catalog for c, _ in parsed.catalogs]
    for spec, _ in parsed.consortia:
        for i, member in enumerate(spec.members):
            if member not in slugs:
                problems.append(
                    FileProblem(
                        root / spec.slug / "consortium.yaml",
                        f"members.{i}",
                        f"'{member}' is not a council folder with a tenant.yaml",
                    )
                )
    for spec, _ in parsed.tenants:
        for i, neighbour in enumerate(spec.neighbours):
            if neighbour not in slugs or neighbour == spec.slug:
                problems.append(
                    FileProblem(
                        root / spec.slug / "tenant.yaml",
                        f"neighbours.{i}",
                        f"'{neighbour}' is not another council folder with a tenant.yaml",
                    )
                )
    if len(set(catalogs)) != len(catalogs):
        problems.append(
            FileProblem(root / "_catalogs", "catalog", "each catalogue must be one file")
        )


def _sync_catalog(session: Session, spec: CatalogFile, digest: str, report: SyncReport) -> None:
    existing = {
        e.code: e
        for e in session.scalars(select(CatalogEntry).where(CatalogEntry.catalog == spec.catalog))
    }
    changed = False
    for entry in spec.entries:
        labels = {k: v for k, v in entry.label.items()}
        row = existing.get(entry.code)
        if row is None:
            session.add(
                CatalogEntry(
                    catalog=spec.catalog,
                    code=entry.code,
                    countries=list(entry.countries),
                    labels=labels,
                    attributes=dict(entry.attributes),
                    source_hash=digest,
                )
            )
            changed = True
        elif (
            row.countries != list(entry.countries)
            or row.labels != labels
            or row.attributes != entry.attributes
        ):
            row.countries, row.labels, row.source_hash = list(entry.countries), labels, digest
            row.attributes = dict(entry.attributes)
            changed = True
    name = f"catalog:{spec.catalog}"
    if not changed:
        report.unchanged.append(name)
    elif existing:
        report.updated.append(name)
    else:
        report.created.append(name)


def _sync_tenant(session: Session, spec: TenantFile, digest: str, report: SyncReport) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == spec.slug))
    values = {
        "name": spec.name,
        "official_name": spec.official_name,
        "country": spec.country,
        "locale": spec.locale,
        "official_code": spec.official_code,
        "district": spec.district,
        "region": spec.region,
        "timezone": spec.timezone,
        "municipal_holiday": spec.municipal_holiday.encoded(),
        "municipal_holiday_name": spec.municipal_holiday.name,
        "parishes": list(spec.parishes),
        "caseload_target": spec.case_management.caseload_target,
        "case_retention_years": spec.case_management.retention_years,
        "audit_retention_years": spec.case_management.audit_retention_years,
        "break_glass_hours": spec.case_management.break_glass_hours,
        "two_factor_roles": sorted({r.value for r in spec.security.require_two_factor}),
        "neighbours": sorted(spec.neighbours),
        "source_hash": digest,
    }
    if tenant is None:
        tenant = Tenant(slug=spec.slug, **values)
        session.add(tenant)
        report.created.append(f"tenant:{spec.slug}")
    elif tenant.source_hash != digest:
        for key, value in values.items():
            setattr(tenant, key, value)
        report.updated.append(f"tenant:{spec.slug}")
    else:
        report.unchanged.append(f"tenant:{spec.slug}")
    _ensure_council_organization(session, tenant)
    return tenant


def _ensure_council_organization(session: Session, tenant: Tenant) -> None:
    """Each council's own staff act on behalf of the council's organisation."""
    slug = council_organization_slug(tenant.slug)
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        org = Organization(slug=slug, type_code=MUNICIPALITY_TYPE, name=tenant.official_name)
        org.tenants.append(tenant)
        session.add(org)
    elif org.name != tenant.official_name:
        org.name = tenant.official_name


def tenant_in_scope(session: Session) -> Tenant:
    """The council whose scope the code runs in (a request's or a task's)."""
    tenant = session.get(Tenant, require_tenant_id())
    assert tenant is not None
    return tenant


def council_organization_slug(tenant_slug: str) -> str:
    return f"municipio-{tenant_slug}"


def _sync_consortium(
    session: Session,
    spec: ConsortiumFile,
    digest: str,
    tenants: dict[str, Tenant],
    report: SyncReport,
) -> None:
    consortium = session.scalar(select(Consortium).where(Consortium.slug == spec.slug))
    if consortium is not None and consortium.source_hash == digest:
        report.unchanged.append(f"consortium:{spec.slug}")
        return
    if consortium is None:
        consortium = Consortium(slug=spec.slug)
        session.add(consortium)
        report.created.append(f"consortium:{spec.slug}")
    else:
        report.updated.append(f"consortium:{spec.slug}")
    consortium.name = spec.name
    consortium.official_name = spec.official_name
    consortium.country = spec.country
    consortium.source_hash = digest
    consortium.members = [tenants[slug] for slug in spec.members]
