"""Service settings, read from the environment (prefix DIALER_) or a .env file.

Secrets have no defaults: production must supply them. The lab (dialer.lab) supplies its own
loopback-only credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIALER_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'dialer.db'}",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user:pw@host/db",
    )
    ari_url: str = "http://127.0.0.1:8088"
    ari_user: str = "dialer"
    ari_password: SecretStr | None = None
    ari_app: str = "dialer"
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "dialer"
    ami_password: SecretStr | None = None
    trunk: str = Field(
        default="Local/{number}@sim-customers",
        description="Dial string template for customers; {number} is E.164 without '+'",
    )
    recording_spool_dir: Path = Field(
        default=Path("/var/spool/asterisk/recording"),
        description="Where Asterisk writes ARI recordings, as seen from the dialer's file system",
    )
    recordings_dir: Path = PROJECT_ROOT / "recordings"
    recording_format: Literal["ogg", "mp3", "wav"] = "ogg"  # Opus in OGG: small, and browsers play it
    dnc_sync_file: Path | None = Field(
        default=None, description="a do-not-call file (e.g. a registry export) merged into the global list hourly"
    )

    def require_secrets(self) -> None:
        """Refuse to talk to a real Asterisk without explicitly configured credentials."""
        missing = [n for n in ("ari_password", "ami_password") if getattr(self, n) is None]
        if missing:
            names = ", ".join(f"DIALER_{n.upper()}" for n in missing)
            raise ValueError(f"missing configuration: {names}")
