"""The web viewer in a real browser: start `omop-imaging viewer` on loopback over the demo
database, drive headless Chromium (Debian's chromium + chromium-driver) through every page, filter
the series browser, download its CSV export and check the rows against SQL.

Screenshots go to test-artifacts/viewer/ (git-ignored). In CI (CI=true) a missing browser fails
the test; elsewhere it is skipped with a message (`make browser` installs one).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
from build_helpers import omop_imaging
from conftest import KEEP_EVERY_SERIES, REPO

pytestmark = pytest.mark.slow

ARTEFACTS = REPO / "test-artifacts" / "viewer"
CHROMIUM = os.environ.get("OMOP_IMAGING_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("OMOP_IMAGING_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT = 45  # seconds for a page to show what it should
FIRST_LOAD = 15  # seconds the first page after start-up may take (the server imports up front)


def _browser_or_skip() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (requirements.txt)")
    if missing:
        message = (
            f"no browser for the viewer test: {', '.join(missing)} missing "
            "(run make browser: apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def demo_database(request, tmp_path_factory) -> str:
    """A copy of `omop-imaging demo`'s database rebuilt with every patient kept, so the viewer
    shows the demo's undated series too (their patients have no year of birth)."""
    _browser_or_skip()
    demo, _completed = request.getfixturevalue("demo_run")
    database = str(tmp_path_factory.mktemp("viewer") / "demo.duckdb")
    shutil.copy(demo, database)
    omop_imaging("build", "--db", database, "--quiet", *KEEP_EVERY_SERIES)
    return database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def viewer_url(demo_database):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = (ARTEFACTS / "viewer.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "omop_imaging.cli", "viewer", "--db", demo_database]
        + ["--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (
                f"the viewer exited: {(ARTEFACTS / 'viewer.log').read_text()[-3000:]}"
            )
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the viewer did not answer within 60 s"
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory, downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1500,2200",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ]:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


def _sql(database: str, statement: str, parameters: list | None = None):
    with duckdb.connect(database, read_only=True) as connection:
        return connection.execute(statement, parameters or []).fetchall()


def _wait_for_text(driver, text: str, timeout: float = WAIT) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(current):
        body = current.find_element(By.TAG_NAME, "body").text
        return text in body and "Querying the database" not in body

    try:
        WebDriverWait(driver, timeout, poll_frequency=0.25).until(shown)
    except Exception as error:
        body = driver.find_element(By.TAG_NAME, "body").text
        raise AssertionError(f"{text!r} not shown; the page says:\n{body[:3000]}") from error


def _metric(driver, label: str) -> str:
    from selenium.webdriver.common.by import By

    metrics = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]')
    for metric in metrics:
        name = metric.find_element(By.CSS_SELECTOR, '[data-testid="stMetricLabel"]').text
        if name.strip() == label:
            return metric.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text
    raise AssertionError(f"no metric {label!r} among {[m.text for m in metrics]}")


def _settle(driver, timeout: float = WAIT) -> None:
    """Wait until the Streamlit script has finished running (no 'Running...' status) and the
    charts have drawn."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.25).until(
        lambda current: (
            not current.find_elements(
                By.CSS_SELECTOR,
                '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]',
            )
        )
    )
    time.sleep(1.0)


def _open(driver, url: str, title: str) -> None:
    driver.get(url)
    _wait_for_text(driver, title)


def _count(value: str) -> int:
    return int(value.replace(",", ""))


def test_every_page_renders_and_the_export_matches_sql(
    browser, viewer_url, demo_database, downloads
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    started = time.monotonic()
    db = demo_database
    series, studies = _sql(
        db, "select count(*), count(distinct image_study_uid) from imaging_marts.series_catalog"
    )[0]
    assert series > 0

    # Overview: totals equal SQL, the year and modality charts (bar + pie) are drawn. The first
    # page after start-up must not stay blank for long.
    browser.get(f"{viewer_url}/")
    _wait_for_text(browser, "Studies by modality", timeout=FIRST_LOAD)
    _settle(browser)
    assert "Page not found" not in browser.find_element(By.TAG_NAME, "body").text
    assert _count(_metric(browser, "Series")) == series
    assert _count(_metric(browser, "Studies")) == studies
    charts = browser.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]')
    assert len(charts) >= 3, "the year bar chart and the modality bar and pie charts"
    browser.save_screenshot(str(ARTEFACTS / "1_overview.png"))

    # Protocols: studies of R-CDM, the frequent and the unmapped protocol tables.
    _open(browser, f"{viewer_url}/protocols", "Unmapped protocols")
    _settle(browser)
    occurrences = _sql(db, "select count(*) from cdm.radiology_occurrence")[0][0]
    assert _count(_metric(browser, "Studies")) == occurrences
    assert len(browser.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')) >= 3
    browser.save_screenshot(str(ARTEFACTS / "2_protocols.png"))

    # Metadata combinations: modality x body part x manufacturer by default.
    _open(browser, f"{viewer_url}/combinations", "Distinct combinations")
    _settle(browser)
    combinations = _sql(
        db,
        "select count(*) from (select distinct modality, body_part_examined, manufacturer "
        "from imaging_marts.series_catalog)",
    )[0][0]
    assert _count(_metric(browser, "Distinct combinations")) == combinations
    browser.save_screenshot(str(ARTEFACTS / "3_combinations.png"))

    # Data quality: rejected files as the staging table counts them, coverage table.
    _open(browser, f"{viewer_url}/quality", "ETL coverage")
    _settle(browser)
    rejected = _sql(db, "select count(*) from dicom_raw.harvested_file where status = 'rejected'")
    assert _count(_metric(browser, "Rejected")) == rejected[0][0]
    _wait_for_text(browser, "Rejected files by reason")
    _wait_for_text(browser, "Header values outside the standard's value sets")
    browser.save_screenshot(str(ARTEFACTS / "4_quality.png"))

    # Series browser: everything first, then a modality filter applied in the page.
    _open(browser, f"{viewer_url}/series", "Matching:")
    _settle(browser)
    _wait_for_text(browser, f"Matching: {series:,} series")
    browser.save_screenshot(str(ARTEFACTS / "5_series_all.png"))

    expected = sorted(
        row[0]
        for row in _sql(
            db,
            "select image_series_uid from imaging_marts.series_catalog where modality = ?",
            ["MR"],
        )
    )
    assert 0 < len(expected) < series
    modality = browser.find_element(
        By.XPATH,
        '//div[@data-testid="stMultiSelect"][.//label[normalize-space()="Modality"]]//input',
    )
    modality.click()
    modality.send_keys("MR")
    modality.send_keys(Keys.ENTER)
    modality.send_keys(Keys.ESCAPE)
    _wait_for_text(browser, f"Matching: {len(expected):,} series")
    _settle(browser)
    browser.save_screenshot(str(ARTEFACTS / "6_series_mr.png"))

    button = browser.find_element(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
    assert re.search(rf"Download {len(expected):,} series as CSV", button.text), button.text
    button.click()
    deadline = time.monotonic() + 30
    while True:
        files = [path for path in downloads.glob("*.csv")]
        partial = list(downloads.glob("*.crdownload"))
        if files and not partial:
            break
        assert time.monotonic() < deadline, f"no CSV downloaded: {list(downloads.iterdir())}"
        time.sleep(0.25)
    with files[0].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    shutil.copy(files[0], ARTEFACTS / "series_export_mr.csv")
    assert sorted(row["image_series_uid"] for row in rows) == expected
    assert {row["modality"] for row in rows} == {"MR"}
    assert {"local_path", "wadors_uri", "image_study_uid", "person_id"} <= set(rows[0])
    assert all(row["local_path"] for row in rows)
    assert "modality=MR" in browser.current_url, "the filter shows in the address"

    # A shared link presets the filters: /series?modality=CT&plane=AXIAL.
    linked = _sql(
        db,
        "select count(*) from imaging_marts.series_catalog where modality = ? and image_plane = ?",
        ["CT", "AXIAL"],
    )[0][0]
    _open(browser, f"{viewer_url}/series?modality=CT&plane=AXIAL", "Matching:")
    _wait_for_text(browser, f"Matching: {linked:,} series")
    _settle(browser)
    browser.save_screenshot(str(ARTEFACTS / "7_series_link_ct_axial.png"))
    print(f"browser part of the viewer test: {time.monotonic() - started:.1f} s")


def _table_cells(driver) -> list[str]:
    """The text of the first table's cells as the grid's accessible table holds them (the grid
    itself is drawn on a canvas)."""
    from selenium.webdriver.common.by import By

    table = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')[0]
    return [
        cell.get_attribute("textContent") for cell in table.find_elements(By.CSS_SELECTOR, "td")
    ]


def test_direct_links_undated_series_and_empty_values(browser, viewer_url, demo_database):
    from selenium.webdriver.common.by import By

    db = demo_database
    undated = _sql(
        db, "select count(*) from imaging_marts.series_catalog where not image_date_from_header"
    )
    assert undated[0][0] > 0, "the demo has files without a date"

    # /overview opened directly (a bookmark, a shared link) is the overview, not "Page not found";
    # series without a header date are counted as 'no date', not in the current year.
    _open(browser, f"{viewer_url}/overview", "Studies by modality")
    _settle(browser)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Page not found" not in body
    assert re.search(r"No date: \d+ studies whose header holds no date", body), body[:2000]
    last = _sql(
        db,
        "select max(image_occurrence_date) from imaging_marts.series_catalog where image_date_from_header",
    )[0][0]
    assert f"to {last.isoformat()}." in body, "the date range ends with the last header date"
    browser.save_screenshot(str(ARTEFACTS / "8_overview_direct.png"))

    # A shared link with a value no series has says so; the known values still apply.
    ct = _sql(db, "select count(*) from imaging_marts.series_catalog where modality = 'CT'")[0][0]
    _open(browser, f"{viewer_url}/series?modality=CT&modality=NOSUCH", "Matching:")
    _wait_for_text(browser, f"Matching: {ct:,} series")
    _settle(browser)
    alerts = " ".join(
        element.text
        for element in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stAlert"]')
    )
    assert "modality 'NOSUCH', which no series has" in alerts, alerts

    # Empty values show as (not recorded) in the series table, never as a blank or None.
    cells = _table_cells(browser)
    assert cells and "(not recorded)" in cells
    assert not [cell for cell in cells if cell.strip() in ("", "None", "nan")], cells[:40]
    browser.save_screenshot(str(ARTEFACTS / "9_series_unknown_link_value.png"))
