# ruff: noqa: RUF001, RUF002  (Russian text is intentional here)
"""Column mapping: which header column holds which contact field.

Detected from Russian or English header names, overridable per column. Rules
(documented in docs/lists.md):

* several columns may map to `phone`; the left-most is the main number, the
  others are alternates, in column order;
* any other standard field may come from one column only: two columns that both
  look like, say, `ИНН` are an error (we will not guess which one is right) unless
  an explicit override says what each of them is;
* unknown columns are kept as custom fields under their header text; repeated
  header names get a suffix: `Комментарий`, `Комментарий (2)`...;
* blank header cells are named `column N` (1-based).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from dialer.lists.errors import ColumnMappingError


class ContactField(StrEnum):
    PHONE = "phone"
    COMPANY = "company"
    CONTACT_PERSON = "contact_person"
    SPECIALTY = "specialty"
    HEADCOUNT = "headcount"
    TAX_ID = "tax_id"
    PARENT_TAX_ID = "parent_tax_id"
    GROUP = "group"
    REGION = "region"
    CITY = "city"
    EMAIL = "email"
    TIMEZONE = "timezone"
    ADDRESS = "address"


#: Override values besides field names.
EXTRA = "extra"
IGNORE = "ignore"

_SYNONYMS: dict[ContactField, tuple[str, ...]] = {
    ContactField.PHONE: (
        "телефон",
        "телефоны",
        "тел",
        "номер",
        "номер телефона",
        "контактный телефон",
        "рабочий телефон",
        "мобильный",
        "мобильный телефон",
        "сотовый",
        "доп телефон",
        "дополнительный телефон",
        "phone",
        "phones",
        "phone number",
        "telephone",
        "tel",
        "mobile",
        "mobile phone",
        "cell",
        "alt phone",
        "alternate phone",
        "other phone",
        "work phone",
        "msisdn",
    ),
    ContactField.COMPANY: (
        "компания",
        "организация",
        "название",
        "наименование",
        "название компании",
        "наименование организации",
        "название организации",
        "юрлицо",
        "юр лицо",
        "фирма",
        "company",
        "company name",
        "organization",
        "organisation",
        "account",
        "account name",
    ),
    ContactField.CONTACT_PERSON: (
        "контактное лицо",
        "контакт",
        "фио",
        "имя",
        "фио контакта",
        "фио руководителя",
        "руководитель",
        "лпр",
        "contact",
        "contact person",
        "contact name",
        "name",
        "full name",
        "person",
    ),
    ContactField.SPECIALTY: (
        "специализация",
        "специальность",
        "вид деятельности",
        "основной вид деятельности",
        "отрасль",
        "рубрика",
        "профиль",
        "specialty",
        "speciality",
        "specialization",
        "specialisation",
        "industry",
        "category",
        "line of business",
    ),
    ContactField.HEADCOUNT: (
        "численность",
        "численность сотрудников",
        "численность персонала",
        "количество сотрудников",
        "кол во сотрудников",
        "число сотрудников",
        "сотрудников",
        "сотрудники",
        "штат",
        "среднесписочная численность",
        "headcount",
        "employees",
        "employee count",
        "number of employees",
        "staff",
        "company size",
        "size",
    ),
    ContactField.TAX_ID: ("инн", "инн организации", "tax id", "taxid", "inn", "tin", "vat", "vat id"),
    ContactField.PARENT_TAX_ID: (
        "инн головной организации",
        "инн холдинга",
        "инн материнской компании",
        "инн группы",
        "parent tax id",
        "parent inn",
        "parent tin",
        "group tax id",
    ),
    ContactField.GROUP: (
        "холдинг",
        "группа",
        "группа компаний",
        "головная организация",
        "материнская компания",
        "group",
        "holding",
        "parent",
        "parent company",
        "company group",
    ),
    ContactField.REGION: ("регион", "область", "субъект", "субъект рф", "region", "state", "province"),
    ContactField.CITY: ("город", "населенный пункт", "city", "town"),
    ContactField.EMAIL: (
        "e mail",
        "email",
        "почта",
        "электронная почта",
        "эл почта",
        "емейл",
        "имейл",
        "mail",
        "email address",
        "e mail address",
    ),
    ContactField.TIMEZONE: ("часовой пояс", "таймзона", "timezone", "time zone", "tz"),
    ContactField.ADDRESS: (
        "адрес",
        "юридический адрес",
        "фактический адрес",
        "почтовый адрес",
        "адрес организации",
        "юр адрес",
        "факт адрес",
        "address",
        "postal address",
        "street address",
    ),
}

_LOOKUP: dict[str, ContactField] = {syn: field for field, syns in _SYNONYMS.items() for syn in syns}
#: Headers starting with these words are phone columns: "Телефон 2", "Phone (mobile)", "Тел. доп."
_PHONE_PREFIXES = ("телефон", "тел ", "phone", "мобильный", "сотовый", "mobile", "telephone")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_LOOKS_LIKE_PHONE = re.compile(r"^\+?[\d\s()\-.]{7,}$")


def normalise_header(text: str) -> str:
    """Casefold, ё→е, punctuation to spaces: 'E-mail:' and 'email' compare equal-ish."""
    t = text.casefold().replace("ё", "е").replace("\ufeff", "")
    return _NON_WORD.sub(" ", t).strip()


def field_for_header(text: str) -> ContactField | None:
    """The standard field a header name denotes, or None for a custom column."""
    norm = normalise_header(text)
    if not norm:
        return None
    if norm in _LOOKUP:
        return _LOOKUP[norm]
    compact = norm.replace(" ", "")
    if compact in _LOOKUP:  # "e mail" vs "email"
        return _LOOKUP[compact]
    # "Телефон 2", "phone 3": strip a trailing number
    stripped = re.sub(r"\s*\d+$", "", norm)
    if stripped in _LOOKUP and _LOOKUP[stripped] is ContactField.PHONE:
        return ContactField.PHONE
    if any(norm == p.strip() or norm.startswith(p) for p in _PHONE_PREFIXES):
        return ContactField.PHONE
    return None


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Resolved mapping of a header. Column indexes are 0-based."""

    header: tuple[str, ...]  # display names, blanks named and duplicates suffixed
    phones: tuple[int, ...]  # main first
    fields: Mapping[ContactField, int]  # every standard field except phone
    extras: tuple[tuple[str, int], ...]  # custom fields: (name, column)
    ignored: tuple[int, ...] = ()

    def describe(self) -> dict[str, str]:
        """Human-readable 'column -> field' for the import report / CLI preview."""
        out: dict[str, str] = {}
        for n, i in enumerate(self.phones):
            out[self.header[i]] = "phone" if n == 0 else f"phone (alternate {n})"
        for f, i in self.fields.items():
            out[self.header[i]] = f.value
        for name, _ in self.extras:
            out[name] = "extra"
        for i in self.ignored:
            out[self.header[i]] = "ignored"
        return out


MappingOverride = Mapping[str | int, str | None]


def _display_header(raw: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, cell in enumerate(raw):
        name = cell.replace("\ufeff", "").strip() or f"column {i + 1}"
        key = name.casefold()
        seen[key] = seen.get(key, 0) + 1
        out.append(name if seen[key] == 1 else f"{name} ({seen[key]})")
    return tuple(out)


def _resolve_override_key(key: str | int, header: tuple[str, ...], raw: Sequence[str]) -> int:
    if isinstance(key, int):
        if not 1 <= key <= len(header):
            raise ColumnMappingError(f"mapping override: column number {key} is outside 1..{len(header)}")
        return key - 1
    for i, name in enumerate(header):
        if name == key.strip():
            return i
    wanted = normalise_header(key)  # '№' normalises to nothing: then only the exact name matches
    matches = [i for i, cell in enumerate(raw) if wanted and normalise_header(cell) == wanted]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ColumnMappingError(f"mapping override: no column named {key!r}; columns are {list(header)}")
    raise ColumnMappingError(
        f"mapping override: {key!r} matches several columns {[header[i] for i in matches]}; "
        "use the suffixed name or the column number"
    )


def _parse_target(value: str | None, key: str | int) -> ContactField | str:
    if value is None:
        return IGNORE
    v = value.strip().lower()
    if v in (EXTRA, IGNORE):
        return v
    try:
        return ContactField(v)
    except ValueError:
        allowed = [f.value for f in ContactField] + [EXTRA, IGNORE]
        raise ColumnMappingError(
            f"mapping override for {key!r}: unknown field {value!r}; use one of {allowed}"
        ) from None


def detect_mapping(raw_header: Sequence[str], overrides: MappingOverride | None = None) -> ColumnMapping:
    """Map a header row to fields; explicit overrides win over detection.

    Raises ColumnMappingError when there is no phone column or a standard field is ambiguous.
    """
    header = _display_header(raw_header)
    targets: dict[int, ContactField | str] = {}
    for key, value in (overrides or {}).items():
        targets[_resolve_override_key(key, header, raw_header)] = _parse_target(value, key)
    explicit = {t for t in targets.values() if isinstance(t, ContactField) and t is not ContactField.PHONE}
    claims: dict[ContactField, list[int]] = {}
    for i, cell in enumerate(raw_header):
        if i in targets:
            continue
        field = field_for_header(cell)
        if field is None or field in explicit:
            targets[i] = EXTRA
        else:
            targets[i] = field
            claims.setdefault(field, []).append(i)
    for field, cols in claims.items():
        if field is not ContactField.PHONE and len(cols) > 1:
            names = ", ".join(repr(header[i]) for i in cols)
            raise ColumnMappingError(
                f"columns {names} all look like {field.value!r}; say which one to use with an explicit "
                f"mapping (e.g. {{{header[cols[1]]!r}: 'extra'}})"
            )
    phones = tuple(i for i in range(len(header)) if targets.get(i) is ContactField.PHONE)
    fields: dict[ContactField, int] = {}
    for i in range(len(header)):
        t = targets[i]
        if isinstance(t, ContactField) and t is not ContactField.PHONE:
            if t in fields:
                raise ColumnMappingError(
                    f"mapping override: {t.value!r} assigned to both {header[fields[t]]!r} and {header[i]!r}"
                )
            fields[t] = i
    if not phones:
        if raw_header and all(_LOOKS_LIKE_PHONE.match(c.strip()) or not c.strip() for c in raw_header):
            raise ColumnMappingError(
                f"the first row {list(raw_header)} looks like data, not a header; add a header row "
                "(e.g. 'Телефон;Компания') or pass an explicit mapping"
            )
        raise ColumnMappingError(
            f"no phone column in the header {list(header)}; expected a column named like "
            "'Телефон' or 'Phone', or an explicit mapping {'<column>': 'phone'}"
        )
    extras = tuple((header[i], i) for i in range(len(header)) if targets[i] == EXTRA)
    ignored = tuple(i for i in range(len(header)) if targets[i] == IGNORE)
    return ColumnMapping(header=header, phones=phones, fields=fields, extras=extras, ignored=ignored)
