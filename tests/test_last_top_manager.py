"""The last active top manager stays, also when two top managers step down at the same moment."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import People, at_once, edit_form, new_client
from timetracker.extensions import db
from timetracker.models import Role, User
from timetracker.rights import TOP_MANAGER_RANK


def top_managers(app: Flask, people: People) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(User.id))
            .join(User.role)
            .where(Role.group_id == people.group_id, Role.rank >= TOP_MANAGER_RANK, User.active.is_(True))
        )


def test_two_top_managers_demoting_each_other_at_once_leave_one(app: Flask, people: People) -> None:
    with app.app_context():
        top_role, manager_role = people.role_id("Top manager"), people.role_id("Manager")
        people.user("manager").role_id = top_role
        db.session.commit()
    browsers = {login: new_client(app) for login in ("top", "manager")}
    for login, browser in browsers.items():
        browser.login(login)
    demotions = {login: edit_form(people, login, role_id=manager_role) for login in ("top", "manager")}

    def demote(index: int) -> Any:
        actor, target = ("top", "manager") if index == 0 else ("manager", "top")
        return browsers[actor].submit(f"/users/{people.ids[target]}/edit", demotions[target])

    for _ in range(4):
        answers = at_once(2, demote)
        assert all(answer.status_code in (200, 302, 403) for answer in answers)
        assert top_managers(app, people) >= 1
        with app.app_context():  # promote both again for the next round
            for login in ("top", "manager"):
                people.user(login).role_id = top_role
            db.session.commit()
