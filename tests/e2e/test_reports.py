"""A technician asks for Mourão's report in Chromium: the page shows a progress bar while
the embedded worker builds it, then the figures with their charts and the three files."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_a_report_is_asked_for_followed_and_downloaded(
    sign_in: Callable[[str], Page], tmp_path: Path
) -> None:
    page = sign_in("tecnica@mourao.demo")
    page.goto("/t/mourao/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Relatórios")
    page.get_by_label("Relatório", exact=True).select_option("council_monthly")
    page.get_by_label("De", exact=True).fill("2026-01-01")
    page.get_by_label("Até", exact=True).fill("2026-06-30")
    page.get_by_role("button", name="Pedir relatório").click()
    expect(page).to_have_url(re.compile(r"/t/mourao/reports/\d+$"))

    # Queued for the worker: the bar is there until the page reloads itself with the report.
    expect(page.locator("progress#report-bar")).to_be_visible()
    pdf = page.get_by_role("link", name="Descarregar PDF")
    expect(pdf).to_be_visible(timeout=60_000)
    expect(page.locator("progress")).to_have_count(0)
    expect(page.get_by_role("link", name="Descarregar XLSX")).to_be_visible()
    expect(page.get_by_role("link", name="Descarregar CSV")).to_be_visible()
    expect(page.locator("figure svg").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    with page.expect_download() as download:
        pdf.click()
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
