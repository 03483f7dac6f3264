"""Errors a web user reads about their input or sign-in, in their language.

`UserError` carries the English message (the msgid of the one catalogue, dialer.web.i18n_messages) and its
values; the app's error handler answers in the user's language (dialer.web.i18n.Translator)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

from dialer.web.i18n import Translator, parse_language


def text(message: str, lang: str = "en", **params: Any) -> str:
    """`message` (English, in the catalogue) in `lang`, its `{name}` placeholders filled."""
    return Translator(parse_language(lang, "en")).gettext(message, **params)


def language_of(request: Request) -> str:
    """The user's language, as every page uses it (dialer.web.context.translator_of), so an error reads in
    the language of the page it comes from."""
    from dialer.web.context import translator_of

    return translator_of(request).language


class UserError(HTTPException):
    """An HTTP error whose message exists in both languages; `detail` stays English for logs and clients
    that do not ask for a language."""

    def __init__(self, status_code: int, message: str, headers: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(status_code=status_code, detail=text(message, "en", **params), headers=headers)
        self.message = message
        self.params = params

    def in_language(self, lang: str) -> str:
        return text(self.message, lang, **self.params)
