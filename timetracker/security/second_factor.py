"""The one rule: which second factor a login needs, and whether a login that gave one still counts."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import joinedload

from timetracker.models import Role, User
from timetracker.rights import Right

# Loader options for a query of users: what ``second_factor_for`` reads comes with the user, in
# the same statement, instead of one lazy load each for the role, the group, the app and the
# keys (joined too: a user has few keys, and a session's request stays one statement).
WITH_RULE_FACTS = (
    joinedload(User.role).joinedload(Role.group),
    joinedload(User.authenticator),
    joinedload(User.security_keys),
)


class Factor(StrEnum):
    NONE = "none"
    EMAIL = "email"  # a code emailed after the password, entered with the password again
    AUTHENTICATOR = "authenticator"  # a code from the user's authenticator app, or a recovery code
    SECURITY_KEY = "security_key"  # a security key or passkey; the app's code and recovery codes too

    @property
    def is_own(self) -> bool:
        """Tell whether this is a factor of the user's own (an app or a key), not the group's emailed code."""
        return self in (Factor.AUTHENTICATOR, Factor.SECURITY_KEY)


def second_factor_for(user: User, *, group_requires: bool | None = None) -> Factor:
    """Return the second factor ``user`` must give after their password.

    :param group_requires: answer as if the group's two-factor setting were this, to
        foresee who would need an emailed code before the setting is switched on.
    """
    return factor_from(
        has_authenticator=user.has_authenticator,
        has_security_key=bool(user.security_keys),
        group_requires=user.group.two_factor_required if group_requires is None else group_requires,
        can_override=user.can(Right.OVERRIDE_2FA),
    )


def factor_from(
    *, has_authenticator: bool, has_security_key: bool, group_requires: bool, can_override: bool
) -> Factor:
    """Decide the second factor from the facts about a user (reports use it on plain rows).

    The user's own factor wins whatever the group says: a security key first (it cannot be
    phished), then a confirmed authenticator app. Otherwise a group that requires two-factor
    authentication gets an emailed code from everyone whose role lacks ``override_2fa``.
    """
    if has_security_key:
        return Factor.SECURITY_KEY
    if has_authenticator:
        return Factor.AUTHENTICATOR
    if group_requires and not can_override:
        return Factor.EMAIL
    return Factor.NONE


def satisfies(given: Factor, required: Factor) -> bool:
    """Tell whether a login that gave ``given`` meets a rule that now asks for ``required``.

    Sessions, API tokens and pending logins keep the factor they gave; when the rule asks for
    more (the group switched two-factor on, the user added an app), they stop counting.
    The user's own factor (either of them) meets any rule; an emailed code meets the group's.
    """
    return required is Factor.NONE or given is required or given.is_own


def overrides_group_2fa(user: User) -> bool:
    """Tell whether ``user`` skips the group's second factor thanks to ``override_2fa``."""
    return user.group.two_factor_required and second_factor_for(user) is Factor.NONE
