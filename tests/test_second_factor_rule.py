"""The one rule, as truth tables: which second factor a login needs, and what still counts."""

from __future__ import annotations

import itertools

import pytest

from timetracker.security.second_factor import Factor, factor_from, satisfies

# (has_authenticator, group_requires, can_override) -> the factor asked after the password
NEEDED = {
    (False, False, False): Factor.NONE,
    (False, False, True): Factor.NONE,
    (False, True, False): Factor.EMAIL,
    (False, True, True): Factor.NONE,  # override_2fa: the password alone
    (True, False, False): Factor.AUTHENTICATOR,
    (True, False, True): Factor.AUTHENTICATOR,
    (True, True, False): Factor.AUTHENTICATOR,
    (True, True, True): Factor.AUTHENTICATOR,  # the user's own factor even for the Top manager
}


def test_the_table_covers_every_case() -> None:
    assert set(NEEDED) == set(itertools.product((False, True), repeat=3))


@pytest.mark.parametrize(("facts", "factor"), NEEDED.items(), ids=str)
def test_factor_from(facts: tuple[bool, bool, bool], factor: Factor) -> None:
    has_authenticator, group_requires, can_override = facts
    assert (
        factor_from(
            has_authenticator=has_authenticator, group_requires=group_requires, can_override=can_override
        )
        is factor
    )


# (given, required) -> whether a session or token that gave ``given`` still counts
COUNTS = {
    (Factor.NONE, Factor.NONE): True,
    (Factor.NONE, Factor.EMAIL): False,  # the group switched two-factor on
    (Factor.NONE, Factor.AUTHENTICATOR): False,  # the user added an app
    (Factor.EMAIL, Factor.NONE): True,
    (Factor.EMAIL, Factor.EMAIL): True,
    (Factor.EMAIL, Factor.AUTHENTICATOR): False,  # the user added an app elsewhere
    (Factor.AUTHENTICATOR, Factor.NONE): True,
    (Factor.AUTHENTICATOR, Factor.EMAIL): True,
    (Factor.AUTHENTICATOR, Factor.AUTHENTICATOR): True,
}


def test_the_satisfies_table_covers_every_case() -> None:
    assert set(COUNTS) == set(itertools.product(Factor, repeat=2))


@pytest.mark.parametrize(("factors", "counts"), COUNTS.items(), ids=str)
def test_satisfies(factors: tuple[Factor, Factor], counts: bool) -> None:
    given, required = factors
    assert satisfies(given, required) is counts
