# ruff: noqa: RUF001  (Russian text is intentional here)
"""Words for internal codes and for the domain's English reasons, in both languages (read by dialer.web.i18n)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

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
    "service_level_share": ("inbound service level target", "цель уровня обслуживания входящих"),
    "service_level_within_s": ("inbound answer within, s", "ответ на входящий за, с"),
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
    "user.password_failed": ("wrong current password", "неверный текущий пароль"),
    "user.language": ("language changed", "изменён язык"),
    "user.time_zone": ("time zone changed", "изменён часовой пояс"),
    "script.save": ("call script saved", "сохранён сценарий разговора"),
    "script.rotation": ("script versions in use changed", "изменены используемые версии сценария"),
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
    # dialer.lists.contacts / rows / source: the row warnings and errors of an import
    (re.compile(r"not a whole number: '(.*)'"), "not a whole number: «{0}»", "не целое число: «{0}»"),
    (re.compile(r"no number in headcount"), "no number in the headcount", "в численности нет числа"),
    (re.compile(r"not a headcount: '(.*)'"), "not a headcount: «{0}»", "не численность: «{0}»"),
    (re.compile(r"not an e-mail address"), "not an e-mail address", "не адрес электронной почты"),
    (
        re.compile(r"ИНН checksum does not match \(kept as written\)"),
        "the ИНН checksum does not match (kept as written)",
        "контрольная сумма ИНН не сходится (сохранён как написан)",
    ),
    (
        re.compile(r"Excel scientific notation lost the digits; format the column as text"),
        "Excel's scientific notation lost the digits; format the column as text",
        "Excel записал число в экспоненциальной форме и потерял цифры; сделайте столбец текстовым",
    ),
    (
        re.compile(r"unknown time zone \(use e\.g\. Asia/Krasnoyarsk, МСК\+4 or UTC\+7\)"),
        "unknown time zone (use e.g. Asia/Krasnoyarsk, МСК+4 or UTC+7)",
        "неизвестный часовой пояс (например Asia/Krasnoyarsk, МСК+4 или UTC+7)",
    ),
    (
        re.compile(r"the number is in a range the numbering plan assigns to no operator \(.*\)"),
        "the number is in a range the numbering plan assigns to no operator",
        "номер из диапазона, который план нумерации не выделил ни одному оператору",
    ),
    (
        re.compile(r"cell in column (\d+) is (\d+) characters long \(limit (\d+)\)"),
        "cell in column {0} is {1} characters long (limit {2})",
        "ячейка в столбце {0} длиной {1} символов (предел {2})",
    ),
    (re.compile(r"unreadable CSV record: (.*)"), "unreadable CSV record: {0}", "нечитаемая запись CSV: {0}"),
    (re.compile(r"invalid"), "invalid", "неверно"),
    # dialer.lists: why a whole list file is refused (the file's name first)
    (
        re.compile(r"(.+?): no phone column in the header (.*); expected a column named like .*"),
        "{0}: no phone column in the header {1}; name it 'Телефон' or 'Phone', or map it explicitly",
        "{0}: в заголовке {1} нет столбца с телефоном; назовите его «Телефон» или «Phone» или укажите явно",
    ),
    (
        re.compile(r"(.+?): the first row (.*) looks like data, not a header; .*"),
        "{0}: the first row {1} looks like data, not a header; add a header row or map the columns explicitly",
        "{0}: первая строка {1} похожа на данные, а не на заголовок; добавьте строку заголовка "
        "(например «Телефон;Компания») или укажите столбцы явно",
    ),
    (
        re.compile(r"(.+?): the file has no rows \(empty or only blank lines\)"),
        "{0}: the file has no rows (empty or only blank lines)",
        "{0}: в файле нет строк (он пуст или в нём только пустые строки)",
    ),
    (
        re.compile(r"(.+?): the file has a header but no data rows"),
        "{0}: the file has a header but no data rows",
        "{0}: в файле есть заголовок, но нет строк с контактами",
    ),
    (
        re.compile(r"(.+?): mapping override: no column named '(.*)'; columns are (.*)"),
        "{0}: mapping override: no column named «{1}»; columns are {2}",
        "{0}: сопоставление столбцов: нет столбца «{1}»; столбцы: {2}",
    ),
    (
        re.compile(r"(.+?): mapping override: column number (\d+) is outside 1\.\.(\d+)"),
        "{0}: mapping override: column number {1} is outside 1..{2}",
        "{0}: сопоставление столбцов: столбца номер {1} нет (есть 1..{2})",
    ),
    (
        re.compile(r"(.+?): mapping override for '(.*)': unknown field '(.*)'; use one of (.*)"),
        "{0}: mapping override for «{1}»: unknown field «{2}»; use one of {3}",
        "{0}: сопоставление столбца «{1}»: неизвестное поле «{2}»; допустимые: {3}",
    ),
    (
        re.compile(r"(.+?): mapping override: '(.*)' matches several columns (.*); use the suffixed name or .*"),
        "{0}: mapping override: «{1}» matches several columns {2}; use the suffixed name or the column number",
        "{0}: сопоставление столбцов: «{1}» подходит к нескольким столбцам {2}; "
        "укажите имя с суффиксом или номер столбца",
    ),
    (
        re.compile(r"(.+?): mapping override: '(.*)' assigned to both '(.*)' and '(.*)'"),
        "{0}: mapping override: «{1}» assigned to both «{2}» and «{3}»",
        "{0}: сопоставление столбцов: поле «{1}» назначено и столбцу «{2}», и столбцу «{3}»",
    ),
    (
        re.compile(r"(.+?): columns (.*) all look like '(.*)'; say which one to use with an explicit mapping .*"),
        "{0}: columns {1} all look like «{2}»; map the one to use explicitly",
        "{0}: столбцы {1} все похожи на «{2}»; укажите нужный явно",
    ),
    (
        re.compile(r"(.+?): not a numbering plan register: the header (.*) lacks (.*) \(expected (.*)\)"),
        "{0}: not a numbering plan register: the header {1} lacks {2} (expected {3})",
        "{0}: это не реестр нумерации: в заголовке {1} нет {2} (ожидается {3})",
    ),
    (
        re.compile(r"not a range of 10-digit numbers"),
        "not a range of 10-digit numbers",
        "не диапазон 10-значных номеров",
    ),
    (re.compile(r"not a number: '(.*)'"), "not a number: «{0}»", "не число: «{0}»"),
    (re.compile(r"(.+?): the file is empty"), "{0}: the file is empty", "{0}: файл пуст"),
    (re.compile(r"(.+?): no such file"), "{0}: no such file", "{0}: нет такого файла"),
    (
        re.compile(r"(.+?): legacy Excel 97-2003 \(\.xls\) is not supported; save it as \.xlsx or CSV"),
        "{0}: legacy Excel 97-2003 (.xls) is not supported; save it as .xlsx or CSV",
        "{0}: старый формат Excel 97-2003 (.xls) не поддерживается; сохраните файл как .xlsx или CSV",
    ),
    (
        re.compile(r"(.+?): has an \.xlsx extension but is not an XLSX \(zip\) file"),
        "{0}: has an .xlsx extension but is not an XLSX (zip) file",
        "{0}: расширение .xlsx, но это не файл XLSX (zip)",
    ),
    (
        re.compile(
            r"(.+?): cannot decode the file as UTF-8 or Windows-1251 \(undecodable byte near offset (\d+)\); "
            r"save it as CSV UTF-8"
        ),
        "{0}: cannot decode the file as UTF-8 or Windows-1251 (undecodable byte near offset {1}); save it as CSV UTF-8",
        "{0}: файл не читается ни как UTF-8, ни как Windows-1251 (неверный байт около позиции {1}); "
        "сохраните его как CSV UTF-8",
    ),
    (
        re.compile(r"(.+?): contains NUL bytes; this is a binary file, not CSV"),
        "{0}: contains NUL bytes; this is a binary file, not CSV",
        "{0}: в файле нулевые байты; это двоичный файл, а не CSV",
    ),
    (
        re.compile(r"(.+?): no sheet named '(.*)'; sheets: (.*)"),
        "{0}: no sheet named «{1}»; sheets: {2}",
        "{0}: нет листа «{1}»; листы: {2}",
    ),
    # a campaign file the validator could not read field by field (dialer.rules.campaign)
    (
        re.compile(r"line (\d+), column (\d+): YAML syntax error: (.*)"),
        "line {0}, column {1}: YAML syntax error: {2}",
        "строка {0}, позиция {1}: ошибка синтаксиса YAML: {2}",
    ),
    (re.compile(r"cannot read the file: (.*)"), "cannot read the file: {0}", "файл не читается: {0}"),
    (
        re.compile(r"\(top level\): expected a mapping of campaign fields"),
        "(top level): expected a mapping of campaign fields",
        "(весь файл): ожидается набор полей кампании (словарь YAML)",
    ),
    # settings, compliance reports and registers (what the command line refuses)
    (re.compile(r"missing configuration: (.*)"), "missing configuration: {0}", "не заданы настройки: {0}"),
    (
        re.compile(r"the period ends before it starts"),
        "the period ends before it starts",
        "конец периода раньше начала",
    ),
    (
        re.compile(r"unknown compliance profile '(.*)' \(known: (.*)\)"),
        "unknown compliance profile «{0}» (known: {1})",
        "неизвестный профиль соответствия «{0}» (есть: {1})",
    ),
    (
        re.compile(r"register name '(.*)': use 1-40 letters, digits, '_', '-' or '\.'"),
        "register name «{0}»: use 1-40 letters, digits, '_', '-' or '.'",
        "имя реестра «{0}»: 1–40 букв, цифр, «_», «-» или «.»",
    ),
    # dialer.recordings.verify: what is wrong with a stored recording
    (re.compile(r"missing from the store"), "missing from the store", "нет в хранилище"),
    (
        re.compile(r"sha256 (\w+) != expected (\w+)"),
        "sha256 {0} != expected {1}",
        "sha256 {0} не совпадает с ожидаемой {1}",
    ),
    (re.compile(r"unreadable: (.*)"), "unreadable: {0}", "не читается: {0}"),
    (
        re.compile(r"duration (\S+)s differs from the expected (\S+)s \(> (\S+)s\)"),
        "duration {0} s differs from the expected {1} s (> {2} s)",
        "длительность {0} с отличается от ожидаемой {1} с (больше чем на {2} с)",
    ),
    (
        re.compile(r"(\d+) channel\(s\), expected (\d+)"),
        "{0} channel(s), expected {1}",
        "каналов: {0}, ожидалось {1}",
    ),
    # compliance windows ("30 days to 2026-11-02")
    (re.compile(r"(\d+) days to (\d{4})-(\d\d)-(\d\d)"), "{0} days to {1}-{2}-{3}", "{0} дн. по {3}.{2}.{1}"),
    (re.compile(r"(\d{4})-(\d\d)-(\d\d)"), "{0}-{1}-{2}", "{2}.{1}.{0}"),
)
