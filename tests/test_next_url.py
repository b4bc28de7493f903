"""After login, ``next=`` only ever leads to a page of this site."""

from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.conftest import PASSWORD, BrowserClient, People, SmtpSink, read_code
from timetracker.models import PendingLogin
from timetracker.web.redirects import local_target

KEPT = PendingLogin.next_url.type.length  # the longest target a pending login can keep

ATTEMPTS = [
    "//evil.example",
    "//evil.example/users",
    "https://evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "evil.example",
    "%2F%2Fevil.example",
    "/%09/evil.example".replace("%09", "\t"),
    "",
]


@pytest.mark.parametrize("target", ATTEMPTS)
def test_local_target_refuses_other_sites(target: str) -> None:
    assert local_target(target) is None


@pytest.mark.parametrize("target", ["/", "/users", "/users/3/edit?x=1#top", "/%2F%2Fevil.example"])
def test_local_target_keeps_paths_of_this_site(target: str) -> None:
    assert local_target(target) == target


@pytest.mark.parametrize("target", ATTEMPTS + ["//evil.example%2F..", "/%5Cevil.example"])
def test_login_never_redirects_off_site(client: BrowserClient, people: People, target: str) -> None:
    response = client.submit(
        f"/login?next={quote(target, safe='')}", {"login": "top", "password": "correct horse"}
    )
    assert response.status_code == 302
    location = response.location
    # Browsers also read a backslash as a slash and drop tabs and newlines.
    assert not any(char in location for char in "\\\t\n\r ")
    assert urlsplit(urljoin("http://tt.example/login", location)).netloc == "tt.example"


def test_double_encoded_next_stays_on_site(client: BrowserClient, people: People) -> None:
    response = client.submit(
        "/login?next=%252F%252Fevil.example", {"login": "top", "password": "correct horse"}
    )
    assert response.location == "/"


def test_login_follows_a_local_next(client: BrowserClient, people: People) -> None:
    response = client.submit("/login?next=%2Fusers", {"login": "top", "password": "correct horse"})
    assert response.location == "/users"


def test_a_target_longer_than_can_be_kept_is_no_target() -> None:
    longest = "/" + "a" * (KEPT - 1)
    assert local_target(longest) == longest
    assert local_target(longest + "a") is None


@pytest.mark.parametrize(("length", "kept"), [(KEPT, True), (600, False)])
def test_a_next_too_long_to_keep_through_the_second_factor_leads_to_the_start_page(
    client: BrowserClient, people: People, smtp: SmtpSink, length: int, kept: bool
) -> None:
    people.require_group_2fa()
    target = "/" + "a" * (length - 1)
    response = client.submit(f"/login?next={target}", {"login": "user", "password": PASSWORD})
    assert response.location == "/2fa"
    response = client.submit("/2fa", {"code": read_code(smtp, "jane@example.com"), "password": PASSWORD})
    assert response.location == (target if kept else "/")
