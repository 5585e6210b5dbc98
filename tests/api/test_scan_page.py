"""The scan page in headless Chromium (Selenium): sign in, wedge-scan, offline queue, resend.

Skipped (with its reason shown) when Debian's chromium/chromium-driver are not installed,
except under scripts/test, which installs them and sets PROVENANCE_REQUIRE_BROWSER=1: there a
missing browser fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_stack import ApiStack

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
REQUIRED = os.environ.get("PROVENANCE_REQUIRE_BROWSER") == "1"
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER) and not REQUIRED,
    reason="Debian chromium and chromium-driver are not installed",
)
WAIT_S = 20.0  # upper bound for the page to react, never a measured duration


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium driven by chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    # The background-networking flags keep Chromium from calling out of this closed network.
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER or ""))
    yield driver
    driver.quit()


def wait_for(check: Callable[[], Any], what: str) -> Any:
    """Poll until `check` returns something truthy."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def set_offline(driver: Any, offline: bool) -> None:
    """Cut or restore the page's network, as a phone losing coverage."""
    driver.execute_cdp_cmd("Network.enable", {})
    conditions = {
        "offline": offline,
        "latency": 0,
        "downloadThroughput": -1,
        "uploadThroughput": -1,
    }
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", conditions)


def items(driver: Any) -> list[dict[str, str]]:
    """The page's list of scans: id and state."""
    script = (
        "return [...document.querySelectorAll('#queue li')]"
        ".map(li => [li.dataset.scanId, li.dataset.state])"
    )
    return [{"id": i, "state": s} for i, s in driver.execute_script(script)]


def scan(driver: Any, sscc: str, step: str) -> None:
    """Choose the step and scan like a keyboard-wedge scanner: digits then Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "step")).select_by_value(step)
    field = driver.find_element(By.ID, "sscc")
    field.clear()
    field.send_keys(sscc + Keys.ENTER)


def test_scan_page_records_and_queues_offline_scans(browser: Any, stack: ApiStack) -> None:
    from selenium.webdriver.common.by import By

    browser.get(stack.url + "/scan")
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources and all(url.startswith(stack.url + "/") for url in resources)

    browser.find_element(By.ID, "token").send_keys(stack.tokens["scanner"])
    browser.find_element(By.ID, "signin").click()
    who = wait_for(lambda: browser.find_element(By.ID, "who").text, "sign-in")
    assert "scanner" in who and "CarrierMSP" in who
    browser.find_element(By.ID, "gln").send_keys("0614141000029")
    browser.find_element(By.ID, "place").send_keys("Hub Lyon")

    sscc = stack.created()
    scan(browser, sscc, "departing")
    result = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#result p[data-tx-id]"), "commit"
    )
    [first] = stack.peer.checkpoints(sscc)
    assert result[0].get_attribute("data-tx-id") == first["tx_id"]
    assert int(result[0].get_attribute("data-block")) >= 1

    set_offline(browser, True)
    wait_for(lambda: browser.execute_script("return !navigator.onLine"), "offline")
    scan(browser, sscc, "arriving")
    queued = wait_for(lambda: [i for i in items(browser) if i["state"] == "queued"], "queued scan")
    assert len(stack.peer.checkpoints(sscc)) == 1  # nothing reached the ledger

    set_offline(browser, False)  # the `online` event sends the queue
    wait_for(
        lambda: all(i["state"] == "committed" for i in items(browser)), "queued scan committed"
    )
    checkpoints = stack.peer.checkpoints(sscc)
    assert [c["biz_step"] for c in checkpoints] == ["departing", "arriving"]
    assert checkpoints[1]["client_scan_id"] == queued[0]["id"]

    # Reloading and flushing again sends nothing twice.
    browser.refresh()
    wait_for(lambda: items(browser), "queue rendered")
    browser.execute_script("return window.scanPage.flush()")
    assert len(stack.peer.checkpoints(sscc)) == 2


def test_scan_page_refuses_a_misread_sscc(browser: Any, stack: ApiStack) -> None:
    from selenium.webdriver.common.by import By

    browser.get(stack.url + "/scan")
    browser.execute_script(f"localStorage.setItem('scan.token', '{stack.tokens['scanner']}')")
    browser.refresh()
    wait_for(lambda: browser.find_element(By.ID, "who").text, "sign-in from storage")
    sscc = stack.created()
    wrong = sscc[:-1] + str((int(sscc[-1]) + 1) % 10)
    browser.find_element(By.ID, "gln").send_keys("0614141000029")
    browser.find_element(By.ID, "place").send_keys("Hub Lyon")
    scan(browser, wrong, "departing")
    error = wait_for(lambda: browser.find_element(By.ID, "form-error").text, "error")
    assert "check digit" in error
    assert items(browser) == [] and stack.peer.checkpoints(sscc) == []
