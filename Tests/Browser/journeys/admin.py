"""Admin and reviewer journeys: an admin invites an analyst who sets a password through the emailed link, an analyst's
memory item is reviewed and voted on, an admin registers and syncs a table and finds it in the activity, hostile user
names and audit parameters stay text, and a form posted from another site changes nothing.

Independent of each other and of the other files: every journey makes its own users, items and tables with unique
names. The helpers shared with the catalog journeys come from catalog.py.
"""
import http.server
import json
import threading
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.select import Select

from harness import (ADMIN_EMAIL, ADMIN_PASSWORD, SERVER_URL, Browser, api, button, check_page, field, mail_count,
                     read_mail, sign_in_token, wait_for)
from journeys.catalog import (assert_no_alert, assert_nothing_injected, heading_texts, path_of, unique,
                              wait_for_alert)

HOSTILE_TEXT = '<script>alert(1)</script>"><img src=x onerror=alert(2)> {{frame.formToken}}'


# --- Helpers --------------------------------------------------------------------------------------------------------

def press(driver, element, confirm=None):
    """Clicks a submit button and waits for the page it leads to; with confirm, first accepts the confirm dialog,
    which must contain that text."""
    element.click()
    if confirm is not None:
        dialog = wait_for_alert(driver)
        assert confirm in dialog.text, f"the confirm dialog asks {dialog.text!r}, not {confirm!r}"
        dialog.accept()
    wait_for(lambda: staleness_of(element)(driver), message="the form to be submitted")


def notice_text(driver):
    """The text of the page's notice (`p.notice`), once there is one."""
    return wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "p.notice").text, message="a notice on the page")


def sign_in_through_form(driver, email, password):
    """Signs in on /login with the password form; waits until the browser left /login."""
    driver.open("/login")
    field(driver, "Email").send_keys(email)
    field(driver, "Password").send_keys(password)
    press(driver, button(driver, "Sign in"))
    wait_for(lambda: path_of(driver) != "/login", message=f"signing in as {email} to leave /login")


def create_user(admin_token, prefix, name, role="analyst"):
    """A user with a unique email and a password, made through the API; returns (email, password, id)."""
    email, password = unique(prefix) + "@example.com", unique("pw-") + "-long-enough"
    status, user = api("POST", "/api/users", admin_token, {"email": email, "name": name, "role": role,
                                                           "password": password})
    assert status == 201, f"creating {email} ({role}) answered {status}: {user}"
    return email, password, user["id"]


def user_row(driver, email):
    """The `<tr>` of a user in /admin/users (by the email under the name)."""
    rows = driver.find_elements(By.XPATH, f"//tbody/tr[td[1]//span[normalize-space()='{email}']]")
    assert len(rows) == 1, f"{len(rows)} rows for {email} on {driver.current_url}"
    return rows[0]


def memory_card(driver, title):
    """The `<article class="card item">` whose heading reads title (or None)."""
    for card in driver.find_elements(By.CSS_SELECTOR, "article.card.item"):
        if " ".join(card.find_element(By.TAG_NAME, "h3").text.split()) == " ".join(title.split()):
            return card
    return None


def path_of_url(url):
    """The path of a URL."""
    return urllib.parse.urlsplit(url).path


def table_rows(driver, heading):
    """The body rows of the table in the section headed heading (an `<h2>`)."""
    return driver.find_elements(By.XPATH, f"//section[h2[normalize-space()='{heading}']]//table/tbody/tr")


def response_status(driver, url, method):
    """The status of the last response to `method url` in the browser's performance log (which it drains)."""
    requests, status = {}, None
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent":
            requests[params["requestId"]] = (params["request"]["method"], params["request"]["url"])
        elif message["method"] == "Network.responseReceived" and requests.get(params["requestId"]) == (method, url):
            status = params["response"]["status"]
    return status


# --- Journeys -------------------------------------------------------------------------------------------------------

def journey_admin_invites_an_analyst_who_sets_a_password_through_the_emailed_link():
    """The admin signs in with the form and invites an analyst on /admin/users with the link emailed; the analyst
    opens the mailed link in another browser, sets a password and is signed in under their (markup-looking) name."""
    email = unique("invited-") + "@example.com"
    name = f'Invited <b>bold</b> "quoted" {unique("")}'
    with Browser("admin") as admin:
        sign_in_through_form(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
        check_page(admin, "admin-signed-in")
        admin.find_element(By.CSS_SELECTOR, "header nav").find_element(By.LINK_TEXT, "Users").click()
        wait_for(lambda: path_of(admin) == "/admin/users", message="the Users link to lead to /admin/users")
        wait_for(lambda: "Users" in heading_texts(admin, "h1"), message="the Users heading")
        check_page(admin, "admin-users")

        field(admin, "Email").send_keys(email)
        field(admin, "Name (optional)").send_keys(name)
        Select(field(admin, "Role")).select_by_value("analyst")
        assert field(admin, "Email the setup link").is_selected(), \
            "'Email the setup link' is not ticked although mail is configured"
        mails_before = mail_count()
        press(admin, button(admin, "Invite"))
        wait_for(lambda: f"Setup link for {email}" in heading_texts(admin, "h2"), message=f"'Setup link for {email}'")
        assert notice_text(admin) == f"Setup link emailed to {email}.", f"the notice reads {notice_text(admin)!r}"
        link = admin.find_element(By.ID, "setup-link").text.strip()
        assert link.startswith(SERVER_URL + "/"), f"the setup link reads {link!r}"
        row = user_row(admin, email)
        assert name in row.text, f"the new user's row does not show the name as text: {row.text!r}"
        assert not row.find_elements(By.CSS_SELECTOR, "b"), "the name's <b> became an element"
        assert Select(row.find_element(By.TAG_NAME, "select")).first_selected_option.text == "analyst", \
            "the new user's role is not analyst"
        assert_nothing_injected(admin, "/admin/users after inviting")
        check_page(admin, "admin-users-invited")

    mail = read_mail(mails_before + 1)
    assert mail.to == [email], f"the invitation went to {mail.to}, not {email}"
    assert mail.tls and mail.authenticated, f"the invitation was delivered as {mail}"
    assert link in mail.body, f"the mail does not contain the link the page showed ({link}):\n{mail.body}"

    password = unique("pw-") + "-long-enough"
    with Browser("invited") as invited:
        invited.get(link)
        wait_for(lambda: invited.find_element(By.ID, "password"), message="the set-password form")
        assert email in invited.main_text(), "the set-password page does not name the account"
        check_page(invited, "invited-setup-password")
        field(invited, "New password (at least 10 characters)").send_keys(password)
        field(invited, "Repeat it").send_keys(password)
        press(invited, button(invited, "Set password"))
        wait_for(lambda: "password is set" in invited.main_text(), message="the page saying the password is set")
        header = invited.find_element(By.CSS_SELECTOR, "header")
        assert name in header.text, f"the header does not show the name as text: {header.text!r}"
        assert not header.find_elements(By.CSS_SELECTOR, "b"), "the name's <b> became an element in the header"
        assert "Sign out" in [element.text for element in header.find_elements(By.TAG_NAME, "button")], \
            "the 'Password set' page has no 'Sign out'"
        check_page(invited, "invited-password-set")

        invited.find_element(By.LINK_TEXT, "Continue to the dashboard").click()
        wait_for(lambda: path_of(invited) == "/dashboard", message="the link to the dashboard")
        wait_for(lambda: "Dashboard" in heading_texts(invited, "h1"), message="the dashboard's heading")
        assert email in invited.main_text(), "the dashboard does not show the new analyst's email"
        assert name in invited.find_element(By.CSS_SELECTOR, "header").text, "the dashboard's header lacks the name"
        role = invited.find_element(By.CSS_SELECTOR, "header .role").text
        assert role == "analyst", f"the header shows the role {role!r}"
        check_page(invited, "invited-dashboard")


def journey_memory_item_proposed_by_an_analyst_is_approved_by_a_km_admin():
    """An analyst proposes an item made of markup and template syntax; an analyst may not open the review queue; a
    km_admin sees the item there as text and approves it (the governance audit lists it); the analyst finds it
    approved and marks it helpful."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    word = unique("zebrafish")
    title = f"{HOSTILE_TEXT} {word}"
    content = f"Always check {word} first. {HOSTILE_TEXT}"
    analyst_email, analyst_password, _ = create_user(admin_token, "proposer-", "Memory Analyst")
    reviewer_email, reviewer_password, _ = create_user(admin_token, "reviewer-", "Memory Reviewer", role="km_admin")
    duplicate = f"Check {word} before anything else"
    status, created = api("POST", "/api/memory", sign_in_token(analyst_email, analyst_password), {
        "title": duplicate, "content": f"The same as the other {word} item.", "category": "business_logic"})
    assert status == 201, f"proposing {duplicate!r} answered {status}: {created}"
    duplicate_id = created["id"]

    with Browser("analyst") as analyst, Browser("reviewer") as reviewer:
        analyst.sign_in_with(sign_in_token(analyst_email, analyst_password))
        analyst.open("/memory")
        wait_for(lambda: "Corporate memory" in heading_texts(analyst, "h1"), message="the memory page")
        assert "Review" not in [link.text for link in analyst.find_elements(By.CSS_SELECTOR, "header nav a")], \
            "an analyst's navigation offers Review"
        check_page(analyst, "memory")
        proposal = analyst.find_element(By.XPATH, "//section[h2[normalize-space()='Propose an item']]")
        field(proposal, "Title").send_keys(title)
        field(proposal, "Category").send_keys("business_logic")  # the search form has a "Category" too
        field(proposal, "What to know").send_keys(content)
        field(proposal, "Tags (comma-separated, optional)").send_keys(f"browser, {word}")
        press(analyst, button(analyst, "Propose"))
        assert notice_text(analyst) == "Thanks: your item is waiting for review.", \
            f"the notice reads {notice_text(analyst)!r}"
        assert_nothing_injected(analyst, "/memory after proposing")
        check_page(analyst, "memory-proposed")

        # The review queue is for km_admin and above.
        analyst.open("/memory/review")
        wait_for(lambda: "Not allowed" in heading_texts(analyst, "h1"), message="the 403 page for an analyst")
        text = analyst.main_text()
        assert "Requires role km_admin or higher" in text, f"the analyst's /memory/review reads {text!r}"
        assert "Error 403" in text, f"the refusal is not a 403: {text!r}"
        assert word not in analyst.page_source and "Governance audit" not in text, \
            "the refused review page shows review content"
        check_page(analyst, "memory-review-refused", status=403)

        reviewer.sign_in_with(sign_in_token(reviewer_email, reviewer_password))
        reviewer.open("/memory")
        reviewer.find_element(By.CSS_SELECTOR, "header nav").find_element(By.LINK_TEXT, "Review").click()
        wait_for(lambda: path_of(reviewer) == "/memory/review", message="the Review link to lead to /memory/review")
        wait_for(lambda: "Review corporate memory" in heading_texts(reviewer, "h1"), message="the review queue")
        assert_nothing_injected(reviewer, "/memory/review")
        card = wait_for(lambda: memory_card(reviewer, title), message="the proposed item in the review queue")
        assert content in card.find_element(By.CSS_SELECTOR, "pre.content").text, \
            f"the item's content is not shown as text: {card.text!r}"
        assert "pending" in [badge.text for badge in card.find_elements(By.CSS_SELECTOR, ".badge")], \
            "the item is not pending"
        assert analyst_email in card.text, "the card does not name the proposer"
        tick = card.find_element(By.CSS_SELECTOR, "input[type=checkbox][name=ids]")
        item_id = tick.get_attribute("value")
        assert " ".join(tick.find_element(By.XPATH, "..").text.split()) == f"Tick “{' '.join(title.split())}”", \
            "the checkbox's label does not name the item"
        edit = card.find_element(By.LINK_TEXT, "Edit")
        assert path_of_url(edit.get_attribute("href")) == f"/memory/items/{item_id}/edit", \
            f"the Edit link goes to {edit.get_attribute('href')}"
        check_page(reviewer, "memory-review")

        press(reviewer, card.find_element(By.XPATH, ".//button[normalize-space()='Approve']"))
        assert notice_text(reviewer) == "Done.", f"the notice after approving reads {notice_text(reviewer)!r}"
        assert memory_card(reviewer, title) is None, "the approved item is still in the pending queue"
        audit = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
                 for row in table_rows(reviewer, "Governance audit")]
        approvals = [row for row in audit if row[2] == "approve" and row[3] == item_id]
        assert len(approvals) == 1, f"the governance audit has no approve entry for {item_id}: {audit}"
        assert approvals[0][1] == reviewer_email, f"the approve entry names {approvals[0][1]!r}"
        assert_nothing_injected(reviewer, "/memory/review after approving")
        check_page(reviewer, "memory-review-approved")

        # Rejecting needs a reason and a confirmation.
        card = wait_for(lambda: memory_card(reviewer, duplicate), message="the duplicate in the review queue")
        field(card, "Reason").send_keys("A duplicate")
        press(reviewer, card.find_element(By.XPATH, ".//button[normalize-space()='Reject']"),
              confirm="Reject this item?")
        assert notice_text(reviewer) == "Done.", f"the notice after rejecting reads {notice_text(reviewer)!r}"
        assert memory_card(reviewer, duplicate) is None, "the rejected item is still in the pending queue"
        audit = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
                 for row in table_rows(reviewer, "Governance audit")]
        rejections = [row for row in audit if row[2] == "reject" and row[3] == duplicate_id]
        assert len(rejections) == 1, f"the governance audit has no reject entry for {duplicate_id}: {audit}"
        assert "A duplicate" in rejections[0][4], f"the reject entry's details read {rejections[0][4]!r}"

        # The analyst finds it approved and marks it helpful.
        analyst.open(f"/memory?q={word}")
        card = wait_for(lambda: memory_card(analyst, title), message=f"the item in the search for {word}")
        assert_nothing_injected(analyst, f"/memory?q={word}")
        assert "approved" in [badge.text for badge in card.find_elements(By.CSS_SELECTOR, ".badge")], \
            f"the item is not shown approved: {card.text!r}"
        helpful = card.find_element(By.XPATH, ".//button[starts-with(normalize-space(),'Helpful')]")
        assert helpful.text == "Helpful (0)" and helpful.get_attribute("aria-pressed") == "false", \
            f"before voting the button reads {helpful.text!r} (aria-pressed {helpful.get_attribute('aria-pressed')})"
        check_page(analyst, "memory-search")
        press(analyst, helpful)
        assert notice_text(analyst) == "Your vote is counted.", f"the notice after voting: {notice_text(analyst)!r}"
        analyst.open(f"/memory?q={word}")
        card = wait_for(lambda: memory_card(analyst, title), message="the item after voting")
        helpful = card.find_element(By.XPATH, ".//button[starts-with(normalize-space(),'Helpful')]")
        assert helpful.text == "Helpful (1)", f"after voting the button reads {helpful.text!r}"
        assert helpful.get_attribute("aria-pressed") == "true", "the Helpful button is not pressed after voting"
        unhelpful = card.find_element(By.XPATH, ".//button[starts-with(normalize-space(),'Not helpful')]")
        assert unhelpful.text == "Not helpful (0)" and unhelpful.get_attribute("aria-pressed") == "false", \
            f"'Not helpful' reads {unhelpful.text!r} (aria-pressed {unhelpful.get_attribute('aria-pressed')})"
        check_page(analyst, "memory-voted")


def journey_admin_triggers_a_sync_and_sees_it_in_the_history():
    """The admin registers a files table with the form, syncs it from its page, sees the sync in the table's history
    and in /activity, and finds the registration in the audit log."""
    name = unique("browser_sync_")
    with Browser("admin") as admin:
        admin.sign_in_with(sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD))
        admin.open("/admin/tables")
        wait_for(lambda: "Tables" in heading_texts(admin, "h1"), message="the Tables page")
        check_page(admin, "admin-tables")

        # Discovery asks the source (Keboola by default), which this server has no settings for.
        discover = admin.find_element(By.XPATH, "//section[h2[normalize-space()='Discover tables at a source']]")
        assert field(discover, "Source").get_attribute("value") == "keboola", "discovery does not default to keboola"
        press(admin, button(discover, "Discover"))
        problem = wait_for(lambda: admin.find_element(By.CSS_SELECTOR, "p.problem"), message="discovery's problem")
        assert problem.text.startswith("Keboola is not configured"), f"discovering keboola says {problem.text!r}"
        check_page(admin, "admin-tables-discover-unconfigured")

        field(admin, "Name").send_keys(name)
        field(admin, "Source type").send_keys("files")
        field(admin, "Description").send_keys("Registered by the browser test")
        press(admin, button(admin, "Register"))
        wait_for(lambda: path_of(admin).startswith("/admin/tables/"), message="registering to lead to the table's page")
        table_path = path_of(admin)
        table_id = urllib.parse.unquote(table_path.removeprefix("/admin/tables/"))
        assert notice_text(admin) == "The table is registered. Sync it to publish it.", \
            f"the notice reads {notice_text(admin)!r}"
        assert f"Table {name}" in heading_texts(admin, "h1"), f"the headings: {heading_texts(admin, 'h1')}"
        assert field(admin, "Name").get_attribute("value") == name, "the settings form does not hold the name"
        assert field(admin, "Source type").get_attribute("value") == "files", "the source type is not files"
        assert "Not synced yet." in admin.main_text(), "a new table's page does not say it was not synced yet"
        check_page(admin, "admin-table-new")

        press(admin, button(admin, "Sync now"))
        assert notice_text(admin) == "A sync started; its outcome appears in the history.", \
            f"the notice after Sync now reads {notice_text(admin)!r}"
        assert path_of(admin) == table_path, f"Sync now led to {admin.current_url}"

        def history_badge():
            rows = table_rows(admin, "Sync history")
            badges = rows[0].find_elements(By.CSS_SELECTOR, "span.badge") if rows else []
            if badges and badges[0].text:
                return badges[0].text
            admin.open(table_path)
            return None
        status = wait_for(history_badge, timeout=30, message=f"a row in the sync history of {table_id}")
        rows = table_rows(admin, "Sync history")
        assert len(rows) == 1, f"one sync made {len(rows)} history rows"
        assert status in ("ok", "error", "skipped"), f"the sync's status reads {status!r}"
        check_page(admin, "admin-table-synced")

        admin.find_element(By.CSS_SELECTOR, "header nav").find_element(By.LINK_TEXT, "Activity").click()
        wait_for(lambda: path_of(admin) == "/activity", message="the Activity link")
        syncs = [row for row in table_rows(admin, "Sync history")
                 if row.find_elements(By.XPATH, f"td[2]/a[normalize-space()='{table_id}']")]
        assert len(syncs) == 1, f"/activity lists {len(syncs)} syncs of {table_id}"
        link = syncs[0].find_element(By.XPATH, "td[2]/a")
        assert path_of_url(link.get_attribute("href")) == table_path, f"the sync links {link.get_attribute('href')}"
        assert syncs[0].find_element(By.CSS_SELECTOR, "span.badge").text == status, \
            f"/activity shows another status than the table's page: {syncs[0].text!r}"
        check_page(admin, "activity")

        field(admin, "Action contains").send_keys("POST")
        press(admin, button(admin, "Filter"))
        wait_for(lambda: "action=POST" in admin.current_url, message="the filter in the URL")
        entries = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
                   for row in table_rows(admin, "Audit log")]
        assert entries and all("POST" in entry[2] for entry in entries), f"the filtered audit log: {entries}"
        registrations = [entry for entry in entries if entry[2] == "POST /admin/tables"]
        assert registrations, f"the audit log lists no 'POST /admin/tables': {[entry[2] for entry in entries]}"
        assert registrations[0][1] == ADMIN_EMAIL, f"the registration is recorded for {registrations[0][1]!r}"
        assert registrations[0][4] == "303", f"the registration is recorded with status {registrations[0][4]!r}"
        sync_posts = [entry for entry in entries if entry[2] == "POST /admin/tables/{id}/sync"]
        assert any(entry[3] == table_id for entry in sync_posts), \
            f"the audit log lists no 'POST /admin/tables/{{id}}/sync' of {table_id}: {entries}"
        check_page(admin, "activity-filtered")

        # The registry lists the table with its last sync; a table without a bucket shows just its source.
        admin.find_element(By.CSS_SELECTOR, "header nav").find_element(By.LINK_TEXT, "Tables").click()
        wait_for(lambda: path_of(admin) == "/admin/tables", message="the Tables link")
        rows = admin.find_elements(By.XPATH, f"//table[caption[starts-with(normalize-space(), 'The registry')]]/tbody/tr"
                                             f"[td[1]/a[normalize-space()='{name}']]")
        assert len(rows) == 1, f"the registry lists {len(rows)} rows for {name}"
        cells = [cell.text for cell in rows[0].find_elements(By.TAG_NAME, "td")]
        assert rows[0].find_element(By.CSS_SELECTOR, "td:last-child span.badge").text == status, \
            f"the registry's last sync of {name} reads {cells[-1]!r}"
        assert cells[1] == "files", f"the Source of {name} (no bucket) reads {cells[1]!r}, not 'files'"


def journey_hostile_user_and_audit_entries_are_text():
    """A user named with markup and an API call with markup in its query and body: /admin/users and /activity show
    them as text."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    marker = unique("hostile")
    hostile_name = f"{HOSTILE_TEXT} {marker}"
    email, _, _ = create_user(admin_token, "hostile-", hostile_name)
    query = urllib.parse.urlencode({"q": hostile_name}, quote_via=urllib.parse.quote)  # spaces as %20
    status, _ = api("GET", f"/api/catalog/tables?{query}", admin_token)
    assert status == 200, f"the catalog search answered {status}"
    status, created = api("POST", "/api/memory", admin_token,
                          {"title": hostile_name, "content": HOSTILE_TEXT, "category": "browser_test"})
    assert status == 201, f"proposing the hostile item answered {status}: {created}"

    with Browser("admin") as admin:
        admin.sign_in_with(admin_token)
        admin.open("/admin/users")
        wait_for(lambda: "Users" in heading_texts(admin, "h1"), message="the Users page")
        assert_nothing_injected(admin, "/admin/users")
        row = user_row(admin, email)
        assert hostile_name in row.text, f"the hostile name is not shown as text: {row.text!r}"
        check_page(admin, "admin-users-hostile")

        admin.open("/activity?" + urllib.parse.urlencode({"action": "/api/catalog/tables"}))
        wait_for(lambda: "Activity" in heading_texts(admin, "h1"), message="the Activity page")
        assert_nothing_injected(admin, "/activity (catalog calls)")
        details = [cell.text for cell in admin.find_elements(By.XPATH, "//section[h2[normalize-space()='Audit log']]"
                                                                      "//tbody/tr/td[6]")]
        mine = [text for text in details if marker in text]
        assert len(mine) == 1, f"{len(mine)} audit entries with {marker}: {details}"
        for piece in ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "{{frame.formToken}}"):
            assert piece in mine[0], f"the audit parameters do not show {piece!r} as text: {mine[0]!r}"
        check_page(admin, "activity-hostile-query")

        admin.open("/activity?action=POST%20/api/memory")
        wait_for(lambda: "Activity" in heading_texts(admin, "h1"), message="the Activity page")
        assert_nothing_injected(admin, "/activity (memory proposals)")
        details = [cell.text for cell in admin.find_elements(By.XPATH, "//section[h2[normalize-space()='Audit log']]"
                                                                      "//tbody/tr/td[6]")]
        mine = [text for text in details if marker in text]
        assert len(mine) == 1, f"{len(mine)} audit entries with {marker}: {details}"
        assert "<img src=x onerror=alert(2)>" in mine[0], f"the body's markup is not shown as text: {mine[0]!r}"
        # The user filter names everyone by email; the hostile user is one of them.
        options = [option.text for option in Select(field(admin, "User")).options]
        assert email in options, f"the User filter does not offer {email}: {options}"
        check_page(admin, "activity-hostile-body")


# Pages of "another site": each posts a form to the server as soon as it loads.
_ATTACK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Win a prize</title></head>
<body><h1>Win a prize</h1>
<form id="attack" method="post" action="{action}">{fields}</form>
<script>document.getElementById("attack").submit();</script>
</body></html>
"""


def _attack_page(action, fields):
    hidden = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
    return _ATTACK_PAGE.format(action=action, fields=hidden).encode()


def journey_a_form_from_another_site_changes_nothing():
    """Pages on another origin (another port) that post forms to the server in the signed-in admin's browser: the
    server refuses them (403, "nothing was changed"); no token is made and no user invited."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    token_name = unique("evil-")
    victim = unique("csrf-victim-") + "@example.com"
    pages = {
        "/token.html": _attack_page(f"{SERVER_URL}/dashboard/tokens", {"name": token_name}),
        "/invite.html": _attack_page(f"{SERVER_URL}/admin/users",
                                     {"email": victim, "name": "Evil", "role": "admin", "send_email": "on"}),
    }

    class AttackSite(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *arguments):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AttackSite)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    attacker = f"http://127.0.0.1:{site.server_address[1]}"
    try:
        with Browser("admin") as admin:
            admin.sign_in_with(admin_token)
            for page, target in (("/token.html", "/dashboard/tokens"), ("/invite.html", "/admin/users")):
                admin.get(attacker + page)
                wait_for(lambda: admin.current_url == SERVER_URL + target,
                         message=f"the attack page {page} to post to {target}")
                wait_for(lambda: admin.execute_script("return document.readyState") == "complete",
                         message="the answer to load")
                assert_no_alert(admin, f"the answer to {page}")
                text = admin.main_text()
                assert "Not allowed" in heading_texts(admin, "h1"), \
                    f"the answer to {page} is not the 403 page: {text!r}"
                assert "nothing was changed" in text and "another site" in text, \
                    f"the answer to {page} reads {text!r}"
                status = response_status(admin, SERVER_URL + target, "POST")  # drops the attack page's requests
                assert status == 403, f"the server answered the post from {page} with {status}"
                check_page(admin, "csrf-refused-" + page.strip("/").removesuffix(".html"), status=403)
    finally:
        site.shutdown()
        site.server_close()

    status, tokens = api("GET", "/api/tokens", admin_token)
    assert status == 200, f"listing the admin's tokens answered {status}: {tokens}"
    assert token_name not in [token["name"] for token in tokens], f"the cross-site form made the token {token_name}"
    status, users = api("GET", "/api/users", admin_token)
    assert status == 200, f"listing the users answered {status}: {users}"
    assert victim not in [user["email"] for user in users], f"the cross-site form invited {victim}"


def journey_search_forms_search_what_was_typed():
    """Words typed with a space into a search or filter form (the browser sends the space as `+`) are searched as
    typed, and the field shows them as typed: the catalog's search, the memory search, the audit log's "Action
    contains"."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    word = unique("walrus")
    title = f"Walrus rule {word}"
    status, created = api("POST", "/api/memory", admin_token,
                          {"title": title, "content": f"Count {word} twice.", "category": "browser_test"})
    assert status == 201, f"proposing {title} answered {status}: {created}"
    status, approved = api("POST", f"/api/memory/admin/approve?item_id={created['id']}", admin_token, {})
    assert status == 200, f"approving {title} answered {status}: {approved}"

    problems = []
    with Browser("admin") as admin:
        admin.sign_in_with(admin_token)

        def search(path, label, text, submit, found, name):
            admin.open(path)
            form = field(admin, label).find_element(By.XPATH, "ancestor::form")
            field(form, label).send_keys(text)
            press(admin, button(form, submit))
            shown = field(admin, label).get_attribute("value")
            if shown != text:
                problems.append(f"{path}: after searching {text!r} the field {label!r} reads {shown!r} "
                                f"({admin.current_url})")
            if not found():
                problems.append(f"{path}: searching {text!r} found nothing ({admin.current_url}): "
                                f"{admin.main_text()[:300]!r}")
            assert_nothing_injected(admin, admin.current_url)
            check_page(admin, name)

        search("/catalog", "Search", "order items", "Filter",
               lambda: admin.find_elements(By.XPATH, "//section[contains(@class,'bucket')]//tbody/tr"
                                                     "[normalize-space(td[1])='order_items']"), "search-catalog")
        search("/memory", "Search", f"{word} twice", "Search", lambda: memory_card(admin, title), "search-memory")
        search("/activity", "Action contains", "POST /api", "Filter",
               lambda: [row for row in table_rows(admin, "Audit log")
                        if row.find_element(By.XPATH, "td[3]").text.startswith("POST /api/")], "search-activity")
    assert not problems, "searches with a space:\n  " + "\n  ".join(problems)
