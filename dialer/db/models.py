"""The data model. One row per dial (attempt) is the unit everything else is counted from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="stopped")  # running | paused | stopped
    dialing_mode: Mapped[str] = mapped_column(String(20), default="progressive")
    caller_id: Mapped[str | None] = mapped_column(String(80))
    dial_string: Mapped[str | None] = mapped_column(String(200))  # overrides the service's trunk
    amd_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    record_calls: Mapped[bool] = mapped_column(Boolean, default=True)
    ring_timeout_s: Mapped[float] = mapped_column(Float, default=20.0)
    connect_limit_s: Mapped[float] = mapped_column(Float, default=2.0)
    wrapup_s: Mapped[float] = mapped_column(Float, default=10.0)
    max_lines: Mapped[int] = mapped_column(Integer, default=30)
    abandon_message: Mapped[str] = mapped_column(String(200), default="sound:sorry")
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the campaign file as applied
    pacing_overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)  # admin's live knob changes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    dispositions: Mapped[list[Disposition]] = relationship(back_populates="campaign")


class Disposition(Base):
    """An outcome the operator records (interested, callback, refused...), defined per campaign."""

    __tablename__ = "disposition"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    positive: Mapped[bool] = mapped_column(Boolean, default=False)
    refusal: Mapped[bool] = mapped_column(Boolean, default=False)
    callback: Mapped[bool] = mapped_column(Boolean, default=False)

    campaign: Mapped[Campaign] = relationship(back_populates="dispositions")


class ContactList(Base):
    __tablename__ = "contact_list"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Contact(Base):
    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("list_id", "phone"),
        Index("ix_contact_dialable", "campaign_id", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("contact_list.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    row_number: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    alt_phones: Mapped[list[str]] = mapped_column(default=list)
    company: Mapped[str | None] = mapped_column(String(300))
    contact_person: Mapped[str | None] = mapped_column(String(200))
    specialty: Mapped[str | None] = mapped_column(String(200))
    headcount: Mapped[int | None] = mapped_column(Integer)
    tax_id: Mapped[str | None] = mapped_column(String(20))
    group_name: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(300))
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA zone when known for sure
    timezone_candidates: Mapped[list[str]] = mapped_column(default=list)  # every zone the callee may be in
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # new -> leased (being dialled) -> new again (retry) | done; filtered/corporate/dnc are never dialled
    status: Mapped[str] = mapped_column(String(20), default="new")
    status_reason: Mapped[str | None] = mapped_column(String(300))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    leased_by: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column()
    is_callback: Mapped[bool] = mapped_column(Boolean, default=False)  # next_attempt_at is a promised call
    callback_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    refused_at: Mapped[datetime | None] = mapped_column()  # last refusal: blocks every campaign a while
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Operator(Base):
    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sip_endpoint: Mapped[str] = mapped_column(String(200))  # dial string of the softphone, e.g. PJSIP/op1
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the Asterisk server the softphone registers to (name from the servers config); None: the default one
    asterisk_server: Mapped[str | None] = mapped_column(String(100))


class OperatorSession(Base):
    """One log-in of an operator: the nailed-up softphone channel and its holding bridge."""

    __tablename__ = "operator_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(String(100))
    channel_id: Mapped[str | None] = mapped_column(String(100))
    bridge_id: Mapped[str | None] = mapped_column(String(100))


class OperatorStateChange(Base):
    __tablename__ = "operator_state_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("operator_session.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20))  # dialer.pacing.OperatorState values, plus logged_out
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(100))


class Attempt(Base):
    """One dial of one contact. channel_id is chosen by us before origination: the idempotency key."""

    __tablename__ = "attempt"
    __table_args__ = (Index("ix_attempt_campaign_outcome", "campaign_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    channel_id: Mapped[str] = mapped_column(String(100), unique=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    operator_session_id: Mapped[int | None] = mapped_column(ForeignKey("operator_session.id"))
    originated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ringing_at: Mapped[datetime | None] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
    amd_status: Mapped[str | None] = mapped_column(String(20))
    amd_cause: Mapped[str | None] = mapped_column(String(100))
    amd_at: Mapped[datetime | None] = mapped_column()  # the verdict: with amd_cause, the greeting's end
    bridged_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    hangup_cause_txt: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(20))  # AttemptOutcome; NULL while in progress
    disposition_code: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    next_action_at: Mapped[datetime | None] = mapped_column()
    # abandoned calls: did the callee hear the recorded message to the end (None: not abandoned)
    abandon_message_played: Mapped[bool | None] = mapped_column(Boolean)
    # outbound: we dialled; inbound: the contact called the campaign's number (dialer.service.inbound)
    direction: Mapped[str] = mapped_column(String(10), default="outbound", server_default="outbound")
    script_version_id: Mapped[int | None] = mapped_column(ForeignKey("call_script.id"))  # the A/B arm it got
    # inbound callers who never reached an operator: hung_up, max_wait or closed (Reason in inbound_routing)
    queue_exit: Mapped[str | None] = mapped_column(String(10))


class Recording(Base):
    __tablename__ = "recording"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), unique=True)
    path: Mapped[str] = mapped_column(String(500))  # relative to the recordings store
    format: Mapped[str] = mapped_column(String(10))
    duration_s: Mapped[float] = mapped_column(Float)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    channels: Mapped[int] = mapped_column(Integer, default=1)
    dead_air_start_s: Mapped[float | None] = mapped_column(Float)  # answer -> operator's first audio
    talk_over_ratio: Mapped[float | None] = mapped_column(Float)
    silence_ratio: Mapped[float | None] = mapped_column(Float)
    # "operator" or "customer": that side's leg was lost (a dialer restart, an ARI time-out) and is silence
    # in the file; QA sees it. None: both sides recorded.
    missing_leg: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in to the web app: admin, manager (campaign manager), operator or qa."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    # NFKC + casefold of username (dialer.web.users.username_key): "ADMIN" cannot sit beside "admin"
    username_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    # an operator's softphone; one operator, one user
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # base32; the admin's second factor
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # 30-s step of the last code used: no replay
    language: Mapped[str | None] = mapped_column(String(5))  # "ru" | "en"; None: the site's default
    time_zone: Mapped[str | None] = mapped_column(String(64))  # an IANA zone; None: the site's default
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PacingChange(Base):
    """Every change of a pacing knob, with who made it: admins tune live, and must answer for it."""

    __tablename__ = "pacing_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    knob: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(String(100))
    new_value: Mapped[str] = mapped_column(String(100))


class AuditLog(Base):
    """Security-relevant actions: sign-ins, role changes, pacing changes, recording playback."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DoNotCall(Base):
    """A number nobody may dial (campaign_id NULL) or that one campaign may not dial; with its history.
    A row is one opt-out; a removal stamps removed_* on it (never deletes): active rows have removed_at NULL."""

    __tablename__ = "do_not_call"
    __table_args__ = (Index("ix_do_not_call_phone", "phone", "campaign_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(100))  # "operator", "import:<file>", "api", ...
    reason: Mapped[str | None] = mapped_column(String(300))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    removed_source: Mapped[str | None] = mapped_column(String(100))
    removed_reason: Mapped[str | None] = mapped_column(String(300))


class ConsentRecord(Base):
    """One consent or one withdrawal (dialer.compliance.consent): the current state is derived from the
    history, latest event wins; rows are never updated."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_phone", "phone", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))  # e.g. advertising
    action: Mapped[str] = mapped_column(String(10))  # given | withdrawn
    source: Mapped[str] = mapped_column(String(300))  # where the person gave it (web form, call, file row...)
    channel: Mapped[str] = mapped_column(String(20))  # how it reached us: import | operator | api | web | cli
    reference: Mapped[str | None] = mapped_column(String(300))  # import file and row, attempt id...
    given_at: Mapped[datetime] = mapped_column()  # when the person gave / withdrew it (from the source)
    expires_at: Mapped[datetime | None] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class NationalRegister(Base):
    """A national opt-out register (TPS, CTPS, US_DNC...) as last loaded; its numbers are below."""

    __tablename__ = "national_register"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    as_of: Mapped[datetime] = mapped_column()  # the date of the data: what the profile's max age is counted from
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_file: Mapped[str | None] = mapped_column(String(500))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    numbers: Mapped[int] = mapped_column(Integer, default=0)
    loaded_by: Mapped[str | None] = mapped_column(String(100))  # cli, sync:<file>, a user


class NationalRegisterNumber(Base):
    __tablename__ = "national_register_number"
    __table_args__ = (
        UniqueConstraint("register_id", "phone"),
        Index("ix_national_register_number_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("national_register.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))


class RecordingScore(Base):
    """A QA evaluation of one call against its campaign's scorecard."""

    __tablename__ = "recording_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recording.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)  # criterion -> points
    total: Mapped[float] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NumberingPlanFile(Base):
    """A numbering plan register file as last loaded (ABC-3xx.csv, DEF-9xx.csv...); its ranges are below."""

    __tablename__ = "numbering_plan_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # the file's name
    sha256: Mapped[str] = mapped_column(String(64))
    ranges: Mapped[int] = mapped_column(Integer, default=0)
    as_of: Mapped[datetime] = mapped_column()  # the file's date: how old the plan is
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str | None] = mapped_column(String(100))


class NumberingRange(Base):
    """One range of the Russian numbering plan: national numbers start..end (10 digits, code included)."""

    __tablename__ = "numbering_range"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("numbering_plan_file.id", ondelete="CASCADE"), index=True)
    code: Mapped[int] = mapped_column(Integer, index=True)  # ABC/DEF: a load replaces the codes its file has
    start: Mapped[int] = mapped_column(BigInteger)
    end: Mapped[int] = mapped_column(BigInteger)
    operator: Mapped[str] = mapped_column(String(300))
    region: Mapped[str] = mapped_column(String(500))
    inn: Mapped[str | None] = mapped_column(String(12))
