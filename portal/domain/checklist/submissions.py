"""What a candidate does with a checklist item: add files, remove one, hand it in.

Files are streamed into storage first (slow I/O, outside any transaction); the rows that
record them are then written in one transaction that checks again that the item is still
open and not over its file limit. If that check or the write fails, the stored files are
deleted, so a refused upload leaves nothing behind.

Access rule: an item is reachable only when its template is active and matches the
candidate (:func:`portal.domain.checklist.checklist_item_for`); anything else is 404.
"""

from __future__ import annotations

from datetime import UTC, datetime

from litestar.datastructures import UploadFile

from portal.config import get_settings
from portal.db import rows_hold, unique_violation_raises, write_transaction
from portal.domain.checklist.items import checklist_item_for
from portal.domain.checklist.tables import ChecklistFile, ChecklistSubmission, ChecklistTemplate
from portal.domain.errors import Conflict, NotFound
from portal.domain.insights.activity import activity_record
from portal.files.storage import get_storage
from portal.files.uploads import StoredUpload, UploadRefused, discard_stored, store_uploads
from portal.i18n import gettext as _
from portal.i18n import ngettext

STORAGE_AREA = "checklist"


def _not_open() -> Conflict:
    return Conflict(
        _("This item has been handed in. Files can be changed only before it is reviewed.")
    )


def _changed_meanwhile() -> Conflict:
    return Conflict(_("This item was changed at the same moment elsewhere. Please try again."))


def _too_many(max_files: int) -> UploadRefused:
    return UploadRefused(
        ngettext(
            "This item takes at most %(num)d file. Remove one before adding another.",
            "This item takes at most %(num)d files. Remove one before adding another.",
            max_files,
        ),
        code="too_many",
    )


async def _lock_checklist(candidate_id: int) -> None:
    """Serialise one candidate's checklist writes inside the current write transaction.

    SQLite's IMMEDIATE transactions already serialise every writer; on PostgreSQL the
    candidate's row lock makes two uploads to one item (two tabs, a double tap) take
    turns, so the file limit is checked against what the other one wrote.
    """
    await rows_hold("candidate", [candidate_id])


async def _submission_for_update(candidate_id: int, template_id: int) -> ChecklistSubmission:
    """The candidate's row for the item, created (as a draft) when missing."""
    submission = await ChecklistSubmission.objects().get(
        (ChecklistSubmission.candidate == candidate_id)
        & (ChecklistSubmission.template == template_id)
    )
    if submission is None:
        submission = ChecklistSubmission(candidate=candidate_id, template=template_id)
        with unique_violation_raises(_changed_meanwhile):
            await submission.save()
    return submission


async def checklist_files_add(
    *, candidate_id: int, template_id: int, uploads: list[UploadFile]
) -> list[StoredUpload]:
    item = await checklist_item_for(candidate_id=candidate_id, template_id=template_id)
    if not item.editable:
        raise _not_open()
    if not uploads:
        raise UploadRefused(_("Choose a file first."), code="empty")
    if len(item.files) + len(uploads) > item.max_files:
        raise _too_many(item.max_files)
    stored = await store_uploads(
        uploads,
        area=STORAGE_AREA,
        families=item.families,
        max_bytes=get_settings().upload_max_bytes,
        thumbnails=True,
    )
    try:
        async with write_transaction():
            await _lock_checklist(candidate_id)
            submission = await _submission_for_update(candidate_id, template_id)
            if submission.status not in ("draft", "rejected"):
                raise _not_open()
            count = await ChecklistFile.count().where(ChecklistFile.submission == submission.id)
            if count + len(stored) > item.max_files:
                raise _too_many(item.max_files)
            await ChecklistFile.insert(
                *[
                    ChecklistFile(
                        submission=submission.id,
                        storage_key=s.key,
                        thumb_key=s.thumb_key,
                        original_name=s.name,
                        media_type=s.media_type,
                        family=s.kind.family,
                        size=s.size,
                    )
                    for s in stored
                ]
            )
            await ChecklistSubmission.update(
                {ChecklistSubmission.updated_at: datetime.now(UTC)}
            ).where(ChecklistSubmission.id == submission.id)
    except BaseException:
        await discard_stored(stored)
        raise
    activity_record(candidate_id, "checklist_upload", subject_id=template_id)
    return stored


async def _own_file(candidate_id: int, file_id: int) -> tuple[ChecklistFile, ChecklistSubmission]:
    file = await ChecklistFile.objects().get(ChecklistFile.id == file_id)
    submission = (
        await ChecklistSubmission.objects().get(ChecklistSubmission.id == file.submission)
        if file
        else None
    )
    if file is None or submission is None or submission.candidate != candidate_id:
        # Someone else's file and no file look the same.
        raise NotFound(_("This file does not exist."))
    return file, submission


async def checklist_file_remove(*, candidate_id: int, file_id: int) -> None:
    file, submission = await _own_file(candidate_id, file_id)
    async with write_transaction():
        await _lock_checklist(candidate_id)
        current = await ChecklistSubmission.objects().get(ChecklistSubmission.id == submission.id)
        if current is None or current.status not in ("draft", "rejected"):
            raise _not_open()
        await ChecklistFile.delete().where(ChecklistFile.id == file.id)
    storage = get_storage()
    await storage.delete(file.storage_key)
    if file.thumb_key:
        await storage.delete(file.thumb_key)


async def checklist_item_submit(*, candidate_id: int, template_id: int) -> None:
    """Hand the item in for review (again, after a rejection)."""
    item = await checklist_item_for(candidate_id=candidate_id, template_id=template_id)
    if not item.editable:
        raise _not_open()
    async with write_transaction():
        await _lock_checklist(candidate_id)
        submission = await ChecklistSubmission.objects().get(
            (ChecklistSubmission.candidate == candidate_id)
            & (ChecklistSubmission.template == template_id)
        )
        count = (
            await ChecklistFile.count().where(ChecklistFile.submission == submission.id)
            if submission
            else 0
        )
        if submission is None or count < item.min_files:
            raise Conflict(
                ngettext(
                    "Upload at least %(num)d file before handing this item in.",
                    "Upload at least %(num)d files before handing this item in.",
                    item.min_files,
                )
            )
        if count > item.max_files:
            raise _too_many(item.max_files)
        now = datetime.now(UTC)
        changed = (
            await ChecklistSubmission.update(
                {
                    ChecklistSubmission.status: "submitted",
                    ChecklistSubmission.round: submission.round + 1,
                    ChecklistSubmission.submitted_at: now,
                    ChecklistSubmission.updated_at: now,
                }
            )
            .where(
                (ChecklistSubmission.id == submission.id)
                & ChecklistSubmission.status.is_in(["draft", "rejected"])
            )
            .returning(ChecklistSubmission.id)
        )
        if not changed:
            raise _not_open()


async def checklist_item_reopen(*, candidate_id: int, template_id: int) -> None:
    """Take a handed-in item back (before HR reviewed it) to change its files."""
    await checklist_item_for(candidate_id=candidate_id, template_id=template_id)
    async with write_transaction():
        changed = (
            await ChecklistSubmission.update(
                {
                    ChecklistSubmission.status: "draft",
                    ChecklistSubmission.updated_at: datetime.now(UTC),
                }
            )
            .where(
                (ChecklistSubmission.candidate == candidate_id)
                & (ChecklistSubmission.template == template_id)
                & (ChecklistSubmission.status == "submitted")
            )
            .returning(ChecklistSubmission.id)
        )
    if not changed:
        raise Conflict(_("This item has already been reviewed and can no longer be changed."))


async def candidate_file_get(
    *, candidate_id: int, file_id: int, thumbnail: bool = False
) -> tuple[str, str, str]:
    """(storage key, media type, display name) of one of the candidate's own files."""
    file, _submission = await _own_file(candidate_id, file_id)
    if thumbnail:
        if not file.thumb_key:
            raise NotFound(_("This file does not exist."))
        return file.thumb_key, "image/jpeg", file.original_name
    return file.storage_key, file.media_type, file.original_name


async def candidate_example_get(*, candidate_id: int, template_id: int) -> tuple[str, str, str]:
    """The example file of an item on the candidate's own list."""
    await checklist_item_for(candidate_id=candidate_id, template_id=template_id)
    template = await ChecklistTemplate.objects().get(ChecklistTemplate.id == template_id)
    if template is None or not template.example_key:
        raise NotFound(_("This file does not exist."))
    return template.example_key, template.example_media_type, template.example_name
