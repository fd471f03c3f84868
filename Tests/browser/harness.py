"""The pieces the browser tests share: a real tandem-server process, a TCP proxy that can hold back or cut one
browser's traffic, and headless Chromium sessions driven by Selenium.

Everything waits on a condition with a deadline (WebDriverWait or `wait_for`), never on a bare sleep.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]

# Two editors, one viewer; the demo model Contact (its `name` is a manual-policy string, `notes` text, `salary` a
# restricted number) with a restricted bool `vip` added. `access_token_ttl` is 1 h, or a few seconds for the test of
# the page renewing its token.
CONFIG = """\
server:
  host: 127.0.0.1
  port: {port}
  node_id: browser-node
  data_dir: {data}
  shutdown_grace: 2s
auth:
  jwt_secret: "browser-test-secret-0123456789abcdef"
  bcrypt_cost: 4
  access_token_ttl: {access_token_ttl}
  seed_users:
    - {{username: alice, password: alice-pw, roles: [Editor]}}
    - {{username: bob, password: bob-pw, roles: [Editor]}}
    - {{username: victor, password: victor-pw, roles: [Viewer]}}
limits:
  breaches_before_close_max: 1000
  messages_per_second: 10000
  message_burst: 10000
heartbeat:
  interval: 1s
  timeout: 5s
logging:
  level: info
models:
  Contact:
    name: {{type: string, policy: manual}}
    notes: text
    age: number
    active: bool
    birthday: datetime
    settings: json
    tags: list
    salary: {{type: number, restricted: true}}
    vip: {{type: bool, restricted: true}}
"""


def wait_for(what: str, condition, timeout: float = 15.0, interval: float = 0.02):
    """Polls `condition` until it returns something truthy; raises naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_binary() -> Path:
    explicit = os.environ.get("TANDEM_SERVER_BINARY")
    candidates = [Path(explicit)] if explicit else []
    candidates += [ROOT / ".build" / "debug" / "tandem-server", ROOT / ".build-h" / "debug" / "tandem-server"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RuntimeError(f"no tandem-server binary (looked at {candidates}); run `swift build --product tandem-server`")


class Server:
    """tandem-server on a fixed loopback port with a SQLite store in a temp folder, so it can be killed and started
    again on the same port with the same data (the pages reconnect to the origin they came from)."""

    def __init__(self, artifacts: Path, access_token_ttl: str = "1h", name: str = "server"):
        self.folder = Path(tempfile.mkdtemp(prefix="tandem-browser-"))
        self.port = free_port()
        self.config = self.folder / "tandem.yaml"
        self.config.write_text(CONFIG.format(port=self.port, data=self.folder / "data",
                                             access_token_ttl=access_token_ttl))
        self.log_path = artifacts / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(server_binary()), "serve", "--config", str(self.config)],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        wait_for(f"tandem-server on port {self.port} (log {self.log_path})", self.healthy, timeout=30)

    def healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"tandem-server exited with {self.process.returncode}; see {self.log_path}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as reply:
                return reply.status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def kill(self):
        """SIGKILL: no goodbye to the sockets, no flush; what was acknowledged is in SQLite."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    # REST, for setting up records and reading what was stored.
    def token(self, username: str) -> str:
        body = json.dumps({"username": username, "password": f"{username}-pw", "provider": "db"}).encode()
        request = urllib.request.Request(self.url + "/api/v1/security/login", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as reply:
            return json.load(reply)["access_token"]

    def accepts(self, token: str) -> bool:
        """Whether the server takes `token` (a REST read with it answers 200, not 401)."""
        request = urllib.request.Request(self.url + "/api/v1/Contact/1", headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                return reply.status == 200
        except urllib.error.HTTPError as error:
            if error.code == 401:
                return False
            raise

    def rest(self, method: str, path: str, username: str = "alice", body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token(username)}"})
        with urllib.request.urlopen(request, timeout=5) as reply:
            return json.load(reply)

    def record(self, record_id: int) -> dict:
        return self.rest("GET", f"/api/v1/Contact/{record_id}")["result"]


class Proxy:
    """A loopback TCP proxy in front of the server for one browser: `hold()` stops passing the server's bytes to
    the browser (they queue, as on a slow link) until `release()`; `cut()` closes every connection through it."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_server: bool):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_server:
                    self.open.wait()
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def hold(self):
        self.open.clear()

    def release(self):
        self.open.set()

    def cut(self):
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self.closed = True
        self.release()
        self.cut()
        self.listener.close()


def chromium(artifacts: Path, name: str, width: int = 1100, height: int = 1400) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(candidate):
            options.binary_location = candidate
            break
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-background-timer-throttling",
                     "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
                     f"--user-data-dir={tempfile.mkdtemp(prefix=f'chromium-{name}-')}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.tandem_name = name
    return driver


class Page:
    """One user's browser on one record, with the waits the tests use."""

    def __init__(self, driver: webdriver.Chrome, base_url: str, username: str, artifacts: Path):
        self.driver = driver
        self.base_url = base_url
        self.username = username
        self.artifacts = artifacts

    def login(self, next_path: str):
        self.driver.get(f"{self.base_url}/login/?next={next_path}")
        self.driver.find_element(By.ID, "login-username").send_keys(self.username)
        self.driver.find_element(By.ID, "login-password").send_keys(f"{self.username}-pw")
        self.driver.find_element(By.CSS_SELECTOR, "form.tandem-login button[type=submit]").click()
        self.wait(10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "form[data-tandem-record]")))

    def open(self, record_id: int):
        self.login(f"/contact/edit/{record_id}")
        self.wait_state("connected")

    def wait(self, timeout: float = 10, poll: float = 0.02) -> WebDriverWait:
        return WebDriverWait(self.driver, timeout, poll_frequency=poll)

    def state(self) -> str:
        return self.driver.find_element(By.CSS_SELECTOR, "[data-connection-state]").get_attribute(
            "data-connection-state")

    def wait_state(self, state: str, timeout: float = 15):
        self.wait(timeout).until(lambda _: self.state() == state, f"{self.username}'s badge to say {state}")

    def field(self, name: str):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-field="{name}"] [name="{name}"]')

    def wrapper(self, name: str):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-field="{name}"]')

    def value(self, name: str) -> str:
        return self.field(name).get_property("value")

    def wait_value(self, name: str, predicate, timeout: float = 10, what: str = ""):
        return self.wait(timeout).until(lambda _: predicate(self.value(name)),
                                        f"{self.username}'s {name} {what}".strip())

    def avatars(self) -> list[str]:
        return [e.get_attribute("data-user") for e in
                self.driver.find_elements(By.CSS_SELECTOR, "[data-presence] [data-user]")]

    def user_color_on(self, name: str) -> str:
        return self.driver.execute_script(
            "return getComputedStyle(arguments[0]).getPropertyValue('--tandem-user-color').trim()",
            self.wrapper(name))

    def border_color(self, name: str) -> str:
        return self.driver.execute_script("return getComputedStyle(arguments[0]).borderTopColor", self.wrapper(name))

    def screenshot(self, step: str) -> Path:
        path = self.artifacts / f"{step}-{self.username}.png"
        self.driver.save_screenshot(str(path))
        return path

    def console(self) -> list[str]:
        try:
            return [entry["message"] for entry in self.driver.get_log("browser")]
        except Exception:  # noqa: BLE001 - a driver without logs
            return []
