"""Browser: the page's scripts format times in the user's zone, not the browser's (own module, own server:
it changes a user's zone). Chromium runs in New York here, so a script that used the browser's zone fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.conftest import WebEnv
from tests.web.test_browser import server, sign_in  # noqa: F401  (fixtures)


@pytest.fixture
def ny_page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, timezone_id="America/New_York")  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def test_scripts_use_the_users_zone(server: tuple[str, WebEnv], ny_page: object) -> None:  # noqa: F811
    base, env = server
    p = ny_page
    sign_in(p, base, "alice")  # the site's default zone
    assert p.inner_text("#user-zone") == env.web.time_zone == "Europe/Moscow"  # type: ignore[attr-defined]
    assert p.evaluate("dialer.dt('2026-03-02T10:00:00Z')") == "2026-03-02 13:00"  # type: ignore[attr-defined]

    sign_in(p, base, "quinn")
    p.click("#account-link")  # type: ignore[attr-defined]
    p.fill("#time-zone-input", "Asia/Yekaterinburg")  # type: ignore[attr-defined]
    p.click("#time-zone-save")  # type: ignore[attr-defined]
    p.wait_for_selector("#flash.ok")  # type: ignore[attr-defined]
    assert p.inner_text("#user-zone") == "Asia/Yekaterinburg"  # type: ignore[attr-defined]
    assert p.evaluate("new Date('2026-03-02T10:00:00Z').getHours()") == 5  # type: ignore[attr-defined]  # the browser is in New York
    assert p.evaluate("dialer.dt('2026-03-02T10:00:00Z')") == "2026-03-02 15:00"  # type: ignore[attr-defined]
    assert p.evaluate("dialer.clock(new Date('2026-03-02T10:00:07Z'))") == "15:00:07"  # type: ignore[attr-defined]
    # a callback time the operator types is read on their clock
    assert p.evaluate("dialer.fromLocal('2026-03-02T15:00')") == "2026-03-02T10:00:00.000Z"  # type: ignore[attr-defined]
    # an unknown zone: the error beside the field, the stored zone kept
    p.fill("#time-zone-input", "Mars/Olympus_Mons")  # type: ignore[attr-defined]
    p.click("#time-zone-save")  # type: ignore[attr-defined]
    assert "Unknown time zone" in p.inner_text("#time-zone-error")  # type: ignore[attr-defined]
    assert p.inner_text("#user-zone") == "Asia/Yekaterinburg"  # type: ignore[attr-defined]
