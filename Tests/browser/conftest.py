import json
import os
import tempfile
from pathlib import Path

import pytest

from harness import Page, Proxy, Server, chromium


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("TANDEM_BROWSER_ARTIFACTS") or tempfile.mkdtemp(prefix="tandem-browser-artifacts-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser test artifacts (screenshots, server log, measurements): {folder}")
    return folder


@pytest.fixture(scope="session")
def measurements(artifacts):
    values: dict = {}
    yield values
    (artifacts / "measurements.json").write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def server(artifacts):
    server = Server(artifacts)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bob_proxy(server):
    """Bob's browser reaches the server through this proxy, so a test can hold back or cut his traffic."""
    proxy = Proxy(server.port)
    yield proxy
    proxy.close()


def _driver(artifacts, name, request):
    driver = chromium(artifacts, name)
    yield driver
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        driver.save_screenshot(str(artifacts / f"failure-{request.node.name}-{name}.png"))
    driver.quit()


@pytest.fixture
def alice(server, artifacts, request):
    for driver in _driver(artifacts, "alice", request):
        yield Page(driver, server.url, "alice", artifacts)


@pytest.fixture
def bob(bob_proxy, artifacts, request):
    bob_proxy.release()
    for driver in _driver(artifacts, "bob", request):
        yield Page(driver, bob_proxy.url, "bob", artifacts)
    bob_proxy.release()


@pytest.fixture
def victor(server, artifacts, request):
    for driver in _driver(artifacts, "victor", request):
        yield Page(driver, server.url, "victor", artifacts)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
