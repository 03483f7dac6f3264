# ruff: noqa: RUF001  (Russian text is intentional here)
"""Russian and English for everything a person reads in the web app: a small typed message catalogue.

Why not Babel's .po files: the app has a few hundred short strings, no translators' tooling, and Russian
needs only its three plural forms, which `ru_plural` computes. The English message is the key (as in
gettext), so a template reads naturally: `{{ _("Sign in") }}`. Internal codes (outcomes, filter reasons,
states...) never reach a page raw: `label(code)` gives their words in the user's language.

Dates, numbers and durations have one format per language (`Translator.dt`, `num`, `pct`, `dur`), in the
user's time zone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dialer.web.i18n_codes import CODES, REASONS
from dialer.web.i18n_messages import MESSAGES, PLURALS

Language = Literal["ru", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ru", "en")
LANGUAGE_NAMES: Final[Mapping[Language, str]] = {"ru": "Русский", "en": "English"}


def ru_plural(n: int) -> int:
    """Index of the Russian plural form: 0 one (1, 21, 101), 1 few (2-4, 22-24), 2 many (0, 5-20, 11-14)."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# "no valid phone number ('x': why; 'y': why)": each inner reason is translated too
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_NO_VALID_PHONE = re.compile(r"no valid phone number \((.*)\)")
_ONE_PHONE = re.compile(r"'(.*?)': (.*)")


def parse_language(value: str | None, default: Language = "ru") -> Language:
    """A supported language from a cookie, a setting or an Accept-Language header; else the default."""
    for part in (value or "").replace(";", ",").split(","):
        tag = part.strip().lower()[:2]
        if tag == "ru":
            return "ru"
        if tag == "en":
            return "en"
    return default


def time_zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


# Russia's eleven zones west to east: our users' floors sit in them, so the picker lists them first.
RUSSIAN_ZONES: Final[tuple[str, ...]] = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
)


def valid_time_zone(name: str | None) -> str | None:
    """The IANA zone name if zoneinfo knows it, else None (a user's choice is checked before it is stored)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def zone_choices() -> list[str]:
    """The picker's zones: Russia's first, then every other region/city zone zoneinfo knows, sorted."""
    rest = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [*RUSSIAN_ZONES, *(z for z in rest if z not in RUSSIAN_ZONES)]


def zone_name(tz: tzinfo) -> str:
    """The zone's IANA name as a page shows it (and hands to its scripts)."""
    return tz.key if isinstance(tz, ZoneInfo) else "UTC"


@dataclass(frozen=True)
class Translator:
    """Everything language-dependent for one request: messages, code labels, dates, numbers, durations."""

    language: Language
    tz: tzinfo = UTC
    missing: set[str] = field(default_factory=set, compare=False)  # msgids not in the catalogue (tests read it)

    def gettext(self, message: str, **values: object) -> str:
        if self.language == "ru":
            text = MESSAGES.get(message)
            if text is None:
                self.missing.add(message)
                text = message
        else:
            text = message
        return _fill(text, values) if values else text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = PLURALS.get((singular, plural))
        if forms is None:
            self.missing.add(singular)
            forms = (singular, plural, plural)
        text = forms[ru_plural(n)] if self.language == "ru" else (singular if n == 1 else plural)
        return text.replace("{n}", self.num(n))

    def label(self, code: object) -> str:
        """Words for an internal code; an unknown code is shown as words (underscores to spaces)."""
        if code is None or code == "":
            return ""
        key = str(code)
        pair = CODES.get(key)
        if pair is None:
            self.missing.add(key)
            return key.replace("_", " ")
        return pair[1] if self.language == "ru" else pair[0]

    def reason(self, text: str | None) -> str:
        """A stored reason (a code or one of the domain's sentences) in the user's language."""
        if not text:
            return ""
        if "\n" in text:  # a message the domain wrote in both languages: English, newline, Russian
            parts = text.split("\n")
            russian = [p for p in parts if _CYRILLIC.search(p)]
            english = [p for p in parts if not _CYRILLIC.search(p)]
            return " ".join((russian if self.language == "ru" else english) or parts)
        if text in CODES:
            return self.label(text)
        m = _NO_VALID_PHONE.fullmatch(text)
        if m:
            parts = []
            for part in m.group(1).split("; "):
                one = _ONE_PHONE.fullmatch(part)
                parts.append(f"«{one.group(1)}»: {self.reason(one.group(2))}" if one else self.reason(part))
            head = "нет верного номера телефона" if self.language == "ru" else "no valid phone number"
            return f"{head} ({'; '.join(parts)})"
        for pattern, en, ru in REASONS:
            m = pattern.fullmatch(text)
            if m:
                return (ru if self.language == "ru" else en).format(*m.groups())
        one = _ONE_PHONE.fullmatch(text)  # "'x': why" (a do-not-call or register line that is not a number)
        if one:
            return f"«{one.group(1)}»: {self.reason(one.group(2))}"
        self.missing.add(text)
        return text

    def outcome(self, outcome: str | None, disposition_label: str | None = None) -> str:
        """What happened on a call: the disposition's label when the operator chose one, else the outcome in
        words ("connected" without a disposition says so)."""
        if disposition_label:
            return disposition_label
        if outcome is None:
            return self.gettext("in progress")
        if outcome == "connected":
            return self.gettext("connected, no result recorded")
        return self.label(outcome)

    def num(self, value: float | int | None, digits: int = 0) -> str:
        if not isinstance(value, int | float):  # None, or a field an older report lacks
            return ""
        text = f"{value:,.{digits}f}"
        if self.language == "ru":
            text = text.replace(",", "\u00a0").replace(".", ",")
        return text

    def pct(self, fraction: float | None, digits: int = 1) -> str:
        """A rate (0.03) as a percent (3.0 %): the one way a rate is shown, in forms, tables and charts."""
        if not isinstance(fraction, int | float):
            return ""
        sign = "\u00a0%" if self.language == "ru" else "%"
        return f"{self.num(100 * fraction, digits)}{sign}"

    def dur(self, seconds: float | None) -> str:
        """Durations as m:ss or h:mm:ss, the same in both languages (a wallboard's usual clock form)."""
        if not isinstance(seconds, int | float):
            return ""
        s = max(0, round(seconds))
        h, rest = divmod(s, 3600)
        m, sec = divmod(rest, 60)
        return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"

    def dt(self, value: datetime | str | None, seconds: bool = False) -> str:
        """A moment in the user's time zone: 05.12.2026 09:10 (ru) or 2026-12-05 09:10 (en)."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            text = value
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                return text
        if value.tzinfo is None:  # the database stores UTC without a zone
            value = value.replace(tzinfo=UTC)
        local = value.astimezone(self.tz)
        clock = "%H:%M:%S" if seconds else "%H:%M"
        return local.strftime(("%d.%m.%Y " if self.language == "ru" else "%Y-%m-%d ") + clock)

    def day(self, value: date | str | None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return value.strftime("%d.%m.%Y" if self.language == "ru" else "%Y-%m-%d")

    def time(self, value: datetime | str | None) -> str:
        """Clock time only (for a call's timeline)."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self.tz).strftime("%H:%M:%S")

    def js_messages(self) -> dict[str, str]:
        """The catalogue in this language, for the page's scripts (window.I18N)."""
        if self.language == "en":
            return {k: k for k in MESSAGES} | {k: v[0] for k, v in CODES.items()}
        return dict(MESSAGES) | {k: v[1] for k, v in CODES.items()}


def _fill(text: str, values: Mapping[str, object]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def english_ui_words() -> set[str]:
    """English messages that must not appear on a Russian page (those whose Russian differs)."""
    return {k for k, v in MESSAGES.items() if k != v and "_" not in k}
