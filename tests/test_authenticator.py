"""Personal two-factor authentication with an authenticator app and recovery codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest
import segno
from flask import Flask
from sqlalchemy import select, text

from tests.conftest import (
    CONFIRM,
    PASSWORD,
    AppClock,
    BrowserClient,
    People,
    SmtpSink,
    at_once,
    audit_trail,
    code_at,
    confirm_password,
    found,
    mail_queued,
    new_client,
    session_copy,
    start_enrollment,
    wrong_code,
)
from timetracker import clock
from timetracker.extensions import db
from timetracker.models import Authenticator, Group, RecoveryCode

ENABLED_SUBJECT = "Two-factor authentication was enabled on your Time Tracker login"
DISABLED_SUBJECT = "Two-factor authentication was disabled on your Time Tracker login"


ENROLLMENT_PAGES = (
    "/profile/security/enable",
    "/profile/security/recovery-codes.txt",
    "/profile/security/recovery-codes/print",
)


def enroll(client: BrowserClient, login: str = "user") -> tuple[str, list[str]]:
    """Log in as ``login`` and enable an authenticator; return its secret and recovery codes."""
    client.login(login)
    secret, codes, _ = start_enrollment(client)
    response = client.submit("/profile/security/enable", {"code": code_at(secret)})
    assert response.location == "/profile/security", response.text
    client.submit("/logout")
    return secret, codes


def has_authenticator(app: Flask, people: People, login: str = "user") -> bool:
    with app.app_context():
        return people.user(login).has_authenticator


# --- enabling ----------------------------------------------------------------------------------------


def test_security_tab_offers_to_enable(client: BrowserClient, people: People) -> None:
    client.login("user")
    page = client.get("/profile/security").text
    assert "Off: your password alone" in page
    assert (
        '<a class="button primary" href="/profile/security/enable">Enable Two Factor Authentication</a>'
        in page
    )


def test_enable_page_shows_codes_then_qr_and_secret_then_the_code_field(
    client: BrowserClient, people: People
) -> None:
    client.login("user")
    secret, codes, page = start_enrollment(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert len(secret) == 32
    order = [page.index(marker) for marker in ('<ol class="codes">', "<svg", 'id="secret"', 'for="code"')]
    assert order == sorted(order)
    assert '<label for="code">Authentication code</label>' in page
    assert ">Download</a>" in page and ">Print</a>" in page and "away from your phone" in page
    assert "https://" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    grouped = found(r'<code id="secret">([A-Z2-7 ]+)</code>', page, 1)
    assert all(len(group) == 4 for group in grouped.split(" "))


def test_enable_page_keeps_the_same_secret_and_codes(client: BrowserClient, people: People) -> None:
    client.login("user")
    first = start_enrollment(client)[:2]
    assert start_enrollment(client)[:2] == first


def test_enable_page_opened_twice_at_once_shows_one_enrollment(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("user")
    confirm_password(client)
    tabs = [client, session_copy(app, client)]
    pages = at_once(2, lambda index: tabs[index].get("/profile/security/enable"))
    assert [page.status_code for page in pages] == [200, 200]
    secrets = {found(r'<code id="secret">([A-Z2-7 ]+)</code>', page.text, 1) for page in pages}
    assert len(secrets) == 1
    assert start_enrollment(client)[2].count(secrets.pop()) == 1  # the one kept


def test_qr_code_holds_the_otpauth_uri(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    secret, _, page = start_enrollment(client)
    expected = f"otpauth://totp/Time%20Tracker:user?secret={secret}&issuer=Time%20Tracker"
    shown = found(r"<svg.*?</svg>", page, flags=re.S)
    assert "QR code for your authenticator app" in shown
    assert shown == segno.make(expected, error="m").svg_inline(
        scale=5, title="QR code for your authenticator app"
    )
    code = pyotp.parse_uri(expected).at(clock.now())
    assert client.submit("/profile/security/enable", {"code": code}).location == "/profile/security"


def test_enable_with_the_current_code(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    client.login("user")
    secret, _, _ = start_enrollment(client)
    response = client.submit("/profile/security/enable", {"code": code_at(secret)})
    assert response.location == "/profile/security"
    page = client.get("/profile/security").text
    assert "Two-factor authentication is on" in page and "<strong>10</strong> unused recovery codes" in page
    assert has_authenticator(app, people)
    assert smtp.wait_for(1)[0]["Subject"] == ENABLED_SUBJECT
    assert audit_trail(app)[-1] == ("2FA authenticator enabled", "user", None)


def test_enable_with_a_wrong_code_keeps_the_page(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    secret, codes, _ = start_enrollment(client)
    wrong = wrong_code(code_at(secret))
    response = client.submit("/profile/security/enable", {"code": wrong})
    assert response.status_code == 200 and "Invalid authentication code." in response.text
    assert secret in response.text.replace(" ", "")
    assert all(code in response.text for code in codes)
    assert not has_authenticator(app, people)


def test_secrets_are_shown_only_after_the_password_is_given_again(
    app: Flask, client: BrowserClient, people: People, moving_clock: AppClock
) -> None:
    client.login("user")
    for url in ENROLLMENT_PAGES:
        assert client.get(url).location == f"{CONFIRM}?next={url}"
    page = client.get(f"{CONFIRM}?next=/profile/security/enable").text
    assert "<h1>Confirm your password</h1>" in page and '<label for="password">Password</label>' in page
    refused = client.submit(f"{CONFIRM}?next=/profile/security/enable", {"password": "guess"})
    assert refused.status_code == 200 and "The password is not correct." in refused.text
    assert audit_trail(app)[-1] == ("password confirmation failed", "user", None)
    with app.app_context():
        assert people.user("user").authenticator is None  # nothing was made, so nothing to see
    confirm_password(client)
    assert client.get("/profile/security/enable").status_code == 200
    assert client.get("/profile/security/recovery-codes.txt").status_code == 200
    moving_clock.move(minutes=11)
    assert client.get("/profile/security/enable").location.startswith(CONFIRM)


def test_a_copied_session_cookie_does_not_open_the_secrets(app: Flask, people: People) -> None:
    """Whoever copied the cookie before the owner gave the password sees no secret and no code."""
    owner = new_client(app)
    owner.login("user")
    thief = session_copy(app, owner)
    assert thief.get("/").status_code == 200  # the copy works as a login ...
    secret, codes, _ = start_enrollment(owner)
    for url in ENROLLMENT_PAGES:  # ... but not for the owner's new secret and codes
        response = thief.get(url)
        assert response.status_code == 302 and secret not in response.text and codes[0] not in response.text


def test_the_confirm_page_only_sends_on_to_this_site(client: BrowserClient, people: People) -> None:
    client.login("user")
    response = client.submit(f"{CONFIRM}?next=//evil.example/", {"password": PASSWORD})
    assert response.location == "/profile/security"


def test_enable_with_an_expired_code(
    app: Flask, client: BrowserClient, people: People, step_clock: AppClock
) -> None:
    client.login("user")
    secret, _, _ = start_enrollment(client)
    old = code_at(secret, -2)
    if old in (code_at(secret, -1), code_at(secret), code_at(secret, 1)):
        pytest.skip("the old code happens to equal a current one")
    assert "Invalid authentication code." in client.submit("/profile/security/enable", {"code": old}).text
    assert not has_authenticator(app, people)


def test_the_code_that_enabled_cannot_log_in(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("user")
    secret, _, _ = start_enrollment(client)
    code = code_at(secret)
    client.submit("/profile/security/enable", {"code": code})
    client.submit("/logout")
    client.login("user")
    response = client.submit("/2fa", {"code": code})
    assert "Invalid authentication code." in response.text


def test_no_recovery_code_works_before_confirmation(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    client.login("user")
    _, codes, _ = start_enrollment(client)
    client.submit("/logout")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(RecoveryCode.id))) == 0
    people.require_group_2fa()
    assert client.login("user").location == "/2fa"  # still the emailed code: the app is not confirmed
    assert client.get("/2fa/recovery").location == "/2fa"
    assert client.submit("/2fa/recovery", {"code": codes[0]}).location == "/2fa"
    assert client.get("/").status_code == 302


# --- logging in ------------------------------------------------------------------------------------


@pytest.mark.parametrize("group_requires", [False, True])
def test_login_with_the_app_sends_no_email(
    app: Flask,
    client: BrowserClient,
    people: People,
    smtp: SmtpSink,
    step_clock: AppClock,
    group_requires: bool,
) -> None:
    secret, _ = enroll(client)
    smtp.wait_for(1)
    with app.app_context():
        db.session.get(Group, people.group_id).two_factor_required = group_requires
        db.session.commit()
    step_clock.move(seconds=30)
    assert client.login("user").location == "/2fa"
    page = client.get("/2fa").text
    assert '<label for="code">Authentication code</label>' in page
    assert 'id="password"' not in page
    assert '<a href="/2fa/recovery">Need help?</a>' in page
    assert client.submit("/2fa", {"code": code_at(secret)}).location == "/"
    assert len(smtp.messages) == 1  # only the "enabled" email from before
    assert audit_trail(app)[-1][0] == "login"


def test_the_same_code_works_once(client: BrowserClient, people: People, step_clock: AppClock) -> None:
    secret, _ = enroll(client)
    step_clock.move(seconds=30)
    client.login("user")
    code = code_at(secret)
    assert client.submit("/2fa", {"code": code}).location == "/"
    client.submit("/logout")
    client.login("user")
    assert "Invalid authentication code." in client.submit("/2fa", {"code": code}).text


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_clock_drift_of_one_step(
    client: BrowserClient, people: People, step_clock: AppClock, steps: int, accepted: bool
) -> None:
    secret, _ = enroll(client)
    step_clock.move(minutes=5)
    client.login("user")
    code = code_at(secret, steps)
    if not accepted and code in (code_at(secret, -1), code_at(secret), code_at(secret, 1)):
        pytest.skip("this far code happens to equal a near one")
    response = client.submit("/2fa", {"code": code})
    assert (response.location == "/") is accepted


def test_an_older_code_after_a_newer_one_is_refused(
    client: BrowserClient, people: People, step_clock: AppClock
) -> None:
    secret, _ = enroll(client)
    step_clock.move(minutes=5)
    client.login("user")
    assert client.submit("/2fa", {"code": code_at(secret, 1)}).location == "/"
    client.submit("/logout")
    client.login("user")
    previous = code_at(secret)
    if previous != code_at(secret, 1):
        assert "Invalid authentication code." in client.submit("/2fa", {"code": previous}).text


def test_five_wrong_app_codes_end_the_pending_login(
    app: Flask, client: BrowserClient, people: People, step_clock: AppClock
) -> None:
    secret, _ = enroll(client)
    step_clock.move(seconds=30)
    client.login("user")
    right = code_at(secret)
    wrong = wrong_code(right)
    for _ in range(4):
        assert "Invalid authentication code." in client.submit("/2fa", {"code": wrong}).text
    assert client.submit("/2fa", {"code": wrong}).location == "/login"
    assert client.submit("/2fa", {"code": right}).location == "/login"


# --- recovery codes ---------------------------------------------------------------------------------


def test_every_recovery_code_works_once(make_app: Any, people: People, smtp: SmtpSink) -> None:
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS="20 per 15 minutes")  # twelve logins in a row
    client = new_client(app)
    _, codes = enroll(client)
    for number, code in enumerate(codes, start=1):
        client.login("user")
        assert client.get("/2fa/recovery").status_code == 200
        assert client.submit("/2fa/recovery", {"code": code.upper().replace("-", " ")}).location == "/"
        client.submit("/logout")
        used_mail = smtp.wait_for(1 + number)[-1]
        assert used_mail["Subject"] == "A recovery code was used to log in to your Time Tracker login"
        assert f"You have {10 - number} unused recovery code" in used_mail.get_body(("plain",)).get_content()
    client.login("user")
    response = client.submit("/2fa/recovery", {"code": codes[0]})
    assert "Invalid recovery code." in response.text
    assert ("recovery code used", "user", None) in audit_trail(app)


def test_recovery_page_labels(client: BrowserClient, people: People) -> None:
    enroll(client)
    client.login("user")
    page = client.get("/2fa/recovery").text
    assert '<label for="code">Recovery code</label>' in page and 'value="Log in"' in page


def test_new_recovery_codes_void_the_old_ones(app: Flask, client: BrowserClient, people: People) -> None:
    secret, old_codes = enroll(client)
    log_in_with_app(client, secret)
    wrong = client.submit("/profile/security/recovery-codes", {"codes-password": "wrong"})
    assert "The password is not correct." in wrong.text
    response = client.submit("/profile/security/recovery-codes", {"codes-password": PASSWORD})
    assert response.location == "/profile/security/recovery-codes"
    page = client.get("/profile/security/recovery-codes").text
    new_codes = re.findall(r"<li><code>([a-z0-9-]{14})</code></li>", page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    client.submit("/logout")
    client.login("user")
    assert "Invalid recovery code." in client.submit("/2fa/recovery", {"code": old_codes[1]}).text
    assert client.submit("/2fa/recovery", {"code": new_codes[0]}).location == "/"
    assert ("recovery codes regenerated", "user", None) in audit_trail(app)


def test_download_and_print_while_the_codes_are_shown(
    client: BrowserClient, people: People, step_clock: AppClock
) -> None:
    client.login("user")
    _, codes, _ = start_enrollment(client)
    download = client.get("/profile/security/recovery-codes.txt")
    assert download.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert download.headers["Content-Disposition"] == 'attachment; filename="time-tracker-recovery-codes.txt"'
    assert download.headers["Cache-Control"] == "no-store"
    assert all(code in download.text for code in codes)
    printable = client.get("/profile/security/recovery-codes/print")
    assert all(code in printable.text for code in codes) and "print.css" in printable.text
    step_clock.move(hours=1, seconds=1)
    confirm_password(client, then="/profile/security/recovery-codes.txt")
    gone = client.get("/profile/security/recovery-codes.txt")
    assert gone.status_code == 404 and "shown only right after they are made" in gone.text


def test_codes_cannot_be_shown_again_after_enabling(client: BrowserClient, people: People) -> None:
    secret, _ = enroll(client)
    log_in_with_app(client, secret)
    confirm_password(client, then="/profile/security")
    assert client.get("/profile/security/recovery-codes.txt").status_code == 404
    assert client.get("/profile/security/recovery-codes").status_code == 404


# --- disabling -----------------------------------------------------------------------------------------


def log_in_with_app(client: BrowserClient, secret: str, login: str = "user") -> None:
    """Log in with the app's code of the next step (the current one was spent enabling)."""
    client.login(login)
    assert client.submit("/2fa", {"code": code_at(secret, 1)}).location == "/"


def test_disable_with_the_password(app: Flask, client: BrowserClient, people: People, smtp: SmtpSink) -> None:
    secret, _ = enroll(client)
    log_in_with_app(client, secret)
    response = client.submit("/profile/security/disable", {"disable-password": PASSWORD})
    assert response.location == "/profile/security"
    assert not has_authenticator(app, people)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Authenticator.id))) == 0
        assert db.session.scalar(select(db.func.count(RecoveryCode.id))) == 0
    assert smtp.wait_for(2)[-1]["Subject"] == DISABLED_SUBJECT
    assert audit_trail(app)[-1] == ("2FA authenticator disabled", "user", None)
    client.submit("/logout")
    assert client.login("user").location == "/"


def test_disable_with_a_wrong_password_changes_nothing(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    secret, _ = enroll(client)
    log_in_with_app(client, secret)
    enabled_only = [("jane@example.com", ENABLED_SUBJECT)]
    assert mail_queued(app) == enabled_only
    response = client.submit("/profile/security/disable", {"disable-password": "wrong"})
    assert response.status_code == 200 and "The password is not correct." in response.text
    assert has_authenticator(app, people)
    assert mail_queued(app) == enabled_only  # nothing queued after the wrong password


# --- storage ----------------------------------------------------------------------------------------------


def test_the_secret_is_not_readable_in_the_database(
    app: Flask, client: BrowserClient, people: People
) -> None:
    secret, codes = enroll(client)
    with app.app_context():
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("sqlite:///"):
            db.engine.dispose()
            stored = b"".join(
                path.read_bytes() for path in Path(uri.removeprefix("sqlite:///")).parent.glob("*sqlite*")
            )
        else:
            rows = db.session.execute(text("SELECT * FROM authenticators")).all()
            rows += db.session.execute(text("SELECT * FROM recovery_codes")).all()
            stored = repr(rows).encode()
    assert secret.encode() not in stored and secret.lower().encode() not in stored
    assert not any(code.encode() in stored or code.replace("-", "").encode() in stored for code in codes)


# --- resets ---------------------------------------------------------------------------------------------


def test_a_manager_who_outranks_the_user_resets_their_2fa(
    app: Flask, client: BrowserClient, people: People, smtp: SmtpSink
) -> None:
    enroll(client)
    client.login("manager")
    page = client.get(f"/users/{people.ids['user']}/edit").text
    assert (
        "Reset two-factor authentication" in page
        and '<label for="reset-password">Your password</label>' in page
    )
    wrong = client.submit(f"/users/{people.ids['user']}/reset-2fa", {"reset-password": "wrong"})
    assert "The password is not correct." in wrong.text and has_authenticator(app, people)
    response = client.submit(f"/users/{people.ids['user']}/reset-2fa", {"reset-password": PASSWORD})
    assert response.location == f"/users/{people.ids['user']}/edit"
    assert not has_authenticator(app, people)
    assert smtp.wait_for(2)[-1]["Subject"] == "Two-factor authentication was reset on your Time Tracker login"
    assert audit_trail(app)[-1] == ("2FA reset", "manager", "user")
    client.submit("/logout")
    assert client.login("user").location == "/"


@pytest.mark.parametrize(
    ("actor", "target"),
    [("manager", "other-manager"), ("comanager", "manager"), ("manager", "top"), ("user", "noemail")],
)
def test_reset_is_refused_for_an_equal_or_lower_rank(
    app: Flask, client: BrowserClient, people: People, actor: str, target: str
) -> None:
    from timetracker.services import membership

    with app.app_context():  # a second Manager, of the same rank as "manager"
        details = membership.UserDetails(
            "Max Manager", "other-manager", None, people.role_id("Manager"), True, PASSWORD
        )
        people.ids["other-manager"] = membership.add_user(None, people.user("top").group, details).id
    enroll(new_client(app), target)
    client.login(actor)
    response = client.submit(f"/users/{people.ids[target]}/reset-2fa", {"reset-password": PASSWORD})
    assert response.status_code == 403
    assert has_authenticator(app, people, target)


def test_reset_of_another_groups_user_is_not_found(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    assert (
        client.submit(
            f"/users/{people.ids['other-user']}/reset-2fa", {"reset-password": PASSWORD}
        ).status_code
        == 404
    )


def test_operator_resets_2fa_from_the_command_line(app: Flask, client: BrowserClient, people: People) -> None:
    enroll(client)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "reset-2fa", "USER"])
    assert result.exit_code == 0, result.output
    assert "Two-factor authentication of 'user' was reset" in result.output
    assert not has_authenticator(app, people)
    assert ("2FA reset", None, "user") in audit_trail(app)
    again = runner.invoke(args=["user", "reset-2fa", "user"])
    assert again.exit_code == 1 and "has no authenticator app" in again.output


def test_users_with_an_app_are_not_in_the_preflight_list(
    app: Flask, client: BrowserClient, people: People
) -> None:
    enroll(client, "noemail")
    client.login("manager")
    page = client.get("/group/advanced").text
    assert "Nick Noemail" not in page.split('id="preflight"')[1].split("</section>")[0]


def test_resetting_a_user_without_an_app_does_nothing(
    app: Flask, client: BrowserClient, people: People
) -> None:
    client.login("manager")
    response = client.submit(f"/users/{people.ids['user']}/reset-2fa", {"reset-password": PASSWORD})
    assert response.location == f"/users/{people.ids['user']}/edit"
    assert (
        "Jane User has no authenticator app: there was nothing to reset."
        in client.get(response.location).text
    )
    assert "2FA reset" not in [event for event, _, _ in audit_trail(app)]


@pytest.mark.parametrize(
    "typed", ["x" * 10_000, "12\x0034", "abc\u202efed", "<script>", "١٢٣٤٥٦", "' OR 1=1 --"]
)
def test_bad_codes_are_refused_without_harm(client: BrowserClient, people: People, typed: str) -> None:
    secret, codes = enroll(client)
    client.login("user")
    for url in ("/2fa", "/2fa/recovery"):
        response = client.submit(url, {"code": typed})
        assert response.status_code == 200
        assert "Invalid" in response.text or "Field cannot be longer than 40 characters." in response.text
        assert "<script>" not in response.text
    assert client.submit("/2fa", {"code": code_at(secret, 1)}).location == "/"


def test_rotating_the_secret_key_keeps_authenticators_working(
    make_app: Any, client: BrowserClient, people: People
) -> None:
    secret, _ = enroll(client)
    rotated = make_app(SECRET_KEY="a brand new secret key", SECRET_KEY_FALLBACKS=["test secret key"])
    browser = new_client(rotated)
    browser.login("user")
    assert browser.submit("/2fa", {"code": code_at(secret, 1)}).location == "/"
