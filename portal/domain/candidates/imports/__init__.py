"""CSV import of candidates: read the file, preview every row's problems, import all or nothing.

- :mod:`.csv_file` reads the upload (encodings, delimiters, headers in Chinese or English).
- :mod:`.row_checks` checks each row with the candidate rules and against the other rows.
- :mod:`.previews` keeps a preview server-side between the check and the confirmation.
- :mod:`.importing` is the service the admin pages call.
"""

from portal.domain.candidates.imports.csv_file import (
    COLUMN_TITLES,
    FIELDS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REQUIRED_FIELDS,
    ImportFileInvalid,
    file_too_large,
    import_file_read,
    import_template_csv,
)
from portal.domain.candidates.imports.importing import (
    ConfirmResult,
    ImportedCandidate,
    ImportPreview,
    candidate_import_confirm,
    candidate_import_preview,
)
from portal.domain.candidates.imports.previews import PREVIEW_TTL_SECONDS
from portal.domain.candidates.imports.row_checks import (
    CheckedRow,
    KnownNames,
    RowError,
    import_known_names,
    import_rows_check,
)

__all__ = [
    "COLUMN_TITLES",
    "FIELDS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "PREVIEW_TTL_SECONDS",
    "REQUIRED_FIELDS",
    "CheckedRow",
    "ConfirmResult",
    "ImportFileInvalid",
    "ImportPreview",
    "ImportedCandidate",
    "KnownNames",
    "RowError",
    "candidate_import_confirm",
    "candidate_import_preview",
    "file_too_large",
    "import_file_read",
    "import_known_names",
    "import_rows_check",
    "import_template_csv",
]
