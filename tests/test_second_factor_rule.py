"""The one rule, as truth tables: which second factor a login needs, and what still counts."""

from __future__ import annotations

import itertools

import pytest

from timetracker.security.second_factor import Factor, factor_from, satisfies

# (has_security_key, has_authenticator, group_requires, can_override) -> the factor asked after the password
NEEDED = {
    (False, False, False, False): Factor.NONE,
    (False, False, False, True): Factor.NONE,
    (False, False, True, False): Factor.EMAIL,
    (False, False, True, True): Factor.NONE,  # override_2fa: the password alone
    (False, True, False, False): Factor.AUTHENTICATOR,
    (False, True, False, True): Factor.AUTHENTICATOR,
    (False, True, True, False): Factor.AUTHENTICATOR,
    (False, True, True, True): Factor.AUTHENTICATOR,  # the user's own factor even for the Top manager
    **{(True, *facts): Factor.SECURITY_KEY for facts in itertools.product((False, True), repeat=3)},
}


def test_the_table_covers_every_case() -> None:
    assert set(NEEDED) == set(itertools.product((False, True), repeat=4))


@pytest.mark.parametrize(("facts", "factor"), NEEDED.items(), ids=str)
def test_factor_from(facts: tuple[bool, bool, bool, bool], factor: Factor) -> None:
    has_security_key, has_authenticator, group_requires, can_override = facts
    decided = factor_from(
        has_authenticator=has_authenticator,
        has_security_key=has_security_key,
        group_requires=group_requires,
        can_override=can_override,
    )
    assert decided is factor


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
    (Factor.NONE, Factor.SECURITY_KEY): False,  # the user added a key
    (Factor.EMAIL, Factor.SECURITY_KEY): False,
    (Factor.AUTHENTICATOR, Factor.SECURITY_KEY): True,  # either own factor counts for the other
    (Factor.SECURITY_KEY, Factor.NONE): True,
    (Factor.SECURITY_KEY, Factor.EMAIL): True,
    (Factor.SECURITY_KEY, Factor.AUTHENTICATOR): True,
    (Factor.SECURITY_KEY, Factor.SECURITY_KEY): True,
}


def test_the_satisfies_table_covers_every_case() -> None:
    assert set(COUNTS) == set(itertools.product(Factor, repeat=2))


@pytest.mark.parametrize(("factors", "counts"), COUNTS.items(), ids=str)
def test_satisfies(factors: tuple[Factor, Factor], counts: bool) -> None:
    given, required = factors
    assert satisfies(given, required) is counts
