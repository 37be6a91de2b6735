"""Encryption at rest: bound to row and field, keys identified so they can rotate."""

import pytest

from portal.config import get_settings
from portal.domain.profiles.field_crypto import (
    FieldDecryptError,
    field_decrypt,
    field_encrypt,
    field_key_id,
    field_needs_rekey,
)


@pytest.fixture
def field_key(monkeypatch):
    def use(value: str) -> None:
        monkeypatch.setenv("ONRAMP_FIELD_KEY", value)
        get_settings.cache_clear()

    yield use
    monkeypatch.delenv("ONRAMP_FIELD_KEY", raising=False)
    get_settings.cache_clear()


def test_a_value_opens_only_in_its_own_row_and_field():
    sealed = field_encrypt("440305199506121234", context="candidate_profile:1:id_number")
    assert "440305199506121234" not in sealed
    assert field_decrypt(sealed, context="candidate_profile:1:id_number") == "440305199506121234"
    for other in ("candidate_profile:2:id_number", "candidate_profile:1:bank_card"):
        with pytest.raises(FieldDecryptError):
            field_decrypt(sealed, context=other)
    # Two encryptions of one value differ (fresh nonce), so equal numbers do not show.
    assert sealed != field_encrypt("440305199506121234", context="candidate_profile:1:id_number")


def test_tampered_or_malformed_values_do_not_open():
    sealed = field_encrypt("6222", context="c")
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    for bad in (flipped, "garbage", "v2." + sealed[3:], ""):
        with pytest.raises(FieldDecryptError):
            field_decrypt(bad, context="c")


def test_keys_rotate_old_values_still_open(field_key):
    before = field_encrypt("old secret", context="c")  # sealed with the secret-key default
    field_key("first-field-key-" + "a" * 32)
    first = field_encrypt("first", context="c")
    assert field_key_id(first) != field_key_id(before)
    assert field_decrypt(before, context="c") == "old secret"
    assert field_needs_rekey(before) and not field_needs_rekey(first)

    field_key("second-field-key-" + "b" * 32 + ",first-field-key-" + "a" * 32)
    assert field_decrypt(first, context="c") == "first"
    assert field_needs_rekey(first)

    field_key("third-field-key-" + "c" * 32)
    with pytest.raises(FieldDecryptError):
        field_decrypt(first, context="c")  # its key was removed from the list


async def test_rotating_the_key_re_seals_saved_profiles(field_key):
    from portal.domain.profiles.field_crypto import field_keys
    from portal.domain.profiles.personal_info import (
        ProfileInput,
        profile_get,
        profile_save,
        profiles_rekey,
    )
    from portal.domain.profiles.tables import CandidateProfile
    from tests.factories import make_candidate
    from tests.profile.helpers import VALID_ID, profile_form

    candidate = await make_candidate()
    await profile_save(candidate_id=candidate.id, data=ProfileInput(**profile_form()))
    old = await CandidateProfile.objects().first()

    field_key("rotated-field-key-" + "r" * 32)
    assert (await profile_get(candidate_id=candidate.id)).id_number_masked.endswith(VALID_ID[-4:])
    assert await profiles_rekey() == 1
    assert await profiles_rekey() == 0
    new = await CandidateProfile.objects().first()
    current = field_keys()[0].key_id
    assert field_key_id(new.id_number_enc) == current != field_key_id(old.id_number_enc)
    assert field_key_id(new.bank_card_enc) == current
    # Editing other fields also re-seals what was kept.
    await profile_save(
        candidate_id=candidate.id,
        data=ProfileInput(**profile_form(id_number="", bank_card="", address="新地址")),
    )
    assert (await profile_get(candidate_id=candidate.id)).address == "新地址"
