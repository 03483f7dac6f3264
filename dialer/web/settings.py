"""Web app settings (prefix DIALER_WEB_), kept apart from dialer.config so the service's settings stay small."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialer.config import PROJECT_ROOT

DEFAULT_PAUSE_CODES = ("break", "lunch", "training", "meeting", "technical")
DEFAULT_SCORECARD = ("greeting", "needs_discovery", "product_knowledge", "objection_handling", "closing", "compliance")


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIALER_WEB_", env_file=".env", extra="ignore")

    secret: SecretStr | None = Field(default=None, description="signs session cookies; required (DIALER_WEB_SECRET)")
    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: bool = Field(default=True, description="False only for plain-http development and tests")
    session_idle_s: int = 8 * 3600
    login_max_failures: int = 5
    login_window_s: int = 300
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"
    max_upload_bytes: int = 50 * 1024 * 1024
    pause_codes: tuple[str, ...] = DEFAULT_PAUSE_CODES
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: SecretStr | None = None
    language: str = Field(default="ru", pattern="^(ru|en)$", description="a user's language until they choose")
    time_zone: str = Field(default="Europe/Moscow", description="dates on pages are shown in this zone")
    sse_interval_s: float = 1.0
    sse_max_events: int | None = Field(default=None, description="end each event stream after N events (tests)")

    def secret_value(self) -> str:
        if self.secret is None or len(self.secret.get_secret_value()) < 16:
            raise ValueError("DIALER_WEB_SECRET must be set to at least 16 characters")
        return self.secret.get_secret_value()
