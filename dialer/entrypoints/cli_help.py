# ruff: noqa: RUF001  (Russian text is intentional here)
"""`--help` and Typer's usage errors in the run's language: the commands keep their English help where Typer
wants it (docstrings, `help=`), and the root group puts the Russian of each text in place before it parses
the command line, so `dialer --lang ru lists import --help`, DIALER_LANG=ru and a Russian locale all read
Russian help; a usage error ("Missing option '--campaign'") is said in Russian as it leaves.

Keyed by the English text, not by a name: the English lives where the command is declared (or in Typer), and
tests/test_cli_language.py fails on a help text without its Russian (or a Russian whose English is gone).
Typer's own frame (Usage, the Options/Commands/Error panel titles) stays English."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from typer import Context, TyperException
from typer.core import TyperGroup

from dialer.entrypoints.cli_language import LANGUAGES, default_language, language

#: English help text -> Russian.
HELP: Final[Mapping[str, str]] = {
    # dialer
    "Predictive dialer on Asterisk.": "Предиктивный обзвон на Asterisk.",
    "en or ru (default: DIALER_LANG or the locale)": "en или ru (по умолчанию: DIALER_LANG или локаль системы)",
    "Install completion for the current shell.": "Установить автодополнение для текущей оболочки.",
    "Show completion for the current shell, to copy it or customize the installation.": (
        "Показать автодополнение для текущей оболочки, чтобы скопировать его или настроить установку."
    ),
    "Show this message and exit.": "Показать эту справку и выйти.",
    # demo, serve, doctor
    "The main job: lab up, database, sample campaign, operators on softphones, dial, summary.": (
        "Главный сценарий: лаборатория, база, пример кампании, операторы на софтфонах, обзвон, итоги."
    ),
    "CI mode: dial only the first 10 contacts": "режим CI: набрать только первые 10 контактов",
    "simulated operators": "сколько операторов имитировать",
    "also write the summary as JSON": "также записать итоги в JSON",
    "Run the dialer against the Asterisk configured by DIALER_* settings, until interrupted.\n\n"
    "The scheduler dials every campaign whose status is running (and whose dates include today).": (
        "Запустить диалер с Asterisk из настроек DIALER_* и работать до остановки.\n\n"
        "Планировщик обзванивает каждую запущенную кампанию (если сегодня входит в её даты)."
    ),
    "also mark these campaigns running": "также запустить эти кампании",
    "operator login(s) to log in to the first campaign": "логины операторов, которых подключить к первой кампании",
    "also serve the web app, in the same process": "также запустить веб-приложение в этом же процессе",
    "on SIGTERM, seconds to let live calls finish": "сколько секунд после SIGTERM дать идущим разговорам завершиться",
    "serve Prometheus /metrics on 127.0.0.1:PORT": "отдавать метрики Prometheus /metrics на 127.0.0.1:ПОРТ",
    "Check Asterisk (ARI, AMI, dialplan, modules, operators, trunk, spool) and the database; prints each fix.": (
        "Проверить Asterisk (ARI, AMI, диалплан, модули, операторы, транк, каталог записей) и базу; "
        "для каждой проблемы печатает, как её исправить."
    ),
    "also dial this number through DIALER_TRUNK (your own phone; it rings)": (
        "также позвонить на этот номер через DIALER_TRUNK (ваш собственный телефон: он зазвонит)"
    ),
    "dial the test number with this campaign's dial string instead of DIALER_TRUNK": (
        "набрать пробный номер по строке набора этой кампании, а не через DIALER_TRUNK"
    ),
    "en or ru (default: dialer --lang, DIALER_LANG, the locale)": (
        "en или ru (по умолчанию: dialer --lang, DIALER_LANG, локаль системы)"
    ),
    # lab
    "The Asterisk lab: a real Asterisk 22 in a Debian sid chroot.": (
        "Лаборатория: настоящий Asterisk 22 в chroot с Debian sid."
    ),
    "Provision (once, cached) and start the lab's Asterisk; idempotent.": (
        "Подготовить (один раз, с кешем) и запустить Asterisk лаборатории; повторный запуск безопасен."
    ),
    "operator endpoints op1..opN": "точки подключения операторов op1..opN",
    "2: a second Asterisk in the same chroot (AMI 5039, ARI 8089, SIP 5070)": (
        "2: второй Asterisk в том же chroot (AMI 5039, ARI 8089, SIP 5070)"
    ),
    "Stop the lab's Asterisk (and the second instance, if it runs).": (
        "Остановить Asterisk лаборатории (и второй экземпляр, если он запущен)."
    ),
    "Is the lab provisioned and running; do AMI and ARI answer.": (
        "Подготовлена ли лаборатория и запущена ли; отвечают ли AMI и ARI."
    ),
    # db, campaigns, lists, operators
    "Database schema (alembic).": "Схема базы данных (alembic).",
    "Create or migrate the database named by DIALER_DATABASE_URL.": (
        "Создать или обновить базу данных, указанную в DIALER_DATABASE_URL."
    ),
    "Campaign definitions (campaigns/*.yaml).": "Описания кампаний (campaigns/*.yaml).",
    "Create or update a campaign from its YAML file.": "Создать или обновить кампанию по её файлу YAML.",
    "Export a campaign's results and its corporate queue for Excel (formula injection neutralised).": (
        "Выгрузить результаты кампании и её очередь корпоративных клиентов для Excel (формулы в ячейках обезврежены)."
    ),
    "contacts with their latest outcome (.csv or .xlsx)": "контакты с последним результатом звонка (.csv или .xlsx)",
    "the corporate queue (.csv or .xlsx)": "очередь корпоративных клиентов (.csv или .xlsx)",
    "per operator and shift figures (.csv or .xlsx)": "показатели по операторам и сменам (.csv или .xlsx)",
    "a blended campaign's inbound queue figures per day (.csv or .xlsx)": (
        "показатели входящей очереди смешанной кампании по дням (.csv или .xlsx)"
    ),
    "Let the scheduler dial the campaign (within its dates and each callee's calling window).": (
        "Разрешить планировщику обзванивать кампанию (в её даты и в разрешённое время звонков каждого абонента)."
    ),
    "Mark the campaign paused: the scheduler dials it no more until `start`.": (
        "Поставить кампанию на паузу: планировщик не обзванивает её до `start`."
    ),
    "Mark the campaign stopped: the scheduler dials it no more.": (
        "Остановить кампанию: планировщик её больше не обзванивает."
    ),
    "Contact lists.": "Списки контактов.",
    "Import a CSV/XLSX contact list into a campaign (all rows or none).": (
        "Загрузить список контактов CSV/XLSX в кампанию (все строки или ни одной)."
    ),
    "campaign name": "имя кампании",
    "list name (default: file name)": "имя списка (по умолчанию: имя файла)",
    "COLUMN=field (repeatable): header text or column number -> field/extra/ignore": (
        "КОЛОНКА=поле (можно повторять): заголовок или номер столбца -> поле/extra/ignore"
    ),
    "Operators.": "Операторы.",
    "Register an operator, the dial string of their softphone and their home Asterisk server.": (
        "Зарегистрировать оператора, строку набора его софтфона и его сервер Asterisk."
    ),
    "e.g. PJSIP/op1": "например PJSIP/op1",
    "the Asterisk server the softphone registers to (default: the default one)": (
        "сервер Asterisk, на котором регистрируется софтфон (по умолчанию: основной)"
    ),
    # recordings
    "Call recordings: verify, retention.": "Записи разговоров: проверка, срок хранения.",
    "Check every stored recording: present, checksum, decodable, as long as its call.": (
        "Проверить каждую запись: файл на месте, контрольная сумма, декодируется, длиной с разговор."
    ),
    "only this campaign": "только эта кампания",
    "seconds the length may differ from the call's": "на сколько секунд длина записи может отличаться от разговора",
    "Measure and encode stored recordings again (e.g. another format); each row is replaced.": (
        "Заново измерить и перекодировать записи (например, в другой формат); каждая строка заменяется."
    ),
    "ogg | mp3 | wav": "ogg | mp3 | wav",
    "Apply each campaign's retention policy now (the scheduler does it daily at 03:00 UTC).": (
        "Применить срок хранения записей каждой кампании сейчас (планировщик делает это ежедневно в 03:00 UTC)."
    ),
    "only say what would go": "только показать, что будет удалено",
    # compliance, dnc, registers, numbering
    "Compliance evidence.": "Отчёты о соблюдении требований закона.",
    "The evidence report: calls, live answers, abandons per day and rolling 30 days, AMD, calls\n"
    "outside the window, blocked dials, connect latency, abandon messages; every figure with its attempts.": (
        "Доказательный отчёт: звонки, ответы живых абонентов, брошенные звонки по дням и за скользящие "
        "30 дней, автоответчики, звонки вне разрешённого времени, заблокированные наборы, задержка соединения "
        "с оператором, сообщения при брошенном звонке; у каждой цифры — её попытки."
    ),
    "first day, YYYY-MM-DD": "первый день, ГГГГ-ММ-ДД",
    "last day, YYYY-MM-DD": "последний день, ГГГГ-ММ-ДД",
    "directory for the report files": "каталог для файлов отчёта",
    "csv | xlsx": "csv | xlsx",
    "US | UK | RU | RU_COLLECTION (default: the campaign's)": "US | UK | RU | RU_COLLECTION (по умолчанию: кампании)",
    "time zone of the report's days": "часовой пояс, по которому считаются дни отчёта",
    "Do-not-call lists (global or per campaign).": "Списки запретов на звонки (общий или кампании).",
    "Put one number on the do-not-call list; the next lease honours it.": (
        "Внести номер в список запретов; следующая выборка контактов его уже учтёт."
    ),
    "only for this campaign (default: every campaign)": "только для этой кампании (по умолчанию: для всех)",
    "why, as the callee said it": "причина, как её назвал абонент",
    "Add every number of a file (a list, or a CSV whose first column is the number).": (
        "Внести все номера из файла (список или CSV, где номер в первом столбце)."
    ),
    "Take a number off a do-not-call list; the opt-out stays in the history, stamped as removed.": (
        "Убрать номер из списка запретов; отказ остаётся в истории с отметкой об удалении."
    ),
    "the campaign's list (default: the global list)": "список кампании (по умолчанию: общий список)",
    "why (e.g. the person asked to be called again)": "причина (например, абонент попросил снова звонить)",
    "National opt-out registers (TPS, CTPS, US_DNC...).": (
        "Государственные реестры отказов от звонков (TPS, CTPS, US_DNC...)."
    ),
    "Load a register file (one number a line, or a CSV whose first column is the number) as NAME,\n"
    "replacing its previous numbers. Campaigns whose profile screens NAME refuse to start when it is too old.": (
        "Загрузить файл реестра (по номеру в строке или CSV с номером в первом столбце) под именем ИМЯ, "
        "заменив прежние номера. Кампании, чей профиль проверяет ИМЯ, не запустятся, если реестр устарел."
    ),
    "date of the register's data, YYYY-MM-DD (default: the file's)": (
        "дата данных реестра, ГГГГ-ММ-ДД (по умолчанию: файла)"
    ),
    "region of numbers without a country code (TPS: GB)": "регион номеров без кода страны (TPS: GB)",
    "Every loaded register with the date of its data and its size.": (
        "Все загруженные реестры с датой данных и размером."
    ),
    "The Russian numbering plan register (operator, region and time zone of +7 numbers).": (
        "Реестр российской системы нумерации (оператор, регион и часовой пояс номеров +7)."
    ),
    "Load register files; each replaces the ranges of the ABC/DEF codes it has (one transaction a file).": (
        "Загрузить файлы реестра; каждый заменяет диапазоны своих кодов ABC/DEF (по транзакции на файл)."
    ),
    "ABC-3xx.csv ABC-4xx.csv ABC-8xx.csv DEF-9xx.csv": "ABC-3xx.csv ABC-4xx.csv ABC-8xx.csv DEF-9xx.csv",
    "The register files loaded, with their date and size.": "Загруженные файлы реестра с датой и размером.",
    # sim
    "Pacing simulator and benchmark scenarios.": "Симулятор темпа набора и сценарии сравнения.",
    "Run predictive, progressive, VICIdial ADAPT and fixed ratios on SCENARIO; print the table.": (
        "Прогнать предиктивный, прогрессивный набор, VICIdial ADAPT и фиксированные коэффициенты "
        "на СЦЕНАРИИ; напечатать таблицу."
    ),
    "scenario YAML file": "файл сценария YAML",
    "override the scenario's team size": "число операторов вместо заданного в сценарии",
    "override the shift length": "длительность смены вместо заданной в сценарии",
    "override the seed": "зерно случайных чисел вместо заданного в сценарии",
    "fixed ratios to sweep, comma separated": "фиксированные коэффициенты для перебора, через запятую",
    "parallel simulations": "сколько симуляций вести параллельно",
    "show every fixed ratio, not just the best": "показать все фиксированные коэффициенты, а не только лучший",
    # web, users
    "The web app (operators, managers, admins, QA).": (
        "Веб-приложение (операторы, менеджеры, администраторы, контроль качества)."
    ),
    "Serve the web app alone (no live dialer: Ready/Pause need `dialer serve --web`).": (
        "Запустить только веб-приложение (без диалера: для «Готов»/«Пауза» нужен `dialer serve --web`)."
    ),
    "listen address (default DIALER_WEB_HOST or 127.0.0.1)": "адрес (по умолчанию DIALER_WEB_HOST или 127.0.0.1)",
    "port (default DIALER_WEB_PORT or 8000)": "порт (по умолчанию DIALER_WEB_PORT или 8000)",
    "Web app users and roles.": "Пользователи веб-приложения и их роли.",
    "Create a web user (the first admin is made this way).": (
        "Создать пользователя веб-приложения (так создаётся первый администратор)."
    ),
    "admin | manager | supervisor | operator | qa": "admin | manager | supervisor | operator | qa",
    "operator login (softphone) of an operator user": "логин оператора (софтфона) для пользователя-оператора",
    "read the password from standard input": "прочитать пароль со стандартного ввода",
    "Enrol a user (admins) in the TOTP second factor: prints the secret and the otpauth:// URI once.": (
        "Подключить пользователю (администратору) второй фактор TOTP: секрет и адрес otpauth:// печатаются один раз."
    ),
    "remove the second factor instead": "вместо этого отключить второй фактор",
}


#: Typer's usage errors (its vendored click's English, as `format_message` gives it) -> Russian; the groups
#: fill the Russian, whose `{value}` is translated again (a value's own problem: "Input should be a valid
#: number...").
USAGE_ERRORS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"Missing option (.+?)\.(?: (.*))?", re.S), "Не задан параметр {0}.{1}"),
    (re.compile(r"Missing argument (.+?)\.(?: (.*))?", re.S), "Не задан аргумент {0}.{1}"),
    (re.compile(r"Missing parameter: (.+)"), "Не задан параметр {0}"),
    (
        re.compile(r"No such command '(.*)'\.(?: Did you mean (.*)\?)?"),
        "Нет такой команды «{0}».{1}",
    ),
    (re.compile(r"No such option: (\S+)(?: \(Possible options: (.*)\))?"), "Нет такого параметра: {0}{1}"),
    (re.compile(r"Option '(.*)' requires an argument\."), "Параметру '{0}' нужно значение."),
    (re.compile(r"Got unexpected extra arguments? \((.*)\)"), "Лишние аргументы: {0}"),
    (re.compile(r"Got unexpected extra argument\(s\) \((.*)\)"), "Лишние аргументы: {0}"),
    (re.compile(r"Invalid value for (.+?): (.*)", re.S), "Неверное значение {0}: {1}"),
    (re.compile(r"Invalid value: (.*)", re.S), "Неверное значение: {0}"),
    # a value's own problem, inside "Invalid value for …"
    (
        re.compile(r"Input should be a valid number, unable to parse string as a number"),
        "нужно число",
    ),
    (
        re.compile(r"Input should be a valid integer, unable to parse string as an integer"),
        "нужно целое число",
    ),
    (re.compile(r"Input should be a valid boolean.*"), "нужно да или нет (true/false)"),
    (re.compile(r"file '(.*)' does not exist\."), "файла «{0}» нет."),
    (re.compile(r"(?:path|directory) '(.*)' does not exist\."), "пути «{0}» нет."),
    (re.compile(r"'(.*)' is not one of (.*)\.", re.S), "«{0}» — не одно из {1}."),
    (re.compile(r"(.*) is not in the range (.*)\.", re.S), "{0} вне диапазона {1}."),
)


def usage_error_in_russian(message: str) -> str:
    """Typer's English usage error in Russian (as it was, when the table does not know it)."""
    for pattern, russian in USAGE_ERRORS:
        m = pattern.fullmatch(message)
        if m is None:
            continue
        parts = [part or "" for part in m.groups()]
        if russian.startswith("Нет такой команды") and parts[1]:
            parts[1] = f" Может быть, {parts[1]}?"
        elif russian.startswith("Нет такого параметра") and parts[1]:
            parts[1] = f" (есть: {parts[1]})"
        elif russian.startswith("Не задан") and parts[1]:
            parts[1] = " " + usage_error_in_russian(parts[1])
        elif russian.startswith("Неверное значение"):
            parts[-1] = usage_error_in_russian(parts[-1])
        return russian.format(*parts)
    return message


def _say_in(exc: Exception, lang: str) -> None:
    """Let a usage error leaving the command line read in `lang` (Typer prints `format_message()`)."""
    if lang != "ru" or not hasattr(exc, "format_message"):
        return
    russian = usage_error_in_russian(exc.format_message())
    exc.format_message = lambda: russian


def help_texts(command: Any) -> list[tuple[Any, str, str]]:
    """(object, attribute, English text) of every help text under `command`: commands' help and short help,
    their parameters' help, and `--help`'s own (an option Typer makes when first asked for, cached)."""
    out: list[tuple[Any, str, str]] = []
    help_option = command.get_help_option(Context(command))
    for holder in (command, *command.params, *([help_option] if help_option is not None else [])):
        for attr in ("help", "short_help"):
            english = getattr(holder, "_english_" + attr, getattr(holder, attr, None))
            if english:
                out.append((holder, attr, english))
    for sub in getattr(command, "commands", {}).values():
        out += help_texts(sub)
    return out


def localise_help(command: Any, lang: str) -> None:
    """Every help text under `command` in `lang` (English where the table has no Russian)."""
    for holder, attr, english in help_texts(command):
        setattr(holder, "_english_" + attr, english)
        setattr(holder, attr, HELP.get(english, english) if lang == "ru" else english)


def _language_in(args: Sequence[str]) -> str | None:
    """The `--lang` of a command line, read before click parses it (`--help` is answered while parsing)."""
    for i, arg in enumerate(args):
        value = args[i + 1] if arg == "--lang" and i + 1 < len(args) else arg.partition("=")[2]
        if (arg == "--lang" or arg.startswith("--lang=")) and value in LANGUAGES:
            return value
    return None


class LocalisedGroup(TyperGroup):
    """The root `dialer` group: puts the help texts of the run's language in place before parsing."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:  # typer.Context (its vendored click's)
        lang = _language_in(args) or default_language()
        localise_help(self, lang)
        try:
            return super().make_context(info_name, args, parent, **extra)
        except TyperException as exc:  # the root's own options
            _say_in(exc, lang)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TyperException as exc:  # a command's arguments and options, raised while the run's language is set
            _say_in(exc, language())
            raise
