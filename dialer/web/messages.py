# ruff: noqa: RUF001  (Russian text is intentional here)
"""Messages the web app's users read about input and sign-in problems, in English and Russian, in one
place. `UserError` carries a message key; the app's error handler answers in the user's language
(dialer.web.i18n)."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Russian)
    "id_range": ("{field}: must be a whole number from 1 to {max}", "{field}: целое число от 1 до {max}"),
    "not_phone": ("not a phone number: {value!r}", "не номер телефона: {value!r}"),
    "text_nul": ("{field}: control character NUL is not allowed", "{field}: символ NUL недопустим"),
    "needs_tz": (
        "{field} needs a time zone offset (e.g. 2026-10-01T12:00:00+03:00)",
        "{field}: укажите часовой пояс (например 2026-10-01T12:00:00+03:00)",
    ),
    "bad_day": ("{field}: a date as YYYY-MM-DD is expected", "{field}: ожидается дата в формате ГГГГ-ММ-ДД"),
    "date_range": ("{field}: must be between {first} and {last}", "{field}: дата должна быть между {first} и {last}"),
    "login_wrong": ("Wrong username or password.", "Неверное имя пользователя или пароль."),
    "login_throttled": (
        "Too many failed attempts; try again in {seconds} s.",
        "Слишком много неудачных попыток; повторите через {seconds} с.",
    ),
    "login_totp": ("Enter the 6-digit code from your authenticator app.", "Введите 6-значный код из приложения."),
    "login_totp_setup": (
        "Admins must set up a second factor: ask another admin to enrol you (dialer users totp).",
        "Администратору нужен второй фактор: попросите другого администратора подключить его (dialer users totp).",
    ),
    "username_taken": ("username taken (names are compared ignoring case)", "имя занято (регистр не учитывается)"),
    "username_bad": (
        "username: 2-80 letters, digits, and . _ @ -",
        "имя пользователя: 2-80 букв, цифр и символов . _ @ -",
    ),
    "operator_taken": (
        "operator {operator_id} is already linked to user {username}",
        "оператор {operator_id} уже привязан к пользователю {username}",
    ),
    "no_operator": ("no such operator {operator_id}", "нет оператора {operator_id}"),
    "dispo_closed": (
        "this call's disposition can no longer be changed by an operator (wrap-up plus {grace_s:.0f} s are over); "
        "ask a manager",
        "результат этого звонка оператор уже не может изменить (поствызывная обработка и {grace_s:.0f} с "
        "истекли); обратитесь к руководителю",
    ),
    "dispo_not_bridged": (
        "this call was never connected to you; it has no disposition to record",
        "этот звонок не соединялся с вами; результат для него не записывается",
    ),
    "callback_outside_campaign": (
        "the callback date must fall within the campaign's dates ({first} to {last})",
        "дата перезвона должна быть в пределах дат кампании ({first} — {last})",
    ),
    "callback_outside_window": (
        "the callback time must fall within the campaign's calling hours ({windows}, {tz})",
        "время перезвона должно попадать в часы обзвона кампании ({windows}, {tz})",
    ),
    "callback_past": ("the callback time is in the past", "время перезвона уже прошло"),
    "password_short": (
        "the new password needs at least {min} characters",
        "новый пароль должен быть не короче {min} символов",
    ),
    "password_mismatch": ("the two new passwords differ", "новые пароли не совпадают"),
    "password_current_wrong": ("the current password is wrong", "текущий пароль неверен"),
    "password_same": (
        "the new password is the same as the current one",
        "новый пароль совпадает с текущим",
    ),
    "score_missing": ("score every criterion: {criteria}", "поставьте оценку по каждому критерию: {criteria}"),
    "score_unknown": ("not on this campaign's scorecard: {criteria}", "нет в оценочном листе кампании: {criteria}"),
    "score_range": (
        "a score is whole points within the criterion's range: {criteria}",
        "оценка — целое число баллов в пределах критерия: {criteria}",
    ),
    "knob_type": ("{knob}: a number, text or true/false is expected", "{knob}: ожидается число, текст или true/false"),
}


def text(key: str, lang: str = "en", **params: Any) -> str:
    en, ru = MESSAGES[key]
    return (ru if lang == "ru" else en).format(**params)


def language_of(request: Request) -> str:
    """The user's language, as every page uses it (dialer.web.context.translator_of: their choice, else
    DIALER_WEB_LANGUAGE), so an error reads in the language of the page it comes from."""
    from dialer.web.context import translator_of

    return translator_of(request).language


class UserError(HTTPException):
    """An HTTP error whose message exists in both languages; `detail` stays English for logs and clients
    that do not ask for a language."""

    def __init__(self, status_code: int, key: str, headers: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(status_code=status_code, detail=text(key, "en", **params), headers=headers)
        self.key = key
        self.params = params

    def in_language(self, lang: str) -> str:
        return text(self.key, lang, **self.params)
