"""Sign-in machinery: argon2 password hashes, sessions behind a signed cookie, a session-bound CSRF token,
role guards and the client address a sign-in is counted against.

The sessions and the sign-in limiter are kept in the database (dialer.web.state), so several web
processes share them and a restart logs nobody out.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import HTTPException, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from dialer.web.state import SessionStore

ROLES = ("admin", "manager", "operator", "qa", "supervisor")
# The new-user form offers the least privileged role first (and preselects it).
ROLES_LEAST_FIRST = ("operator", "qa", "supervisor", "manager", "admin")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE_NAME = "dialer_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not reveal valid usernames.
_DUMMY_HASH = _hasher.hash("no such user, constant-time refusal")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class WebUser:
    id: int
    username: str
    role: str
    operator_id: int | None
    language: str | None = None  # their choice (app_user.language); None: the site's default
    time_zone: str | None = None  # their zone (app_user.time_zone); None: the site's default


@dataclass
class WebSession:
    id: str
    csrf: str
    user: WebUser | None = None
    created: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)


class SessionHolder:
    """Per-request handle on the session; the middleware writes the cookie if it changed."""

    def __init__(self, store: SessionStore, session: WebSession | None) -> None:
        self.store = store
        self.session = session
        self.changed = False
        self.cleared = False

    def ensure(self) -> WebSession:
        if self.session is None:
            self.session = self.store.new()
            self.changed = True
        return self.session

    def sign_in(self, user: WebUser) -> WebSession:
        """A new session id at every sign-in, so a planted (fixated) id is never promoted."""
        if self.session is not None:
            self.store.delete(self.session.id)
        self.session = self.store.new(user)
        self.changed = True
        return self.session

    def sign_out(self) -> None:
        if self.session is not None:
            self.store.delete(self.session.id)
        self.session = None
        self.cleared = True

    @property
    def user(self) -> WebUser | None:
        return self.session.user if self.session is not None else None


SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


class SessionMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so server-sent event streams pass through untouched."""

    def __init__(self, app: ASGIApp, store: SessionStore, secure: bool) -> None:
        self.app = app
        self.store = store
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope, COOKIE_NAME)
        session = await asyncio.to_thread(self.store.load, cookie) if cookie else None
        holder = SessionHolder(self.store, session)
        scope.setdefault("state", {})["web"] = holder

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    if k not in headers:
                        headers[k] = v
                flags = "; HttpOnly; SameSite=Lax; Path=/" + ("; Secure" if self.secure else "")
                if holder.changed and holder.session is not None:
                    headers.append("set-cookie", f"{COOKIE_NAME}={self.store.cookie_value(holder.session)}{flags}")
                elif holder.cleared:
                    headers.append("set-cookie", f"{COOKIE_NAME}=; Max-Age=0{flags}")
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return str(v)
    return None


def holder_of(request: Request) -> SessionHolder:
    holder: SessionHolder = request.state.web
    return holder


async def verify_csrf(request: Request) -> None:
    """Session-bound token, sent as the X-CSRF-Token header (API) or the csrf_token form field (forms)."""
    session = holder_of(request).session
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if session is None or not token or not hmac.compare_digest(token, session.csrf):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and request.method in SAFE_METHODS


class RoleGuard:
    """Router dependency: signed in, with one of `roles`, and a valid CSRF token on state changes.

    The route x role test finds these on every route, so a route without one fails the suite."""

    def __init__(self, *roles: str) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {unknown}")
        self.roles = frozenset(roles)

    async def __call__(self, request: Request) -> WebUser:
        user = holder_of(request).user
        if user is None:
            if _wants_html(request):
                target = quote(request.url.path, safe="/")
                raise HTTPException(status_code=303, headers={"Location": f"/login?next={target}"})
            raise HTTPException(status_code=401, detail="sign in first")
        if user.role not in self.roles:
            raise HTTPException(status_code=403, detail="your role may not use this")
        if request.method not in SAFE_METHODS:
            await verify_csrf(request)
        return user

    def __repr__(self) -> str:
        return f"RoleGuard({', '.join(sorted(self.roles))})"


class PublicGuard:
    """For the few routes open to anonymous visitors (sign-in page): still CSRF-checked on POST."""

    roles = frozenset(ROLES)

    async def __call__(self, request: Request) -> None:
        holder_of(request).ensure()
        if request.method not in SAFE_METHODS:
            await verify_csrf(request)


def current_user(request: Request) -> WebUser:
    user = holder_of(request).user
    if user is None:  # the router's RoleGuard has run before; this is a programming error
        raise HTTPException(status_code=401, detail="sign in first")
    return user


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """The address a sign-in is counted against. X-Forwarded-For is believed only when the direct peer is
    a trusted proxy (DIALER_WEB_TRUSTED_PROXIES, as uvicorn's --forwarded-allow-ips); then the right-most
    address in it that is not itself a trusted proxy is the client (anything left of it the client wrote)."""
    host = peer or "unknown"
    if not forwarded_for or not _is_trusted(host, trusted):
        return host
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop[:64]
    return hops[0][:64] if hops else host


def _is_trusted(host: str, trusted: Sequence[str]) -> bool:
    if "*" in trusted:
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return host in trusted  # e.g. a unix socket peer name
    for entry in trusted:
        try:
            if addr in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


GuardCall = Callable[[Request], Awaitable[Any]]
