# ruff: noqa: RUF001  (Russian text is intentional here)
"""One raw row of a list to a contact, an error or a totals row: `RowParser`.

Split from `reader` (which finds the header and streams the file, in one process or
several): this is the per-row work, which runs wherever the rows are parsed.
"""

from __future__ import annotations

import re

from dialer.lists.contacts import (
    EXTRA_ADDRESS,
    EXTRA_EXTENSION,
    EXTRA_OPERATOR,
    EXTRA_PHONE_REGION,
    EXTRA_TIMEZONE_SOURCE,
    EXTRA_UNASSIGNED,
    ParsedContact,
    RowError,
    SummaryRow,
    TimezoneSource,
    parse_email,
    parse_headcount,
    parse_tax_id,
)
from dialer.lists.mapping import ColumnMapping, ContactField
from dialer.lists.numbering import NumberingPlan
from dialer.lists.phones import PhoneNormalizer, split_phone_cell
from dialer.lists.source import RawRow
from dialer.lists.timezones import parse_timezone, region_zones

ParsedRow = ParsedContact | RowError

#: A row whose first non-empty cell starts like this, and that has no valid phone, is a totals
#: row (what managers put under a list), not a broken contact.
_TOTAL = re.compile(
    r"^\s*(?:итого|итог|всего|промежуточный итог|общий итог|total|totals|sub-?total|grand total|sum)\b",
    re.IGNORECASE,
)


def is_total_row(cells: tuple[str, ...]) -> bool:
    first = next((c for c in cells if c.strip()), "")
    return bool(_TOTAL.match(first))


def decide_zone(
    tz_cell: str | None,
    places: tuple[tuple[TimezoneSource, str | None], ...],
    plan_zones: tuple[str, ...],
    phone_zones: tuple[str, ...],
    fallback: str | None,
) -> tuple[str | None, tuple[str, ...], TimezoneSource]:
    """(zone when certain, every candidate zone, which source decided), in the documented order:
    the timezone column, the list's region/city/address columns, the numbering plan, phonenumbers,
    the campaign's fallback zone. A source giving several zones (Якутия) decides the candidates."""
    if tz_cell:
        tz = parse_timezone(tz_cell)
        if tz is not None:
            return tz, (tz,), "timezone_column"
    for source, cell in places:
        if cell:
            zones = region_zones(cell)
            if zones:
                return (zones[0] if len(zones) == 1 else None), zones, source
    if plan_zones:
        return (plan_zones[0] if len(plan_zones) == 1 else None), plan_zones, "numbering_plan"
    if len(phone_zones) == 1:
        return phone_zones[0], phone_zones, "phone"
    if fallback is not None and not phone_zones:
        return None, (), "campaign_fallback"  # the dialer applies the campaign's zone, whatever it is then
    return None, phone_zones, "unknown"


class RowParser:
    """Turns one raw row into a contact or an error, given the column mapping. Pure but cached."""

    def __init__(
        self,
        mapping: ColumnMapping,
        default_region: str = "RU",
        numbering: NumberingPlan | None = None,
        fallback_timezone: str | None = None,
    ) -> None:
        self.mapping = mapping
        self.phones = PhoneNormalizer(default_region)
        self.numbering = numbering
        self.fallback_timezone = fallback_timezone
        self._width = len(mapping.header)
        # column index per field; -1 points at the "" sentinel appended to every row's values
        self._ix = {f: mapping.fields.get(f, -1) for f in ContactField}
        ix = self._ix
        # plain ints and tuples for the per-row code (enum lookups per row cost ~1 us a row)
        self._i_company = ix[ContactField.COMPANY]
        self._i_person = ix[ContactField.CONTACT_PERSON]
        self._i_specialty = ix[ContactField.SPECIALTY]
        self._i_headcount = ix[ContactField.HEADCOUNT]
        self._i_tax = ix[ContactField.TAX_ID]
        self._i_parent_tax = ix[ContactField.PARENT_TAX_ID]
        self._i_group = ix[ContactField.GROUP]
        self._i_region = ix[ContactField.REGION]
        self._i_city = ix[ContactField.CITY]
        self._i_address = ix[ContactField.ADDRESS]
        self._i_email = ix[ContactField.EMAIL]
        self._i_timezone = ix[ContactField.TIMEZONE]
        self._phone_cols = tuple((col, mapping.header[col]) for col in mapping.phones)
        self._extras = mapping.extras
        self._pad = ("",) * (self._width + 1)

    def parse(self, row: RawRow) -> ParsedRow | None:
        """None for a blank row (not a contact, not an error: Excel leaves them around)."""
        if row.error is not None:
            return RowError(row.number, "*", row.error)
        cells = row.cells
        if not any(cells) or not "".join(cells).strip():
            return None
        width = self._width
        n_cells = len(cells)
        vals = [c.strip() for c in cells]
        if n_cells < width:
            vals.extend(self._pad[: width - n_cells])
        vals.append("")
        warnings: list[RowError] = []
        n = row.number
        if n_cells > width and any(c.strip() for c in cells[width:]):
            extra_cells = [c for c in cells[width:] if c.strip()]
            warnings.append(
                RowError(
                    n,
                    "*",
                    f"row has {n_cells} cells but the header has {width}; cells beyond the header ignored",
                    "; ".join(extra_cells)[:200],
                )
            )

        # phones: main column first, then alternates; several numbers per cell allowed
        phones: list[str] = []
        zones: tuple[str, ...] = ()
        extensions: dict[str, str] = {}
        phone_errors: list[RowError] = []
        normalise = self.phones.normalise
        for col, header in self._phone_cols:
            if col >= n_cells:
                continue
            for part in split_phone_cell(cells[col]):
                res = normalise(part)
                e164 = res.e164
                if e164 is None:
                    phone_errors.append(RowError(n, header, res.error or "invalid", part[:100]))
                    continue
                if e164 not in phones:
                    if not phones:
                        zones = res.time_zones
                    phones.append(e164)
                if res.extension:
                    extensions.setdefault(e164, res.extension)
        if not phones:
            if is_total_row(cells):
                first = next(c for c in cells if c.strip())
                return SummaryRow(
                    n, "*", "totals row / строка итогов", " ".join(c.strip() for c in cells if c.strip())[:100] or first
                )
            if phone_errors:
                why = "; ".join(f"{e.value!r}: {e.reason}" for e in phone_errors)
                return RowError(
                    n,
                    "phone",
                    f"no valid phone number ({why})",
                    " | ".join(e.value for e in phone_errors)[:200],
                )
            return RowError(n, "phone", "no phone number")
        if phone_errors:
            warnings.extend(phone_errors)

        headcount: int | None = None
        hc = vals[self._i_headcount]
        if hc:
            try:
                headcount = parse_headcount(hc)
            except ValueError as exc:
                warnings.append(RowError(n, "headcount", str(exc), hc[:100]))

        tax_id: str | None = None
        parent_tax_id: str | None = None
        raw = vals[self._i_tax]
        if raw:
            tax_id, warn = parse_tax_id(raw)
            if warn:
                warnings.append(RowError(n, ContactField.TAX_ID.value, warn, raw[:100]))
        raw = vals[self._i_parent_tax]
        if raw:
            parent_tax_id, warn = parse_tax_id(raw)
            if warn:
                warnings.append(RowError(n, ContactField.PARENT_TAX_ID.value, warn, raw[:100]))

        email: str | None = vals[self._i_email] or None
        if email is not None:
            try:
                email = parse_email(email)
            except ValueError as exc:
                warnings.append(RowError(n, "email", str(exc), email[:100]))
                email = None

        extra = {name: vals[i] for name, i in self._extras if vals[i]} if self._extras else {}
        region = vals[self._i_region] or None
        city = vals[self._i_city] or None
        address = vals[self._i_address] or None
        if address is not None:
            extra[EXTRA_ADDRESS] = address
        tz_cell = vals[self._i_timezone] or None
        if tz_cell is not None and parse_timezone(tz_cell) is None:
            warnings.append(
                RowError(n, "timezone", "unknown time zone (use e.g. Asia/Krasnoyarsk, МСК+4 or UTC+7)", tz_cell[:100])
            )

        plan_zones: tuple[str, ...] = ()
        if self.numbering is not None:
            info = self.numbering.lookup(phones[0])
            if info is not None:
                if not info.assigned:
                    extra[EXTRA_UNASSIGNED] = "yes"
                    warnings.append(
                        RowError(
                            n,
                            "phone",
                            "the number is in a range the numbering plan assigns to no operator"
                            " (номер не выделен ни одному оператору)",
                            phones[0],
                        )
                    )
                else:
                    if info.operator:
                        extra[EXTRA_OPERATOR] = info.operator
                    if info.region:
                        extra[EXTRA_PHONE_REGION] = info.region
                    plan_zones = info.zones
        timezone, candidates, source = decide_zone(
            tz_cell,
            (("region_column", region), ("city_column", city), ("address_column", address)),
            plan_zones,
            zones,
            self.fallback_timezone,
        )
        extra[EXTRA_TIMEZONE_SOURCE] = source
        for phone, ext in extensions.items():
            extra[EXTRA_EXTENSION if phone == phones[0] else f"{EXTRA_EXTENSION} {phone}"] = ext

        return ParsedContact(
            n,
            tuple(phones),
            vals[self._i_company] or None,
            vals[self._i_person] or None,
            vals[self._i_specialty] or None,
            headcount,
            tax_id,
            parent_tax_id,
            vals[self._i_group] or None,
            region,
            city,
            email,
            timezone,
            candidates,
            source,
            extra,
            tuple(warnings),
        )
