"""Sign-in machinery: argon2 password hashes, server-side sessions behind a signed cookie, a session-bound
CSRF token, role guards and a login rate limiter.

Sessions and the rate limiter live in this process's memory: one web process (the dialer's own event
loop) is the deployment; a restart signs everybody out, which is acceptable for a call centre shift.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


@dataclass
class WebSession:
    id: str
    csrf: str
    user: WebUser | None = None
    created: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)


class SessionStore:
    """Sessions by random id. The cookie holds the id signed with the app secret (tamper-evident)."""

    def __init__(self, secret: str, idle_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="dialer-session")
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()
        self.idle_s = idle_s

    def new(self, user: WebUser | None = None) -> WebSession:
        s = WebSession(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), user=user)
        with self._lock:
            self._sessions[s.id] = s
        return s

    def cookie_value(self, session: WebSession) -> str:
        return self._serializer.dumps(session.id)

    def load(self, cookie: str | None) -> WebSession | None:
        if not cookie:
            return None
        try:
            sid = self._serializer.loads(cookie, max_age=self.idle_s * 3)
        except BadSignature:
            return None
        now = time.monotonic()
        with self._lock:
            s = self._sessions.get(str(sid))
            if s is None:
                return None
            if now - s.last_seen > self.idle_s:
                del self._sessions[s.id]
                return None
            s.last_seen = now
            return s

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def drop_user(self, user_id: int) -> int:
        """Sign a user out everywhere (role change, deactivation, new password)."""
        with self._lock:
            ids = [k for k, s in self._sessions.items() if s.user is not None and s.user.id == user_id]
            for k in ids:
                del self._sessions[k]
        return len(ids)


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
        holder = SessionHolder(self.store, self.store.load(cookie))
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


class LoginRateLimiter:
    """At most `max_failures` failed sign-ins per (username, IP) in `window_s`. In memory, per process."""

    def __init__(self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: MutableMapping[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        cutoff = self.clock() - self.window_s
        while q and q[0] < cutoff:
            q.popleft()
        return q

    def retry_after(self, username: str, ip: str) -> float:
        """Seconds until this pair may try again; 0 when allowed."""
        with self._lock:
            q = self._recent((username.lower(), ip))
            if len(q) < self.max_failures:
                return 0.0
            return max(1.0, q[0] + self.window_s - self.clock())

    def failed(self, username: str, ip: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # bound the memory a flood of made-up usernames can take
                for key in [k for k in self._failures if not self._recent(k)]:
                    del self._failures[key]
            self._recent((username.lower(), ip)).append(self.clock())

    def succeeded(self, username: str, ip: str) -> None:
        with self._lock:
            self._failures.pop((username.lower(), ip), None)


GuardCall = Callable[[Request], Awaitable[Any]]
