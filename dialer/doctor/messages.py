# ruff: noqa: RUF001  (Russian text is intentional here)
"""Everything `dialer doctor` prints, in English and Russian, in one place (a table of the kind every command
uses, dialer.entrypoints.cli_language).

Fixes name the file and the line to change; docs/asterisk.md has the full setup they refer to.
"""

from __future__ import annotations

from typing import Any

from dialer.entrypoints import cli_language
from dialer.entrypoints.cli_language import Messages

DOC = "docs/asterisk.md"

MESSAGES: Messages = {
    # key: (English, Russian)
    "fix": ("fix", "исправить"),
    "verdict_ok": (
        "ready: {ok} passed, {warn} warnings, {fail} failed",
        "готово: успешно {ok}, предупреждений {warn}, ошибок {fail}",
    ),
    "verdict_fail": (
        "NOT ready: {ok} passed, {warn} warnings, {fail} failed",
        "НЕ готово: успешно {ok}, предупреждений {warn}, ошибок {fail}",
    ),
    # configuration and database
    "config": ("configuration", "настройки"),
    "config_ok": ("the dialer's settings are complete", "настройки диалера заполнены"),
    "config_bad": ("{error}", "{error}"),
    "config_fix": (
        "set the DIALER_* environment variables or .env (README, 'dialer serve'); "
        "DIALER_ASTERISK_SERVERS must be a JSON list",
        "задайте переменные окружения DIALER_* или файл .env (README, 'dialer serve'); "
        "DIALER_ASTERISK_SERVERS должен быть списком JSON",
    ),
    "database": ("database", "база данных"),
    "db_ok": ("{where} is at schema {head} (the code's head)", "{where}: схема {head} (текущая версия кода)"),
    "db_unreachable": ("{where} cannot be opened: {error}", "{where} не открывается: {error}"),
    "db_unreachable_fix": (
        "check DIALER_DATABASE_URL (user, password, host, database name) and that the server runs",
        "проверьте DIALER_DATABASE_URL (пользователь, пароль, хост, имя базы) и что сервер запущен",
    ),
    "db_behind": (
        "{where} is at schema {current}, this dialer needs {head}",
        "{where}: схема {current}, этому диалеру нужна {head}",
    ),
    "db_behind_fix": ("run `dialer db upgrade`", "выполните `dialer db upgrade`"),
    # ARI
    "ari": ("ARI", "ARI"),
    "ari_ok": (
        "{url} answers, user {user} accepted; Asterisk {version}",
        "{url} отвечает, пользователь {user} принят; Asterisk {version}",
    ),
    "ari_unreachable": ("{url} does not answer: {error}", "{url} не отвечает: {error}"),
    "ari_unreachable_fix": (
        "http.conf: enabled = yes, bindaddr/bindport matching DIALER_ARI_URL; reachable from the dialer's host ("
        + DOC
        + ")",
        "http.conf: enabled = yes, bindaddr/bindport как в DIALER_ARI_URL; доступ с машины диалера (" + DOC + ")",
    ),
    "ari_auth": ("{url} refused user {user} (HTTP 401)", "{url} отклонил пользователя {user} (HTTP 401)"),
    "ari_auth_fix": (
        "the [user] section in ari.conf (type = user, password) must match DIALER_ARI_USER and "
        "DIALER_ARI_PASSWORD; then `asterisk -rx 'module reload res_ari.so'`",
        "секция пользователя в ari.conf (type = user, password) должна совпадать с DIALER_ARI_USER и "
        "DIALER_ARI_PASSWORD; затем `asterisk -rx 'module reload res_ari.so'`",
    ),
    "ari_not_found": (
        "{url} answers HTTP but not ARI (404 on /ari/asterisk/info)",
        "{url} отвечает по HTTP, но не как ARI (404 на /ari/asterisk/info)",
    ),
    "ari_not_found_fix": (
        "ari.conf: [general] enabled = yes and load res_ari*.so; if http.conf sets a prefix, put it in DIALER_ARI_URL",
        "ari.conf: [general] enabled = yes и загрузите res_ari*.so; если в http.conf задан prefix, "
        "добавьте его в DIALER_ARI_URL",
    ),
    "ari_http": ("{url} answered HTTP {status}: {error}", "{url} ответил HTTP {status}: {error}"),
    "ari_write": ("ARI write access", "запись через ARI"),
    "ari_write_ok": ("{user} may control calls", "{user} может управлять вызовами"),
    "ari_read_only": ("{user} is read-only (HTTP 403 Write access denied)", "{user} только для чтения (HTTP 403)"),
    "ari_write_unknown": (
        "could not tell whether {user} may control calls (HTTP {status})",
        "не удалось выяснить, может ли {user} управлять вызовами (HTTP {status})",
    ),
    "ari_read_only_fix": (
        "ari.conf [{user}]: read_only = no; then `asterisk -rx 'module reload res_ari.so'`",
        "ari.conf [{user}]: read_only = no; затем `asterisk -rx 'module reload res_ari.so'`",
    ),
    # AMI
    "ami": ("AMI", "AMI"),
    "ami_ok": (
        "{host}:{port} answers, user {user} logged in",
        "{host}:{port} отвечает, вход пользователя {user} выполнен",
    ),
    "ami_unreachable": ("{host}:{port} does not answer: {error}", "{host}:{port} не отвечает: {error}"),
    "ami_unreachable_fix": (
        "manager.conf: [general] enabled = yes, port and bindaddr matching DIALER_AMI_HOST/DIALER_AMI_PORT; "
        "a firewall must let the dialer's host in",
        "manager.conf: [general] enabled = yes, port и bindaddr как в DIALER_AMI_HOST/DIALER_AMI_PORT; "
        "межсетевой экран должен пропускать машину диалера",
    ),
    "ami_auth": ("{host}:{port} refused the login of {user}", "{host}:{port} не пустил пользователя {user}"),
    "ami_auth_fix": (
        "manager.conf: a [{user}] section whose secret is DIALER_AMI_PASSWORD and whose permit covers the "
        "dialer's address; then `asterisk -rx 'manager reload'`",
        "manager.conf: секция [{user}] с secret, равным DIALER_AMI_PASSWORD, и permit, включающим адрес "
        "диалера; затем `asterisk -rx 'manager reload'`",
    ),
    "ami_permissions": ("AMI permissions", "права AMI"),
    "ami_perm_ok": ("{user} may send {action}", "{user} может отправлять {action}"),
    "ami_perm_denied": ("{user} may not send {action}: {message}", "{user} не может отправлять {action}: {message}"),
    "ami_perm_fix": (
        "manager.conf [{user}]: write = reporting (CoreShowChannels, ShowDialPlan); then `manager reload`",
        "manager.conf [{user}]: write = reporting (CoreShowChannels, ShowDialPlan); затем `manager reload`",
    ),
    # dialplan
    "dialplan_amd": ("dialplan for answering-machine detection", "диалплан распознавания автоответчика"),
    "dialplan_stasis": ("dialplan for calls placed by hand", "диалплан для ручных вызовов"),
    "dialplan_outbound": ("dialplan for customers' calls", "диалплан вызовов клиентам"),
    "dialplan_outbound_fix": (
        "add the [dialer-outbound] context of " + DOC + " to extensions.conf (FreePBX: extensions_custom.conf); "
        "then `dialplan reload`: without it every answered customer is hung up",
        "добавьте контекст [dialer-outbound] из " + DOC + " в extensions.conf (FreePBX: extensions_custom.conf); "
        "затем `dialplan reload`: без него каждый ответивший клиент будет сброшен",
    ),
    "dialplan_ok": (
        "context [{context}] sends calls to Stasis({app})",
        "контекст [{context}] передаёт вызовы в Stasis({app})",
    ),
    "dialplan_missing": ("no context [{context}]", "нет контекста [{context}]"),
    "dialplan_no_stasis": (
        "context [{context}] does not send calls to Stasis({app})",
        "контекст [{context}] не передаёт вызовы в Stasis({app})",
    ),
    "dialplan_no_amd": ("context [{context}] does not run AMD()", "контекст [{context}] не вызывает AMD()"),
    "dialplan_amd_fix": (
        "add the [dialer-amd] context of " + DOC + " to extensions.conf (FreePBX: extensions_custom.conf); "
        "then `dialplan reload`",
        "добавьте контекст [dialer-amd] из " + DOC + " в extensions.conf (FreePBX: extensions_custom.conf); "
        "затем `dialplan reload`",
    ),
    "dialplan_stasis_fix": (
        "optional: add the [dialer-stasis] context of " + DOC + " to place calls into the dialer by hand",
        "необязательно: добавьте контекст [dialer-stasis] из " + DOC + " для ручных вызовов через диалер",
    ),
    # modules
    "mod_ari": ("modules: ARI", "модули: ARI"),
    "mod_stasis": ("modules: Stasis and dialplan", "модули: Stasis и диалплан"),
    "mod_amd": ("modules: answering-machine detection", "модули: распознавание автоответчика"),
    "mod_pjsip": ("modules: PJSIP", "модули: PJSIP"),
    "mod_bridge": ("modules: bridging", "модули: мосты"),
    "mod_recording": ("modules: recording", "модули: запись разговоров"),
    "mod_codecs": ("modules: codecs (ulaw/alaw translation)", "модули: кодеки (перекодирование ulaw/alaw)"),
    "mod_cdr": ("modules: call records for crash recovery", "модули: записи о вызовах для восстановления после сбоя"),
    "mod_ok": ("loaded: {modules}", "загружены: {modules}"),
    "mod_missing": ("not loaded: {modules}", "не загружены: {modules}"),
    "mod_fix": (
        "modules.conf: {loads} (and remove any noload line for them); then restart Asterisk or `module load`",
        "modules.conf: {loads} (и удалите строки noload для них); затем перезапустите Asterisk или `module load`",
    ),
    "campaign": ("campaign", "кампания"),
    "campaign_missing": ("no campaign {campaign!r} in the database", "в базе нет кампании {campaign!r}"),
    "campaign_missing_fix": (
        "`dialer campaigns apply FILE.yaml` first, or give the campaign's exact name",
        "сначала `dialer campaigns apply ФАЙЛ.yaml`, или укажите точное имя кампании",
    ),
    # operators
    "operators": ("operators", "операторы"),
    "operators_none": ("no active operator in the database", "в базе нет активных операторов"),
    "operators_none_fix": (
        "`dialer operators add LOGIN --endpoint PJSIP/LOGIN [--server NAME]`",
        "`dialer operators add ЛОГИН --endpoint PJSIP/ЛОГИН [--server ИМЯ]`",
    ),
    "endpoint": ("operator endpoint", "точка подключения оператора"),
    "endpoint_ok": ("{login}: {endpoint} exists and is registered", "{login}: {endpoint} существует и зарегистрирован"),
    "endpoint_malformed": (
        "{login}: {endpoint} is not TECH/RESOURCE",
        "{login}: {endpoint} не в виде ТЕХНОЛОГИЯ/ИМЯ",
    ),
    "endpoint_malformed_fix": (
        "`dialer operators add {login} --endpoint PJSIP/{login}`",
        "`dialer operators add {login} --endpoint PJSIP/{login}`",
    ),
    "endpoint_error": (
        "{login}: {endpoint} could not be looked up: {error}",
        "{login}: {endpoint} не удалось проверить: {error}",
    ),
    "endpoint_missing": ("{login}: Asterisk has no endpoint {endpoint}", "{login}: в Asterisk нет точки {endpoint}"),
    "endpoint_missing_fix": (
        "pjsip.conf: add endpoint, auth and aor [{resource}] (" + DOC + "), then `pjsip reload`; "
        "or correct the operator's endpoint with `dialer operators add {login} --endpoint …`",
        "pjsip.conf: добавьте endpoint, auth и aor [{resource}] (" + DOC + "), затем `pjsip reload`; "
        "или исправьте точку оператора: `dialer operators add {login} --endpoint …`",
    ),
    "endpoint_offline": (
        "{login}: {endpoint} is {state} (no softphone registered)",
        "{login}: {endpoint} в состоянии {state} (софтфон не зарегистрирован)",
    ),
    "endpoint_offline_fix": (
        "start the operator's softphone with the credentials of {endpoint} (" + DOC + ", softphones)",
        "запустите софтфон оператора с учётными данными {endpoint} (" + DOC + ", софтфоны)",
    ),
    # trunk
    "trunk": ("trunk test call", "пробный вызов через транк"),
    "trunk_bad_number": ("{number!r} is not a phone number", "{number!r} — не номер телефона"),
    "trunk_bad_number_fix": (
        "give the number in international format, e.g. --test-number +79991234567",
        "укажите номер в международном формате, например --test-number +79991234567",
    ),
    "trunk_answered": ("{dial} answered", "{dial} ответил"),
    "trunk_refused": ("Asterisk refused to dial {dial}: {error}", "Asterisk отказался набирать {dial}: {error}"),
    "trunk_refused_fix": (
        "DIALER_TRUNK (or the campaign's dial_string) must be a dial string Asterisk accepts, e.g. "
        "PJSIP/{{number}}@carrier where carrier is the pjsip endpoint of your provider",
        "DIALER_TRUNK (или dial_string кампании) должен быть строкой набора, которую принимает Asterisk, "
        "например PJSIP/{{number}}@carrier, где carrier — endpoint провайдера в pjsip",
    ),
    "trunk_not_answered": (
        "{dial} reached the network but was not answered (cause {cause} {text})",
        "{dial}: сеть достигнута, но ответа нет (причина {cause} {text})",
    ),
    "trunk_not_answered_fix": (
        "the trunk works; call a number that answers to test audio",
        "транк работает; для проверки звука позвоните на номер, который отвечает",
    ),
    "trunk_silent": (
        "{dial}: neither ringing nor an answer in time",
        "{dial}: ни звонка, ни ответа за отведённое время",
    ),
    "trunk_failed": ("{dial} failed (cause {cause} {text})", "{dial} не прошёл (причина {cause} {text})"),
    "trunk_failed_fix": (
        "check the provider endpoint in pjsip.conf (registration, credentials, number format in DIALER_TRUNK); "
        "`pjsip show registrations`, `pjsip set logger on`",
        "проверьте endpoint провайдера в pjsip.conf (регистрация, учётные данные, формат номера в DIALER_TRUNK); "
        "`pjsip show registrations`, `pjsip set logger on`",
    ),
    # files
    "spool": ("recording spool", "каталог записей Asterisk"),
    "spool_ok": ("{path} exists, readable and writable", "{path} существует, доступен на чтение и запись"),
    "spool_missing": ("{path} does not exist on the dialer's host", "{path} не существует на машине диалера"),
    "spool_not_dir": ("{path} is not a directory", "{path} не каталог"),
    "spool_access": ("{path}: read {read}, write {write}", "{path}: чтение {read}, запись {write}"),
    "spool_fix": (
        "DIALER_RECORDING_SPOOL_DIR must be Asterisk's /var/spool/asterisk/recording as the dialer sees it "
        "(same host, NFS or a shared volume); create it on Asterisk's side",
        "DIALER_RECORDING_SPOOL_DIR должен указывать на /var/spool/asterisk/recording Asterisk так, как его "
        "видит диалер (та же машина, NFS или общий том); создайте его на стороне Asterisk",
    ),
    "spool_access_fix": (
        "give the dialer's user read and write on {path} (e.g. the asterisk group with g+rwx)",
        "дайте пользователю диалера чтение и запись в {path} (например, группа asterisk и g+rwx)",
    ),
    "cdr_file": ("call records file", "файл записей о вызовах"),
    "cdr_ok": ("{path} is readable", "{path} доступен для чтения"),
    "cdr_missing": ("{path} does not exist (yet)", "{path} (пока) не существует"),
    "cdr_unreadable": ("{path} is not readable", "{path} недоступен для чтения"),
    "cdr_fix": (
        "cdr.conf enable = yes, cdr_custom.conf [dialer-cdr.csv] (" + DOC + "), /var/log/asterisk/cdr-custom/ shared "
        "with the dialer; the file appears with the first call",
        "cdr.conf enable = yes, cdr_custom.conf [dialer-cdr.csv] (" + DOC + "), каталог /var/log/asterisk/cdr-custom/ "
        "доступен диалеру; файл появляется с первым вызовом",
    ),
}


def text(key: str, lang: str = "en", **params: Any) -> str:
    return cli_language.text(MESSAGES, key, lang, **params)
