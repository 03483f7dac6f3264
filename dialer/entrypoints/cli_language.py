"""The one language of everything the `dialer` command prints: Russian or English.

Chosen by `dialer --lang ru|en` (or `dialer doctor --lang`), else DIALER_LANG, else the locale (LC_ALL,
LC_MESSAGES, LANG); English unless one of them says Russian. Each part keeps its words in a table of the
same kind, `key: (English, Russian)`: dialer.doctor.messages for the doctor, dialer.entrypoints.cli_messages
for every other command. Sentences the domain writes (a list's row problems, reason codes) are translated by
the web app's catalogue (`reason`), so they have one translation wherever they are read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from dialer.web.i18n import Translator

#: key: (English, Russian)
Messages = Mapping[str, tuple[str, str]]

LANGUAGES: Final = ("en", "ru")

_chosen: str | None = None  # the --lang of this run; None: DIALER_LANG or the locale


def default_language() -> str:
    """'ru' when DIALER_LANG or the locale (LC_ALL, LC_MESSAGES, LANG) says Russian, else 'en'."""
    for var in ("DIALER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def choose_language(lang: str | None) -> None:
    """This run's `--lang` (None: the default). Refuses anything but en and ru."""
    global _chosen
    if lang not in (None, *LANGUAGES):
        raise ValueError(f"--lang {lang!r}: en or ru")
    _chosen = lang


def language() -> str:
    """The language this run prints in."""
    return _chosen or default_language()


def text(table: Messages, key: str, lang: str | None = None, **params: Any) -> str:
    """`key` of `table` in `lang` (default: this run's language), its `{name}` placeholders filled."""
    en, ru = table[key]
    return (ru if (lang or language()) == "ru" else en).format(**params)


def _translator(lang: str | None = None) -> Translator:
    """The web app's catalogue in `lang` (default: this run's language): one translation of each sentence."""
    from dialer.web.i18n import Translator, parse_language

    return Translator(parse_language(lang or language(), "en"))


def reason(sentence: str, lang: str | None = None) -> str:
    """A sentence or code the domain wrote in English (a row problem, a filter reason, a list file error) in
    `lang`, by the web app's catalogue; a sentence it does not know stays as written. English stays as written
    too, but for a message the domain wrote in both languages, one a line: its English line."""
    chosen = lang or language()
    if chosen == "ru" or "\n" in sentence:  # "English\nRussian": the domain's own two languages, one of them
        return _translator(chosen).reason(sentence)
    return sentence


def day(value: date) -> str:
    """A date as the web app writes it in the run's language: 05.12.2026 (ru), 2026-12-05 (en)."""
    return _translator().day(value)


def moment(value: datetime) -> str:
    """A moment in UTC as the web app writes it in the run's language: 05.12.2026 09:10 (ru), 2026-12-05 09:10."""
    return _translator().dt(value)
