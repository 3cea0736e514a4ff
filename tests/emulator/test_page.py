"""The page at ``/_emulator/``, driven in a real browser: Debian's headless Chromium.

Selenium drives it through the system's chromedriver (never a downloaded one), against an
emulator served on loopback. One browser serves every test here, to keep them quick.
Set ``PICTORY_UPDATE_SCREENSHOT=1`` to write the README's screenshot
(docs/emulator-page.png); otherwise it goes to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeVar

import attrs
import pytest
from anyio.from_thread import start_blocking_portal
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.selenium_manager import SeleniumManager
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

import pictory_vimeo as pv
from pictory_vimeo import emulator

KEY: Final = "pictai_page_marketing_team"
OTHER_KEY: Final = "pictai_page_archive_team"
SECRET: Final = "page-client-secret-value"
ACCESS: Final = "page-access-token-value"
#: The name rule (letters, digits, space, ``_``, ``-``) refuses this, so it goes where the
#: API lets any text through: a description, and a connection ID in a requested path.
HOSTILE: Final = "<img src=x onerror=alert(1)>"
BIDI: Final = "invoice\u202egpj.exe"
PATH: Final = "/pictoryapis/v1/vimeo-connections"
SCREENSHOT: Final = Path(__file__).parents[2] / "docs" / "emulator-page.png"
#: How long the page may take to show what happened (it polls once a second).
WAIT_SECONDS: Final = 15
# Flags of a browser that reaches loopback only: no sync, updates or background lookups.
CHROMIUM_FLAGS: Final = (
    "--headless=new",
    "--no-sandbox",  # tests run as root in CI containers
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1440,1200",
)

T = TypeVar("T")


def _system_program(name: str) -> str:
    """The path of Debian's ``name`` (chromium, chromedriver); fails the test when missing."""
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else "")
    if not found:
        pytest.fail(
            f"{name} is not installed: the page's browser test needs Debian's headless"
            " Chromium and its driver (apt-get install -y chromium chromium-driver;"
            " .ci/run installs them)",
            pytrace=False,
        )
    return found


def _no_selenium_manager(*args: object) -> dict[str, str]:
    raise AssertionError("Selenium Manager was asked for a browser or driver to download")


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium session for the module, driven by the system's chromedriver."""
    options = webdriver.ChromeOptions()
    options.binary_location = _system_program("chromium")
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # An alert must stay open for the test to see, not be dismissed by the driver.
    options.set_capability("unhandledPromptBehavior", "ignore")
    # A driver path given: Selenium Manager (which would download one) is never run; were
    # it asked anyway, the session fails here instead of reaching the network.
    service = Service(executable_path=_system_program("chromedriver"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SeleniumManager, "binary_paths", _no_selenium_manager)
        driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _until(driver: WebDriver, check: Callable[[WebDriver], T], what: str) -> T:
    """Wait for ``check`` to give a truthy value (the page polls); fail saying ``what``."""
    return WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.1).until(check, what)


@attrs.frozen
class Row:
    """One row of a table on the page, read at one instant: its classes and its cells' text."""

    classes: frozenset[str]
    cells: tuple[str, ...]


_READ_ROWS: Final = """
return Array.from(document.querySelectorAll(arguments[0]), (row) => [
  row.className, Array.from(row.cells, (cell) => cell.textContent)]);
"""


def _rows(driver: WebDriver, selector: str = "#log tbody tr") -> list[Row]:
    """The rows ``selector`` matches, all read in one step (the page redraws as it polls)."""
    found = driver.execute_script(_READ_ROWS, selector)
    return [Row(frozenset(classes.split()), tuple(cells)) for classes, cells in found]


def _row(driver: WebDriver, method: str, path: str, status: str = "") -> Row | None:
    """The newest log row of ``method`` on exactly ``path`` whose status starts ``status``."""
    for row in _rows(driver):
        if row.cells[2:4] == (method, path) and row.cells[4].startswith(status):
            return row
    return None


def _no_alert(driver: WebDriver) -> bool:
    try:
        driver.switch_to.alert  # noqa: B018 - the lookup is the check
    except NoAlertPresentException:
        return True
    return False


def _traffic(served: emulator.RunningEmulator) -> tuple[pv.VimeoConnection, ...]:
    """Connections of two accounts, a scripted 503, a dropped answer, a hostile path."""
    emu = served.emulator
    with (
        pv.PictoryClient(api_key=KEY, base_url=served.base_url, max_retries=0) as client,
        pv.PictoryClient(api_key=OTHER_KEY, base_url=served.base_url, max_retries=0) as other,
    ):
        conns = client.vimeo_connections
        made = (
            conns.create(
                name="Marketing",
                description="Primary Vimeo account for campaign videos",
                client_identifier="mkt-client",
                client_secret=SECRET,
                access_token=ACCESS,
            ),
            conns.create(
                name="Untrusted text",
                description=HOSTILE,
                client_identifier="odd-client",
                client_secret=SECRET + "-2",
                access_token=ACCESS + "-2",
                enabled=False,
            ),
            other.vimeo_connections.create(
                name="Archive",
                description=BIDI,
                client_identifier="archive-client",
                client_secret=SECRET + "-3",
                access_token=ACCESS + "-3",
            ),
        )
        emu.fail_next(503, method="GET")
        with pytest.raises(pv.InternalServerError):
            conns.get(made[0].connection_id)
        emu.fail_next(drop_after_commit=True, method="PUT", drop="reset")
        # Its answer lost, the update is settled by a read before the call reports.
        assert conns.update(made[0].connection_id, version=1, enabled=False).version == 2
        with pytest.raises(pv.NotFoundError):
            conns.get(HOSTILE)
        assert len(list(conns.list())) == 2
    return made


def test_the_page_shows_state_and_traffic_and_drives_the_faults(
    browser: WebDriver, served_in_thread: emulator.RunningEmulator, tmp_path: Path
) -> None:
    """Connections, the log (faults highlighted), the forms and reset, all as text."""
    made = _traffic(served_in_thread)
    browser.get(served_in_thread.base_url + "/_emulator/")
    listed = _until(browser, lambda d: _row(d, "GET", PATH, "200"), "the log")
    log = _rows(browser)
    assert log[0] == listed  # newest first
    assert [row.cells[2] for row in log] == [
        r.method for r in reversed(served_in_thread.emulator.requests)
    ]
    assert listed.cells[1] == emulator.fingerprint(KEY)

    # The scripted 503 and the dropped answer stand out from the plain answers.
    item = f"{PATH}/{made[0].connection_id}"
    scripted = _row(browser, "GET", item, "503")
    dropped = _row(browser, "PUT", item, "200")  # logged with the status it was about to send
    assert scripted is not None
    assert dropped is not None
    assert "fault" in scripted.classes
    assert scripted.cells[6] == "scripted · 503"
    assert "dropped" in dropped.classes
    assert dropped.cells[6] == "scripted · dropped (reset)"
    assert not listed.classes & {"fault", "dropped"}
    assert listed.cells[6] == ""

    # Accounts by fingerprint, with their connections; keys and secrets never in the page.
    heads = browser.execute_script(
        "return Array.from(document.querySelectorAll('.account-head .mono'), (e) => e.textContent)"
    )
    assert heads == [emulator.fingerprint(KEY), emulator.fingerprint(OTHER_KEY)]
    table = _rows(browser, ".accounts tbody tr")
    assert [row.cells[:2] for row in table] == [
        (made[0].connection_id, "Marketing"),
        (made[1].connection_id, "Untrusted text"),
        (made[2].connection_id, "Archive"),
    ]
    assert table[0].cells[3:5] == ("no", "2")  # the update whose answer was dropped landed
    assert table[2].cells[3:5] == ("yes", "1")
    assert table[0].cells[7] == emulator.fingerprint(SECRET) + emulator.fingerprint(ACCESS)
    source = browser.page_source
    for secret in (KEY, OTHER_KEY, SECRET, ACCESS):
        assert secret not in source

    # What a client sent shows as text: nothing it holds becomes markup or runs.
    assert table[1].cells[2] == HOSTILE
    assert _row(browser, "GET", f"{PATH}/{HOSTILE}", "404") is not None
    assert table[2].cells[2] == "invoice<U+202E>gpj.exe"
    assert browser.find_elements(By.TAG_NAME, "img") == []
    assert _no_alert(browser)

    # The error rate set through the form fails the next request; one it refuses, it says why.
    rate = browser.find_element(By.CSS_SELECTOR, "#faults [name=errorRate]")
    apply = browser.find_element(By.CSS_SELECTOR, "#faults button[type=submit]")
    result = browser.find_element(By.ID, "faults-result")
    rate.clear()
    rate.send_keys("2")
    apply.click()
    _until(browser, lambda d: result.text.startswith("errorRate: must be a number"), "refused")
    assert served_in_thread.emulator.faults.error_rate == 0.0
    rate.clear()
    rate.send_keys("1")
    apply.click()
    _until(browser, lambda d: result.text == "Applied", "applied")
    assert served_in_thread.emulator.faults.error_rate == 1.0
    with (
        pv.PictoryClient(api_key=KEY, base_url=served_in_thread.base_url, max_retries=0) as client,
        pytest.raises(pv.InternalServerError),
    ):
        client.vimeo_connections.list().first_page()
    failed = _until(browser, lambda d: _row(d, "GET", PATH, "50"), "the failure")
    assert _rows(browser)[0] == failed
    assert "fault" in failed.classes
    assert failed.cells[6] == f"random · {failed.cells[4]}"

    # "Fail next" queues a scripted failure.
    form = browser.find_element(By.ID, "fail-next")
    status = form.find_element(By.NAME, "status")
    status.clear()
    status.send_keys("429")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _until(browser, lambda d: "429" in d.find_element(By.ID, "pending").text, "the queue")

    browser.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "emulator-page.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    if os.environ.get("PICTORY_UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)

    # Reset asks first: cancelled, nothing happens; confirmed, everything is forgotten.
    browser.find_element(By.ID, "reset").click()
    _until(browser, lambda d: d.find_element(By.ID, "reset-dialog").is_displayed(), "the dialog")
    browser.find_element(By.ID, "reset-cancel").click()
    assert len(served_in_thread.emulator.connections()) == 3
    browser.find_element(By.ID, "reset").click()
    _until(browser, lambda d: d.find_element(By.ID, "reset-confirm").is_displayed(), "the dialog")
    browser.find_element(By.ID, "reset-confirm").click()
    _until(browser, lambda d: d.find_element(By.ID, "log-empty").is_displayed(), "an empty log")
    assert served_in_thread.emulator.connections() == []
    assert served_in_thread.emulator.requests == []


def test_the_page_asks_for_the_control_token_once_and_keeps_it_in_the_tab(
    browser: WebDriver,
) -> None:
    """Behind a token: asked for, asked again if wrong, then kept in sessionStorage only."""
    token = "page-test-control-token"
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(emulator.running(control_token=token)) as served,
    ):
        served.emulator.fail_next(503)
        browser.get(served.base_url + "/_emulator/")
        dialog = browser.find_element(By.ID, "token-dialog")
        _until(browser, lambda d: dialog.is_displayed(), "the token prompt")
        field = browser.find_element(By.CSS_SELECTOR, "#token-form [name=token]")
        why = browser.find_element(By.ID, "token-why")
        field.send_keys("tökén")  # no header could carry it: refused before it is sent
        browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
        _until(browser, lambda d: "visible ASCII" in why.text, "the token refused")
        field.clear()
        field.send_keys("not-the-token")
        browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
        _until(browser, lambda d: "not accepted" in why.text, "the token not accepted")
        assert dialog.is_displayed()
        field.send_keys(token)
        browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
        _until(browser, lambda d: "503" in d.find_element(By.ID, "pending").text, "the queue")
        assert not dialog.is_displayed()
        stored = browser.execute_script("return [sessionStorage.length, localStorage.length]")
        assert stored == [1, 0]
        assert token not in browser.page_source  # kept out of the document itself
        browser.refresh()  # the same tab: the token is still there, nothing is asked
        _until(browser, lambda d: "503" in d.find_element(By.ID, "pending").text, "the queue")
        assert not browser.find_element(By.ID, "token-dialog").is_displayed()


def test_a_missing_browser_fails_the_test_saying_what_to_install() -> None:
    """Without Chromium the browser test fails (never skips), naming the packages."""
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium chromium-driver"):
        _system_program("no-such-chromium-build")
