"""Which staff account a single sign-on identity opens, linking or creating it when allowed.

Order of trust: the provider's subject (stable, unique per provider) beats the e-mail
address (which people change, and which counts only when the provider has verified it).
"""

from __future__ import annotations

from portal.db import is_unique_violation, write_transaction
from portal.domain.access import role_is_department_scoped
from portal.domain.errors import ValidationFailed
from portal.domain.staff.accounts import staff_create
from portal.domain.staff.tables import StaffUser
from portal.domain.validation import normalize_email

# OIDC Core 2: "sub" is at most 255 ASCII characters, the column's size.
MAX_SUBJECT_LENGTH = 255


class StaffSignInRefused(Exception):
    """The identity opens no staff account; the message says why, for the log."""


def _clean_email(email: str | None) -> str | None:
    try:
        return normalize_email(email)
    except ValueError:
        return None


async def _link_subject(staff: StaffUser, subject: str) -> StaffUser:
    if not staff.is_active:
        raise StaffSignInRefused(f"staff account {staff.id} with this e-mail is deactivated")
    if staff.oidc_subject is not None:
        # Already linked to another identity at the provider: re-linking on e-mail alone
        # would let whoever holds the address now take over the account.
        raise StaffSignInRefused(
            f"staff account {staff.id} with this e-mail is linked to another subject"
        )
    # Only if still unlinked: a concurrent sign-in may have linked it meanwhile.
    linked = (
        await StaffUser.update({StaffUser.oidc_subject: subject})
        .where((StaffUser.id == staff.id) & (StaffUser.oidc_subject.is_null()))
        .returning(StaffUser.id)
    )
    if not linked:
        raise StaffSignInRefused(f"staff account {staff.id} was linked concurrently")
    staff.oidc_subject = subject
    return staff


async def _create(*, subject: str, email: str, name: str, role: str) -> StaffUser:
    if role_is_department_scoped(role):
        raise StaffSignInRefused(
            "ONRAMP_OIDC_DEFAULT_ROLE=manager cannot create accounts: a manager needs a "
            "department. Create the account under Settings > Staff, or use hr."
        )
    try:
        return await staff_create(
            email=email,
            role=role,
            password=None,
            name=" ".join(name.split())[:100],
            oidc_subject=subject,
        )
    except ValidationFailed as error:
        raise StaffSignInRefused(f"cannot create a staff account: {error}") from error


async def staff_for_oidc_identity(
    *,
    subject: str,
    email: str | None,
    email_verified: bool,
    name: str,
    default_role: str | None,
) -> StaffUser:
    """The active staff member this identity signs in as.

    1. the account already linked to ``subject``;
    2. else the account with the same, provider-verified e-mail, which gets linked;
    3. else, when ``default_role`` is set, a new account (no password) with that role.
    Anything else raises :class:`StaffSignInRefused`.
    """
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise StaffSignInRefused("subject is empty or longer than 255 characters")
    try:
        async with write_transaction():
            linked = await StaffUser.objects().get(StaffUser.oidc_subject == subject)
            if linked is not None:
                if not linked.is_active:
                    raise StaffSignInRefused(f"staff account {linked.id} is deactivated")
                return linked
            clean_email = _clean_email(email)
            if clean_email is None or not email_verified:
                # Not even for creation: an unverified address could claim a colleague's.
                raise StaffSignInRefused(
                    f"no account linked to this subject and no verified e-mail "
                    f"(email present: {clean_email is not None}, verified: {email_verified})"
                )
            same_email = await StaffUser.objects().get(StaffUser.email == clean_email)
            if same_email is not None:
                return await _link_subject(same_email, subject)
            if default_role is None:
                raise StaffSignInRefused(
                    "no staff account for this person and ONRAMP_OIDC_DEFAULT_ROLE is not set"
                )
            return await _create(subject=subject, email=clean_email, name=name, role=default_role)
    except Exception as error:
        if is_unique_violation(error):
            # Two first sign-ins of the same person at once: the other one won.
            raise StaffSignInRefused("account was created concurrently; try again") from error
        raise
