"""Regulation files load with the councils' files: all validated first, new versions added by
source hash, a loaded version never changed (by sync, by the ORM, by the database grants)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from teia.core.db import db
from teia.regulations import services
from teia.regulations.models import (
    LoadedRegulationIsImmutable,
    ReferenceValue,
    RegulationVersion,
)
from teia.regulations.schema import parse_regulation
from teia.tenants.models import Tenant
from teia.tenants.services import TenantDataError, sync_tenants
from tests.conftest import requires_postgres

REPO = Path(__file__).resolve().parents[1]
MOURAO_2024 = Path("mourao/regulations/2024-04-02.yaml")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(REPO / "tenants", target)
    return target


def tenant_id(slug: str) -> int:
    found = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    assert found is not None
    return found


def count_versions() -> int:
    return db.session.scalar(select(func.count()).select_from(RegulationVersion)) or 0


def test_the_shipped_regulations_and_reference_values_are_loaded(app: Flask) -> None:
    with app.app_context():
        for path in sorted((REPO / "tenants").glob("*/regulations/*.yaml")):
            council, effective = path.parent.parent.name, date.fromisoformat(path.stem)
            version = services.find_version(db.session, tenant_id(council), path.stem)
            assert version is not None, path
            assert version.source_path == f"{council}/regulations/{path.name}"
            # The stored document reads back into the very model the file gives.
            expected = parse_regulation(
                yaml.safe_load(path.read_text()), council=council, effective_from=effective
            )
            assert services.regulation_doc(version).to_document() == expected.to_document()
            assert services.regulation_doc(version) is services.regulation_doc(version)
        pension = db.session.scalar(
            select(ReferenceValue).where(
                ReferenceValue.name == "social_pension",
                ReferenceValue.tenant_id.is_(None),
                ReferenceValue.valid_from == date(2024, 1, 1),
            )
        )
        assert pension is not None and str(pension.amount) == "242.32"
        table = services.reference_table(db.session, tenant_id("mourao"))
        assert str(table.value("social_pension", date(2024, 6, 1))) == "242.32"


def test_sync_is_idempotent(app: Flask) -> None:
    with app.app_context():
        before = count_versions()
        report = sync_tenants(db.session, REPO / "tenants")
        assert report.created == [] and report.updated == []
        assert "regulation:mourao/2024-04-02" in report.unchanged
        assert "reference_values" in report.unchanged
        assert count_versions() == before


def test_the_version_in_force_by_date(app: Flask) -> None:
    with app.app_context():
        mourao = tenant_id("mourao")
        assert services.version_in_force(db.session, mourao, date(2024, 4, 1)).label == "2023"
        assert services.version_in_force(db.session, mourao, date(2024, 4, 2)).label == "2024"
        assert services.version_in_force(db.session, mourao, date(2026, 12, 2)).label == "2024"
        with pytest.raises(services.NoRegulationInForce):
            services.version_in_force(db.session, mourao, date(2023, 2, 28))
        assert [v.label for v in services.versions(db.session, mourao)] == ["2024", "2023"]


def test_a_new_file_supersedes_from_its_effective_date(app: Flask, tree: Path) -> None:
    source = (tree / MOURAO_2024).read_text()
    new = source.replace("effective_from: 2024-04-02", "effective_from: 2027-01-01")
    (tree / "mourao/regulations/2027-01-01.yaml").write_text(
        new.replace('version: "2024"', 'version: "2027"')
    )
    with app.app_context():
        report = sync_tenants(db.session, tree)
        assert report.created == ["regulation:mourao/2027-01-01"]
        mourao = tenant_id("mourao")
        assert services.version_in_force(db.session, mourao, date(2026, 12, 31)).label == "2024"
        assert services.version_in_force(db.session, mourao, date(2027, 1, 1)).label == "2027"


def test_a_councils_own_reference_values_are_loaded_for_it_alone(app: Flask, tree: Path) -> None:
    source = (
        (tree / MOURAO_2024)
        .read_text()
        .replace("effective_from: 2024-04-02", "effective_from: 2027-01-01")
    )
    override = 'reference_overrides: [{name: IAS, from: 2027-01-01, amount: "600.00"}]\n'
    (tree / "mourao/regulations/2027-01-01.yaml").write_text(
        source.replace("rounding:", override + "rounding:")
    )
    with app.app_context():
        sync_tenants(db.session, tree)
        mourao = services.reference_table(db.session, tenant_id("mourao"))
        portel = services.reference_table(db.session, tenant_id("portel"))
        assert str(mourao.value("IAS", date(2027, 3, 1))) == "600.00"
        assert str(portel.value("IAS", date(2027, 3, 1))) != "600.00"
    # The same override with another amount in a second file is refused.
    (tree / "mourao/regulations/2027-06-01.yaml").write_text(
        source.replace("effective_from: 2027-01-01", "effective_from: 2027-06-01").replace(
            "rounding:", override.replace("600.00", "610.00") + "rounding:"
        )
    )
    with app.app_context(), pytest.raises(TenantDataError) as error:
        sync_tenants(db.session, tree)
    assert "2027-06-01.yaml: reference_overrides.0" in str(error.value)


@pytest.mark.parametrize(
    ("edit", "where", "expected"),
    [
        (("params: {months: 12}", "params: {months: twelve}"), "conditions.0", "integer"),
        (('rule: "<= social_pension"', 'rule: "<= pensao"'), "threshold.rule", "unknown name"),
        (("council: mourao", "council: portel"), "council", "expected 'mourao'"),
        (
            ("effective_from: 2024-04-02", "effective_from: 2024-04-03"),
            "effective_from",
            "file name",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_file_and_path_and_nothing_is_loaded(
    app: Flask, tree: Path, edit: tuple[str, str], where: str, expected: str
) -> None:
    path = tree / MOURAO_2024
    source = path.read_text()
    assert edit[0] in source
    path.write_text(source.replace(edit[0], edit[1]))
    # A valid new version in the same run is not loaded either.
    later = (tree / "portel/regulations").glob("*.yaml")
    first = sorted(later)[0]
    (first.parent / "2030-01-01.yaml").write_text(
        first.read_text().replace(f"effective_from: {first.stem}", "effective_from: 2030-01-01")
    )
    with app.app_context():
        before = count_versions()
        with pytest.raises(TenantDataError) as error:
            sync_tenants(db.session, tree)
        message = str(error.value)
        assert str(MOURAO_2024) in message and where in message and expected in message
        assert count_versions() == before


def test_a_file_name_that_is_not_a_date_is_refused(app: Flask, tree: Path) -> None:
    shutil.copy(tree / MOURAO_2024, tree / "mourao/regulations/latest.yaml")
    with app.app_context(), pytest.raises(TenantDataError) as error:
        sync_tenants(db.session, tree)
    assert "latest.yaml" in str(error.value) and "effective date" in str(error.value)


def test_editing_a_loaded_version_is_refused_by_sync(app: Flask, tree: Path) -> None:
    path = tree / MOURAO_2024
    path.write_text(path.read_text().replace("params: {months: 12}", "params: {months: 6}"))
    with app.app_context():
        with pytest.raises(TenantDataError) as error:
            sync_tenants(db.session, tree)
        message = str(error.value)
        assert str(MOURAO_2024) in message and "a loaded version is immutable" in message
        assert "later effective date" in message


def test_changing_a_loaded_reference_value_is_refused(app: Flask, tree: Path) -> None:
    path = tree / "_catalogs/reference_values.yaml"
    path.write_text(path.read_text().replace('amount: "242.32"', 'amount: "242.33"'))
    with app.app_context(), pytest.raises(TenantDataError) as error:
        sync_tenants(db.session, tree)
    assert "reference_values.yaml: values.social_pension.1" in str(error.value)
    assert "immutable" in str(error.value)


def test_the_orm_refuses_to_change_or_delete_a_loaded_version(app: Flask) -> None:
    with app.app_context():
        version = services.find_version(db.session, tenant_id("mourao"), "2024-04-02")
        assert version is not None
        version.title = "Outro título"
        with pytest.raises(LoadedRegulationIsImmutable):
            db.session.flush()
        db.session.rollback()
        value = db.session.scalars(select(ReferenceValue)).first()
        assert value is not None
        db.session.delete(value)
        with pytest.raises(LoadedRegulationIsImmutable):
            db.session.flush()


@requires_postgres
@pytest.mark.postgres
def test_the_app_role_cannot_change_or_delete_a_loaded_version(app: Flask) -> None:
    with app.app_context():
        for statement in (
            "UPDATE regulation_versions SET title = 'x'",
            "DELETE FROM regulation_versions",
            "UPDATE reference_values SET amount = 0",
            "DELETE FROM reference_values",
        ):
            nested = db.session.begin_nested()
            with pytest.raises(DBAPIError, match="permission denied"):
                db.session.execute(text(statement))
            nested.rollback()
