"""Smoke journeys over the pages every server has: `/`, `/login` and the setup-password link an admin sends."""
import urllib.parse

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of

from harness import (ADMIN_EMAIL, ADMIN_PASSWORD, Browser, api, button, check_page, field, mail_count, read_mail,
                     sign_in_token, wait_for)

HOSTILE_NAME = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def journey_admin_home_and_login():
    """A signed-in admin's `/` names them; a signed-out browser gets the sign-in page."""
    with Browser("admin") as admin, Browser("anonymous") as anonymous:
        admin.sign_in_with(sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD))
        admin.open("/")
        wait_for(lambda: ADMIN_EMAIL in admin.main_text(), message=f"{ADMIN_EMAIL} on the admin's /")
        check_page(admin, "home-admin")

        anonymous.open("/")
        wait_for(lambda: urllib.parse.urlsplit(anonymous.current_url).path == "/login",
                 message="a signed-out / to lead to /login")
        check_page(anonymous, "login")


def journey_hostile_name_is_shown_as_text():
    """A user named with markup signs in through an emailed setup link and sees the name as text; nothing runs."""
    admin_token = sign_in_token(ADMIN_EMAIL, ADMIN_PASSWORD)
    status, user = api("POST", "/api/users", admin_token,
                       {"email": "hostile@example.com", "name": HOSTILE_NAME, "role": "analyst"})
    assert status == 201, f"creating the user answered {status}: {user}"
    mails_before = mail_count()
    status, link = api("POST", f"/api/users/{user['id']}/setup-link", admin_token, {})
    assert status == 201, f"the setup link answered {status}: {link}"
    assert link["emailed"], f"the setup link was not emailed: {link['email_error']}"
    mail = read_mail(mails_before + 1)
    assert mail.to == ["hostile@example.com"] and mail.tls and mail.authenticated, f"mail delivered as {mail}"
    assert link["link"] in mail.body, f"the mail does not contain {link['link']}:\n{mail.body}"

    password = "hostile-user-password-1"
    with Browser("analyst") as analyst:
        analyst.get(link["link"])
        check_page(analyst, "setup-password")
        field(analyst, "New password (at least 10 characters)").send_keys(password)
        field(analyst, "Repeat it").send_keys(password)
        submit = button(analyst, "Set password")
        submit.click()
        wait_for(lambda: staleness_of(submit)(analyst), message="the setup form to be submitted")
        wait_for(lambda: "password is set" in analyst.main_text(), message="the page saying the password is set")
        check_page(analyst, "password-set")

        analyst.open("/")
        try:
            alert = analyst.switch_to.alert
            raise AssertionError(f"an alert opened on /: {alert.text!r}")
        except NoAlertPresentException:
            pass
        wait_for(lambda: HOSTILE_NAME in analyst.main_text(), message="the hostile name, as text, on /")
        injected = analyst.find_elements(By.CSS_SELECTOR, "[onerror], img[src='x'], script:not([src])")
        assert not injected, f"markup from the name is in the page: {[e.get_attribute('outerHTML') for e in injected]}"
        check_page(analyst, "home-hostile-name")
