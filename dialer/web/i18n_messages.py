# ruff: noqa: RUF001  (Russian text is intentional here)
"""The web pages' words: English message -> Russian, and plural forms (read by dialer.web.i18n)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

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
    "file too large": "Файл слишком большой.",
    "given_at is in the future": "Дата согласия в будущем.",
    "min_duration: not a valid value": "Мин. длительность: неверное значение.",
    "min_lines_per_operator is above max_lines_per_operator": "Мин. линий на оператора больше максимума.",
    # the pacing console's knob values (dialer.web.queries.parse_knob), shown by its script
    "service_level_share must be above 0 and below 1 (a fraction: 0.8 is 80 %)": (
        "Цель уровня обслуживания должна быть больше 0 и меньше 1 (доля: 0,8 — это 80 %)."
    ),
    "service_level_within_s must be between 0 and 3600 seconds": (
        "Время ответа на входящий должно быть от 0 до 3600 секунд."
    ),
    "service_level_share must be a number": "Цель уровня обслуживания должна быть числом.",
    "service_level_within_s must be a number": "Время ответа на входящий должно быть числом.",
    "service_level_share: this campaign takes no inbound calls (its file has no inbound: section)": (
        "Цель уровня обслуживания входящих (service_level_share): эта кампания не принимает входящие звонки "
        "(в её файле нет раздела inbound:)."
    ),
    "service_level_within_s: this campaign takes no inbound calls (its file has no inbound: section)": (
        "Время ответа на входящий (service_level_within_s): эта кампания не принимает входящие звонки "
        "(в её файле нет раздела inbound:)."
    ),
    "service_level_share: the running campaign was started without inbound calls; stop and start it to set"
    " its inbound target": (
        "Цель уровня обслуживания входящих (service_level_share): идущая кампания запущена без входящих "
        "звонков; остановите и снова запустите её, чтобы задать цель по входящим."
    ),
    "service_level_within_s: the running campaign was started without inbound calls; stop and start it to set"
    " its inbound target": (
        "Время ответа на входящий (service_level_within_s): идущая кампания запущена без входящих "
        "звонков; остановите и снова запустите её, чтобы задать цель по входящим."
    ),
    "target_abandon_rate must be between 0 and 0.5": "Целевая доля брошенных должна быть от 0 до 0,5.",
    "target_abandon_rate must be a number": "Целевая доля брошенных должна быть числом.",
    "min_lines_per_operator must be above 0 and at most 20": "Мин. линий на оператора: больше 0 и не больше 20.",
    "max_lines_per_operator must be above 0 and at most 20": "Макс. линий на оператора: больше 0 и не больше 20.",
    "min_lines_per_operator must be a number": "Мин. линий на оператора должно быть числом.",
    "max_lines_per_operator must be a number": "Макс. линий на оператора должно быть числом.",
    "max_lines must be a number": "Макс. линий должно быть числом.",
    "max_lines must be a whole number": "Макс. линий должно быть целым числом.",
    "max_lines must be between 1 and 1000": "Макс. линий: от 1 до 1000.",
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
    "Inbound service level": "Уровень обслуживания входящих",
    "Of them inbound": "Из них входящих",
    "Answered in time, %": "Отвечено вовремя, %",
    "Within, s": "За, с",
    "Blended pacing keeps enough operators free for this target; outbound fills the rest.": (
        "Смешанный набор держит свободными столько операторов, сколько нужно для этой цели; "
        "остальных занимают исходящие."
    ),
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
    "Change password": "Сменить пароль",
    "Current password": "Текущий пароль",
    "New password": "Новый пароль",
    "New password again": "Новый пароль ещё раз",
    "At least {n} characters. Your other sessions will be signed out.": (
        "Не короче {n} символов. Ваши остальные сеансы будут завершены."
    ),
    "Reset a user's password": "Сбросить пароль пользователя",
    "The user's sessions end; tell them the new password.": (
        "Сеансы пользователя завершатся; сообщите ему новый пароль."
    ),
    "Set password": "Задать пароль",
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
    "Answering machine": "Автоответчик",
    "ends the call with the outcome answering machine": "завершает звонок с итогом «автоответчик»",
    "Answering machine detected.": "Распознан автоответчик.",
    "M ends the call as a machine; P keeps it if you hear a person. Otherwise it ends by itself in a few seconds.": (
        "M завершает звонок как автоответчик; P оставляет его, если вы слышите человека. Иначе звонок "
        "завершится сам через несколько секунд."
    ),
    "It is a person": "Это человек",
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
    "one side only": "одна сторона",
    "Only one side of this call was recorded": "Записана только одна сторона разговора",
    "Only the customer was recorded: the operator's leg was lost (a dialer restart or time-out).": (
        "Записан только клиент: запись речи оператора потеряна (перезапуск дозвонщика или тайм-аут)."
    ),
    "Only the operator was recorded: the customer's leg was lost (a dialer restart or time-out).": (
        "Записан только оператор: запись речи клиента потеряна (перезапуск дозвонщика или тайм-аут)."
    ),
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
    "Inbound service level today": "Уровень обслуживания входящих сегодня",
    "Average speed of answer": "Среднее время ответа",
    "Queue abandons today": "Сброшены в очереди сегодня",
    "Inbound today": "Входящие сегодня",
    "within": "за",
    "Callers": "Звонивших",
    "Sent to a callback": "Переведены на перезвон",
    "s": "с",
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
    # input and sign-in problems (dialer.web.messages.UserError)
    "{field}: must be a whole number from 1 to {max}": "{field}: целое число от 1 до {max}",
    "not a phone number: '{value}'": "не номер телефона: '{value}'",
    "{field}: control character NUL is not allowed": "{field}: символ NUL недопустим",
    "{field} needs a time zone offset (e.g. 2026-10-01T12:00:00+03:00)": (
        "{field}: укажите часовой пояс (например 2026-10-01T12:00:00+03:00)"
    ),
    "{field}: a date as YYYY-MM-DD is expected": "{field}: ожидается дата в формате ГГГГ-ММ-ДД",
    "{field}: must be between {first} and {last}": "{field}: дата должна быть между {first} и {last}",
    "Too many failed attempts; try again in {seconds} s.": (
        "Слишком много неудачных попыток; повторите через {seconds} с."
    ),
    "Enter the 6-digit code from your authenticator app.": "Введите 6-значный код из приложения.",
    "Admins must set up a second factor: ask another admin to enrol you (dialer users totp).": (
        "Администратору нужен второй фактор: попросите другого администратора подключить его (dialer users totp)."
    ),
    "username taken (names are compared ignoring case)": "имя занято (регистр не учитывается)",
    "username: 2-80 letters, digits, and . _ @ -": "имя пользователя: 2-80 букв, цифр и символов . _ @ -",
    "operator {operator_id} is already linked to user {username}": (
        "оператор {operator_id} уже привязан к пользователю {username}"
    ),
    "no such operator {operator_id}": "нет оператора {operator_id}",
    (
        "this call's disposition can no longer be changed by an operator (wrap-up plus {grace_s} s are "
        "over); ask a manager"
    ): (
        "результат этого звонка оператор уже не может изменить (поствызывная обработка и {grace_s} с "
        "истекли); обратитесь к руководителю"
    ),
    "this call was never connected to you; it has no disposition to record": (
        "этот звонок не соединялся с вами; результат для него не записывается"
    ),
    "the callback date must fall within the campaign's dates ({first} to {last})": (
        "дата перезвона должна быть в пределах дат кампании ({first} — {last})"
    ),
    "the callback time must fall within the campaign's calling hours ({windows}, {tz})": (
        "время перезвона должно попадать в часы обзвона кампании ({windows}, {tz})"
    ),
    "the callback time is in the past": "время перезвона уже прошло",
    "the new password needs at least {min} characters": "новый пароль должен быть не короче {min} символов",
    "the two new passwords differ": "новые пароли не совпадают",
    "the current password is wrong": "текущий пароль неверен",
    "the new password is the same as the current one": "новый пароль совпадает с текущим",
    "score every criterion: {criteria}": "поставьте оценку по каждому критерию: {criteria}",
    "not on this campaign's scorecard: {criteria}": "нет в оценочном листе кампании: {criteria}",
    "a score is whole points within the criterion's range: {criteria}": (
        "оценка — целое число баллов в пределах критерия: {criteria}"
    ),
    # call scripts (dialer.web.scripts)
    "Call scripts": "Сценарии разговора",
    "Script": "Сценарий",
    "v{n}": "в{n}",
    "version {arm}": "вариант {arm}",
    "current": "текущий",
    "Conversion by script version": "Конверсия по версиям сценария",
    "Conversion is positive dispositions per bridged call; the range is its 95 % confidence interval (Wilson).": (
        "Конверсия — доля соединённых звонков с положительным результатом; "
        "диапазон — её 95-процентный доверительный интервал (Уилсон)."
    ),
    "Version": "Версия",
    "In use": "Используется",
    "Saved": "Сохранена",
    "Note": "Примечание",
    "95 % interval": "95-процентный интервал",
    "No script yet: write the first version below.": "Сценария пока нет: напишите первую версию ниже.",
    "Difference B − A: {low} to {high} (95 %).": "Разница B − A: от {low} до {high} (95 %).",
    "Which version operators read": "Какую версию читают операторы",
    "Version A": "Версия A",
    "Version B": "Версия B",
    "none (version A only)": "нет (только версия A)",
    "Contacts on B, %": "Контактов на B, %",
    (
        "Each contact gets one version at random and keeps it on every retry; the version is stored with each call. "
        "A new pair or share starts a new split."
    ): (
        "Каждый контакт случайно получает одну версию и сохраняет её при повторных звонках; версия записывается "
        "с каждым звонком. Новая пара или доля начинает новое разбиение."
    ),
    "Version {n} as the operator sees it": "Версия {n} глазами оператора",
    "With the fields of {company}.": "С полями контакта «{company}».",
    "No contact yet: the fields show their names.": "Контактов пока нет: вместо полей показаны их названия.",
    "Write a new version": "Новая версия",
    "What changed": "Что изменилось",
    "Save as a new version": "Сохранить как новую версию",
    "Saved versions are never changed: every save makes a new one.": (
        "Сохранённые версии не меняются: каждое сохранение создаёт новую."
    ),
    "How to write a script": "Как писать сценарий",
    "Opening": "Приветствие",
    "a section; the name after # is for links": "раздел; имя после # — для ссылок",
    "Too expensive": "Дорого",
    "a sub-section, e.g. one objection": "подраздел, например одно возражение",
    "colleague": "коллега",
    "the contact's field; after | the words to say when it is empty": (
        "поле контакта; после | — слова на случай, если поле пустое"
    ),
    "back": "назад",
    "a quick link to a section": "быстрая ссылка на раздел",
    "a list item": "пункт списка",
    "a hint for the operator, not read aloud": "подсказка оператору, вслух не читается",
    "bold": "жирный",
    "Fields": "Поля",
    "The script is empty.": "Сценарий пуст.",
    "The script is too long (at most {max} characters).": "Сценарий слишком длинный (не больше {max} символов).",
    "Line {line}: unknown field «{field}». The fields are: {known}.": (
        "Строка {line}: неизвестное поле «{field}». Поля: {known}."
    ),
    "Line {line}: no section is named #{anchor}.": "Строка {line}: нет раздела с именем #{anchor}.",
    "Line {line}: two sections are named #{anchor}.": "Строка {line}: два раздела с именем #{anchor}.",
    "Line {line}: a section name may hold only Latin letters, digits, - and _ ({anchor}).": (
        "Строка {line}: имя раздела — только латинские буквы, цифры, - и _ ({anchor})."
    ),
    "Line {line}: an opening brace without its closing one (write two braces for one).": (
        "Строка {line}: открывающая фигурная скобка без закрывающей (чтобы написать скобку, удвойте её)."
    ),
    "Line {line}: a link is written [[#section]] or [[#section|words]] ({link}).": (
        "Строка {line}: ссылка пишется [[#раздел]] или [[#раздел|слова]] ({link})."
    ),
    "No bridged calls with these versions yet.": "С этими версиями ещё нет соединённых звонков.",
    "Not enough data yet.": "Пока недостаточно данных.",
    "Version A is better with 95 % confidence.": "Версия A лучше с уверенностью 95 %.",
    "Version B is better with 95 % confidence.": "Версия B лучше с уверенностью 95 %.",
    "No difference between the versions (with 95 % confidence, within 2 points).": (
        "Версии не различаются (с уверенностью 95 %, в пределах 2 пунктов)."
    ),
    "versions A and B must differ": "версии A и B должны различаться",
    "that script version is not this campaign's": "эта версия сценария принадлежит другой кампании",
    # the user's own language (dialer.web.pages.choose_language)
    "My account": "Моя учётная запись",
    "Interface language": "Язык интерфейса",
    "Kept with your account: every computer you sign in from shows this language.": (
        "Хранится в вашей учётной записи: на любом компьютере после входа будет этот язык."
    ),
    # the user's own time zone (dialer.web.account.choose_time_zone)
    "Time zone": "Часовой пояс",
    "Dates and times are shown in": "Даты и время показываются в поясе",
    "site default: {zone}": "по умолчанию для сайта: {zone}",
    "Now shown in {zone}. Leave the field empty for the site's default ({site}).": (
        "Сейчас показывается {zone}. Оставьте поле пустым, чтобы вернуть пояс сайта ({site})."
    ),
    "Times are shown in this zone": "Время показывается в этом поясе",
    "Unknown time zone “{zone}”: choose one from the list.": (
        "Неизвестный часовой пояс «{zone}»: выберите пояс из списка."
    ),
    # the pacing decision in words (dialer.web.pacing_words)
    ("Learning the list ({seen} of {needed} dials seen): dialling only for ready operators; {calls} now."): (
        "Изучаем список (набрано {seen} из {needed}): звоним только под готовых операторов; сейчас {calls}."
    ),
    ("Learning the list ({seen} of {needed} conversations seen): dialling only for ready operators; {calls} now."): (
        "Изучаем список (разговоров {seen} из {needed}): звоним только под готовых операторов; сейчас {calls}."
    ),
    (
        "A new hour of dialling ({seen} of {needed} answers this hour): dialling only for ready operators until "
        "the hour holds enough answers; {calls} now."
    ): (
        "Новый час набора (ответов за час {seen} из {needed}): звоним только под готовых операторов, пока в часе "
        "не наберётся достаточно ответов; сейчас {calls}."
    ),
    (
        "The abandon guard holds pacing back (this hour's or today's room is used up): dialling only for "
        "ready operators; {calls} now."
    ): (
        "Защита от брошенных звонков сдерживает набор (запас часа или дня исчерпан): звоним только под "
        "готовых операторов; сейчас {calls}."
    ),
    ("Predictive: {calls} now; expected abandon rate {expected} against the target {target}."): (
        "Предиктивный набор: сейчас {calls}; ожидаемая доля брошенных {expected} при цели {target}."
    ),
    "Predictive: {calls} now.": "Предиктивный набор: сейчас {calls}.",
    ("Progressive: one call per ready operator; {calls} now."): (
        "Прогрессивный набор: по звонку на готового оператора; сейчас {calls}."
    ),
    "Fixed ratio of lines per operator: {calls} now.": "Постоянное число линий на оператора: сейчас {calls}.",
    "{calls} now.": "Сейчас {calls}.",
    "Engine's detail (English)": "Подробности движка (на английском)",
}

# English forms (one, other) -> Russian forms (one, few, many); `{n}` is the number, formatted.
PLURALS: Final[Mapping[tuple[str, str], tuple[str, str, str]]] = {
    ("{n} row", "{n} rows"): ("{n} строка", "{n} строки", "{n} строк"),
    ("{n} contact", "{n} contacts"): ("{n} контакт", "{n} контакта", "{n} контактов"),
    ("{n} call", "{n} calls"): ("{n} звонок", "{n} звонка", "{n} звонков"),
    ("{n} operator", "{n} operators"): ("{n} оператор", "{n} оператора", "{n} операторов"),
    ("{n} campaign", "{n} campaigns"): ("{n} кампания", "{n} кампании", "{n} кампаний"),
}
