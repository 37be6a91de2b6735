"""The import itself: preview an upload, then create the chosen rows all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from litestar.stores.base import Store

from portal.db import unique_violation_raises, write_transaction
from portal.domain.candidates.batch.write import candidate_batch_write
from portal.domain.candidates.imports.csv_file import ImportFile, ImportRow, import_file_read
from portal.domain.candidates.imports.previews import (
    ImportRecord,
    StoredPreview,
    new_preview_token,
    preview_load,
    preview_record,
    preview_save,
    preview_take,
)
from portal.domain.candidates.imports.row_checks import (
    CheckedRow,
    import_rows_check,
    import_rows_resolve,
)
from portal.domain.errors import ValidationFailed

# Shown back on the page; never used as a path.
_FILENAME_LIMIT = 100


@dataclass(frozen=True)
class ImportPreview:
    token: str
    filename: str
    file: ImportFile
    rows: list[CheckedRow]
    # Row numbers that "Import" would create: the rows that were valid when shown.
    chosen: list[int]

    @property
    def valid_rows(self) -> list[CheckedRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[CheckedRow]:
        return [row for row in self.rows if not row.valid]

    @property
    def can_import_all(self) -> bool:
        return bool(self.rows) and all(row.valid for row in self.rows)


@dataclass(frozen=True)
class ImportedCandidate:
    id: int
    name: str
    phone: str
    department: str
    ordinal: int


ConfirmOutcome = Literal[
    "imported",  # the chosen rows were created
    "already_done",  # a repeated submit of an import that has happened
    "in_progress",  # a repeated submit while the first one is still importing
    "missing",  # no such preview for this staff member (expired, someone else's, forged)
    "changed",  # the database changed since the preview: nothing imported, new errors shown
    "not_clean",  # "import all" for a file with errors
    "needs_confirmation",  # "import the valid rows only" without ticking the box
    "nothing_to_import",
]


@dataclass(frozen=True)
class ConfirmResult:
    outcome: ConfirmOutcome
    filename: str = ""
    count: int = 0
    imported: list[ImportedCandidate] = field(default_factory=list)
    preview: ImportPreview | None = None


def _clean_filename(filename: str | None) -> str:
    name = " ".join((filename or "").replace("\\", "/").rsplit("/", 1)[-1].split())
    return name[:_FILENAME_LIMIT]


def _preview(stored: StoredPreview, rows: list[CheckedRow]) -> ImportPreview:
    return ImportPreview(
        token=stored.token,
        filename=stored.filename,
        file=stored.file,
        rows=rows,
        chosen=stored.chosen,
    )


def _stored(
    *, token: str, staff_id: int, filename: str, file: ImportFile, rows: list[CheckedRow]
) -> StoredPreview:
    chosen = [row.number for row in rows if row.valid]
    return StoredPreview(
        token=token,
        staff_id=staff_id,
        filename=filename,
        file=file,
        chosen=chosen,
        clean=len(chosen) == len(rows),
    )


async def candidate_import_preview(
    *, store: Store, staff_id: int, filename: str | None, content: bytes
) -> ImportPreview:
    """Read and check an upload and keep it for the confirmation; imports nothing.

    Raises ImportFileInvalid when the file as a whole cannot be used.
    """
    file = import_file_read(content)
    rows = await import_rows_check(file.rows)
    stored = _stored(
        token=new_preview_token(),
        staff_id=staff_id,
        filename=_clean_filename(filename),
        file=file,
        rows=rows,
    )
    await preview_save(store, stored)
    return _preview(stored, rows)


async def _create_all(rows: list[ImportRow], *, actor_id: int) -> list[ImportedCandidate]:
    """Create every row as one batch: checked again and written inside one transaction.

    A failure leaves no candidate of this file behind. The rows are resolved again under
    the write lock, so a phone taken since the preview fails here (ValidationFailed)
    instead of being imported twice; a unique index refusing a row (a writer that won a
    race on PostgreSQL) fails the same way.
    """
    with unique_violation_raises(_taken_meanwhile):
        async with write_transaction():
            resolution = await import_rows_resolve(rows)
            if not resolution.valid:
                raise _taken_meanwhile()
            outcomes = await candidate_batch_write(resolution, source="import", actor_id=actor_id)
    return [
        ImportedCandidate(
            id=outcome.id,
            name=resolved.clean.name if resolved.clean else row.values.get("name", ""),
            phone=resolved.clean.phone if resolved.clean else row.values.get("phone", ""),
            department=row.values.get("department", ""),
            ordinal=outcome.ordinal,
        )
        for row, resolved, outcome in zip(rows, resolution.rows, outcomes, strict=True)
    ]


def _taken_meanwhile() -> ValidationFailed:
    # Never shown: the caller checks the rows again and shows what changed.
    return ValidationFailed({"rows": "changed since the check"})


async def candidate_import_confirm(
    *, store: Store, token: str, staff_id: int, only_valid: bool, confirmed: bool
) -> ConfirmResult:
    """Import the rows of the staff member's preview ``token``: all of them, or none.

    ``only_valid`` imports just the rows that were valid in the preview; it needs
    ``confirmed`` (the "I understand the other rows are skipped" box).
    """
    found = await preview_load(store, token=token, staff_id=staff_id)
    if not isinstance(found, StoredPreview):
        return _not_pending(found)
    if only_valid and not confirmed:
        rows = await import_rows_check(found.file.rows)
        return ConfirmResult("needs_confirmation", preview=_preview(found, rows))

    taken = await preview_take(store, token=token, staff_id=staff_id)
    if not isinstance(taken, StoredPreview):
        if taken is not None:
            # A concurrent submit's record: it stays for the next repeat to find.
            await preview_record(store, taken)
        return _not_pending(taken)
    await preview_record(
        store,
        ImportRecord(token=token, staff_id=staff_id, filename=taken.filename, state="importing"),
    )
    try:
        return await _import(store, taken, only_valid=only_valid)
    except BaseException:
        # Keep the preview for another try after an unexpected failure.
        await preview_save(store, taken)
        raise


def _not_pending(found: ImportRecord | None) -> ConfirmResult:
    if found is None:
        return ConfirmResult("missing")
    outcome = "already_done" if found.state == "done" else "in_progress"
    return ConfirmResult(outcome, filename=found.filename, count=found.count)


async def _import(store: Store, stored: StoredPreview, *, only_valid: bool) -> ConfirmResult:
    if not only_valid and not stored.clean:
        await preview_save(store, stored)
        rows = await import_rows_check(stored.file.rows)
        return ConfirmResult("not_clean", preview=_preview(stored, rows))
    chosen = set(stored.chosen)
    selected = [row for row in stored.file.rows if row.number in chosen]
    if not selected:
        await preview_save(store, stored)
        rows = await import_rows_check(stored.file.rows)
        return ConfirmResult("nothing_to_import", preview=_preview(stored, rows))
    # The chosen rows are checked once, inside the write transaction (_create_all): a
    # second check beforehand would double the cost of a 10,000-row confirm for nothing.
    try:
        imported = await _create_all(selected, actor_id=stored.staff_id)
    except ValidationFailed:
        # A chosen row is no longer valid: a phone, e-mail or id was taken meanwhile, a
        # department or cohort renamed.
        rows = await import_rows_check(stored.file.rows)
    else:
        await preview_record(
            store,
            ImportRecord(
                token=stored.token,
                staff_id=stored.staff_id,
                filename=stored.filename,
                state="done",
                count=len(imported),
            ),
        )
        return ConfirmResult(
            "imported", filename=stored.filename, count=len(imported), imported=imported
        )
    # The database changed since the preview: show the rows as they are now, offer
    # again only what is valid now, and import nothing.
    fresh = _stored(
        token=stored.token,
        staff_id=stored.staff_id,
        filename=stored.filename,
        file=stored.file,
        rows=rows,
    )
    await preview_save(store, fresh)
    return ConfirmResult("changed", preview=_preview(fresh, rows))
