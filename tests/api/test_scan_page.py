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

from tests.api.api_stack import ApiStack

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
    browser.execute_script(
        "sessionStorage.setItem('scan.token', arguments[0])", stack.tokens["scanner"]
    )
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


def sign_in(driver: Any, stack: ApiStack, who: str = "scanner") -> None:
    """Open the page with `who`'s token already stored, as after an earlier sign-in in
    this tab (sessionStorage: the tab's own, kept across reloads)."""
    from selenium.webdriver.common.by import By

    driver.get(stack.url + "/scan")
    driver.execute_script("sessionStorage.setItem('scan.token', arguments[0])", stack.tokens[who])
    driver.refresh()
    wait_for(lambda: driver.find_element(By.ID, "who").text, "sign-in from storage")


def type_place(driver: Any, gln: str, name: str | None = None) -> None:
    """Type a GLN (and a name, unless the page is to fill it in)."""
    from selenium.webdriver.common.by import By

    for field, value in (("gln", gln), ("place", name)):
        if value is not None:
            element = driver.find_element(By.ID, field)
            element.clear()
            element.send_keys(value)


def clipboard(driver: Any) -> str:
    """What the page's clipboard holds (permission granted by `allow_clipboard`)."""
    script = "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('! ' + e))"
    text: str = driver.execute_async_script(script)
    return text


def allow_clipboard(driver: Any, origin: str) -> None:
    """Grant the page the clipboard, as a person accepting the prompt would."""
    permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
    driver.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": origin, "permissions": permissions}
    )


def test_success_banner_shows_a_short_tx_id_to_copy_or_open(browser: Any, stack: ApiStack) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, stack)
    allow_clipboard(browser, stack.url)
    type_place(browser, "0614141000029", "Hub Lyon")
    sscc = stack.created()
    scan(browser, sscc, "departing")
    [banner] = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#result p[data-tx-id]"), "commit"
    )
    tx_id = stack.peer.checkpoints(sscc)[0]["tx_id"]
    assert banner.get_attribute("data-tx-id") == tx_id
    # One short line a person can read out: first 8 … last 4, the whole id not printed.
    assert f"{tx_id[:8]}…{tx_id[-4:]}" in banner.text and tx_id not in banner.text
    assert banner.find_element(By.CSS_SELECTOR, "code").get_attribute("title") == tx_id

    copy = browser.find_element(By.ID, "copy-tx")
    copy.click()
    wait_for(lambda: "copied" in browser.find_element(By.ID, "copy-status").text, "copied")
    assert clipboard(browser) == tx_id

    # The Clipboard API refusing (a denied permission, an older browser): the old way.
    browser.execute_async_script("navigator.clipboard.writeText('').then(arguments[0])")
    browser.execute_script(
        "navigator.clipboard.writeText = () => Promise.reject(new Error('denied'));"
        "document.getElementById('copy-status').textContent = ''"
    )
    copy.click()
    wait_for(lambda: "copied" in browser.find_element(By.ID, "copy-status").text, "fallback")
    assert clipboard(browser) == tx_id
    # And when nothing may copy, the full id is shown selected, to copy by hand.
    browser.execute_script("document.execCommand = () => false")
    copy.click()
    full = wait_for(lambda: browser.find_element(By.ID, "tx-full").is_displayed(), "full id")
    assert full and browser.find_element(By.ID, "tx-full").get_attribute("value") == tx_id
    assert "selected" in browser.find_element(By.ID, "copy-status").text

    link = browser.find_element(By.ID, "open-shipment").get_attribute("href")
    # the tracking link with its token: a bare SSCC shows strangers nothing
    assert link.startswith(f"{stack.url}/shipments/{sscc}?k=")
    stack.follow()  # the public page reads the read model
    browser.get(link)
    assert browser.find_element(By.ID, "tx").text == tx_id


def test_gln_field_offers_the_orgs_places_and_keeps_the_last_one(
    browser: Any, stack: ApiStack
) -> None:
    from selenium.webdriver.common.by import By

    from tests.api.api_stack import HUB, checkpoint_body

    dc = {"gln": "4006381000017", "name": "Retail DC Berlin"}
    sscc = stack.created()
    for step, point in (("departing", HUB), ("arriving", dc)):
        body = checkpoint_body(step, read_point=point)
        assert stack.post("scanner", f"/shipments/{sscc}/checkpoints", json=body).status_code == 201
    stack.follow()

    def offered() -> list[list[str]]:
        script = (
            "return [...document.querySelectorAll('#gln-places option')]"
            ".map(o => [o.value, o.label])"
        )
        found: list[list[str]] = browser.execute_script(script)
        return found

    sign_in(browser, stack)
    wait_for(lambda: len(offered()) == 2, "places offered")
    assert offered() == [
        [dc["gln"], f"{dc['name']} · {dc['gln']}"],
        [HUB["gln"], f"{HUB['name']} · {HUB['gln']}"],
    ]
    type_place(browser, HUB["gln"])  # as picked from the list: the name fills in
    assert browser.find_element(By.ID, "place").get_attribute("value") == HUB["name"]
    scan(browser, sscc, "storing")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#result p[data-tx-id]"), "commit")
    point = stack.peer.checkpoints(sscc)[-1]["read_point"]
    assert (point["gln"], point["name"]) == (HUB["gln"], HUB["name"])

    browser.refresh()  # the last place used is the default, and first in the list
    wait_for(lambda: len(offered()) == 2, "places offered again")
    assert browser.find_element(By.ID, "gln").get_attribute("value") == HUB["gln"]
    assert browser.find_element(By.ID, "place").get_attribute("value") == HUB["name"]
    assert offered()[0][0] == HUB["gln"]

    type_place(browser, "0614141000028", "Typo Hub")  # a misread GLN is caught before queueing
    scan(browser, sscc, "storing")
    error = wait_for(lambda: browser.find_element(By.ID, "form-error").text, "GLN error")
    assert "check digit" in error


def test_sscc_field_says_what_to_scan(browser: Any, stack: ApiStack) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, stack)
    label = browser.find_element(By.CSS_SELECTOR, "label[for=sscc]").text
    assert label == "Shipment label (SSCC, 18 digits)"
    placeholder = browser.find_element(By.ID, "sscc").get_attribute("placeholder")
    assert placeholder == "Scan the SSCC barcode on the pallet label"


def stored_token(driver: Any) -> dict[str, Any]:
    """Where the page keeps the token: this tab's sessionStorage, never localStorage."""
    script = (
        "return {session: sessionStorage.getItem('scan.token'),"
        " local: localStorage.getItem('scan.token')}"
    )
    found: dict[str, Any] = driver.execute_script(script)
    return found


def sign_in_by_hand(driver: Any, token: str) -> None:
    """Type the token into the sign-in form, as a person does."""
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.ID, "token")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.ID, "signin").click()


def test_token_is_kept_in_this_tab_only_and_the_queue_waits_for_the_next_sign_in(
    browser: Any, stack: ApiStack
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(stack.url + "/scan")
    sign_in_by_hand(browser, stack.tokens["scanner"])
    wait_for(lambda: browser.find_element(By.ID, "who").text, "sign-in")
    assert stored_token(browser) == {"session": stack.tokens["scanner"], "local": None}
    type_place(browser, "0614141000029", "Hub Lyon")
    sscc = stack.created()
    set_offline(browser, True)
    wait_for(lambda: browser.execute_script("return !navigator.onLine"), "offline")
    scan(browser, sscc, "departing")
    [queued] = wait_for(lambda: [i for i in items(browser) if i["state"] == "queued"], "queued")

    # The tab is closed while offline; a new one opens the page: no token any more, the scan
    # still waits on the device and is sent once the person signs in again.
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    second = browser.current_window_handle
    browser.switch_to.window(first)
    browser.close()
    browser.switch_to.window(second)
    browser.get(stack.url + "/scan")
    assert stored_token(browser) == {"session": None, "local": None}
    assert browser.find_element(By.ID, "signin-panel").is_displayed()
    waiting = wait_for(lambda: browser.find_element(By.ID, "signin-error").text, "notice")
    assert "Scans wait" in waiting
    assert [i["state"] for i in items(browser)] == ["queued"]
    assert stack.peer.checkpoints(sscc) == []
    sign_in_by_hand(browser, stack.tokens["scanner"])
    wait_for(lambda: all(i["state"] == "committed" for i in items(browser)), "sent")
    [checkpoint] = stack.peer.checkpoints(sscc)
    assert checkpoint["client_scan_id"] == queued["id"]


def test_a_refused_token_is_asked_for_again_and_the_scans_wait_for_it(
    browser: Any, stack: ApiStack
) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, stack)
    type_place(browser, "0614141000029", "Hub Lyon")
    sscc = stack.created()
    set_offline(browser, True)
    wait_for(lambda: browser.execute_script("return !navigator.onLine"), "offline")
    scan(browser, sscc, "departing")
    wait_for(lambda: [i for i in items(browser) if i["state"] == "queued"], "queued scan")
    # The token stops being valid meanwhile (here: another one in its place).
    browser.execute_script("sessionStorage.setItem('scan.token', 'not-a-token-any-more')")
    set_offline(browser, False)
    wait_for(lambda: browser.find_element(By.ID, "signin-panel").is_displayed(), "sign-in asked")
    notice = browser.find_element(By.ID, "signin-error").text
    assert "sign in again" in notice and "1 scan(s) wait" in notice
    assert stored_token(browser) == {"session": None, "local": None}
    assert [i["state"] for i in items(browser)] == ["queued"]  # not marked refused
    assert stack.peer.checkpoints(sscc) == []
    sign_in_by_hand(browser, stack.tokens["scanner"])
    wait_for(lambda: all(i["state"] == "committed" for i in items(browser)), "sent")
    assert len(stack.peer.checkpoints(sscc)) == 1


def test_a_token_an_older_version_kept_on_disk_is_moved_out_of_local_storage(
    browser: Any, stack: ApiStack
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(stack.url + "/scan")
    browser.execute_script(
        "localStorage.setItem('scan.token', arguments[0])", stack.tokens["scanner"]
    )
    browser.refresh()
    wait_for(lambda: browser.find_element(By.ID, "who").text, "signed in from the old place")
    assert stored_token(browser) == {"session": stack.tokens["scanner"], "local": None}
    browser.find_element(By.ID, "signout").click()
    wait_for(lambda: browser.find_element(By.ID, "signin-panel").is_displayed(), "signed out")
    assert stored_token(browser) == {"session": None, "local": None}
