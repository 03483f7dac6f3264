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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


# English -> Russian. Keep them short; `{name}` placeholders are filled by `Translator.gettext(**kw)`.
MESSAGES: Final[Mapping[str, str]] = {
    # header, navigation, common words
    "Sign in": "Войти",
    "Code (admins with a second factor)": "Код (для администраторов со вторым фактором)",
    "Sign out": "Выйти",
    "Username": "Имя пользователя",
    "Password": "Пароль",
    "Language": "Язык",
    "Pacing": "Темп набора",
    "Users": "Пользователи",
    "Campaigns": "Кампании",
    "Campaign": "Кампания",
    "Compliance": "Соответствие закону",
    "DNC & consent": "Запреты и согласия",
    "QA": "Контроль качества",
    "API": "API",
    "Upload list": "Загрузить список",
    "Upload a list": "Загрузить список",
    "My desk": "Моё рабочее место",
    "Recordings": "Записи",
    "Wallboard": "Табло",
    "Contacts": "Контакты",
    "Sorry": "Ошибка",
    "Error": "Ошибка",
    "Back": "Назад",
    "Saved.": "Сохранено.",
    "Nothing changed.": "Ничего не изменилось.",
    "Save": "Сохранить",
    "Search": "Найти",
    "Show": "Показать",
    "Apply": "Применить",
    "Create": "Создать",
    "any": "любая",
    "any operator": "любой",
    "none": "нет",
    "none yet": "пока нет",
    "yes": "да",
    "no": "нет",
    "now": "сейчас",
    "empty": "пусто",
    "From": "С",
    "To": "По",
    "Status": "Состояние",
    "Mode": "Режим",
    "Operator": "Оператор",
    "Operators": "Операторы",
    "Phone": "Телефон",
    "Company": "Компания",
    "Contact person": "Контактное лицо",
    "Contact": "Контакт",
    "Specialty": "Специализация",
    "Headcount": "Численность",
    "Outcome": "Итог звонка",
    "Disposition": "Результат",
    "Notes": "Заметки",
    "Duration": "Длительность",
    "When": "Когда",
    "Reason": "Причина",
    "Role": "Роль",
    "User": "Пользователь",
    "Active": "Активен",
    "active": "активен",
    "Name": "Имя",
    "Login": "Логин",
    "Endpoint": "Точка SIP",
    "Listen": "Слушать",
    "Comment": "Комментарий",
    "Page not found.": "Страница не найдена.",
    "Your session has ended: sign in again.": "Сеанс завершён: войдите снова.",
    "Your role may not open this page.": "Вашей роли эта страница недоступна.",
    "The form has expired: open the page again and repeat.": "Форма устарела: откройте страницу снова и повторите.",
    "Something in the form is wrong: {problem}": "В форме ошибка: {problem}",
    "Too many failed attempts; try later.": "Слишком много неудачных попыток, попробуйте позже.",
    "Wrong username or password.": "Неверное имя пользователя или пароль.",
    "This upload is no longer here: it was imported already or has expired.": (
        "Этой загрузки больше нет: она уже импортирована или устарела."
    ),
    "Back to the start page": "На главную",
    # the API's error details, as the pages' scripts and the error page show them
    "CSRF token missing or wrong": "Форма устарела: откройте страницу снова и повторите.",
    "a callback needs the next action date and time": "Для перезвона укажите дату и время следующего действия.",
    "an operator user needs operator_id (their softphone)": "Пользователю-оператору нужен оператор (его софтфон).",
    "at most a year at a time": "Не больше года за раз.",
    "campaign is not running in this dialer": "Кампания не идёт в этой службе набора.",
    "dates are YYYY-MM-DD": "Даты в виде ГГГГ-ММ-ДД.",
    "each score is 0..10": "Каждая оценка — от 0 до 10.",
    "file too large": "Файл слишком большой.",
    "given_at is in the future": "Дата согласия в будущем.",
    "min_duration: not a valid value": "Мин. длительность: неверное значение.",
    "min_lines_per_operator is above max_lines_per_operator": "Мин. линий на оператора больше максимума.",
    "next_action_at needs a time zone offset": "У даты следующего действия нет часового пояса.",
    "no dialer service attached to this web process": "К веб-приложению не подключена служба набора.",
    "no such call of yours": "Такого вашего звонка нет.",
    "no such campaign": "Такой кампании нет.",
    "no such list": "Такого списка нет.",
    "no such recording": "Такой записи нет.",
    "no such user": "Такого пользователя нет.",
    "not logged in to a campaign": "Вы не подключены к кампании.",
    "pause is possible only when ready (finish the call first)": "Пауза возможна только в состоянии «готов» "
    "(сначала завершите звонок).",
    "recording file not found": "Файл записи не найден.",
    "sign in first": "Сначала войдите.",
    "the period ends before it starts": "Период заканчивается раньше, чем начинается.",
    "this campaign does not record on demand": "Эта кампания не записывает звонки по запросу.",
    "this user is not linked to an operator (softphone)": "Пользователь не связан с оператором (софтфоном).",
    "unknown disposition for this campaign": "У кампании нет такого результата звонка.",
    "upload a .csv or .xlsx file": "Загрузите файл .csv или .xlsx.",
    "username taken": "Это имя пользователя уже занято.",
    "you cannot demote or deactivate yourself": "Нельзя понизить или отключить самого себя.",
    "your role may not use this": "Вашей роли это недоступно.",
    # admin
    "Pacing consoles": "Пульты темпа набора",
    "Open console": "Открыть пульт",
    "No campaigns.": "Кампаний нет.",
    "Users and operators": "Пользователи и операторы",
    "Pacing console: {name}": "Пульт темпа набора: {name}",
    "Knobs": "Настройки",
    "Target abandon rate, %": "Целевая доля брошенных, %",
    "Min lines per operator": "Мин. линий на оператора",
    "Max lines per operator": "Макс. линий на оператора",
    "Max lines (trunk)": "Макс. линий (транк)",
    "Paused": "На паузе",
    "Requested target": "Запрошенная цель",
    "effective (the jurisdiction's cap applies)": "действующая (с учётом законного предела)",
    "Live": "Сейчас",
    "In flight": "Звонков в работе",
    "lines/operator": "линий на оператора",
    "abandon today": "брошенных сегодня",
    "last hour": "за последний час",
    "Calls in flight": "Звонков в работе",
    "Operators ready": "Свободных операторов",
    "Abandon rate (hour), %": "Доля брошенных (час), %",
    "Target, %": "Цель, %",
    "calls": "звонки",
    "Changes": "Изменения",
    "Who": "Кто",
    "Knob": "Настройка",
    "Old": "Было",
    "New": "Стало",
    "Change": "Изменить",
    "New user": "Новый пользователь",
    "Password (10+ characters)": "Пароль (не короче 10 символов)",
    "Operators (softphones)": "Операторы (софтфоны)",
    "Add operator": "Добавить оператора",
    "Audit log (latest)": "Журнал действий (последние)",
    "Action": "Действие",
    "Target": "Объект",
    # manager
    "Progress": "Выполнено",
    "Dialled": "Набрано",
    "Answered": "Отвечено",
    "Bridged": "Соединено",
    "Abandoned": "Брошено",
    "Positive": "Успешно",
    "Callbacks": "Перезвоны",
    "No campaigns yet: apply one below or with the command line.": (
        "Кампаний пока нет: создайте кампанию ниже или из командной строки."
    ),
    "Create or update a campaign (YAML)": "Создать или изменить кампанию (YAML)",
    "Start": "Запустить",
    "Pause": "Пауза",
    "Stop": "Остановить",
    "Funnel": "Воронка",
    "Dialable contacts": "Контакты для обзвона",
    "Contacts by status": "Контакты по состоянию",
    "Operators by shift": "Операторы по сменам",
    "The last 24 hours": "Последние 24 часа",
    "Abandon rate": "Доля брошенных",
    "Shift": "Смена",
    "Conversations": "Разговоры",
    "Talk": "Разговор",
    "Mean talk": "Средний разговор",
    "Outcomes": "Итоги",
    "Conversion": "Конверсия",
    "no shifts yet": "смен пока не было",
    "Export results (CSV)": "Выгрузить результаты (CSV)",
    "Lists": "Списки",
    "List": "Список",
    "File": "Файл",
    "Imported": "Загружен",
    "Rows": "Строк",
    "Accepted": "Принято",
    "Invalid": "С ошибками",
    "Corporate queue": "Корпоративная очередь",
    "Export corporate queue (CSV)": "Выгрузить корпоративную очередь (CSV)",
    "Upload a contact list": "Загрузка списка контактов",
    "File (CSV or XLSX)": "Файл (CSV или XLSX)",
    "Preview": "Просмотр",
    "Preview: {file} → {campaign}": "Просмотр: {file} → {campaign}",
    "Detected": "Распознано",
    "encoding": "кодировка",
    "separator": "разделитель",
    "header on row {n}": "заголовок в строке {n}",
    "Column mapping": "Соответствие столбцов",
    "Column": "Столбец",
    "Use as": "Использовать как",
    "First rows": "Первые строки",
    "Row": "Строка",
    "Phones": "Телефоны",
    "Problem": "Ошибка",
    "List name": "Название списка",
    "Confirm and import": "Подтвердить и загрузить",
    "Import report: {list} → {campaign}": "Отчёт о загрузке: {list} → {campaign}",
    "The list is imported.": "Список загружен.",
    "Rows read": "Прочитано строк",
    "Filtered": "Отсеяно",
    "Corporate": "Корпоративные",
    "Duplicates": "Дубликаты",
    "Do not call": "Запрет звонков",
    "Invalid rows": "Строки с ошибками",
    "Rows set aside, and why": "Отложенные строки и причины",
    "Warnings (the rows were imported)": "Предупреждения (строки загружены)",
    "Totals rows (skipped)": "Строки итогов (пропущены)",
    "row {row}, {field}: {reason}": "строка {row}, {field}: {reason}",
    "Back to the campaign": "К кампании",
    # compliance
    "Compliance evidence": "Доказательства соответствия закону",
    "Profile": "Профиль",
    "the campaign's own": "профиль кампании",
    "Verdict": "Заключение",
    "compliant": "соответствует",
    "NOT compliant": "НЕ соответствует",
    "abandon cap {cap} per {period}": "предел брошенных {cap} за {period}",
    "Calls placed": "Звонков сделано",
    "Live answers": "Ответили люди",
    "Abandons": "Брошенные",
    "Late connects (over the connect limit)": "Поздние соединения (сверх предела)",
    "Machines (AMD) / false-positive estimate": "Автоответчики (AMD) / оценка ложных срабатываний",
    "Abandon rate (period)": "Доля брошенных (за период)",
    "Windows over the cap": "Периоды сверх предела",
    "Calls outside the calling window (must be 0)": "Звонки вне разрешённого времени (должно быть 0)",
    "Dials blocked": "Заблокированные наборы",
    "Messages played on abandon": "Сообщения при брошенном звонке",
    "Summary (CSV)": "Сводка (CSV)",
    "Summary (XLSX)": "Сводка (XLSX)",
    "Attempts ledger (CSV)": "Журнал попыток (CSV)",
    "Attempts ledger (XLSX)": "Журнал попыток (XLSX)",
    "Every figure, with the attempts behind it": "Каждая цифра и попытки за ней",
    "The same table as the CSV and XLSX summary: the evidence document, in English.": (
        "Та же таблица, что в сводке CSV и XLSX: документ-доказательство, на английском."
    ),
    "Section": "Раздел",
    "Window": "Период",
    "Metric": "Показатель",
    "Value": "Значение",
    "Ids": "Номера",
    "Do-not-call and consent": "Запреты звонков и согласия",
    "Phone number": "Номер телефона",
    "Opt-out recorded: the number is not dialled from the next lease on.": (
        "Отказ записан: номер больше не будет набираться."
    ),
    "The number was already on that list; the request is in the audit log.": (
        "Номер уже был в этом списке; запрос записан в журнал."
    ),
    "Do-not-call": "Запрет звонков",
    "on the list": "в списке",
    "not on any list": "ни в одном списке",
    "advertising consent": "согласие на рекламу",
    "national registers": "государственные реестры",
    "data of {date}": "данные на {date}",
    "global (every campaign)": "общий (все кампании)",
    "as the person said it": "как сказал человек",
    "Add opt-out": "Добавить отказ",
    "Do-not-call history": "История запретов",
    "Added": "Добавлен",
    "Source": "Источник",
    "By": "Кем",
    "Removed": "Удалён",
    "Consent history": "История согласий",
    "Event": "Событие",
    "Purpose": "Цель",
    "Given / withdrawn": "Дано / отозвано",
    "Via": "Канал",
    "Reference": "Ссылка",
    "Recorded": "Записано",
    "Expires": "Истекает",
    "never opted out": "отказов не было",
    "no consent recorded": "согласий не записано",
    "Attempts to this number": "Звонки на этот номер",
    # operator
    "Desk of {login}": "Рабочее место: {login}",
    "State": "Состояние",
    "for": "уже",
    "wrap-up": "поствызывная обработка",
    "Connect softphone": "Подключить софтфон",
    "Ready": "Готов",
    "Record this call": "Записать этот звонок",
    "campaigns that record on demand": "для кампаний с записью по запросу",
    "No dialer service is attached to this web process: Ready/Pause are unavailable; calls can still be disposed.": (
        "К веб-приложению не подключена служба набора: «Готов» и «Пауза» недоступны; результаты звонков "
        "сохранять можно."
    ),
    "Customer": "Клиент",
    "Previous attempts": "Предыдущие звонки",
    "Next action (callback)": "Следующее действие (перезвон)",
    "My recent calls": "Мои последние звонки",
    "in progress": "идёт",
    "A callback needs the next action date and time.": "Для перезвона укажите дату и время следующего действия.",
    "connected, no result recorded": "соединён, результат не записан",
    # contacts browser
    "Company or person": "Компания или контактное лицо",
    "Attempts": "Звонки",
    "Last outcome": "Последний итог",
    "Next call": "Следующий звонок",
    "No contacts match.": "Контактов не найдено.",
    "The first {n} shown: narrow the search.": "Показаны первые {n}: уточните поиск.",
    "Search by phone digits, a company or person's name, a status or a campaign.": (
        "Ищите по цифрам телефона, названию компании или имени, состоянию или кампании."
    ),
    "Recording": "Запись",
    "not called yet": "ещё не звонили",
    "no such contact": "Такого контакта нет.",
    # qa
    "Min duration (s)": "Мин. длительность (с)",
    "No recordings match.": "Записей не найдено.",
    "Call {id}": "Звонок {id}",
    "Speed": "Скорость",
    "dead air at start": "тишина в начале",
    "talk-over": "перебивания",
    "Operator notes": "Заметки оператора",
    "Score": "Оценка",
    "Save score": "Сохранить оценку",
    "Scores": "Оценки",
    "Timeline": "Ход звонка",
    "operator (top) and customer (bottom); click to seek": "оператор (сверху) и клиент (снизу); щелчок — перейти",
    # api docs
    "REST API": "REST API",
    "Method": "Метод",
    "Path": "Путь",
    "Tag": "Раздел",
    "What": "Что делает",
    "Parameters": "Параметры",
    "JSON body": "тело JSON",
    "api_docs_intro": (
        "JSON по HTTPS с cookie сеанса. Изменяющим запросам нужен заголовок X-CSRF-Token "
        "(его возвращает GET /api/me). Машиночитаемое описание:"
    ),
    # wallboard
    "Floor wallboard": "Табло зала",
    "Waiting for an operator": "Ждут оператора",
    "On a call": "Разговаривают",
    "Abandon rate today": "Брошенные сегодня",
    "Abandon rate, last hour": "Брошенные за час",
    "cap": "предел",
    "Time in state": "Время в состоянии",
    "Current call": "Текущий звонок",
    "Per campaign": "По кампаниям",
    "Calls per hour": "Звонков в час",
    "No operator is logged in.": "Ни один оператор не вошёл в систему.",
    "No dialer service is attached to this web process: the floor is not visible here.": (
        "К веб-приложению не подключена служба набора: зал отсюда не виден."
    ),
    "updated": "обновлено",
    "connection lost, reconnecting…": "связь потеряна, переподключение…",
}

# English forms (one, other) -> Russian forms (one, few, many); `{n}` is the number, formatted.
PLURALS: Final[Mapping[tuple[str, str], tuple[str, str, str]]] = {
    ("{n} row", "{n} rows"): ("{n} строка", "{n} строки", "{n} строк"),
    ("{n} contact", "{n} contacts"): ("{n} контакт", "{n} контакта", "{n} контактов"),
    ("{n} call", "{n} calls"): ("{n} звонок", "{n} звонка", "{n} звонков"),
    ("{n} operator", "{n} operators"): ("{n} оператор", "{n} оператора", "{n} операторов"),
    ("{n} campaign", "{n} campaigns"): ("{n} кампания", "{n} кампании", "{n} кампаний"),
}

# Internal code -> (English, Russian). One table for every kind: codes are distinct across kinds, and where
# two kinds share a code (`callback`, `do_not_call`) the words fit both.
CODES: Final[Mapping[str, tuple[str, str]]] = {
    # attempt outcomes (dialer.outcomes)
    "connected": ("connected", "соединён"),
    "abandoned": ("abandoned", "брошен"),
    "no_answer": ("no answer", "нет ответа"),
    "busy": ("busy", "занято"),
    "machine": ("answering machine", "автоответчик"),
    "invalid_number": ("invalid number", "неверный номер"),
    "congestion": ("network congestion", "перегрузка сети"),
    "rejected": ("rejected", "отклонён"),
    "failed": ("failed", "ошибка сети"),
    "system_failure": ("our system failed", "сбой системы"),
    # import statuses and reasons (dialer.lists)
    "accepted": ("accepted", "принят"),
    "filtered": ("filtered out", "отсеян"),
    "corporate": ("corporate", "корпоративный"),
    "duplicate": ("duplicate", "дубликат"),
    "do_not_call": ("do not call", "запрет звонков"),
    "dnc": ("do not call", "запрет звонков"),
    "specialty_missing": ("no specialty given", "специализация не указана"),
    "specialty_not_allowed": ("specialty not in the campaign", "специализация не подходит кампании"),
    "headcount_missing": ("no headcount given", "численность не указана"),
    "headcount_below_min": ("headcount below the minimum", "численность ниже минимума"),
    "headcount_above_max": ("headcount above the maximum", "численность выше максимума"),
    "headcount_at_or_above_threshold": (
        "large company (headcount at the threshold or above)",
        "крупная компания (численность на пороге или выше)",
    ),
    "group_column": ("part of a group of companies", "входит в группу компаний"),
    "tax_id_repeated": ("same tax id as other rows", "ИНН повторяется в других строках"),
    "duplicate_in_list": ("repeated in this list", "повтор в этом списке"),
    "duplicate_existing": ("already in the campaign", "уже есть в кампании"),
    "do_not_call_global": ("on the global do-not-call list", "в общем списке запретов"),
    "do_not_call_campaign": ("on the campaign's do-not-call list", "в списке запретов кампании"),
    "national_register": ("in a national register", "в государственном реестре"),
    # contact statuses
    "new": ("new", "новый"),
    "retry": ("to call again", "повторный звонок"),
    "callback": ("callback", "перезвон"),
    "done": ("done", "завершён"),
    "held": ("on hold", "отложен"),
    "dialing": ("dialling", "набирается"),
    "in_progress": ("in progress", "в работе"),
    # final statuses and block reasons (dialer.rules)
    "positive": ("positive", "успех"),
    "refused": ("refused", "отказ"),
    "completed": ("completed", "завершён"),
    "max_attempts": ("attempts used up", "попытки исчерпаны"),
    "refusal_cooldown": ("recently refused", "недавний отказ"),
    "not_yet_due": ("not yet due", "ещё не время"),
    "daily_limit": ("daily limit reached", "дневной предел"),
    "outside_window": ("outside the calling window", "вне разрешённого времени"),
    "no_window": ("no calling window", "нет разрешённого времени"),
    # campaign statuses and dialling modes
    "running": ("running", "идёт"),
    "paused": ("paused", "на паузе"),
    "stopped": ("stopped", "остановлена"),
    "preview": ("preview", "предварительный"),
    "progressive": ("progressive", "прогрессивный"),
    "ratio": ("fixed ratio", "фиксированное соотношение"),
    "predictive": ("predictive", "предиктивный"),
    # operator states and call stages (dialer.service.read_model)
    "connecting": ("connecting", "подключается"),
    "offline": ("not signed in to the dialer", "не в системе набора"),
    "ready": ("ready", "готов"),
    "on_call": ("on a call", "разговаривает"),
    "wrap_up": ("wrap-up", "обработка"),
    "ringing": ("ringing", "звонит"),
    "answered": ("answered", "ответили"),
    "waiting": ("waiting", "ждёт"),
    "bridged": ("talking", "разговор"),
    "abandoning": ("abandoning", "сброс"),
    # roles
    "admin": ("administrator", "администратор"),
    "manager": ("campaign manager", "менеджер кампаний"),
    "operator": ("operator", "оператор"),
    "qa": ("quality control", "контроль качества"),
    "supervisor": ("supervisor", "супервизор"),
    # pause codes (settings DIALER_WEB_PAUSE_CODES)
    "break": ("break", "перерыв"),
    "lunch": ("lunch", "обед"),
    "training": ("training", "обучение"),
    "meeting": ("meeting", "совещание"),
    "technical": ("technical problem", "технические неполадки"),
    # QA scorecard criteria (dialer.web.settings.DEFAULT_SCORECARD)
    "greeting": ("greeting", "приветствие"),
    "needs_discovery": ("finding the needs", "выявление потребностей"),
    "product_knowledge": ("product knowledge", "знание продукта"),
    "objection_handling": ("handling objections", "работа с возражениями"),
    "closing": ("closing", "завершение сделки"),
    "compliance": ("following the rules", "соблюдение правил"),
    # pacing knobs
    "target_abandon_rate": ("target abandon rate", "целевая доля брошенных"),
    "min_lines_per_operator": ("min lines per operator", "мин. линий на оператора"),
    "max_lines_per_operator": ("max lines per operator", "макс. линий на оператора"),
    "max_lines": ("max lines", "макс. линий"),
    "mode": ("mode", "режим"),
    # abandon periods
    "day": ("day", "день"),
    "hour": ("hour", "час"),
    "campaign_day": ("campaign day", "день кампании"),
    "rolling_30_days": ("30 days", "30 дней"),
    "rolling_24_hours": ("24 hours", "24 часа"),
    # advertising consent
    "unknown": ("unknown", "неизвестно"),
    "none": ("none", "нет"),
    # messages played on abandon (dialer.compliance evidence)
    "played": ("played", "проиграно"),
    "not_played": ("not played", "не проиграно"),
    "not_recorded": ("not recorded", "не записано"),
    "given": ("given", "дано"),
    "withdrawn": ("withdrawn", "отозвано"),
    # compliance profiles (dialer.compliance.jurisdictions)
    "US": ("USA (TCPA, FTC)", "США (TCPA, FTC)"),
    "UK": ("United Kingdom (Ofcom)", "Великобритания (Ofcom)"),
    "RU": ("Russia (advertising law)", "Россия (закон о рекламе)"),
    "RU_COLLECTION": ("Russia, debt collection (230-FZ)", "Россия, взыскание долгов (230-ФЗ)"),
    # a call's timeline
    "originate": ("dialled", "набор"),
    "ring": ("ringing", "звонок"),
    "answer": ("answered", "ответ"),
    "bridge": ("connected to the operator", "соединение с оператором"),
    "end": ("ended", "конец"),
    # audit log actions
    "login": ("signed in", "вход"),
    "login.failed": ("failed sign-in", "неудачный вход"),
    "login.throttled": ("sign-in throttled", "вход временно заблокирован"),
    "logout": ("signed out", "выход"),
    "user.create": ("user created", "создан пользователь"),
    "user.role_change": ("role changed", "изменена роль"),
    "user.update": ("user changed", "изменён пользователь"),
    "user.password": ("password changed", "изменён пароль"),
    "operator.upsert": ("operator saved", "сохранён оператор"),
    "campaign.status": ("campaign status changed", "изменено состояние кампании"),
    "pacing.change": ("pacing changed", "изменён темп набора"),
    "dnc.add": ("opt-out added", "добавлен запрет"),
    "dnc.remove": ("opt-out removed", "снят запрет"),
    "list.import": ("list imported", "загружен список"),
    "recording.play": ("recording played", "прослушана запись"),
    "compliance.override": ("compliance override", "исключение из правил"),
    "numbering.load": ("numbering plan loaded", "загружен план нумерации"),
    "register.load": ("register loaded", "загружен реестр"),
    "consent.add": ("consent recorded", "записано согласие"),
    # sources of opt-outs and consents
    "web": ("web page", "веб-страница"),
    "api": ("API", "API"),
    "import": ("list import", "загрузка списка"),
    "operator_desk": ("operator desk", "рабочее место оператора"),
    "call": ("call", "звонок"),
    "advertising": ("advertising", "реклама"),
    "grant": ("given", "дано"),
    "revoke": ("withdrawn", "отозвано"),
    "expired": ("expired", "истекло"),
    # mapping choices of the upload preview
    "ignore": ("ignore", "не использовать"),
    "extra": ("keep as extra field", "дополнительное поле"),
    "contact_person": ("contact person", "контактное лицо"),
    "specialty": ("specialty", "специализация"),
    "headcount": ("headcount", "численность"),
    "company": ("company", "компания"),
    "phone": ("phone", "телефон"),
    "tax_id": ("tax id (INN)", "ИНН"),
    "parent_tax_id": ("parent company's tax id", "ИНН головной компании"),
    "group": ("group of companies", "группа компаний"),
    "region": ("region", "регион"),
    "city": ("city", "город"),
    "email": ("e-mail", "эл. почта"),
    "timezone": ("time zone", "часовой пояс"),
    "address": ("address", "адрес"),
    "ignored": ("not used", "не используется"),
    "phones": ("phones", "телефоны"),
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# The domain's reasons (dialer.lists.filters) are English sentences with the row's values in them: each
# pattern here gives them words in both languages, the values kept.
REASONS: Final[tuple[tuple[re.Pattern[str], str, str], ...]] = (
    (
        re.compile(r"headcount (\d+) is at or above the corporate threshold (\d+)"),
        "headcount {0} is at or above the corporate threshold {1}",
        "численность {0} — на корпоративном пороге {1} или выше",
    ),
    (re.compile(r"belongs to group/holding '(.*)'"), "belongs to the group «{0}»", "входит в группу «{0}»"),
    (
        re.compile(r"(\S+) (.+) appears on (\d+) or more rows of the list"),
        "{0} {1} appears on {2} or more rows of the list",
        "{0} {1} встречается в {2} или более строках списка",
    ),
    (
        re.compile(r"specialty '(.*)' is not in the campaign's list"),
        "specialty «{0}» is not in the campaign's list",
        "специализации «{0}» нет в списке кампании",
    ),
    (
        re.compile(r"headcount (\d+) is below the minimum (\d+)"),
        "headcount {0} is below the minimum {1}",
        "численность {0} ниже минимума {1}",
    ),
    (
        re.compile(r"headcount (\d+) is above the maximum (\d+)"),
        "headcount {0} is above the maximum {1}",
        "численность {0} выше максимума {1}",
    ),
    # dialer.lists.rows / phones: why a row has no usable phone
    (re.compile(r"no phone number"), "no phone number", "нет номера телефона"),
    (re.compile(r"empty"), "empty", "пусто"),
    (re.compile(r"not a phone number: '(.*)'"), "not a phone number: «{0}»", "не номер телефона: «{0}»"),
    (
        re.compile(r"not a valid number for \+(\d+) \((\d+) digits\)"),
        "not a valid number for +{0} ({1} digits)",
        "неверный номер для +{0} (цифр: {1})",
    ),
    (re.compile(r"cannot parse: (.*)"), "cannot parse: {0}", "не удалось разобрать: {0}"),
    (re.compile(r"totals row / строка итогов"), "totals row", "строка итогов"),
    # compliance windows ("30 days to 2026-11-02")
    (re.compile(r"(\d+) days to (\d{4})-(\d\d)-(\d\d)"), "{0} days to {1}-{2}-{3}", "{0} дн. по {3}.{2}.{1}"),
    (re.compile(r"(\d{4})-(\d\d)-(\d\d)"), "{0}-{1}-{2}", "{2}.{1}.{0}"),
)
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
