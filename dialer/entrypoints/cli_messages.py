# ruff: noqa: RUF001  (Russian text is intentional here)
"""Everything the `dialer` commands print (but the doctor, dialer.doctor.messages), in English and Russian.

`say(key, **params)` answers in this run's language (dialer.entrypoints.cli_language)."""

from __future__ import annotations

from typing import Any

from dialer.entrypoints.cli_language import Messages, text

MESSAGES: Messages = {
    # key: (English, Russian)
    # the language itself
    "lang_bad": ("--lang {value!r}: en or ru", "--lang {value!r}: en или ru"),
    # what every command shares (dialer.entrypoints.cli_common)
    "db_behind": (
        "the database at {where} is at schema {current}, this dialer needs {head}: run `dialer db upgrade`",
        "база данных {where}: схема {current}, этому диалеру нужна {head}: выполните `dialer db upgrade`",
    ),
    "schema_none": ("none", "нет"),
    "no_campaign": (
        "no campaign {name!r}; apply its YAML first (dialer campaigns apply)",
        "нет кампании «{name}»; сначала загрузите её YAML (dialer campaigns apply)",
    ),
    # db
    "db_upgraded": ("database at {where} is at {revision}", "база данных {where}: схема {revision}"),
    # campaigns
    "campaign_invalid": ("{source}: invalid campaign definition:", "{source}: ошибки в описании кампании:"),
    "campaign_applied": ("campaign {name!r} applied (id {id})", "кампания «{name}» сохранена (id {id})"),
    "campaign_running": ("campaign {name!r} is running", "кампания «{name}» запущена"),
    "campaign_paused": ("campaign {name!r} is paused", "кампания «{name}» на паузе"),
    "campaign_stopped": ("campaign {name!r} is stopped", "кампания «{name}» остановлена"),
    "campaign_error": ("campaign {name!r}: {error}", "кампания «{name}»: {error}"),
    "no_inbound": (
        "campaign {name!r} takes no inbound calls: no inbound figures",
        "кампания «{name}» не принимает входящие звонки: показателей по входящим нет",
    ),
    "exported_contacts": ("{n} contacts -> {path}", "контактов: {n} -> {path}"),
    "exported_shifts": ("{n} shifts -> {path}", "смен: {n} -> {path}"),
    "exported_days": ("{n} days -> {path}", "дней: {n} -> {path}"),
    # lists
    "importing": ("importing {file}", "загрузка {file}"),
    "rows_so_far": ("{rows} rows", "строк: {rows}"),
    "list_file_error": ("{path}: {error}", "{path}: {error}"),
    "map_bad": (
        "--map {value!r}: expected COLUMN=field, e.g. --map 'Моб. тел.=phone' or --map 7=extra",
        "--map {value!r}: ожидается КОЛОНКА=поле, например --map 'Моб. тел.=phone' или --map 7=extra",
    ),
    # operators
    "operator_added": (
        "operator {login} (id {id}) -> {endpoint} on {server}",
        "оператор {login} (id {id}) -> {endpoint} на сервере {server}",
    ),
    "operator_added_default": (
        "operator {login} (id {id}) -> {endpoint} on the default server",
        "оператор {login} (id {id}) -> {endpoint} на сервере по умолчанию",
    ),
    # numbering plan
    "numbering_loaded": (
        "{file}: {ranges} ranges, {codes} codes, {bad} rows not ranges",
        "{file}: диапазонов {ranges}, кодов {codes}, строк с ошибками {bad}",
    ),
    "numbering_none": (
        "no numbering plan loaded (dialer numbering load FILE...)",
        "реестр нумерации не загружен (dialer numbering load ФАЙЛ...)",
    ),
    "numbering_file": (
        "{name}: {ranges} ranges, data of {as_of}, loaded {loaded}",
        "{name}: диапазонов {ranges}, данные на {as_of}, загружен {loaded}",
    ),
    # do-not-call lists and registers
    "not_a_phone": ("not a phone number: {phone!r}", "не номер телефона: «{phone}»"),
    "dnc_added": ("{phone}: added", "{phone}: добавлен в список запретов"),
    "dnc_already": ("{phone}: already on the list", "{phone}: уже в списке запретов"),
    "dnc_removed": ("{phone}: removed", "{phone}: убран из списка запретов"),
    "dnc_not_there": ("{phone}: was not on that list", "{phone}: в этом списке его не было"),
    "dnc_imported": (
        "{read} numbers read, {added} new on the list, {bad} lines not numbers",
        "прочитано номеров: {read}, новых в списке запретов: {added}, строк без номера: {bad}",
    ),
    "line_problem": ("  line {line}: {error}", "  строка {line}: {error}"),
    "register_loaded": (
        "{name}: {numbers} numbers (data of {as_of}), {bad} lines not numbers",
        "{name}: номеров {numbers} (данные на {as_of}), строк без номера: {bad}",
    ),
    "register_state": (
        "{name}: {numbers} numbers, data of {as_of}, loaded {loaded}",
        "{name}: номеров {numbers}, данные на {as_of}, загружен {loaded}",
    ),
    "date_bad": ("{option} {value!r}: a date as YYYY-MM-DD is expected", "{option} {value!r}: нужна дата ГГГГ-ММ-ДД"),
    "wrote": ("wrote {path}", "записан файл {path}"),
    # recordings
    "recording_problem": ("attempt {attempt} {path}: {problems}", "попытка {attempt} {path}: {problems}"),
    "recordings_checked": (
        "{n} recordings checked, {bad} with problems",
        "проверено записей: {n}, с ошибками: {bad}",
    ),
    "recordings_reprocessed": (
        "{done} recordings re-processed, {failed} failed",
        "записей обработано заново: {done}, не удалось: {failed}",
    ),
    "format_bad": ("--format must be ogg, mp3 or wav", "--format: ogg, mp3 или wav"),
    # serve
    "serve_no_campaign": ("no campaign {name!r}", "нет кампании «{name}»"),
    # web users
    "role_bad": ("role must be one of {roles}", "роль: одна из {roles}"),
    "username_bad": (
        "2-80 letters (any script), digits, and . _ @ -",
        "2–80 символов: буквы (любого алфавита), цифры и . _ @ -",
    ),
    "user_exists": (
        "user {name!r} exists (names are compared ignoring case)",
        "пользователь «{name}» уже есть (имена сравниваются без учёта регистра)",
    ),
    "no_operator": (
        "no operator {login!r}; add it with `dialer operators add`",
        "нет оператора «{login}»; добавьте его: `dialer operators add`",
    ),
    "operator_taken": (
        "operator {login!r} is already linked to user {user!r}",
        "оператор «{login}» уже привязан к пользователю «{user}»",
    ),
    "operator_user_needs_login": (
        "an operator user needs --operator LOGIN",
        "пользователю с ролью operator нужен --operator ЛОГИН",
    ),
    "password_prompt": ("Password", "Пароль"),
    "password_short": (
        "the password needs at least {min} characters",
        "в пароле должно быть не меньше {min} символов",
    ),
    "user_created": ("user {name} ({role}) created, id {id}", "пользователь {name} ({role}) создан, id {id}"),
    "no_user": ("no user {name!r}", "нет пользователя «{name}»"),
    "totp_removed": ("second factor removed for {name}", "второй фактор для {name} отключён"),
    "totp_secret": (
        "secret: {secret}\nadd to an authenticator app: {uri}",
        "секрет: {secret}\nдобавьте в приложение-аутентификатор: {uri}",
    ),
    # simulator
    "sim_no_ratio": (
        "no fixed ratio stayed under the {cap} cap",
        "ни один фиксированный коэффициент не уложился в предел {cap}",
    ),
}


def say(key: str, **params: Any) -> str:
    """`key` in this run's language, its placeholders filled."""
    return text(MESSAGES, key, **params)
