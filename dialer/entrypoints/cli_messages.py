# ruff: noqa: RUF001  (Russian text is intentional here)
"""Everything the `dialer` commands print (but the doctor, dialer.doctor.messages), in English and Russian.

`say(key, **params)` answers in this run's language (dialer.entrypoints.cli_language)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dialer.entrypoints.cli_language import Messages, language, reason, text

if TYPE_CHECKING:
    from dialer.rules.campaign import CampaignDefinitionError

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
    # a campaign file's field problems, by the validator's (pydantic's) error type; `{where}` is the field.
    # The English is pydantic's own message (printed as pydantic writes it); tests/test_cli_language.py checks
    # the two agree, so this table says what each Russian line translates.
    "field_got": ("{problem} (got {got})", "{problem} (получено {got})"),
    "field_missing": ("{where}: Field required", "{where}: обязательное поле не задано"),
    "field_extra_forbidden": ("{where}: Extra inputs are not permitted", "{where}: такого поля нет"),
    "field_greater_than_equal": (
        "{where}: Input should be greater than or equal to {ge}",
        "{where}: должно быть не меньше {ge}",
    ),
    "field_greater_than": ("{where}: Input should be greater than {gt}", "{where}: должно быть больше {gt}"),
    "field_less_than_equal": (
        "{where}: Input should be less than or equal to {le}",
        "{where}: должно быть не больше {le}",
    ),
    "field_less_than": ("{where}: Input should be less than {lt}", "{where}: должно быть меньше {lt}"),
    "field_int_parsing": (
        "{where}: Input should be a valid integer, unable to parse string as an integer",
        "{where}: нужно целое число",
    ),
    "field_int_type": ("{where}: Input should be a valid integer", "{where}: нужно целое число"),
    "field_int_from_float": (
        "{where}: Input should be a valid integer, got a number with a fractional part",
        "{where}: нужно целое число, а не дробное",
    ),
    "field_float_parsing": (
        "{where}: Input should be a valid number, unable to parse string as a number",
        "{where}: нужно число",
    ),
    "field_float_type": ("{where}: Input should be a valid number", "{where}: нужно число"),
    "field_bool_parsing": (
        "{where}: Input should be a valid boolean, unable to interpret input",
        "{where}: нужно true или false",
    ),
    "field_bool_type": ("{where}: Input should be a valid boolean", "{where}: нужно true или false"),
    "field_string_type": ("{where}: Input should be a valid string", "{where}: нужна строка"),
    "field_string_too_short": (
        "{where}: String should have at least {min_length} characters",
        "{where}: длина должна быть не меньше {min_length}",
    ),
    "field_string_too_long": (
        "{where}: String should have at most {max_length} characters",
        "{where}: длина должна быть не больше {max_length}",
    ),
    "field_string_pattern_mismatch": (
        "{where}: String should match pattern '{pattern}'",
        "{where}: строка не подходит под шаблон '{pattern}'",
    ),
    "field_literal_error": ("{where}: Input should be {expected}", "{where}: допустимые значения: {expected}"),
    "field_enum": ("{where}: Input should be {expected}", "{where}: допустимые значения: {expected}"),
    "field_list_type": ("{where}: Input should be a valid list", "{where}: нужен список"),
    "field_dict_type": ("{where}: Input should be a valid dictionary", "{where}: нужен набор полей (словарь YAML)"),
    "field_model_type": (
        "{where}: Input should be a valid dictionary",  # pydantic goes on: "or instance of {class_name}"
        "{where}: нужен набор полей (словарь YAML)",
    ),
    "field_date_from_datetime_parsing": (
        "{where}: Input should be a valid date or datetime, {error}",
        "{where}: нужна дата ГГГГ-ММ-ДД ({error})",
    ),
    "field_time_parsing": (
        "{where}: Input should be in a valid time format, {error}",
        "{where}: нужно время ЧЧ:ММ ({error})",
    ),
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
    "retention_done": (
        "retention: deleted {deleted}, already missing {missing}, failed {failed}",
        "срок хранения: удалено {deleted}, уже отсутствовали {missing}, не удалось удалить {failed}",
    ),
    "retention_would": (
        "retention: would delete {deleted}, already missing {missing}, failed {failed}",
        "срок хранения: будет удалено {deleted}, уже отсутствуют {missing}, не удалось проверить {failed}",
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
    # the lab
    "lab_status": (
        "provisioned={provisioned} running={running} pid={pid} ami={ami} ari={ari} version={version}",
        "подготовлена: {provisioned}, запущена: {running}, pid {pid}, AMI: {ami}, ARI: {ari}, версия {version}",
    ),
    "yes": ("yes", "да"),
    "no": ("no", "нет"),
    "up": ("ok", "отвечает"),
    "down": ("down", "не отвечает"),
    # simulator
    "sim_no_ratio": (
        "no fixed ratio stayed under the {cap} cap",
        "ни один фиксированный коэффициент не уложился в предел {cap}",
    ),
}


def say(key: str, **params: Any) -> str:
    """`key` in this run's language, its placeholders filled."""
    return text(MESSAGES, key, **params)


def campaign_problems(exc: CampaignDefinitionError) -> list[str]:
    """A refused campaign file's problems in this run's language, one a line, each naming its field as the file
    writes it ('dialing.max_lines'). A problem of a kind the table lacks (our validators' own sentences, a YAML
    syntax error) reads as the validator wrote it, through the domain's catalogue (`reason`)."""
    if language() != "ru":
        return list(exc.problems)
    if not exc.fields:
        return [reason(p) for p in exc.problems]
    out = []
    for p in exc.fields:
        key = f"field_{p.kind}"
        if key in MESSAGES:
            context = dict(p.context)
            if isinstance(context.get("expected"), str):
                context["expected"] = context["expected"].replace("' or '", "' или '")
            problem = say(key, where=p.where, **context)
        else:
            problem = f"{p.where}: {reason(p.message)}"
        out.append(problem if p.got is None else say("field_got", problem=problem, got=p.got))
    return out
