"""Tables for the personal-information form and the audit log of staff reveals."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.staff.tables import StaffUser

SENSITIVE_FIELDS = ("id_number", "bank_card")


class CandidateProfile(Table, tablename="candidate_profile"):
    """One per candidate. ID and bank card numbers are stored only encrypted.

    ``*_enc`` hold ``field_crypto`` tokens (which name the key that sealed them);
    the clear numbers exist only in memory while a form is saved or a staff member
    with the right to see them reveals one.
    """

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, unique=True)
    legal_name = Varchar(length=100)
    id_number_enc = Text()
    emergency_name = Varchar(length=100)
    emergency_relationship = Varchar(length=20)
    emergency_phone = Varchar(length=20)
    bank_name = Varchar(length=60)
    bank_card_enc = Text()
    address = Varchar(length=200)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ProfileReveal(Table, tablename="profile_reveal"):
    """Append-only: every time a staff member saw a clear ID or bank card number."""

    id = Serial(primary_key=True)
    staff = ForeignKey(StaffUser, null=False)
    # Kept as written at the time, so the log reads the same if the account changes.
    staff_email = Varchar(length=254)
    candidate = ForeignKey(Candidate, null=False)
    field = Varchar(length=20)
    ip_address = Varchar(length=64, default="")
    revealed_at = Timestamptz(default=TimestamptzNow())


# Who made a change of personal information.
CHANGE_SOURCES = ("candidate", "staff", "api", "import", "demo")


class PersonalInfoChange(Table, tablename="personal_info_change"):
    """Append-only: who changed which of a candidate's personal details, and when.

    The names of the fields only, never their values (the numbers are secret).
    ``source`` is who: the candidate themself, a staff member (``staff``), an integration
    through the API, a CSV import, or the demo data.
    """

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, index=True)
    source = Varchar(length=20)
    staff = ForeignKey(StaffUser, null=True, default=None)
    # Kept as written at the time, so the log reads the same if the account changes.
    staff_email = Varchar(length=254, default="")
    fields = Varchar(length=300)
    changed_at = Timestamptz(default=TimestamptzNow())
