"""Web app settings (prefix DIALER_WEB_), kept apart from dialer.config so the service's settings stay small."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialer.config import PROJECT_ROOT

DEFAULT_PAUSE_CODES = ("break", "lunch", "training", "meeting", "technical")
DEFAULT_SCORECARD = ("greeting", "needs_discovery", "product_knowledge", "objection_handling", "closing", "compliance")


class WebSettings(BaseSettings):
    # hide_input_in_errors: a settings error must not print the secrets it was given
    model_config = SettingsConfigDict(
        env_prefix="DIALER_WEB_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    secret: SecretStr | None = Field(default=None, description="signs session cookies; required (DIALER_WEB_SECRET)")
    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: bool = Field(default=True, description="False only for plain-http development and tests")
    session_idle_s: int = 8 * 3600
    login_max_failures: int = Field(default=5, ge=1, description="failures per (user, client) in the window")
    login_window_s: int = Field(default=300, ge=1)
    login_client_max_failures: int = Field(
        default=20, ge=1, description="failures per client over any user names in the window (spraying)"
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=(),
        description="addresses/networks of reverse proxies whose X-Forwarded-For is believed ('*' = any), "
        "like uvicorn's --forwarded-allow-ips; empty: the direct peer is the client",
    )
    require_admin_totp: bool = Field(default=False, description="admins must sign in with a TOTP code")
    disposition_grace_s: float = Field(
        default=120.0, ge=0, description="after wrap-up ends, an operator may still change the call's disposition"
    )
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"
    max_upload_bytes: int = 50 * 1024 * 1024
    pause_codes: tuple[str, ...] = DEFAULT_PAUSE_CODES
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: SecretStr | None = None
    webhook_allowed_hosts: tuple[str, ...] = Field(
        default=(), description="the only hosts webhooks may be sent to; every webhook URL must name one"
    )
    language: str = Field(default="ru", pattern="^(ru|en)$", description="a user's language until they choose")
    time_zone: str = Field(default="Europe/Moscow", description="dates on pages are shown in this zone")
    sse_interval_s: float = 1.0
    sse_max_events: int | None = Field(default=None, description="end each event stream after N events (tests)")

    @model_validator(mode="after")
    def _webhooks_safe(self) -> WebSettings:
        """Refuse to start rather than send unsigned webhooks or send them anywhere a setting points."""
        if not self.webhook_urls:
            return self
        if self.webhook_secret is None or len(self.webhook_secret.get_secret_value()) < 16:
            raise ValueError("DIALER_WEB_WEBHOOK_URLS is set: DIALER_WEB_WEBHOOK_SECRET (16+ characters) is required")
        allowed = {h.lower() for h in self.webhook_allowed_hosts}
        for url in self.webhook_urls:
            parts = urlsplit(url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ValueError(f"webhook URL {url!r}: an http(s) URL is expected")
            if parts.hostname.lower() not in allowed:
                raise ValueError(f"webhook URL {url!r}: host not in DIALER_WEB_WEBHOOK_ALLOWED_HOSTS")
        return self

    def secret_value(self) -> str:
        if self.secret is None or len(self.secret.get_secret_value()) < 16:
            raise ValueError("DIALER_WEB_SECRET must be set to at least 16 characters")
        return self.secret.get_secret_value()
