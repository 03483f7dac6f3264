"""Reading a campaign's YAML file (`campaigns/<name>.yaml`); the validation is pure, in dialer.rules.campaign."""

from __future__ import annotations

from pathlib import Path

from dialer.rules.campaign import CampaignDefinition, CampaignDefinitionError, parse_campaign_yaml


def load_campaign(path: str | Path) -> CampaignDefinition:
    """Read and validate `campaigns/<name>.yaml`. Raises CampaignDefinitionError naming the fields."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CampaignDefinitionError(str(p), [f"cannot read the file: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise CampaignDefinitionError(str(p), ["the file is not UTF-8 text"]) from None
    return parse_campaign_yaml(text, str(p))
