"""Catalog journeys: an analyst asks for a private table and reads its profile once approved, a personal access token
from the dashboard signs the real CLI in (and out again when revoked), hostile catalog text stays text, every page at
desktop and phone width, and the keyboard path into the sign-in form.

Independent of each other and of smoke.py: every journey makes its own users and tables with unique names (but
`salaries`, which only the first journey registers).
"""
import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.expected_conditions import staleness_of

from harness import (ADMIN_EMAIL, ADMIN_PASSWORD, BIN_DIR, PHONE_WIDTH, SERVER_URL, WIDTH, HEIGHT, Browser, api,
                     button, check_page, field, mail_count, read_mail, sign_in_token, wait_for)

HOSTILE_DESCRIPTION = ('<script>alert(1)</script>"><img src=x onerror=alert(2)> {{frame.formToken}} '
                       'javascript:alert(3)')

# Ten rows: text, a number, a date, and a column (bonus) with four empty values.
SALARIES_CSV = """employee,department,salary,hired_on,bonus
Ada Lovelace,Engineering,128000,2019-03-01,5000
Grace Hopper,Engineering,135000,2017-09-18,
Alan Turing,Research,142000,2016-06-23,7000
Katherine Johnson,Research,118000,2020-01-06,
Edsger Dijkstra,Engineering,125500,2018-11-30,4500
Barbara Liskov,Architecture,150000,2015-04-14,9000
Donald Knuth,Research,99000,2021-08-02,
Margaret Hamilton,Engineering,131000,2019-12-09,6000
Frances Allen,Architecture,121000,2022-02-21,
Ken Thompson,Operations,97000,2023-05-15,3000
"""
SALARIES_EMPLOYEES = [line.split(",")[0] for line in SALARIES_CSV.splitlines()[1:]]


# --- Helpers --------------------------------------------------------------------------------------------------------

def unique(prefix):
    """prefix plus a random suffix, for emails and table names no other journey (or run) uses."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def path_of(driver):
    """The path of the browser's current URL."""
    return urllib.parse.urlsplit(driver.current_url).path


def query_of(driver):
    """The query parameters of the browser's current URL (first value each)."""
    query = urllib.parse.urlsplit(driver.current_url).query
    return {key: values[0] for key, values in urllib.parse.parse_qs(query).items()}


def upload_csv(token, table_id, csv_text):
    """`POST /api/admin/tables/<id>/upload` with the CSV as the body; returns (status, parsed JSON or text)."""
    request = urllib.request.Request(
        f"{SERVER_URL}/api/admin/tables/{urllib.parse.quote(table_id)}/upload", data=csv_text.encode(), method="POST",
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def publish_table(admin_token, name, csv_text, is_public, description):
    """Registers a table, uploads its CSV and waits until its profile is stored; returns the table id."""
    status, registered = api("POST", "/api/admin/register-table", admin_token,
                             {"name": name, "is_public": is_public, "description": description})
    assert status == 201, f"registering {name} answered {status}: {registered}"
    table_id = registered["id"]
    status, uploaded = upload_csv(admin_token, table_id, csv_text)
    assert status == 201, f"uploading {table_id} answered {status}: {uploaded}"
    expected_rows = len(csv_text.strip().splitlines()) - 1
    rows = uploaded["rows"]
    assert rows == expected_rows, f"{table_id} was uploaded with {rows} rows, not {expected_rows}"
    wait_for(lambda: api("GET", f"/api/catalog/profile/{table_id}", admin_token)[0] == 200, timeout=20,
             message=f"the profile of {table_id}")
    return table_id


def assert_no_alert(driver, where):
    """Fails when a JavaScript dialog is open."""
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    raise AssertionError(f"an alert opened on {where}: {text!r}")


def wait_for_alert(driver, timeout=5):
    """The JavaScript dialog once one is open."""
    def open_alert():
        try:
            return driver.switch_to.alert
        except NoAlertPresentException:
            return None
    return wait_for(open_alert, timeout, "a confirm dialog")


def invite_analyst(admin_token, browser, name):
    """A new analyst with a unique email who set their password through the emailed setup link in browser (which
    leaves the browser signed in); returns (email, password)."""
    email = unique("analyst-") + "@example.com"
    status, user = api("POST", "/api/users", admin_token, {"email": email, "name": name, "role": "analyst"})
    assert status == 201, f"creating {email} answered {status}: {user}"
    mails_before = mail_count()
    status, link = api("POST", f"/api/users/{user['id']}/setup-link", admin_token, {})
    assert status == 201, f"the setup link for {email} answered {status}: {link}"
    assert link["emailed"], f"the setup link was not emailed: {link['email_error']}"
    mail = read_mail(mails_before + 1)
    assert mail.to == [email], f"the setup mail went to {mail.to}, not {email}"
    assert link["link"] in mail.body, f"the mail does not contain {link['link']}:\n{mail.body}"

    password = unique("pw-") + "-long-enough"
    browser.get(link["link"])
    field(browser, "New password (at least 10 characters)").send_keys(password)
    field(browser, "Repeat it").send_keys(password)
    submit = button(browser, "Set password")
    submit.click()
    wait_for(lambda: staleness_of(submit)(browser), message="the setup form to be submitted")
    wait_for(lambda: "password is set" in browser.main_text(), message="the page saying the password is set")
    return email, password


def catalog_row(driver, table_name):
    """The `<tr>` of a table in the catalog's bucket sections (by its shown name)."""
    rows = driver.find_elements(
        By.XPATH, f"//section[contains(@class,'bucket')]//tbody/tr[normalize-space(td[1])='{table_name}']")
    assert len(rows) == 1, f"{len(rows)} rows for {table_name} on {driver.current_url}"
    return rows[0]


def heading_texts(driver, tag):
    return [" ".join(element.text.split()) for element in driver.find_elements(By.TAG_NAME, tag)]


def assert_nothing_injected(driver, where):
    """No markup from data became elements: no event handler attributes, no `img[src=x]`, no inline script, no
    `javascript:` link."""
    assert_no_alert(driver, where)
    injected = driver.find_elements(
        By.CSS_SELECTOR, "[onerror], [onload], [onclick], img[src='x'], script:not([src]), a[href^='javascript:' i]")
    assert not injected, f"markup from data is in {where}: {[e.get_attribute('outerHTML')[:200] for e in injected]}"


# Elements that stick out of the viewport on the right and are not inside a scrolling box (which would keep them from
# widening the page); the outermost of each such chain, as short descriptions.
_OVERFLOWING = """
const limit = document.documentElement.clientWidth;
const scrolls = (el) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
const describe = (el, box) => {
    const classes = typeof el.className === 'string' && el.className.trim()
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes}> right=${Math.round(box.right)} `
        + `width=${Math.round(box.width)} "${text}"`;
};
const found = [];
for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit + 1) continue;
    let parent = el.parentElement, clipped = false, reported = false;
    for (; parent && parent !== document.body; parent = parent.parentElement) {
        if (scrolls(parent)) { clipped = true; break; }
        if (found.some((item) => item.el === parent)) { reported = true; break; }
    }
    if (clipped || reported) continue;
    found.push({el, text: describe(el, box)});
}
return found.slice(0, 8).map((item) => item.text);
"""


def phone_overflow(driver, name):
    """At 375 px: None when the page does not scroll sideways, else what is wrong (scrollWidth and the elements that
    stick out). Restores the desktop width."""
    try:
        driver.set_window_size(PHONE_WIDTH, HEIGHT)
        wait_for(lambda: driver.execute_script("return window.innerWidth") == PHONE_WIDTH,
                 message=f"the window did not become {PHONE_WIDTH} px wide")
        scroll_width = driver.execute_script("return document.documentElement.scrollWidth")
        if scroll_width <= PHONE_WIDTH + 1:
            return None
        culprits = driver.execute_script(_OVERFLOWING)
        return (f"{name} ({path_of(driver)}) scrolls sideways at {PHONE_WIDTH} px: scrollWidth {scroll_width}; "
                f"sticking out: {culprits}")
    finally:
        driver.set_window_size(WIDTH, HEIGHT)
        wait_for(lambda: driver.execute_script("return window.innerWidth") == WIDTH, message="back to desktop width")


def focus_outline(driver):
    """(description of the focused element, its computed outline-style, outline-width)."""
    return driver.execute_script("""
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const text = (el.textContent || '').trim().slice(0, 40);
        const name = `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}> ${text}`;
        return [name, style.outlineStyle, style.outlineWidth];
    """)


def da(home, *arguments):
    """Runs the real `da` CLI with a throw-away home and config directory; returns the CompletedProcess."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DA_")}
    environment.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                       DA_CONFIG_DIR=os.path.join(home, "da-config"), DA_LOCAL_DIR=os.path.join(home, "workspace"))
    return subprocess.run([os.path.join(BIN_DIR, "da"), *arguments], cwd=home, env=environment, capture_output=True,
                          text=True, timeout=60)


# --- Journeys -------------------------------------------------------------------------------------------------------

def journey_analyst_requests_access_and_reads_the_table():
    """An invited analyst signs in through the form, finds the private `salaries` table locked in the catalog, asks
    for it, and once an admin approves reads its profile and sample rows."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    table_id = publish_table(admin_token, "salaries", SALARIES_CSV, is_public=False,
                             description="Pay, department and start date of every employee")
    assert table_id == "salaries", f"the table got the id {table_id!r}"

    with Browser("analyst") as analyst:
        email, password = invite_analyst(admin_token, analyst, "Salaries Analyst")
        check_page(analyst, "password-set-analyst")

        # On to the dashboard the "Password set" page leads to, then sign out there.
        analyst.find_element(By.LINK_TEXT, "Continue to the dashboard").click()
        wait_for(lambda: path_of(analyst) == "/dashboard", message="the link to the dashboard")
        assert email in analyst.main_text(), "the dashboard does not show the new analyst's email"
        button(analyst, "Sign out").click()
        wait_for(lambda: path_of(analyst) == "/login", message="signing out to lead to /login")
        check_page(analyst, "signed-out")

        # A signed-out /catalog asks to sign in and comes back to the catalog afterwards.
        analyst.open("/catalog")
        wait_for(lambda: path_of(analyst) == "/login", message="a signed-out /catalog to lead to /login")
        assert query_of(analyst).get("next") == "/catalog", f"/catalog led to {analyst.current_url}"
        hidden_next = analyst.find_element(By.CSS_SELECTOR, "form[action='/login'] input[type=hidden][name=next]")
        assert hidden_next.get_attribute("value") == "/catalog", "the sign-in form does not keep next=/catalog"
        check_page(analyst, "login-next-catalog")
        field(analyst, "Email").send_keys(email)
        field(analyst, "Password").send_keys(password)
        submit = button(analyst, "Sign in")
        submit.click()
        wait_for(lambda: staleness_of(submit)(analyst), message="the sign-in form to be submitted")
        wait_for(lambda: path_of(analyst) == "/catalog", message="signing in to lead back to /catalog")
        wait_for(lambda: "Data catalog" in heading_texts(analyst, "h1"), message="the catalog's heading")
        header = analyst.find_element(By.CSS_SELECTOR, "header").text
        assert "Salaries Analyst" in header, f"the header does not name the analyst: {header!r}"
        check_page(analyst, "catalog")

        # Search for the table: it is there, locked (no link), with a request form.
        field(analyst, "Search").send_keys("salaries")
        filter_button = button(analyst, "Filter")
        filter_button.click()
        wait_for(lambda: staleness_of(filter_button)(analyst), message="the filter form to be submitted")
        wait_for(lambda: query_of(analyst).get("q") == "salaries", message="the search in the URL")
        row = catalog_row(analyst, "salaries")
        assert not row.find_elements(By.CSS_SELECTOR, "td:first-child a"), "the locked salaries table has a link"
        assert row.find_elements(By.CSS_SELECTOR, "td:first-child .locked"), "salaries is not shown as locked"
        assert "can read" not in row.text, f"the row says the analyst can read it: {row.text!r}"
        check_page(analyst, "catalog-search")

        # The table's own page (by address: the catalog does not link it) offers the same request.
        analyst.open("/catalog/tables/salaries")
        wait_for(lambda: "salaries" in heading_texts(analyst, "h1"), message="the locked salaries page")
        h2s = heading_texts(analyst, "h2")
        assert "You cannot read this table yet" in h2s and "Profile" not in h2s, f"the locked page's sections: {h2s}"
        assert field(analyst, "Why you need it").is_displayed() and button(analyst, "Request access")
        check_page(analyst, "table-locked-form")
        analyst.back()
        wait_for(lambda: query_of(analyst).get("q") == "salaries", message="back to the search results")
        row = catalog_row(analyst, "salaries")
        row.find_element(By.XPATH, ".//summary[normalize-space()='Request access']").click()
        reason = "I prepare the yearly pay review for the board."
        wait_for(lambda: field(analyst, "Why you need salaries").is_displayed(), message="the request form to open")
        field(analyst, "Why you need salaries").send_keys(reason)
        send = button(analyst, "Send request")
        send.click()
        wait_for(lambda: staleness_of(send)(analyst), message="the request to be sent")
        notice = wait_for(lambda: analyst.find_element(By.CSS_SELECTOR, "p.notice"), message="the notice after asking")
        assert notice.text.startswith("Access requested"), f"the notice reads {notice.text!r}"
        row = catalog_row(analyst, "salaries")
        badges = [badge.text for badge in row.find_elements(By.CSS_SELECTOR, ".badge")]
        assert "requested" in badges, f"the salaries row shows {badges}, not a 'requested' badge"
        assert not row.find_elements(By.TAG_NAME, "form"), "the salaries row still offers a request form"
        check_page(analyst, "catalog-requested")

        # The table's page: locked, no profile, no sample.
        analyst.open("/catalog/tables/salaries")
        wait_for(lambda: "salaries" in heading_texts(analyst, "h1"), message="the salaries page")
        h2s = heading_texts(analyst, "h2")
        assert "You cannot read this table yet" in h2s, f"the locked page's sections: {h2s}"
        assert "Profile" not in h2s, "a non-reader sees the Profile"
        text = analyst.main_text()
        assert "Sample rows" not in text, "a non-reader sees sample rows"
        assert not any(name in text for name in SALARIES_EMPLOYEES), "a non-reader sees values of the table"
        assert not analyst.find_elements(By.CSS_SELECTOR, "svg.chart"), "a non-reader sees charts"
        assert "Pay, department and start date of every employee" in text, "the description is not shown"
        assert "requested" in text, "the locked page does not say access was requested"
        check_page(analyst, "table-locked")

        # The admin approves the request on /admin/permissions.
        with Browser("admin") as admin:
            admin.sign_in_with(admin_token)
            admin.open("/admin/permissions")
            wait_for(lambda: "Permissions" in heading_texts(admin, "h1"), message="the Permissions page")
            request_rows = f"//section[h2[normalize-space()='Access requests']]//tbody/tr" \
                           f"[normalize-space(td[1])='{email}' and normalize-space(td[2])='salaries']"
            rows = admin.find_elements(By.XPATH, request_rows)
            assert len(rows) == 1, f"{len(rows)} access requests for salaries by {email} on /admin/permissions"
            assert reason in rows[0].text, f"the request's row does not show the reason: {rows[0].text!r}"
            check_page(admin, "permissions-request")
            approve = rows[0].find_element(By.XPATH, ".//button[normalize-space()='Approve']")
            approve.click()
            wait_for(lambda: staleness_of(approve)(admin), message="the approval to be sent")
            notice = wait_for(lambda: admin.find_element(By.CSS_SELECTOR, "p.notice"),
                              message="the notice after approving")
            assert notice.text == "Approved: the user can read the table from their next da sync.", \
                f"the notice after approving reads {notice.text!r}"
            assert not admin.find_elements(By.XPATH, request_rows), "the approved request is still waiting"
            check_page(admin, "permissions-approved")

        analyst.refresh()
        wait_for(lambda: "Profile" in heading_texts(analyst, "h2"), message="the Profile after the approval")
        h2s = heading_texts(analyst, "h2")
        assert "You cannot read this table yet" not in h2s, "the page still says the table cannot be read"
        profile = analyst.find_element(By.XPATH, "//section[h2[normalize-space()='Profile']]")
        bars = profile.find_elements(By.CSS_SELECTOR, "svg.chart rect")
        assert bars, "the profile has no chart bars (svg.chart rect)"
        codes = [element.text for element in analyst.find_elements(By.CSS_SELECTOR, "main code")]
        for column in ("employee", "salary", "hired_on", "bonus"):
            assert column in codes, f"the column {column} is not shown: {codes}"
        missing = profile.find_elements(
            By.XPATH, ".//h3[normalize-space()='Missing values']/following-sibling::div[1]//table")
        assert missing and "bonus" in missing[0].text, "Missing values does not list bonus (4 of 10 empty)"
        sample = profile.find_elements(
            By.XPATH, ".//h3[normalize-space()='Sample rows']/following-sibling::div[1]//table")
        assert sample, "no Sample rows table after the approval"
        headers = [th.text for th in sample[0].find_elements(By.CSS_SELECTOR, "thead th")]
        assert headers == ["employee", "department", "salary", "hired_on", "bonus"], f"sample headers: {headers}"
        assert any(name in sample[0].text for name in SALARIES_EMPLOYEES), \
            f"the sample rows show none of the CSV's employees: {sample[0].text[:300]!r}"
        check_page(analyst, "table-profile")

        # The catalog now links the table.
        analyst.open("/catalog?q=salaries")
        row = catalog_row(analyst, "salaries")
        link = row.find_element(By.CSS_SELECTOR, "td:first-child a")
        assert urllib.parse.urlsplit(link.get_attribute("href")).path == "/catalog/tables/salaries"
        assert "can read" in row.text, f"the approved row reads {row.text!r}"
        check_page(analyst, "catalog-readable")


def journey_personal_access_token_signs_the_cli_in():
    """A token made on the dashboard signs the real `da` CLI in; revoked on the dashboard, it stops working."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    email, password = unique("cli-") + "@example.com", unique("pw-") + "-long-enough"
    status, user = api("POST", "/api/users", admin_token,
                       {"email": email, "name": "CLI Analyst", "role": "analyst", "password": password})
    assert status == 201, f"creating {email} answered {status}: {user}"

    with Browser("analyst") as analyst, tempfile.TemporaryDirectory(prefix="da-home-") as home:
        analyst.sign_in_with(sign_in_token(email, password))
        analyst.open("/dashboard")
        wait_for(lambda: "Dashboard" in heading_texts(analyst, "h1"), message="the dashboard")
        command = analyst.find_element(By.ID, "login-command").text
        assert command == f"da auth login --server {SERVER_URL}", f"the login command reads {command!r}"
        assert email in analyst.main_text(), "the dashboard does not show the account's email"
        check_page(analyst, "dashboard")

        token_name = unique("laptop-")
        field(analyst, "Token name").send_keys(token_name)
        field(analyst, "Expires after (days, empty = never)").send_keys("30")
        create = button(analyst, "Create token")
        create.click()
        wait_for(lambda: staleness_of(create)(analyst), message="the token form to be submitted")
        secret = wait_for(lambda: analyst.find_element(By.ID, "new-secret").text.strip(), message="the new secret")
        assert secret.startswith("da_pat_"), f"the secret reads {secret!r}"
        assert token_name in analyst.main_text(), "the new token is not listed"
        check_page(analyst, "dashboard-new-token")

        login = da(home, "auth", "login", "--token", secret, "--server", SERVER_URL)
        assert login.returncode == 0, f"da auth login exited {login.returncode}: {login.stdout}{login.stderr}"
        token_file = os.path.join(home, "da-config", "token.json")
        assert os.path.exists(token_file), f"da auth login wrote no {token_file}: {os.listdir(home)}"
        mode = os.stat(token_file).st_mode
        assert mode & 0o077 == 0, f"token.json is open to others: {oct(mode)}"
        whoami = da(home, "auth", "whoami", "--json")
        assert whoami.returncode == 0, f"da auth whoami exited {whoami.returncode}: {whoami.stdout}{whoami.stderr}"
        who = json.loads(whoami.stdout)
        assert who["email"] == email, f"da auth whoami names {who}"
        assert who["server"].rstrip("/") == SERVER_URL, f"da auth whoami asked {who['server']}"

        # Revoke it on the dashboard (its form asks first).
        analyst.open("/dashboard")
        rows = analyst.find_elements(By.XPATH, f"//tbody/tr[td[1][normalize-space()='{token_name}']]")
        assert len(rows) == 1, f"{len(rows)} rows for the token {token_name}"
        revoke = rows[0].find_element(By.XPATH, ".//button[normalize-space()='Revoke']")
        revoke.click()
        confirm = wait_for_alert(analyst)
        assert "Revoke this token?" in confirm.text, f"the confirm dialog asks {confirm.text!r}"
        confirm.accept()
        wait_for(lambda: staleness_of(revoke)(analyst), message="the revoke form to be submitted")
        notice = wait_for(lambda: analyst.find_element(By.CSS_SELECTOR, "p.notice"), message="a notice after revoking")
        assert "revoked" in notice.text, f"the notice reads {notice.text!r}"
        assert not analyst.find_elements(By.XPATH, f"//tbody/tr[td[1][normalize-space()='{token_name}']]"), \
            "the revoked token is still listed"
        check_page(analyst, "dashboard-revoked")

        whoami = da(home, "auth", "whoami", "--json")
        assert whoami.returncode != 0, f"da auth whoami still works with the revoked token: {whoami.stdout}"
        assert "401" in whoami.stderr or "nvalid" in whoami.stderr, f"da auth whoami says: {whoami.stderr!r}"


def journey_hostile_catalog_content_is_text():
    """A table description made of markup, template syntax and a javascript: URL is shown as text everywhere."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    name = unique("hostile_notes_")
    table_id = publish_table(admin_token, name, "id,note\n1,plain\n2,text\n", is_public=True,
                             description=HOSTILE_DESCRIPTION)

    with Browser("admin") as admin:
        admin.sign_in_with(admin_token)
        admin.open(f"/catalog?q={name}")
        wait_for(lambda: "Data catalog" in heading_texts(admin, "h1"), message="the catalog")
        assert_nothing_injected(admin, "/catalog")
        row = catalog_row(admin, name)
        assert HOSTILE_DESCRIPTION in row.text, f"the catalog row does not show the description as text: {row.text!r}"
        assert HOSTILE_DESCRIPTION in admin.main_text(), "the description is not in the catalog's main text"
        check_page(admin, "catalog-hostile")

        row.find_element(By.CSS_SELECTOR, "td:first-child a").click()
        wait_for(lambda: path_of(admin) == f"/catalog/tables/{table_id}", message="the hostile table's page")
        wait_for(lambda: name in heading_texts(admin, "h1"), message="the hostile table's heading")
        assert_nothing_injected(admin, f"/catalog/tables/{table_id}")
        assert HOSTILE_DESCRIPTION in admin.main_text(), "the description is not shown as text on the table page"
        check_page(admin, "table-hostile")


def journey_every_page_at_both_widths():
    """Every page there is, as the admin (and /login signed out), passes check_page and does not scroll sideways on a
    375 px phone: every page of the admin's navigation, a table, a metric, a memory item's edit page and a table's
    admin page."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    status, created = api("POST", "/api/memory", admin_token, {
        "title": "Refunds count against the month of the order",
        "content": "A refund issued in March for a February order lowers February's revenue, not March's.",
        "category": "business_logic", "tags": ["revenue", "refunds"]})
    assert status == 201, f"proposing a memory item answered {status}: {created}"
    item_id = created["id"]
    overflowing = []
    with Browser("anonymous") as anonymous:
        anonymous.open("/login")
        wait_for(lambda: anonymous.find_element(By.ID, "login-email"), message="the sign-in form")
        overflowing.append(phone_overflow(anonymous, "login"))
        check_page(anonymous, "page-login")

    with Browser("admin") as admin:
        admin.sign_in_with(admin_token)

        def visit(path, name, heading=None):
            admin.open(path)
            wait_for(lambda: path_of(admin) == urllib.parse.urlsplit(path).path, message=f"{path} to load")
            if heading:
                wait_for(lambda: heading in heading_texts(admin, "h1"), message=f"the heading {heading!r} on {path}")
            overflowing.append(phone_overflow(admin, name))
            check_page(admin, name)

        visit("/dashboard", "page-dashboard", "Dashboard")
        visit("/catalog", "page-catalog", "Data catalog")
        sample = admin.find_elements(By.XPATH, "//section[contains(@class,'bucket')][h2[normalize-space()='sample']]"
                                               "//tbody/tr/td[1]/a")
        assert sample, "the catalog lists no readable table of the sample bucket"
        table_path, table_name = urllib.parse.urlsplit(sample[0].get_attribute("href")).path, sample[0].text
        metrics = admin.find_elements(By.XPATH, "//section[h2[@id='metrics-heading']]//a")
        assert metrics, "the catalog lists no metric"
        metric_path, metric_title = urllib.parse.urlsplit(metrics[0].get_attribute("href")).path, metrics[0].text
        visit("/catalog?q=no-such-table-anywhere", "page-catalog-empty", "Data catalog")
        assert "No table matches" in admin.main_text(), "an empty search does not say so"
        visit(table_path, "page-table", table_name)
        assert "Profile" in heading_texts(admin, "h2"), f"the admin sees no profile on {table_path}"
        visit(metric_path, "page-metric", metric_title)

        navigation = [urllib.parse.urlsplit(link.get_attribute("href")).path
                      for link in admin.find_elements(By.CSS_SELECTOR, "header nav a")]
        assert navigation == ["/dashboard", "/catalog", "/memory", "/memory/review", "/admin/users", "/admin/tables",
                              "/admin/permissions", "/admin/scripts", "/activity"], \
            f"the admin's navigation: {navigation}"
        visit("/memory", "page-memory", "Corporate memory")
        visit("/memory/review", "page-memory-review", "Review corporate memory")
        edit_links = [urllib.parse.urlsplit(link.get_attribute("href")).path
                      for link in admin.find_elements(By.LINK_TEXT, "Edit")]
        assert f"/memory/items/{item_id}/edit" in edit_links, f"the review queue has no Edit link for {item_id}"
        visit(f"/memory/items/{item_id}/edit", "page-memory-edit",
              "Edit “Refunds count against the month of the order”")
        visit("/admin/users", "page-admin-users", "Users")
        visit("/admin/tables", "page-admin-tables", "Tables")
        registry = admin.find_elements(By.XPATH, "//table[caption[starts-with(normalize-space(), 'The registry')]]//tbody/tr/td[1]/a")
        assert registry, "the registry lists no table"
        visit(urllib.parse.urlsplit(registry[0].get_attribute("href")).path, "page-admin-table",
              f"Table {registry[0].text}")
        visit("/admin/permissions", "page-admin-permissions", "Permissions")
        visit("/admin/scripts", "page-admin-scripts", "Scripts")
        visit("/activity", "page-activity", "Activity")

    problems = [problem for problem in overflowing if problem]
    assert not problems, "pages wider than a phone:\n  " + "\n  ".join(problems)


def journey_keyboard_reaches_the_login_form():
    """On /login the first Tab focuses "Skip to content", further Tabs reach the email field, focus is outlined, and
    the skip link moves focus to the main content."""
    with Browser("anonymous") as anonymous:
        anonymous.open("/login")
        wait_for(lambda: anonymous.find_element(By.ID, "login-email"), message="the sign-in form")
        keys = ActionChains(anonymous)
        keys.send_keys(Keys.TAB).perform()
        focused = anonymous.switch_to.active_element
        assert focused.text == "Skip to content" and focused.get_attribute("class") == "skip", \
            f"the first Tab focuses {focused.get_attribute('outerHTML')[:160]}"
        assert focused.is_displayed() and focused.rect["x"] >= 0, "the focused skip link is off screen"
        what, style, width = focus_outline(anonymous)
        assert style != "none" and width != "0px", f"the focused {what} has no visible outline ({style} {width})"

        seen = [what]
        for _ in range(6):
            keys.send_keys(Keys.TAB).perform()
            what, style, width = focus_outline(anonymous)
            seen.append(what)
            assert style != "none" and width != "0px", f"the focused {what} has no visible outline ({style} {width})"
            if anonymous.switch_to.active_element.get_attribute("id") == "login-email":
                break
        else:
            raise AssertionError(f"Tab did not reach the email field; focus went {seen}")
        check_page(anonymous, "login-keyboard")

        anonymous.refresh()
        wait_for(lambda: anonymous.find_element(By.ID, "login-email"), message="the sign-in form again")
        keys.send_keys(Keys.TAB).send_keys(Keys.ENTER).perform()
        wait_for(lambda: anonymous.switch_to.active_element.get_attribute("id") == "main",
                 message="Enter on the skip link to focus <main>")
        keys.send_keys(Keys.TAB).perform()
        assert anonymous.switch_to.active_element.get_attribute("id") == "login-email", \
            "after skipping, Tab does not lead to the email field"


def journey_password_set_page_is_signed_in():
    """The page after setting a password says "you are signed in", so its header is the signed-in one: the user's name
    and "Sign out" (as on every page of a signed-in user)."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    with Browser("analyst") as analyst:
        email, _ = invite_analyst(admin_token, analyst, "Fresh Analyst")
        assert "signed in" in analyst.main_text(), "the page does not say the browser is signed in"
        header = analyst.find_element(By.CSS_SELECTOR, "header").text
        buttons = [element.text for element in analyst.find_elements(By.CSS_SELECTOR, "header button")]
        assert "Fresh Analyst" in header and "Sign out" in buttons, \
            f"the 'Password set' page says 'you are signed in' but its header is the signed-out one: {header!r}"
