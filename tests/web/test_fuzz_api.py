"""Property-based: every API body that is not what a route expects gets a 4xx, never a 500, and
nothing stored changes shape (hypothesis drives random JSON at every POST route as every role)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import WebEnv, as_role, make_env
from tests.web.test_security import ROLES, expected_roles, fill

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
bodies = (
    st.dictionaries(
        st.sampled_from(
            [
                "phone",
                "code",
                "notes",
                "changes",
                "status",
                "yaml",
                "scores",
                "comment",
                "reason",
                "campaign_id",
                "attempt_id",
                "next_action_at",
                "role",
                "password",
                "username",
                "mapping",
                "active",
                "x",
            ]
        ),
        json_values,
        max_size=5,
    )
    | json_values
)


def test_no_api_body_makes_a_500(tmp_path_factory: Any) -> None:
    env: WebEnv = make_env(tmp_path_factory.mktemp("fuzz"))
    clients = {role: as_role(env.app, role) for role in ROLES}
    routes = [
        r
        for r in env.app.routes
        if isinstance(r, APIRoute) and "POST" in r.methods and r.path.startswith("/api") and r.path != "/logout"
    ]
    assert len(routes) > 8

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(routes), bodies)
    def check(route: APIRoute, body: Any) -> None:
        roles = expected_roles(route.path) or frozenset(ROLES)
        role = sorted(roles)[0]
        client, token = clients[role]
        path = fill(route.path, env)
        r = client.post(path, json=body, headers={"x-csrf-token": token})
        no_service = r.status_code == 503 and "no dialer service" in r.text  # this web process has no dialer
        assert r.status_code < 500 or no_service, (route.path, body, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith(("application/json", "text/html")), r.headers
            assert not re.search(r"Traceback|sqlalchemy|File \"", r.text), r.text[:300]  # no internals leak

    check()
