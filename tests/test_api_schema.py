"""Schemathesis generates requests from the OpenAPI description: no 500, no schema violation.

Hypothesis drives each operation by hand (schemathesis' own pytest integration does not run
under this pytest), with schemathesis' checks, in both its modes: requests that follow the
description, and requests that break it on purpose (wrong types, missing fields), which must
be refused with a documented 4xx. Operations that need a token (/me, /auth/logout, time
tracking) also get a valid one, so their answers to a logged-in client are checked too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.conftest import PASSWORD, People

EXAMPLES = 40


UNTHROTTLED = {
    name: "100000 per minute"
    for name in (
        "LOGIN_LIMIT_PER_ADDRESS",
        "LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS",
        "LOGIN_LIMIT_PER_ACCOUNT",
        "2FA_LIMIT_PER_ADDRESS",
        "2FA_LIMIT_PER_ACCOUNT",
    )
}


# A well-formed request may still be refused: 422 when it breaks a rule of the Time page (a
# project id that names no project of the group), 400 for a period with `from` after `to` or
# over a year long, or a report's period over ten years or a grouping twice, which the
# description says in words. Never a 400 for a well-formed body.
ACCEPTANCE = ["2xx", "401", "403", "404", "409", "422", "429"]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTANCE}},
        "operations": [
            {
                "include-operation-id": operation,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTANCE, "400"]}},
            }
            for operation in ("list_time_entries", "report")
        ],
    }
)


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_the_api_keeps_its_description(make_app: Any, people: People, mode: Any) -> None:
    app = make_app(**UNTHROTTLED)  # throttling has tests of its own; here it would hide the paths
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13
    client = app.test_client()

    def fresh_token() -> str:
        response = client.post("/api/v1/auth/login", json={"login": "top", "password": PASSWORD})
        token: str = response.get_json()["token"]
        return token

    for operation in operations:
        with_token = fresh_token if "security" in operation.definition.raw else None
        fuzz(operation, mode, with_token)


def fuzz(operation: Any, mode: Any, token: Callable[[], str] | None) -> None:
    """Send generated requests to one operation and check every answer against the description."""
    positive = mode is schemathesis.GenerationMode.POSITIVE

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def conforms(case: Any) -> None:
        if token is not None and positive:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token()}"}
        case.call_and_validate()

    conforms()
