"""The compliance page's profile picker: a campaign without a profile can be reported under one."""

from __future__ import annotations

from tests.web.compliance_seed import seed_evidence
from tests.web.conftest import WebEnv, as_role

PERIOD = {"from": "2026-11-02", "to": "2026-11-02"}


def test_the_page_lets_you_pick_a_profile(env: WebEnv) -> None:
    admin, _ = as_role(env.app, "admin")
    page = "/manager/compliance"
    html = admin.get(page, params={"campaign_id": env.seed.campaign_id, **PERIOD}).text
    assert 'id="evidence-error"' in html and 'name="profile"' in html
    assert all(f'<option value="{code}"' in html for code in ("US", "UK", "RU", "RU_COLLECTION"))
    html = admin.get(page, params={"campaign_id": env.seed.campaign_id, "profile": "UK", **PERIOD}).text
    assert 'id="evidence-error"' not in html and "· United Kingdom (Ofcom) ·" in html  # the profile in words
    assert '<option value="UK" selected>' in html
    assert "&amp;profile=UK" in html  # the downloads use the same profile
    # the campaign's own profile stays the default
    seed = seed_evidence(env.repo)
    html = admin.get(page, params={"campaign_id": seed.campaign_id, "profile": "", **PERIOD}).text
    assert "· Russia (advertising law) ·" in html
    bad = admin.get(page, params={"campaign_id": seed.campaign_id, "profile": "XX", **PERIOD})
    assert bad.status_code == 200 and 'id="evidence-error"' in bad.text and "unknown profile" in bad.text
