"""The candidate's personal information: save it (validated, sensitive numbers encrypted),
show it masked, and let administrators reveal a number, recording each reveal.

Clear ID and bank card numbers never leave this module except as the return value of
:func:`profile_reveal`, which writes the audit row first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from portal.config import get_settings
from portal.db import rows_hold, write_transaction
from portal.domain.access import may_reveal_profile
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.learning.earning import profile_completed
from portal.domain.profiles.changes import (
    CANDIDATE_THEMSELF,
    ChangedBy,
    personal_info_change_record,
)
from portal.domain.profiles.checks import (
    bank_card_check,
    bank_card_masked,
    id_number_check,
    id_number_masked,
)
from portal.domain.profiles.field_crypto import (
    FieldDecryptError,
    field_decrypt,
    field_encrypt,
    field_needs_rekey,
)
from portal.domain.profiles.tables import SENSITIVE_FIELDS, CandidateProfile, ProfileReveal
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import normalize_phone
from portal.i18n import gettext as _

RELATIONSHIPS = ("parent", "spouse", "sibling", "child", "relative", "friend", "other")
PROFILE_FIELDS = (
    "legal_name",
    "id_number",
    "emergency_name",
    "emergency_relationship",
    "emergency_phone",
    "bank_name",
    "bank_card",
    "address",
)


class RevealRefused(Exception):
    """The staff member's role does not allow seeing clear numbers."""


def relationship_label(code: str) -> str:
    return {
        "parent": _("Parent"),
        "spouse": _("Spouse or partner"),
        "sibling": _("Brother or sister"),
        "child": _("Son or daughter"),
        "relative": _("Other relative"),
        "friend": _("Friend"),
        "other": _("Other"),
    }.get(code, code)


@dataclass(frozen=True)
class ProfileInput:
    """The form as typed. An empty ``id_number``/``bank_card`` keeps the saved one."""

    legal_name: str = ""
    id_number: str = ""
    emergency_name: str = ""
    emergency_relationship: str = ""
    emergency_phone: str = ""
    bank_name: str = ""
    bank_card: str = ""
    address: str = ""


@dataclass(frozen=True)
class ProfileView:
    """What staff and the candidate see: sensitive numbers masked."""

    candidate_id: int
    legal_name: str
    id_number_masked: str
    emergency_name: str
    emergency_relationship: str
    emergency_relationship_label: str
    emergency_phone: str
    bank_name: str
    bank_card_masked: str
    address: str
    updated_at: datetime


def _context(candidate_id: int, field: str) -> str:
    return f"candidate_profile:{candidate_id}:{field}"


def _text(raw: str, errors: dict[str, str], field: str, *, limit: int, missing: str) -> str:
    value = " ".join((raw or "").split())
    if not value:
        errors[field] = missing
    elif len(value) > limit:
        errors[field] = _("At most %(max)s characters, please.", max=limit)
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        errors[field] = _("Please remove the special characters.")
    return value


def _today() -> date:
    return datetime.now(ZoneInfo(get_settings().default_timezone)).date()


def _check(
    data: ProfileInput, *, own_phone: str, has_saved: bool, today: date
) -> tuple[dict[str, str], dict[str, str]]:
    """(cleaned values, errors). Sensitive values are returned clear, for encryption."""
    errors: dict[str, str] = {}
    values = {
        "legal_name": _text(
            data.legal_name,
            errors,
            "legal_name",
            limit=100,
            missing=_("Please enter your name as on your ID card."),
        ),
        "emergency_name": _text(
            data.emergency_name,
            errors,
            "emergency_name",
            limit=100,
            missing=_("Please enter the name of someone we can call in an emergency."),
        ),
        "bank_name": _text(
            data.bank_name, errors, "bank_name", limit=60, missing=_("Please enter the bank.")
        ),
        "address": _text(
            data.address, errors, "address", limit=200, missing=_("Please enter your address.")
        ),
    }
    relationship = (data.emergency_relationship or "").strip()
    if relationship not in RELATIONSHIPS:
        errors["emergency_relationship"] = _("Please choose how you are related.")
    values["emergency_relationship"] = relationship

    phone = normalize_phone(data.emergency_phone)
    if phone is None:
        errors["emergency_phone"] = _("Please enter an 11-digit mobile number.")
    elif phone == own_phone:
        errors["emergency_phone"] = _("This is your own number: please give someone else's number.")
    values["emergency_phone"] = phone or ""

    for field, check in (
        ("id_number", lambda raw: id_number_check(raw, today=today)),
        ("bank_card", bank_card_check),
    ):
        raw = getattr(data, field)
        if has_saved and not (raw or "").strip():
            continue  # left empty: keep the saved number
        value, error = check(raw)
        if error:
            errors[field] = error
        else:
            values[field] = value
    return values, errors


async def profile_save(
    *,
    candidate_id: int,
    data: ProfileInput,
    changed_by: ChangedBy = CANDIDATE_THEMSELF,
    today: date | None = None,
) -> None:
    """Create or replace the candidate's profile; ValidationFailed changes nothing.

    The change is recorded with ``changed_by`` (which fields, never their values).
    """
    today = today or _today()
    async with write_transaction():
        # Serialises two first saves of one candidate (the profile row may not exist).
        await rows_hold("candidate", [candidate_id])
        candidate = (
            await Candidate.select(Candidate.phone).where(Candidate.id == candidate_id).first()
        )
        if candidate is None:
            raise NotFound(_("Not found."))
        existing = await CandidateProfile.objects().get(CandidateProfile.candidate == candidate_id)
        values, errors = _check(
            data, own_phone=candidate["phone"], has_saved=existing is not None, today=today
        )
        if errors:
            raise ValidationFailed(errors)
        await personal_info_change_record(
            candidate_id=candidate_id,
            fields=_changed_fields(existing, values, candidate_id=candidate_id),
            changed_by=changed_by,
        )
        for field in SENSITIVE_FIELDS:
            context = _context(candidate_id, field)
            if field in values:
                values[f"{field}_enc"] = field_encrypt(values.pop(field), context=context)
            elif existing is not None:
                kept = _rekeyed(getattr(existing, f"{field}_enc"), context=context)
                if kept is not None:
                    values[f"{field}_enc"] = kept
        if existing is None:
            await CandidateProfile(candidate=candidate_id, **values).save()
        else:
            values["updated_at"] = datetime.now(UTC)
            await CandidateProfile.update(values).where(CandidateProfile.id == existing.id)
        # Every field is required, so a saved profile is a complete one: points, once.
        await profile_completed(candidate_id=candidate_id)


def _changed_fields(
    existing: CandidateProfile | None, values: dict[str, str], *, candidate_id: int
) -> list[str]:
    """The fields whose saved value ``values`` (clear numbers) would change."""
    changed = []
    for field, value in values.items():
        if existing is None:
            changed.append(field)
        elif field in SENSITIVE_FIELDS:
            try:
                saved = field_decrypt(
                    getattr(existing, f"{field}_enc"), context=_context(candidate_id, field)
                )
            except FieldDecryptError:
                saved = None
            if saved != value:
                changed.append(field)
        elif getattr(existing, field) != value:
            changed.append(field)
    return changed


def _rekeyed(stored: str, *, context: str) -> str | None:
    """``stored`` sealed again with the current key, or None when it already is (or cannot be)."""
    if not field_needs_rekey(stored):
        return None
    try:
        return field_encrypt(field_decrypt(stored, context=context), context=context)
    except FieldDecryptError:
        return None


async def profiles_rekey() -> int:
    """Re-seal every number still encrypted with an older key; returns how many rows changed.

    Run after putting a new secret first in ``ONRAMP_FIELD_KEY``; once it returns 0 the old
    secret can be removed from the list.
    """
    changed = 0
    rows = await CandidateProfile.select(
        CandidateProfile.id,
        CandidateProfile.candidate,
        CandidateProfile.id_number_enc,
        CandidateProfile.bank_card_enc,
    )
    for row in rows:
        values = {}
        for field in SENSITIVE_FIELDS:
            column = f"{field}_enc"
            fresh = _rekeyed(row[column], context=_context(row["candidate"], field))
            if fresh is not None:
                values[column] = fresh
        if values:
            async with write_transaction():
                # Only if nobody saved the row meanwhile (compare what was read).
                await CandidateProfile.update(values).where(
                    (CandidateProfile.id == row["id"])
                    & (CandidateProfile.id_number_enc == row["id_number_enc"])
                    & (CandidateProfile.bank_card_enc == row["bank_card_enc"])
                )
            changed += 1
    return changed


def _masked(row: CandidateProfile, field: str) -> str:
    try:
        clear = field_decrypt(getattr(row, f"{field}_enc"), context=_context(row.candidate, field))
    except FieldDecryptError:
        return _("(cannot be read: encryption key missing)")
    return id_number_masked(clear) if field == "id_number" else bank_card_masked(clear)


async def profile_get(*, candidate_id: int) -> ProfileView | None:
    row = await CandidateProfile.objects().get(CandidateProfile.candidate == candidate_id)
    if row is None:
        return None
    return ProfileView(
        candidate_id=candidate_id,
        legal_name=row.legal_name,
        id_number_masked=_masked(row, "id_number"),
        emergency_name=row.emergency_name,
        emergency_relationship=row.emergency_relationship,
        emergency_relationship_label=relationship_label(row.emergency_relationship),
        emergency_phone=row.emergency_phone,
        bank_name=row.bank_name,
        bank_card_masked=_masked(row, "bank_card"),
        address=row.address,
        updated_at=row.updated_at,
    )


async def profile_reveal(
    *, staff: StaffUser, candidate_id: int, field: str, ip_address: str
) -> str:
    """The clear number, after recording who saw it; only those access.py lets reveal may."""
    if not (staff.is_active and may_reveal_profile(staff)):
        raise RevealRefused()
    if field not in SENSITIVE_FIELDS:
        raise NotFound(_("Not found."))
    row = await CandidateProfile.objects().get(CandidateProfile.candidate == candidate_id)
    if row is None:
        raise NotFound(_("This candidate has not filled in their personal information yet."))
    try:
        clear = field_decrypt(getattr(row, f"{field}_enc"), context=_context(candidate_id, field))
    except FieldDecryptError:
        raise NotFound(_("(cannot be read: encryption key missing)")) from None
    async with write_transaction():
        await ProfileReveal(
            staff=staff.id,
            staff_email=staff.email,
            candidate=candidate_id,
            field=field,
            ip_address=(ip_address or "")[:64],
        ).save()
    return clear


@dataclass(frozen=True)
class RevealRow:
    revealed_at: datetime
    staff_email: str
    staff_name: str
    candidate_id: int
    candidate_name: str
    field: str
    ip_address: str


async def profile_reveals_list(
    *, candidate_id: int | None = None, limit: int = 100, offset: int = 0
) -> list[RevealRow]:
    """Newest first."""
    query = (
        ProfileReveal.select(
            ProfileReveal.revealed_at,
            ProfileReveal.staff_email,
            ProfileReveal.staff.name,
            ProfileReveal.candidate,
            ProfileReveal.candidate.name,
            ProfileReveal.field,
            ProfileReveal.ip_address,
        )
        .order_by(ProfileReveal.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    if candidate_id is not None:
        query = query.where(ProfileReveal.candidate == candidate_id)
    return [
        RevealRow(
            revealed_at=row["revealed_at"],
            staff_email=row["staff_email"],
            staff_name=row["staff.name"] or "",
            candidate_id=row["candidate"],
            candidate_name=row["candidate.name"] or "",
            field=row["field"],
            ip_address=row["ip_address"],
        )
        for row in await query
    ]
