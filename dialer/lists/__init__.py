"""Contact lists: reading CSV/XLSX as exported from Excel, normalising, pre-filtering, exporting.

Pure core: no database, no Asterisk. The DB adapter calls `import_contacts` (or
`read_contacts` for a plain parse) and stores what comes out.
"""

from dialer.lists.contacts import ParsedContact, RowError, SummaryRow
from dialer.lists.errors import ColumnMappingError, ListFormatError
from dialer.lists.export import (
    ResultRow,
    neutralise_cell,
    write_corporate_queue,
    write_csv,
    write_results,
    write_table,
    write_xlsx,
)
from dialer.lists.filters import (
    CorporateReason,
    CorporateRules,
    FilterReason,
    HeadcountRange,
    ImportRules,
    SpecialtyFilter,
)
from dialer.lists.importer import (
    ContactStatus,
    ImportedContact,
    ImportReport,
    ImportRun,
    PhoneLookup,
    classify_contacts,
    import_contacts,
)
from dialer.lists.mapping import ColumnMapping, ContactField, detect_mapping
from dialer.lists.numbering import NumberingPlan, read_register
from dialer.lists.reader import ContactReader, read_contacts

__all__ = [
    "ColumnMapping",
    "ColumnMappingError",
    "ContactField",
    "ContactReader",
    "ContactStatus",
    "CorporateReason",
    "CorporateRules",
    "FilterReason",
    "HeadcountRange",
    "ImportReport",
    "ImportRules",
    "ImportRun",
    "ImportedContact",
    "ListFormatError",
    "NumberingPlan",
    "ParsedContact",
    "PhoneLookup",
    "ResultRow",
    "RowError",
    "SpecialtyFilter",
    "SummaryRow",
    "classify_contacts",
    "detect_mapping",
    "import_contacts",
    "neutralise_cell",
    "read_contacts",
    "read_register",
    "write_corporate_queue",
    "write_csv",
    "write_results",
    "write_table",
    "write_xlsx",
]
