"""Tenants as data: the shipped files load idempotently; a bad file names its problem."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from teia.core.db import db
from teia.tenants.models import CatalogEntry, Consortium, Tenant
from teia.tenants.services import TenantDataError, sync_tenants

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    target = tmp_path / "tenants"
    shutil.copytree(REPO / "tenants", target)
    return target


def test_shipped_councils_are_loaded(app: Flask) -> None:
    with app.app_context():
        tenants = {t.slug: t for t in db.session.scalars(select(Tenant))}
        assert {"mourao", "reguengos-de-monsaraz", "portel"} <= tenants.keys()
        assert tenants["mourao"].official_code == "0708"
        assert tenants["mourao"].municipal_holiday_in(2026) == date(2026, 2, 2)
        # Portel's holiday is the Monday after Easter (Easter 2026: 5 April).
        assert tenants["portel"].municipal_holiday_in(2026) == date(2026, 4, 6)
        cimac = db.session.scalar(select(Consortium).where(Consortium.slug == "cimac"))
        assert cimac and {t.slug for t in cimac.members} == {
            "mourao",
            "reguengos-de-monsaraz",
            "portel",
        }
        assert db.session.scalar(
            select(CatalogEntry).where(CatalogEntry.code == "child_protection_commission")
        )


def test_sync_is_idempotent(app: Flask) -> None:
    with app.app_context():
        report = sync_tenants(db.session, REPO / "tenants")
        assert report.created == [] and report.updated == []
        assert "tenant:mourao" in report.unchanged


def test_a_changed_file_updates_its_council(app: Flask, tree: Path) -> None:
    path = tree / "portel" / "tenant.yaml"
    path.write_text(
        path.read_text().replace(
            "official_name: Município de Portel", "official_name: Câmara Municipal de Portel"
        )
    )
    with app.app_context():
        report = sync_tenants(db.session, tree)
        assert report.updated == ["tenant:portel"]
        assert db.session.scalar(select(Tenant.official_name).where(Tenant.slug == "portel")) == (
            "Câmara Municipal de Portel"
        )


@pytest.mark.parametrize(
    ("edit", "where", "expected"),
    [
        (("country: PT", "country: ES"), "country", "'PT' or 'BR'"),
        (('official_code: "0708"', 'official_code: "708"'), "", "4 digits"),
        (('date: "02-02"', 'date: "31-02"'), "municipal_holiday.date", "MM-DD"),
        (("timezone: Europe/Lisbon", "timezone: Lisboa"), "timezone", "IANA time zone"),
        (("slug: mourao", "slug: moura"), "slug", "expected 'mourao'"),
        (("name: Mourão", "nome: Mourão"), "nome", "Extra inputs are not permitted"),
    ],
)
def test_a_bad_file_names_file_field_and_expectation_and_loads_nothing(
    app: Flask, tree: Path, edit: tuple[str, str], where: str, expected: str
) -> None:
    path = tree / "mourao" / "tenant.yaml"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1]))
    # A valid new council in the same run must not be loaded either.
    (tree / "evora").mkdir()
    (tree / "evora" / "tenant.yaml").write_text(
        (tree / "portel" / "tenant.yaml").read_text().replace("slug: portel", "slug: evora")
    )
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Tenant))
        with pytest.raises(TenantDataError) as error:
            sync_tenants(db.session, tree)
        message = str(error.value)
        assert "mourao/tenant.yaml" in message
        assert where in message and expected in message
        assert db.session.scalar(select(func.count()).select_from(Tenant)) == before


def test_consortium_member_must_be_a_council(app: Flask, tree: Path) -> None:
    path = tree / "cimac" / "consortium.yaml"
    path.write_text(path.read_text().replace("portel]", "evora]"))
    with app.app_context(), pytest.raises(TenantDataError) as error:
        sync_tenants(db.session, tree)
    assert "members.2" in str(error.value) and "'evora'" in str(error.value)


def test_invalid_yaml_is_reported(app: Flask, tree: Path) -> None:
    (tree / "portel" / "tenant.yaml").write_text("kind: tenant\nslug: [unclosed\n")
    with app.app_context(), pytest.raises(TenantDataError) as error:
        sync_tenants(db.session, tree)
    assert "portel/tenant.yaml" in str(error.value) and "not valid YAML" in str(error.value)


def test_cli_reports_problems_and_exits_nonzero(app: Flask, tree: Path) -> None:
    path = tree / "mourao" / "tenant.yaml"
    path.write_text(path.read_text().replace("locale: pt_PT", "locale: pt_BR"))
    result = app.test_cli_runner().invoke(args=["tenants", "sync", str(tree)])
    assert result.exit_code == 1
    assert "Nothing was loaded" in result.output and "expected pt_PT" in result.output
