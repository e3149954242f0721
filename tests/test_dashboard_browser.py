"""The dashboard as a person uses it: Debian's Chromium (driven by Selenium through Debian's chromedriver, no
browser download) clicking the page's own buttons against real RocketMQ clusters."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import pytest
from realcluster import LAB, shared_cluster

from rmqlab.api import Mode

pytestmark = pytest.mark.integration

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000")


@pytest.fixture(scope="module")
def browser():
    missing = [p for p in (CHROMIUM, DRIVER) if not shutil.which(p)]
    if missing:
        message = f"no {', '.join(missing)}: scripts/test.sh installs Debian's chromium and chromium-driver"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="rmqlab-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _until(driver, predicate, timeout: float, what: str):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException)  # the page redraws as it is read
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=ignored).until(
            lambda d: predicate(d))
    except Exception as error:  # noqa: BLE001 - say what was awaited and what the page showed
        raise AssertionError(f"{what} not seen within {timeout:.0f} s; page said: "
                             f"{driver.find_element('id', 'groups').text} / {driver.find_element('id', 'banner').text}"
                             ) from error


def _roles(driver) -> dict[str, str]:
    return driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('[data-node].kind-broker')]"
        ".map(n => [n.dataset.node, n.dataset.role]))")


def _group_master(driver, group: str) -> str | None:
    return driver.execute_script(f"const g = document.querySelector('[data-group=\"{group}\"]');"
                                 "return g ? g.dataset.master : null;")


def _writes(driver, group: str) -> str:
    return driver.execute_script(f"return document.querySelector('[data-writes=\"{group}\"]').textContent")


def _click(driver, action: str, target: str) -> str:
    """Press the button, check the confirmation and its CLI command, confirm; the command it showed."""
    from selenium.common.exceptions import StaleElementReferenceException

    selector = (f'[data-node="{target}"] button[data-action="{action}"], '
                f'[data-machine="{target}"] > .machine-head button[data-action="{action}"]')
    for attempt in range(3):
        try:
            driver.find_element("css selector", selector).click()
            break
        except StaleElementReferenceException:  # the box was rebuilt between finding and clicking
            if attempt == 2:
                raise
    dialog = driver.find_element("id", "confirm")
    _until(driver, lambda d: dialog.get_attribute("open") is not None, 5, "the confirmation")
    command = driver.find_element("id", "confirm-cli").text
    driver.find_element("id", "confirm-ok").click()
    return command


def _screenshot(driver, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")


@pytest.fixture(scope="module")
def sync_cluster():
    with shared_cluster(Mode.SYNC_2M2S) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def dledger_cluster():
    with shared_cluster(Mode.DLEDGER) as cluster:
        yield cluster


def test_kill_and_start_a_2m2s_master_from_the_page(sync_cluster, browser, tmp_path):
    from rmqlab.web.server import Background

    with Background(LAB, sync_cluster.name) as serving:
        browser.get(serving.url)
        expected = {"broker-a-master": "master", "broker-a-slave": "slave", "broker-b-master": "master",
                    "broker-b-slave": "slave"}
        _until(browser, lambda d: _roles(d) == expected, 30, "four brokers with their roles")
        command = _click(browser, "kill", "broker-a-master")
        assert command == f"rmqlab kill broker-a-master --name {sync_cluster.name}"
        clicked = time.monotonic()
        _until(browser, lambda d: _group_master(d, "broker-a") == "", 5, "broker-a marked as having no master")
        assert time.monotonic() - clicked <= 5
        assert _group_master(browser, "broker-b") == "broker-b-master"
        assert _roles(browser)["broker-b-master"] == "master"
        _until(browser, lambda d: "brokerId is fixed" in d.find_element("id", "feed").text, 5, "the feed's reason")
        _until(browser, lambda d: "cannot take writes" in _writes(d, "broker-a"), 10,
               "broker-a's strip marking it unwritable")
        _screenshot(browser, tmp_path, "dashboard-2m2s-master-killed")
        _click(browser, "start", "broker-a-master")
        _until(browser, lambda d: _group_master(d, "broker-a") == "broker-a-master", 120, "the master back")
        _until(browser, lambda d: _writes(d, "broker-a") == "takes writes", 30, "broker-a taking writes again")
        _screenshot(browser, tmp_path, "dashboard-2m2s-master-back")


def test_a_new_dledger_leader_appears_after_the_old_one_is_killed(dledger_cluster, browser, tmp_path):
    from rmqlab.web.server import Background

    with Background(LAB, dledger_cluster.name) as serving:
        browser.get(serving.url)
        _until(browser, lambda d: sorted(_roles(d).values()) == ["follower", "follower", "leader"], 30,
               "one leader and two followers")
        old = _group_master(browser, "broker-a")
        _click(browser, "kill", old)
        _until(browser, lambda d: _group_master(d, "broker-a") not in ("", old, None), 60, "a new leader")
        new = _group_master(browser, "broker-a")
        assert _roles(browser)[new] == "leader" and _roles(browser)[old] == "not registered"
        _until(browser, lambda d: f"{new} was elected leader of broker-a" in d.find_element("id", "feed").text, 5,
               "the feed naming the new leader")
        assert "heartBeatTimeIntervalMs × maxHeartBeatLeak = 2000 ms × 3" in browser.find_element("id", "feed").text
        _screenshot(browser, tmp_path, "dashboard-dledger-new-leader")
