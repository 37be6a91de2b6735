"""The audit log of changes to a candidate's personal information: who, which fields, when.

Personal information is the profile form (legal name, ID and bank card numbers, emergency
contact, address) and the contact details on the candidate's record (name, phone, e-mail).
Each service that changes any of them calls :func:`personal_info_change_record` inside its
write transaction, so the row exists exactly when the change does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from portal.domain.profiles.tables import CHANGE_SOURCES, PersonalInfoChange
from portal.domain.staff.tables import StaffUser
from portal.i18n import gettext as _


@dataclass(frozen=True, slots=True)
class ChangedBy:
    """Who makes a change: ``source`` from CHANGE_SOURCES, and the staff member if any."""

    source: str
    staff_id: int | None = None

    def __post_init__(self) -> None:
        if self.source not in CHANGE_SOURCES:
            raise ValueError(f"unknown source of a change: {self.source!r}")
        if (self.source == "staff") != (self.staff_id is not None):
            raise ValueError("a staff change names its staff member, and only it")


CANDIDATE_THEMSELF = ChangedBy("candidate")


async def personal_info_change_record(
    *, candidate_id: int, fields: Iterable[str], changed_by: ChangedBy
) -> None:
    """Record the change (in the caller's write transaction); nothing when no field changed."""
    names = sorted(set(fields))
    if not names:
        return
    email = ""
    if changed_by.staff_id is not None:
        row = await StaffUser.select(StaffUser.email).where(StaffUser.id == changed_by.staff_id)
        email = row[0]["email"] if row else ""
    await PersonalInfoChange(
        candidate=candidate_id,
        source=changed_by.source,
        staff=changed_by.staff_id,
        staff_email=email,
        fields=",".join(names)[:300],
    ).save()


def field_label(field: str) -> str:
    return {
        "legal_name": _("Legal name"),
        "id_number": _("ID card number"),
        "emergency_name": _("Emergency contact"),
        "emergency_relationship": _("Relationship"),
        "emergency_phone": _("Emergency contact's phone"),
        "bank_name": _("Bank"),
        "bank_card": _("Bank card number"),
        "address": _("Address"),
        "name": _("Name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
    }.get(field, field)


def source_label(source: str) -> str:
    return {
        "candidate": _("the candidate"),
        "staff": _("staff"),
        "api": _("the hiring system (API)"),
        "import": _("CSV import"),
        "demo": _("demo data"),
    }.get(source, source)


@dataclass(frozen=True)
class ChangeRow:
    changed_at: datetime
    source: str
    staff_id: int | None
    staff_email: str
    fields: tuple[str, ...]

    @property
    def who(self) -> str:
        return self.staff_email if self.source == "staff" else source_label(self.source)

    @property
    def field_labels(self) -> str:
        return "、".join(field_label(field) for field in self.fields)


async def personal_info_changes(*, candidate_id: int, limit: int = 100) -> list[ChangeRow]:
    """Newest first."""
    rows = await (
        PersonalInfoChange.select()
        .where(PersonalInfoChange.candidate == candidate_id)
        .order_by(PersonalInfoChange.id, ascending=False)
        .limit(limit)
    )
    return [
        ChangeRow(
            changed_at=row["changed_at"],
            source=row["source"],
            staff_id=row["staff"],
            staff_email=row["staff_email"],
            fields=tuple(row["fields"].split(",")),
        )
        for row in rows
    ]
