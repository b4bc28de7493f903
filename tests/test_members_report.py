"""The members report and its CSV export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask

from tests.conftest import PASSWORD, BrowserClient, People
from timetracker import clock
from timetracker.extensions import db
from timetracker.models import Authenticator, Group
from timetracker.services import membership

HEADER = [
    "Name",
    "Login",
    "Email",
    "Role",
    "Status",
    "Two-factor",
    "Last login (UTC)",
    "Own factor due (UTC)",
]


def rows_of(page: str) -> dict[str, list[str]]:
    """Return the report's table as {login: cells}."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    table = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if len(cells) == len(HEADER):
            table[cells[1]] = cells
    return table


def csv_of(client: BrowserClient, query: str = "") -> list[list[str]]:
    response = client.get(f"/group/members.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="members-')
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8"))))


@pytest.fixture
def states(app: Flask, people: People) -> People:
    """Acme with 2FA on: user has an app, noemail has no email, top overrides, manager gets codes."""
    with app.app_context():
        db.session.get(Group, people.group_id).two_factor_required = True
        people.user("user").authenticator = Authenticator(secret_encrypted="x", confirmed_at=clock.now())
        people.user("supervisor").active = False
        db.session.commit()
    return people


@pytest.mark.parametrize(
    ("login", "status"),
    [("top", 200), ("manager", 200), ("comanager", 200), ("supervisor", 403), ("user", 403)],
)
def test_rights(client: BrowserClient, people: People, login: str, status: int) -> None:
    client.login(login)
    assert client.get("/group/members").status_code == status
    assert client.get("/group/members.csv").status_code == status


def test_every_state_of_the_two_factor_column(client: BrowserClient, states: People) -> None:
    client.login("top")
    table = rows_of(client.get("/group/members").text)
    assert table["user"][5] == "authenticator"
    assert table["manager"][5] == "email code (group)"
    assert table["top"][5] == "none"
    assert table["noemail"][5] == "none — cannot log in: no email"
    assert table["noemail"][2] == "none"
    assert table["supervisor"][4] == "inactive"
    assert table["top"][6] != "never" and table["manager"][6] == "never"
    assert set(table) == {"top", "manager", "comanager", "supervisor", "user", "noemail"}


def test_without_group_2fa_only_apps_count(client: BrowserClient, people: People) -> None:
    client.login("top")
    assert {cells[5] for cells in rows_of(client.get("/group/members").text).values()} == {"none"}


def test_filters(client: BrowserClient, states: People) -> None:
    client.login("top")
    without_2fa = rows_of(client.get("/group/members?without_two_factor=1").text)
    assert set(without_2fa) == {"top", "noemail"}
    without_email = rows_of(client.get("/group/members?without_email=1").text)
    assert set(without_email) == {"noemail"}
    both = rows_of(client.get("/group/members?without_two_factor=1&without_email=1").text)
    assert set(both) == {"noemail"}


def test_csv_has_the_same_rows(client: BrowserClient, states: People) -> None:
    client.login("top")
    rows = csv_of(client)
    assert rows[0] == HEADER
    by_login = {row[1]: row for row in rows[1:]}
    assert by_login["noemail"] == [
        "Nick Noemail",
        "noemail",
        "none",
        "User",
        "active",
        "none — cannot log in: no email",
        "",
        "",
    ]
    assert by_login["user"][5] == "authenticator"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", by_login["top"][6])
    assert [row[1] for row in csv_of(client, "?without_two_factor=1")[1:]] == ["noemail", "top"]


def test_csv_neutralises_formulas(app: Flask, client: BrowserClient, people: People) -> None:
    names = ["=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)", "Plain;=1+2", "Plain, -2+3"]
    with app.app_context():
        group = people.user("top").group
        for number, name in enumerate(names):
            membership.add_user(
                None,
                group,
                membership.UserDetails(
                    name, f"formula{number}", None, people.role_id("User"), True, PASSWORD
                ),
            )
    client.login("top")
    cells = {row[1]: row[0] for row in csv_of(client)[1:]}
    assert [cells[f"formula{number}"] for number in range(len(names))] == [
        "'=1+2",
        "'+SUM(A1)",
        "'-2+3",
        "'@SUM(A1)",
        "Plain;'=1+2",
        "Plain, '-2+3",
    ]
    text = client.get("/group/members.csv").get_data(as_text=True)
    assert '"Plain;\'=1+2"' in text  # quoted: a spreadsheet splitting on ";" keeps it whole


def test_another_groups_users_never_appear(client: BrowserClient, people: People) -> None:
    client.login("top")
    assert "other-user" not in client.get("/group/members").text
    assert not any(row[1].startswith("other") for row in csv_of(client))
    client.submit("/logout")
    client.login("other-top")
    assert [row[1] for row in csv_of(client)[1:]] == ["other-top", "other-user"]


def test_the_export_is_streamed(app: Flask, client: BrowserClient, people: People) -> None:
    client.login("top")
    response = client.get("/group/members.csv")
    assert response.is_streamed
    response.close()


def test_paging(client: BrowserClient, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    from timetracker.group import members as view

    monkeypatch.setattr(view, "PAGE_SIZE", 4)
    client.login("top")
    first = client.get("/group/members").text
    second = client.get("/group/members?page=2").text
    assert len(rows_of(first)) == 4 and "Next page" in first
    assert len(rows_of(second)) == 2 and "Previous page" in second and "Next page" not in second
