"""What the browser journeys use: a headless Chromium (`Browser`), the checks every page must pass (`check_page`),
form helpers, the server's JSON API and the mails the server sent.

Configured by the environment scripts/browser-test.sh sets: DA_SERVER_URL, DA_ADMIN_EMAIL, DA_ADMIN_PASSWORD,
DA_BIN_DIR, DA_SCREENSHOTS, DA_SERVER_LOG, DA_MAILDIR.
"""
import base64
import email
import email.policy
import json as jsonlib
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

# selenium-manager would try to download a browser from the internet; it must never run.
os.environ["SE_OFFLINE"] = "true"

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

SERVER_URL = os.environ.get("DA_SERVER_URL", "http://127.0.0.1:8000").rstrip("/")
SERVER_HOST = urlsplit(SERVER_URL).netloc
ADMIN_EMAIL = os.environ.get("DA_ADMIN_EMAIL", "admin@example.com")
ADMIN_PASSWORD = os.environ.get("DA_ADMIN_PASSWORD", "")
BIN_DIR = os.environ.get("DA_BIN_DIR", "")
SCREENSHOTS = os.environ.get("DA_SCREENSHOTS", ".build/screenshots")
SERVER_LOG = os.environ.get("DA_SERVER_LOG", "")
MAILDIR = os.environ.get("DA_MAILDIR", "")

WIDTH, HEIGHT, PHONE_WIDTH = 1280, 900, 375
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # we run as root, where Chromium's sandbox cannot start
    "--disable-dev-shm-usage",  # containers have a small /dev/shm
    f"--window-size={WIDTH},{HEIGHT}",
    # Nothing but the pages' own requests: no update checks, sync, field trials or other background traffic.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-features=MediaRouter,OptimizationHints,Translate",
]


class Browser(webdriver.Chrome):
    """A headless Chromium with a session (cookies) of its own; several may be open at once.

    `with Browser("admin") as admin:` quits it at the end of the block, unless the block failed: then it stays open
    so run.py can save its screenshot and page source, and quits it afterwards.
    """

    open_browsers = []  # every Browser not yet quit, for run.py

    def __init__(self, label="browser"):
        self.label = label  # names its files when a journey fails
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        super().__init__(options=options, service=Service("/usr/bin/chromedriver"))
        Browser.open_browsers.append(self)

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            self.quit()

    def quit(self):
        """Closes the browser (once)."""
        if self in Browser.open_browsers:
            Browser.open_browsers.remove(self)
            super().quit()

    def open(self, path):
        """Loads a path of the server (`/login`)."""
        self.get(SERVER_URL + path)

    def sign_in_with(self, token):
        """Makes the browser signed in with an access token (the `access_token` cookie the server sets itself)."""
        # Through DevTools rather than add_cookie: add_cookie needs a page of the site loaded first, and that extra
        # page load (its favicon request, its console) would be reported with the next checked page.
        self.execute_cdp_cmd("Network.setCookie", {
            "name": "access_token", "value": token, "url": SERVER_URL + "/", "httpOnly": True, "sameSite": "Lax"})

    def main_text(self):
        """The visible text of the page's `<main>`."""
        return self.find_element(By.TAG_NAME, "main").text


def check_page(browser, name, status=None):
    """Checks the loaded page and saves its screenshots as DA_SCREENSHOTS/<name>-desktop.png and <name>-375.png.

    Fails (AssertionError) on console errors since the last check (CSP violations are console errors), on requests to
    any host but the server's, without exactly one `<h1>` or without a `<main>`, and on a visible form control
    without an accessible label. The screenshots are saved first, so a failing page can be looked at.

    status: the error status (403, 404…) the page itself was answered with. Chromium reports a document answered
    with an error status as a console error; with status that one report is required instead of refused.
    """
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    problems = []
    if status is not None:
        expected = f"{browser.current_url} - Failed to load resource: the server responded with a status of {status} "
        if not any(message.startswith(expected) for message in errors):
            problems.append(f"the page was not answered with status {status} (no console report of it)")
        errors = [message for message in errors if not message.startswith(expected)]
    problems += [f"console error: {message}" for message in errors]
    problems += [f"request to another host: {url}" for url in _requested_urls(browser) if _is_foreign(url)]
    problems += browser.execute_script(_STRUCTURE_CHECK)
    save_screenshots(browser, name)
    if problems:
        raise AssertionError(f"page {name} ({browser.current_url}):\n  " + "\n  ".join(problems))


def save_screenshots(browser, name):
    """Saves the whole page at desktop and at phone width, then restores the window size."""
    try:
        _save_full_page(browser, os.path.join(SCREENSHOTS, f"{name}-desktop.png"), WIDTH)
        _save_full_page(browser, os.path.join(SCREENSHOTS, f"{name}-{PHONE_WIDTH}.png"), PHONE_WIDTH)
    finally:
        browser.set_window_size(WIDTH, HEIGHT)


def _save_full_page(browser, path, width):
    browser.set_window_size(width, HEIGHT)
    wait_for(lambda: browser.execute_script("return window.innerWidth") == width,
             message=f"the window did not become {width} px wide")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": max(height, 1), "scale": 1}})
    with open(path, "wb") as file:
        file.write(base64.b64decode(shot["data"]))


def _requested_urls(browser):
    """The URLs of every request and WebSocket the pages opened since the last call (the performance log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = jsonlib.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def _is_foreign(url):
    if url.startswith(("data:", "about:")):
        return False
    return urlsplit(url.removeprefix("blob:")).netloc != SERVER_HOST


# Returns what is wrong with the page's structure, as sentences. Button-like inputs are named by their own text.
_STRUCTURE_CHECK = """
const problems = [];
const headings = document.querySelectorAll('h1').length;
if (headings !== 1) problems.push(`${headings} <h1> elements, not exactly one`);
if (!document.querySelector('main')) problems.push('no <main> element');
const text = (node) => (node && node.textContent || '').trim();
for (const control of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(control.type)) continue;
    if (!control.getClientRects().length || getComputedStyle(control).visibility === 'hidden') continue;
    const labelled = [...control.labels].some((label) => text(label))
        || (control.getAttribute('aria-label') || '').trim()
        || (control.getAttribute('aria-labelledby') || '').split(/\\s+/)
            .some((id) => id && text(document.getElementById(id)));
    if (!labelled) problems.push(`a control without a label: ${control.outerHTML.slice(0, 160)}`);
}
return problems;
"""


def field(driver, label_text):
    """The form control whose `<label for=…>` reads label_text (whitespace-normalised, exact); driver may also be an
    element (a form, a section) to look in, when a page has two fields of the same name."""
    labels = driver.find_elements(By.TAG_NAME, "label")
    for label in labels:
        if " ".join(label.text.split()) == label_text and label.get_attribute("for"):
            return driver.find_element(By.ID, label.get_attribute("for"))
    shown = [" ".join(label.text.split()) for label in labels]
    where = getattr(driver, "current_url", None) or f"<{driver.tag_name} id={driver.get_attribute('id')!r}>"
    raise AssertionError(f"no field labelled {label_text!r} on {where}; the labels: {shown}")


def button(driver, text):
    """The visible button (`<button>` or submit `<input>`) reading text; driver may also be an element to look in."""
    buttons = [element for element in driver.find_elements(By.CSS_SELECTOR, "button, input[type=submit]")
               if element.is_displayed()]
    names = [" ".join((element.text if element.tag_name == "button" else element.get_attribute("value")).split())
             for element in buttons]
    for element, name in zip(buttons, names):
        if name == text:
            return element
    where = getattr(driver, "current_url", None) or f"<{driver.tag_name} id={driver.get_attribute('id')!r}>"
    raise AssertionError(f"no button {text!r} on {where}; the buttons: {names}")


def wait_for(predicate, timeout=10, message=None):
    """Polls predicate until it returns something truthy and returns that; AssertionError after timeout seconds.

    A missing or replaced element while polling counts as not yet.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (NoSuchElementException, StaleElementReferenceException):
            pass
        except WebDriverException as error:
            # Chromium reports an element replaced by a navigation this way instead of as a stale element.
            if "does not belong to the document" not in str(error):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s: {message or getattr(predicate, '__name__', 'condition')}")
        time.sleep(0.05)


def api(method, path, token=None, json=None):
    """Calls the server's API; returns (status, parsed JSON body, or the text when it is not JSON, or None)."""
    body = None if json is None else jsonlib.dumps(json).encode()
    request = urllib.request.Request(SERVER_URL + path, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    if not raw:
        return status, None
    try:
        return status, jsonlib.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def sign_in_token(email, password):
    """An access token for a user, from `POST /auth/token`."""
    status, body = api("POST", "/auth/token", json={"email": email, "password": password})
    assert status == 200, f"sign-in of {email} answered {status}: {body}"
    return body["access_token"]


@dataclass
class Mail:
    """A message the SMTP server received, and how it was delivered."""
    sender: str
    to: list
    subject: str
    body: str
    tls: bool
    authenticated: bool


def mail_count():
    """How many messages the SMTP server has received so far."""
    return sum(1 for name in os.listdir(MAILDIR) if name.endswith(".eml"))


def read_mail(n, timeout=20):
    """The n-th message (1-based) the SMTP server received, waiting for it up to timeout seconds."""
    base = os.path.join(MAILDIR, str(n))
    wait_for(lambda: os.path.exists(base + ".eml"), timeout, f"mail number {n} in {MAILDIR}")
    with open(base + ".eml", "rb") as file:
        message = email.message_from_bytes(file.read(), policy=email.policy.default)
    with open(base + ".json") as file:
        envelope = jsonlib.load(file)
    return Mail(sender=envelope["from"], to=envelope["to"], subject=str(message["Subject"]),
                body=message.get_body(("plain",)).get_content(), tls=envelope["tls"],
                authenticated=envelope["authenticated"])
