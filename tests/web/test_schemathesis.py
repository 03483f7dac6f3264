"""Schema-driven fuzzing: schemathesis generates requests for every operation of the app's own OpenAPI
schema (its boundary cases, valid and invalid parameters and bodies, ids that exist and ids at and past
the database's range) and sends them as every role and as an anonymous visitor. Any 5xx fails (an id
of 2**63 once crashed the SQLite driver: a 500). Bounded: a few dozen requests per operation."""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from dialer.web.security import COOKIE_NAME
from tests.web.conftest import ROLE_USERS, WebEnv, csrf_of, make_env, sign_in
from tests.web.test_security import guard_of

ROLE_LOGINS = ROLE_USERS  # every role, the supervisor included
COVERAGE_CASES = 40  # per operation
EXTREME_IDS = (0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30)
BUDGET_S = 90.0  # a guard against runaway growth; about 15 s of CPU on a quiet machine


def _credentials(env: WebEnv) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Per identity: cookies and headers (a signed-in session and its CSRF token, or none)."""
    out: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for role, login in ROLE_LOGINS.items():
        c = TestClient(env.app, follow_redirects=False)
        token = sign_in(c, login)
        out[role] = ({COOKIE_NAME: str(c.cookies.get(COOKIE_NAME))}, {"x-csrf-token": token})
    anon = TestClient(env.app, follow_redirects=False)
    token = csrf_of(anon)
    out["anonymous"] = ({COOKIE_NAME: str(anon.cookies.get(COOKIE_NAME))}, {"x-csrf-token": token})
    return out


def test_every_operation_as_every_role_never_5xx(tmp_path: Path) -> None:
    fuzz(make_env(tmp_path))


@pytest.mark.postgres
def test_every_operation_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    """PostgreSQL is stricter than SQLite (NUL in text, value ranges): the same requests on it."""
    fuzz(make_env(tmp_path, database_url=postgres_url))


def fuzz(env: WebEnv) -> None:
    schema = schemathesis.openapi.from_dict(env.app.openapi())
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) > 30, [op.label for op in operations]
    creds = _credentials(env)
    started = time.monotonic()
    failures: list[str] = []
    calls = 0
    statuses: Counter[int] = Counter()

    roles_of = {
        (route.path, method): guard_of(route).roles
        for route in env.app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }

    def check(case: Any, who: str) -> None:
        nonlocal calls
        cookies, headers = creds[who]
        calls += 1
        try:
            response = case.call(app=env.app, cookies=cookies, headers=headers)
        except Exception as exc:  # the test client re-raises what the app did not handle: a 500
            failures.append(f"{who} {case.method} {case.formatted_path}: {type(exc).__name__}: {exc} {case!r}")
            return
        statuses[response.status_code] += 1
        if response.status_code >= 500 and not (
            response.status_code == 503 and "no dialer service" in response.text  # no live dialer here
        ):
            failures.append(f"{who} {case.method} {case.formatted_path}: {response.status_code} {case!r}")

    known = {
        "campaign_id": env.seed.campaign_id,
        "recording_id": env.seed.recording_id,
        "user_id": env.seed.user_ids["qa"],
        "attempt_id": env.seed.attempt_id,
    }
    for op in operations:
        allowed = sorted(roles_of[(op.path, op.method.upper())])
        denied = sorted(set(creds) - set(allowed))  # anonymous always among them
        names = set(re.findall(r"\{(\w+)\}", op.path))
        strategies = [
            op.as_strategy(generation_mode=GenerationMode.POSITIVE),
            op.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        ]
        ids = sorted(names & set(known))
        if ids:  # ids that exist (the code past the lookup is reached) and ids at and past the database's range
            strategies.append(
                st.sampled_from([None, *EXTREME_IDS]).flatmap(
                    lambda v, op=op, ids=ids: op.as_strategy(
                        generation_mode=GenerationMode.POSITIVE,
                        path_parameters={k: known[k] if v is None else v for k in ids},
                    )
                )
            )
            if op.method.upper() == "GET":  # and each extreme once for certain
                for i, v in enumerate(EXTREME_IDS):
                    check(op.Case(path_parameters={k: v for k in ids}), allowed[i % len(allowed)])
        strategy = st.one_of(*strategies)
        # the schema's boundary cases (id 0 and 2**63, wrong types, missing fields...) as a role it is for
        coverage = schema.iter_coverage_cases(
            op,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(operation=op),
        )
        for i, case in enumerate(itertools.islice(coverage, COVERAGE_CASES)):
            check(case, allowed[i % len(allowed)])
        # most examples as the roles the operation is for (the code behind the guard), a few as the rest
        for who_may, examples in ((allowed, 10), (denied, 3)):
            run = settings(
                max_examples=examples,
                deadline=2000,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(given(case=strategy, who=st.sampled_from(who_may))(check))
            run()
    elapsed = time.monotonic() - started
    assert not failures, "\n".join(failures[:20])
    assert calls > 5 * len(operations)
    # the requests got past the guards and the validation too, not only refused at the door
    assert sum(n for code, n in statuses.items() if code not in (401, 403)) > 5 * len(operations), statuses
    assert sum(n for code, n in statuses.items() if code < 300) > len(operations), statuses
    assert statuses[403] and statuses[401] and statuses[422], statuses
    assert elapsed < BUDGET_S, f"fuzzing took {elapsed:.0f}s"
