# ruff: noqa: RUF001
"""The import pipeline: dedup, DNC, corporate routing, pre-filters, the report."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest

from dialer.lists import (
    ContactStatus,
    CorporateRules,
    HeadcountRange,
    ImportedContact,
    ImportRules,
    ParsedContact,
    RowError,
    SpecialtyFilter,
    classify_contacts,
    import_contacts,
)
from dialer.lists.filters import LargeGroups, corporate_verdict, filter_verdict
from tests.lists.helpers import write_csv

HEADER = ["Телефон", "Доп. телефон", "Компания", "Специализация", "Численность", "ИНН", "Холдинг"]


def contact(phones: Sequence[str] = ("+74951234567",), **kw: object) -> ParsedContact:
    row = kw.pop("row", 2)
    assert isinstance(row, int)
    return ParsedContact(row_number=row, phones=tuple(phones), **kw)  # type: ignore[arg-type]


def statuses(items: list[ImportedContact | RowError]) -> list[tuple[int, str, str | None]]:
    return [(i.contact.row_number, i.status.value, i.reason_code) for i in items if isinstance(i, ImportedContact)]


# --- pure filters -------------------------------------------------------------------------------


def test_specialty_filter_exact_and_synonyms_case_and_space_insensitive() -> None:
    f = SpecialtyFilter.of(["Стоматология"], {"Стоматология": ["Стоматологическая клиника", "dentistry"]})
    assert f.match("  стоматология ") == "Стоматология"
    assert f.match("СТОМАТОЛОГИЧЕСКАЯ   клиника") == "Стоматология"
    assert f.match("Dentistry.") == "Стоматология"
    assert f.match("Косметология; стоматология") == "Стоматология"  # multi-valued cell
    assert f.match("Стоматология детская") is None  # exact, not substring
    assert f.match(None) is None and f.match("") is None


def test_filter_verdicts() -> None:
    rules = ImportRules(specialties=SpecialtyFilter.of(["Стоматология"]), headcount=HeadcountRange(5, 100))
    assert filter_verdict(contact(specialty="стоматология", headcount=5), rules) == (None, "Стоматология")
    assert filter_verdict(contact(specialty="стоматология", headcount=100), rules)[0] is None
    v, _ = filter_verdict(contact(specialty="Ветеринария", headcount=10), rules)
    assert v is not None and v.code == "specialty_not_allowed" and "Ветеринария" in v.reason
    v, _ = filter_verdict(contact(headcount=10), rules)
    assert v is not None and v.code == "specialty_missing"
    v, _ = filter_verdict(contact(specialty="Стоматология", headcount=4), rules)
    assert v is not None and v.code == "headcount_below_min"
    v, _ = filter_verdict(contact(specialty="Стоматология", headcount=101), rules)
    assert v is not None and v.code == "headcount_above_max"
    assert filter_verdict(contact(specialty="Стоматология"), rules)[0] is None  # unknown headcount passes
    strict = ImportRules(headcount=HeadcountRange(5, 100, required=True))
    v, _ = filter_verdict(contact(), strict)
    assert v is not None and v.code == "headcount_missing"
    with pytest.raises(ValueError):
        HeadcountRange(10, 5)


def test_corporate_verdicts() -> None:
    rules = CorporateRules(headcount_threshold=1000, group_min_rows=3)
    v = corporate_verdict(contact(headcount=1000), rules)
    assert v is not None and v.code == "headcount_at_or_above_threshold"
    assert corporate_verdict(contact(headcount=999), rules) is None
    v = corporate_verdict(contact(group="ГК Пик"), rules)
    assert v is not None and v.code == "group_column"
    assert corporate_verdict(contact(group="ГК Пик"), CorporateRules(group_column=False)) is None
    large = LargeGroups(["7707083893"] * 3 + ["7736050003"] * 2 + [None, ""], 3)
    assert len(large) == 1 and "7707083893" in large and "7736050003" not in large
    v = corporate_verdict(contact(tax_id="7707083893"), rules, large)
    assert v is not None and v.code == "tax_id_repeated"
    v = corporate_verdict(contact(tax_id="1111111111", parent_tax_id="7707083893"), rules, large)
    assert v is not None and "parent tax id" in v.reason
    with pytest.raises(ValueError):
        CorporateRules(group_min_rows=1)


def test_large_groups_non_numeric_keys() -> None:
    large = LargeGroups(["GB123", "GB123", "gb123", "DE1"], 2)
    assert "GB123" in large and "DE1" not in large and None not in large


# --- classification order -----------------------------------------------------------------------


def test_classification_precedence_and_dedup() -> None:
    rows: list[ParsedContact | RowError] = [
        contact(["+74951111111"], row=2, specialty="X"),  # filtered
        contact(["+74951111111"], row=3),  # duplicate in list
        contact(["+74952222222", "+74951111111"], row=4, specialty="Стоматология"),  # alt dropped, accepted
        contact(["+74953333333"], row=5, headcount=5000, specialty="X"),  # corporate beats filter
        contact(["+74954444444"], row=6, headcount=5000),  # DNC beats corporate
        contact(["+74955555555"], row=7),  # existing
        RowError(8, "phone", "no phone number"),
        contact(["+74956666666", "+74957777777"], row=9),  # campaign DNC via alternate
    ]
    rules = ImportRules(
        specialties=SpecialtyFilter.of(["Стоматология"]), corporate=CorporateRules(headcount_threshold=1000)
    )
    items = list(
        classify_contacts(
            rows,
            rules,
            existing_phones={"+74955555555"},
            dnc_global={"+74954444444"},
            dnc_campaign=frozenset({"+74957777777"}),
        )
    )
    assert statuses(items) == [
        (2, "filtered", "specialty_not_allowed"),
        (3, "duplicate", "duplicate_in_list"),
        (4, "accepted", None),
        (5, "corporate", "headcount_at_or_above_threshold"),
        (6, "do_not_call", "do_not_call_global"),
        (7, "duplicate", "duplicate_existing"),
        (9, "do_not_call", "do_not_call_campaign"),
    ]
    accepted = items[2]
    assert isinstance(accepted, ImportedContact) and accepted.contact.phones == ("+74952222222",)
    assert "alternate number already belongs" in accepted.contact.warnings[0].reason
    assert accepted.matched_specialty == "Стоматология" and accepted.dialable
    assert isinstance(items[6], RowError)


def test_batch_lookup_callables_are_called_per_batch() -> None:
    calls: list[int] = []

    def existing(batch: frozenset[str]) -> AbstractSet[str]:
        calls.append(len(batch))
        return {p for p in batch if p.endswith("0")}

    rows = [contact([f"+7495100{i:04d}"], row=i + 2) for i in range(25)]
    items = list(classify_contacts(rows, existing_phones=existing, batch_size=10))
    assert calls == [10, 10, 5]
    assert sum(1 for i in items if isinstance(i, ImportedContact) and i.status is ContactStatus.DUPLICATE) == 3


# --- whole files --------------------------------------------------------------------------------


def _list(tmp_path: Path) -> Path:
    rows = [
        HEADER,
        ["8 (495) 100-00-01", "8 916 100-00-01", "Ромашка", "Стоматология", "12", "7707083893", ""],
        ["+7 495 100-00-02", "", "Лютик", "стоматологическая клиника", "25", "7707083893", ""],
        ["84951000003", "", "Филиал Лютика", "Стоматология", "25", "7707083893", ""],
        ["84951000004", "", "ГК Большая", "Стоматология", "8000", "", ""],
        ["84951000005", "", "Дочка холдинга", "Стоматология", "30", "", "Холдинг Альфа"],
        ["84951000006", "", "Ветклиника", "Ветеринария", "10", "", ""],
        ["8495100000", "", "Короткий номер", "Стоматология", "10", "", ""],
        ["8 (495) 100-00-01", "", "Дубль Ромашки", "Стоматология", "12", "", ""],
        ["84951000009", "", "Крошка", "Стоматология", "1", "", ""],
        ["84951000010", "", "Не звонить", "Стоматология", "10", "", ""],
        ["", "", "", "", "", "", ""],
    ]
    return write_csv(tmp_path / "list.csv", rows, encoding="cp1251", delimiter=";")


RULES = ImportRules(
    specialties=SpecialtyFilter.of(["Стоматология"], {"Стоматология": ["Стоматологическая клиника"]}),
    headcount=HeadcountRange(min=2, max=500),
    corporate=CorporateRules(headcount_threshold=1000, group_min_rows=3),
)


def test_import_report(tmp_path: Path) -> None:
    run = import_contacts(_list(tmp_path), RULES, dnc_global={"+74951000010"})
    items = list(run)
    rep = run.report
    assert statuses(items) == [
        (2, "corporate", "tax_id_repeated"),
        (3, "corporate", "tax_id_repeated"),
        (4, "corporate", "tax_id_repeated"),
        (5, "corporate", "headcount_at_or_above_threshold"),
        (6, "corporate", "group_column"),
        (7, "filtered", "specialty_not_allowed"),
        (9, "duplicate", "duplicate_in_list"),
        (10, "filtered", "headcount_below_min"),
        (11, "do_not_call", "do_not_call_global"),
    ]
    assert rep.rows_read == 11 and rep.blank_rows == 1 and rep.accepted == 0
    assert rep.corporate.total() == 5 and rep.filtered == {"specialty_not_allowed": 1, "headcount_below_min": 1}
    assert rep.duplicates == {"duplicate_in_list": 1} and rep.do_not_call == {"do_not_call_global": 1}
    assert rep.invalid_count == 1 and rep.invalid[0].row_number == 8
    assert rep.large_groups == 1 and rep.balanced()
    assert rep.source["encoding"] == "cp1251" and rep.mapping["Доп. телефон"] == "phone (alternate 1)"
    d = rep.as_dict()
    assert d["invalid"][0]["row_number"] == 8 and d["corporate"]["group_column"] == 1
    assert "1 invalid / ошибочные" in rep.summary() and "row 8" in rep.summary()


def test_default_rules_route_groups_and_tax_ids_on_three_rows(tmp_path: Path) -> None:
    """Holdings are routed by default (issue 16): a group cell, or a tax id on 3+ rows."""
    rep = import_contacts(_list(tmp_path)).run()
    assert rep.accepted == 4 and rep.corporate == {"group_column": 1, "tax_id_repeated": 3}
    assert rep.duplicates.total() == 1 and rep.invalid_count == 1 and rep.balanced()
    off = import_contacts(_list(tmp_path), ImportRules(corporate=CorporateRules(group_min_rows=None))).run()
    assert off.accepted == 7 and off.corporate == {"group_column": 1}


def test_reimport_is_idempotent(tmp_path: Path) -> None:
    path = _list(tmp_path)
    stored: set[str] = set()
    for item in import_contacts(path):
        if isinstance(item, ImportedContact) and item.status is not ContactStatus.DUPLICATE:
            stored.update(item.contact.phones)  # the adapter stores every non-duplicate contact
    again = import_contacts(path, existing_phones=stored).run()
    assert again.accepted == 0 and again.corporate.total() == 0
    assert again.duplicates == {"duplicate_existing": 8, "duplicate_in_list": 1}


def test_error_details_are_capped_but_counted(tmp_path: Path) -> None:
    rows = [["Phone"]] + [["bad"] for _ in range(30)] + [["84951234567"]]
    run = import_contacts(write_csv(tmp_path / "l.csv", rows), max_details=5)
    rep = run.run()
    assert rep.invalid_count == 30 and len(rep.invalid) == 5 and rep.accepted == 1
