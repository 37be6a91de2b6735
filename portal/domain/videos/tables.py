"""Tables of the welcome-video area: one row per upload, from first chunk to HR's decision.

A video's life: ``uploading`` (chunks arriving; never shown to anyone but its uploader and
HR) → ``pending`` (every byte received, waiting for HR) → ``approved`` or ``rejected``.
Approving a department's video retires the one approved before it (``retired``), so each
department has at most one current video: a unique partial index (migration 0014) on
``department`` where ``status = 'approved'`` makes that a database rule, not a hope.
"""

from __future__ import annotations

from piccolo.columns import BigInt, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.organisation.tables import Department
from portal.domain.staff.tables import StaffUser

VIDEO_STATUSES = ("uploading", "pending", "approved", "rejected", "retired")


class WelcomeVideo(Table, tablename="welcome_video"):
    id = Serial(primary_key=True)
    department = ForeignKey(Department, null=False)
    title = Varchar(length=200)
    status = Varchar(length=20, default="uploading")
    # Generated storage keys (``portal.files.storage.new_key``), never a user's filename.
    storage_key = Varchar(length=200, unique=True)
    # Declared when the upload starts (checked against ONRAMP_VIDEO_MAX_BYTES).
    total_bytes = BigInt()
    # Bytes stored so far; the stored file's size is the truth, this follows it.
    received_bytes = BigInt(default=0)
    # Known once the first chunk has been sniffed ("video/mp4" or "video/webm").
    media_type = Varchar(length=40, default="")
    poster_key = Varchar(length=200, null=True, default=None)
    uploaded_by = ForeignKey(StaffUser, null=True)
    reviewed_by = ForeignKey(StaffUser, null=True)
    reviewed_at = Timestamptz(null=True, default=None)
    reject_reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    # The last chunk's time: an upload idle for long is abandoned and cleaned away.
    updated_at = Timestamptz(default=TimestamptzNow())
    completed_at = Timestamptz(null=True, default=None)
