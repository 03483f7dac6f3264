"""Service settings, read from the environment (prefix DIALER_) or a .env file.

Secrets have no defaults: production must supply them. The lab (dialer.lab) supplies its own
loopback-only credentials.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where migrations/, asterisk_conf/, campaigns/ and the default var/ and recordings/ live: the checkout,
# or DIALER_HOME for an installed (non-editable) package, as in the Docker image.
PROJECT_ROOT = Path(os.environ.get("DIALER_HOME") or Path(__file__).resolve().parent.parent)


class AsteriskServer(BaseModel):
    """One Asterisk server the dialer drives (ARI for call control, AMI for liveness).

    Operators are homed on one server by name (operator.asterisk_server; none means the default server).
    """

    name: str
    ari_url: str
    ari_user: str = "dialer"
    ari_password: SecretStr
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "dialer"
    ami_password: SecretStr
    max_lines: int | None = Field(default=None, description="customer lines this server may carry; None: no limit")
    recording_spool_dir: Path = Path("/var/spool/asterisk/recording")
    cdr_csv_path: Path = Path("/var/log/asterisk/cdr-custom/dialer-cdr.csv")


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
    asterisk_name: str = Field(default="default", description="name of the server the settings above describe")
    asterisk_max_lines: int | None = None
    asterisk_servers: list[AsteriskServer] = Field(
        default_factory=list,
        description="more Asterisk servers besides the default one (DIALER_ASTERISK_SERVERS, a JSON list)",
    )
    trunk: str = Field(
        default="Local/{number}@sim-customers",
        description="Dial string template for customers; {number} is E.164 without '+'",
    )
    local_channel_formats: str = Field(
        default="ulaw",
        description=(
            "Codecs a customer call through a Local/ dial string is created with (ARI originate formats), e.g."
            " 'ulaw' or 'alaw' as the operators' softphones speak; '' lets Asterisk choose, which for a Local"
            " channel is slin192 and costs about ten times the CPU per call (docs/benchmarks.md)"
        ),
    )
    answer_hold_s: float = Field(
        default=30.0,
        ge=0,
        le=600,
        description=(
            "Seconds Asterisk holds a customer who answers while no dialer process listens (a restart, a dropped"
            " ARI websocket), in silence, for the restarted dialer to connect them or play the abandon message;"
            " 0: hang up at once"
        ),
    )
    recording_spool_dir: Path = Field(
        default=Path("/var/spool/asterisk/recording"),
        description="Where Asterisk writes ARI recordings, as seen from the dialer's file system",
    )
    cdr_csv_path: Path = Field(
        default=Path("/var/log/asterisk/cdr-custom/dialer-cdr.csv"),
        description="Asterisk's call records (asterisk_conf/cdr_custom.conf), as seen from the dialer's file system",
    )
    recordings_dir: Path = PROJECT_ROOT / "recordings"
    recording_format: Literal["ogg", "mp3", "wav"] = "ogg"  # Opus in OGG: small, and browsers play it
    recording_store: Literal["local", "s3"] = Field(
        default="local", description="where finished recordings go: recordings_dir, or an S3-compatible bucket"
    )
    recording_s3_bucket: str | None = Field(default=None, description="the bucket; required with recording_store=s3")
    recording_s3_endpoint_url: str | None = Field(
        default=None, description="an S3-compatible server (MinIO, Ceph RGW...); none means AWS"
    )
    recording_s3_region: str | None = None
    recording_s3_prefix: str = Field(
        default="recordings/", description="key prefix inside the bucket; credentials come from the AWS_* variables"
    )
    register_sync_files: dict[str, Path] = Field(
        default_factory=dict,
        description='national registers reloaded hourly when their file changes, JSON {"TPS": "/srv/tps.txt"}',
    )
    numbering_plan_dir: Path | None = Field(
        default=None,
        description="a folder with the numbering plan register's CSV files (ABC-3xx.csv...), reloaded hourly"
        " when a file changes",
    )
    dnc_sync_file: Path | None = Field(
        default=None, description="a do-not-call file (e.g. a registry export) merged into the global list hourly"
    )

    @model_validator(mode="after")
    def _local_channel_formats_are_codec_names(self) -> Settings:
        value = self.local_channel_formats
        if value and not re.fullmatch(r"[a-z0-9_]+(,[a-z0-9_]+)*", value):
            raise ValueError(
                f"DIALER_LOCAL_CHANNEL_FORMATS={value!r}: Asterisk codec names separated by commas"
                " (e.g. 'ulaw' or 'alaw,ulaw'), or empty"
            )
        return self

    @model_validator(mode="after")
    def _s3_store_has_a_bucket(self) -> Settings:
        if self.recording_store == "s3" and not self.recording_s3_bucket:
            raise ValueError("DIALER_RECORDING_S3_BUCKET is required when DIALER_RECORDING_STORE=s3")
        return self

    def servers(self) -> list[AsteriskServer]:
        """Every Asterisk server: the default one (the single-server settings) first, then the others."""
        self.require_secrets()
        assert self.ari_password is not None and self.ami_password is not None
        default = AsteriskServer(
            name=self.asterisk_name,
            ari_url=self.ari_url,
            ari_user=self.ari_user,
            ari_password=self.ari_password,
            ami_host=self.ami_host,
            ami_port=self.ami_port,
            ami_user=self.ami_user,
            ami_password=self.ami_password,
            max_lines=self.asterisk_max_lines,
            recording_spool_dir=self.recording_spool_dir,
            cdr_csv_path=self.cdr_csv_path,
        )
        servers = [default, *self.asterisk_servers]
        names = [s.name for s in servers]
        if len(set(names)) != len(names):
            raise ValueError(f"Asterisk server names must be unique: {names}")
        return servers

    def require_secrets(self) -> None:
        """Refuse to talk to a real Asterisk without explicitly configured credentials."""
        missing = [n for n in ("ari_password", "ami_password") if getattr(self, n) is None]
        if missing:
            names = ", ".join(f"DIALER_{n.upper()}" for n in missing)
            raise ValueError(f"missing configuration: {names}")
