"""Reading an uploaded candidate spreadsheet saved as CSV, as Excel and WPS save them.

Everything here is untrusted input: the bytes are sniffed before they are decoded, the
size and the number of rows are capped, and every problem with the file as a whole is
an :class:`ImportFileInvalid` with a message HR can act on ("save it as CSV").
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from portal.domain.errors import DomainError
from portal.i18n import gettext as _

MAX_FILE_BYTES = 2 * 1024 * 1024
# A file is checked and created as one batch (portal/domain/candidates/batch/), in one
# transaction that holds SQLite's write lock: 10,000 rows hold it for a few seconds
# (docs/csv-import.md has the figures; bench/imports.py measures them).
MAX_ROWS = 10000
# A title line or two above the column names is common in exported spreadsheets.
HEADER_SEARCH_ROWS = 10

FIELDS = ("name", "phone", "email", "department", "position", "cohort", "external_id", "tags")
REQUIRED_FIELDS = ("name", "phone", "department")

# The template's headers, and how a column is named in messages: Chinese / English.
COLUMN_TITLES = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "phone"),
    "email": ("邮箱", "email"),
    "department": ("部门", "department"),
    "position": ("岗位", "position"),
    "cohort": ("培训批次", "cohort"),
    "external_id": ("外部编号", "external_id"),
    "tags": ("标签", "tags"),
}

_ALIASES = {
    "name": ("name", "full name", "candidate name", "姓名", "名字", "候选人", "候选人姓名"),
    "phone": (
        "phone",
        "mobile",
        "phone number",
        "mobile number",
        "mobile phone",
        "cell phone",
        "telephone",
        "tel",
        "手机",
        "手机号",
        "手机号码",
        "电话",
        "电话号码",
        "联系电话",
        "联系方式",
    ),
    "email": ("email", "e-mail", "email address", "mail", "邮箱", "电子邮箱", "电子邮件", "邮件"),
    "department": ("department", "dept", "部门", "所属部门", "入职部门"),
    "position": ("position", "job", "job title", "岗位", "职位", "应聘岗位", "入职岗位"),
    "cohort": (
        "cohort",
        "batch",
        "training batch",
        "training cohort",
        "批次",
        "培训批次",
        "入职批次",
        "培训班",
    ),
    "external_id": ("external id", "external_id", "外部编号", "编号", "候选人编号"),
    "tags": ("tags", "tag", "labels", "标签", "候选人标签"),
}

# First bytes of files people upload by mistake instead of a CSV export.
_SPREADSHEET_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
_OTHER_BINARY_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"Rar!")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_DELIMITERS = (",", ";", "\t")


class ImportFileInvalid(DomainError):
    """The upload as a whole cannot be read; nothing row by row is worth showing."""


@dataclass(frozen=True)
class ImportRow:
    """One candidate line: ``number`` is the row number Excel shows (the header is row 1)."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class ImportFile:
    rows: list[ImportRow]
    columns: list[str]  # the recognised fields, in the file's order
    ignored_columns: list[str]  # headers that name nothing Onramp imports
    encoding: str


def header_key(text: str) -> str:
    """A header as compared: full-width folded, notes in brackets and separators dropped.

    "手机号（必填）", " Phone Number* " and "phone_number" all become one key.
    """
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\(.*?\)|\[.*?\]", "", text)
    return re.sub(r"[\s_\-*:.]+", "", text).casefold()


_FIELD_BY_HEADER = {
    header_key(alias): field for field, aliases in _ALIASES.items() for alias in aliases
}


def column_title(field: str) -> str:
    chinese, english = COLUMN_TITLES[field]
    return f"{chinese} / {english}"


def file_too_large() -> ImportFileInvalid:
    return ImportFileInvalid(
        _(
            "The file is larger than %(size)s. Split it into smaller files.",
            size=f"{MAX_FILE_BYTES // (1024 * 1024)} MB",
        )
    )


def _not_csv() -> ImportFileInvalid:
    return ImportFileInvalid(
        _(
            "This is not a CSV file. Open it in Excel or WPS, choose Save As, "
            "pick “CSV UTF-8 (comma delimited)” and upload that file."
        )
    )


def _decode(content: bytes) -> tuple[str, str]:
    """The text and the name of its encoding, sniffing binary files first."""
    if content.startswith(_SPREADSHEET_SIGNATURES):
        raise ImportFileInvalid(
            _(
                "This is an Excel workbook, not a CSV file. In Excel or WPS choose Save As, "
                "pick “CSV UTF-8 (comma delimited)” and upload that file."
            )
        )
    if content.startswith(_OTHER_BINARY_SIGNATURES):
        raise _not_csv()
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export.
        try:
            return content.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise _not_csv() from None
    if b"\x00" in content:
        raise _not_csv()
    try:
        return content.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # Excel in Chinese Windows saves "CSV (comma delimited)" as GBK; GB18030 is a
        # superset of it, so it also reads the rarer characters in people's names.
        return content.decode("gb18030"), "GBK"
    except UnicodeDecodeError:
        raise ImportFileInvalid(
            _(
                "The file is neither UTF-8 nor GBK text. In Excel or WPS choose Save As, "
                "pick “CSV UTF-8 (comma delimited)” and upload that file."
            )
        ) from None


def _delimiter(text: str) -> str:
    """Comma, or semicolon/tab when the first line clearly uses one (European Excel, TSV)."""
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def _records(text: str) -> list[tuple[int, list[str]]]:
    """The rows that hold anything, each with its spreadsheet row number (1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for record in reader:
            number += 1
            if not any(cell.strip() for cell in record):
                # Excel writes a ",,,," line for every formatted but empty row.
                continue
            records.append((number, record))
            if len(records) > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise _too_many_rows()
    except csv.Error as error:
        raise ImportFileInvalid(
            _(
                "Row %(row)s cannot be read (%(reason)s). Save the file as CSV again.",
                row=number + 1,
                reason=str(error),
            )
        ) from None
    return records


def _too_many_rows() -> ImportFileInvalid:
    return ImportFileInvalid(
        _(
            "The file has more than %(max)s candidates. Split it into smaller files.",
            max=f"{MAX_ROWS:,}",
        )
    )


def _header_fields(record: list[str]) -> list[str | None]:
    return [_FIELD_BY_HEADER.get(header_key(cell)) if cell.strip() else None for cell in record]


def _find_header(records: list[tuple[int, list[str]]]) -> int:
    """The index of the column-name row: the first naming a required column, near the top."""
    for index, (_number, record) in enumerate(records[:HEADER_SEARCH_ROWS]):
        if set(_header_fields(record)) & set(REQUIRED_FIELDS):
            return index
    # No row names a required column: report the missing columns against the first row.
    return 0


def import_file_read(content: bytes) -> ImportFile:
    """Decode and split ``content``; raises ImportFileInvalid for a file that is not usable."""
    if len(content) > MAX_FILE_BYTES:
        raise file_too_large()
    if not content.strip():
        raise ImportFileInvalid(_("The file is empty."))
    text, encoding = _decode(content)
    if _CONTROL_CHARACTERS.search(text):
        raise _not_csv()
    records = _records(text)
    if not records:
        raise ImportFileInvalid(_("The file is empty."))

    header_index = _find_header(records)
    header = records[header_index][1]
    fields = _header_fields(header)
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, (cell, field) in enumerate(zip(header, fields, strict=True)):
        if field is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if field in positions:
            raise ImportFileInvalid(
                _(
                    "Two columns mean the same thing: “%(first)s” and “%(second)s”. "
                    "Delete one of them.",
                    first=header[positions[field]].strip(),
                    second=cell.strip(),
                )
            )
        positions[field] = position
    missing = [field for field in REQUIRED_FIELDS if field not in positions]
    if missing:
        raise ImportFileInvalid(
            _(
                "The file has no column for: %(columns)s. The first row must hold the "
                "column names, as in the template.",
                columns=", ".join(column_title(field) for field in missing),
            )
        )

    rows = [
        ImportRow(
            number=number,
            values={
                field: record[position].strip() if position < len(record) else ""
                for field, position in positions.items()
            },
        )
        for number, record in records[header_index + 1 :]
    ]
    if not rows:
        raise ImportFileInvalid(_("The file has column names but no candidates."))
    if len(rows) > MAX_ROWS:
        raise _too_many_rows()
    return ImportFile(
        rows=rows,
        columns=sorted(positions, key=positions.__getitem__),
        ignored_columns=ignored,
        encoding=encoding,
    )


def import_template_csv(*, chinese: bool) -> bytes:
    """The header row HR fills in, with a BOM so that Excel opens it as UTF-8."""
    headers = [COLUMN_TITLES[field][0 if chinese else 1] for field in FIELDS]
    return ("\ufeff" + ",".join(headers) + "\r\n").encode("utf-8")
