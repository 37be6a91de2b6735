"""The candidate's personal-information page and what staff see of it."""

from portal.domain.organisation.tables import Stage
from portal.domain.profiles.tables import CandidateProfile
from tests.factories import (
    make_candidate,
    sign_in_candidate,
)
from tests.profile.helpers import VALID_CARD, VALID_ID, id_number, profile_form


async def _post(client, data):
    return await client.post(
        "/profile",
        data={**data, "_csrf_token": client.cookies.get("onramp_csrf")},
        follow_redirects=False,
    )


async def _signed_in(client, **kwargs):
    candidate = await make_candidate(**kwargs)
    await sign_in_candidate(client, candidate)
    await client.get("/profile")  # the CSRF cookie
    return candidate


async def _raw_row(candidate_id: int) -> dict:
    rows = await Stage.raw(
        "SELECT * FROM candidate_profile WHERE candidate = {}", candidate_id
    ).run()
    return rows[0]


async def test_saving_the_form_stores_numbers_encrypted_and_shows_them_masked(client):
    candidate = await _signed_in(client)
    response = await _post(client, profile_form())
    assert response.status_code == 303
    assert response.headers["location"] == "/profile?saved=1"

    row = await _raw_row(candidate.id)
    raw_text = " ".join(str(value) for value in row.values())
    assert VALID_ID not in raw_text and VALID_CARD not in raw_text
    assert VALID_ID[-6:] not in raw_text  # not even a recognisable fragment
    assert row["id_number_enc"].startswith("v1.")
    assert row["legal_name"] == "张三"

    page = await client.get("/profile?saved=1")
    assert page.status_code == 200
    assert VALID_ID not in page.text and VALID_CARD not in page.text
    assert "4403**********" + VALID_ID[-4:] in page.text
    assert f"6222 **** **** {VALID_CARD[-4:]}" in page.text
    assert 'data-testid="saved"' in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_the_edit_form_never_contains_the_clear_numbers(client):
    await _signed_in(client)
    await _post(client, profile_form())
    page = await client.get("/profile?edit=1")
    assert "<form" in page.text
    assert VALID_ID not in page.text and VALID_CARD not in page.text


async def test_leaving_the_numbers_empty_on_edit_keeps_them(client):
    candidate = await _signed_in(client)
    await _post(client, profile_form())
    before = await _raw_row(candidate.id)
    response = await _post(client, profile_form(id_number="", bank_card="", address="新地址 2 号"))
    assert response.status_code == 303
    after = await _raw_row(candidate.id)
    assert after["address"] == "新地址 2 号"
    assert after["id_number_enc"] == before["id_number_enc"]
    assert after["bank_card_enc"] == before["bank_card_enc"]


async def test_a_first_save_needs_both_numbers(client):
    await _signed_in(client)
    response = await _post(client, profile_form(id_number="", bank_card=""))
    assert response.status_code == 400
    assert 'data-testid="error-id_number"' in response.text
    assert 'data-testid="error-bank_card"' in response.text
    assert await CandidateProfile.count() == 0


async def test_bad_input_shows_each_error_and_changes_nothing(client):
    candidate = await _signed_in(client)
    await _post(client, profile_form())
    before = await _raw_row(candidate.id)
    bad = profile_form(
        legal_name="",
        id_number=id_number(born="20991301"),
        emergency_relationship="boss",
        emergency_phone="12345",
        bank_card="4111111111111112",
        address="x" * 201,
    )
    response = await _post(client, bad)
    assert response.status_code == 400
    for field in (
        "legal_name",
        "id_number",
        "emergency_relationship",
        "emergency_phone",
        "bank_card",
        "address",
    ):
        assert f'data-testid="error-{field}"' in response.text, field
    # What was typed into the number fields is not echoed back.
    assert "4111111111111112" not in response.text
    assert await _raw_row(candidate.id) == before


async def test_the_emergency_contact_cannot_be_the_candidate_themselves(client):
    candidate = await _signed_in(client, phone="13700001111")
    response = await _post(client, profile_form(emergency_phone="+86 137 0000 1111"))
    assert response.status_code == 400
    assert 'data-testid="error-emergency_phone"' in response.text
    assert await CandidateProfile.count() == 0
    ok = await _post(client, profile_form(emergency_phone="+86 139-1234-5678"))
    assert ok.status_code == 303
    assert (await _raw_row(candidate.id))["emergency_phone"] == "13912345678"


async def test_missing_and_oversized_fields_are_refused(client):
    await _signed_in(client)
    response = await client.post(
        "/profile",
        data={"_csrf_token": client.cookies.get("onramp_csrf"), "legal_name": "名" * 50_000},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert await CandidateProfile.count() == 0


async def test_script_tags_are_shown_as_text(client):
    await _signed_in(client)
    script = "<script>alert(1)</script>"
    await _post(client, profile_form(legal_name=script, address=script + " 路"))
    page = await client.get("/profile")
    assert script not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_a_candidate_sees_only_their_own_profile(client):
    other = await make_candidate(name="李四")
    from portal.domain.profiles.personal_info import ProfileInput, profile_save

    await profile_save(
        candidate_id=other.id, data=ProfileInput(**profile_form(legal_name="李四真名"))
    )
    me = await _signed_in(client)
    page = await client.get("/profile")
    assert "李四真名" not in page.text
    # Posting cannot target someone else: there is no id to choose, and extra fields are ignored.
    await _post(client, {**profile_form(legal_name="我"), "candidate": str(other.id)})
    assert (await _raw_row(other.id))["legal_name"] == "李四真名"
    assert (await _raw_row(me.id))["legal_name"] == "我"


async def test_signed_out_visitors_are_sent_to_the_welcome_page(client):
    response = await client.get("/profile", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert "/welcome" in response.headers["location"]


async def test_the_me_tab_links_to_the_form(client):
    # Home's tab bar leads to "me", which lists the form and the resources.
    await _signed_in(client)
    assert 'href="/me"' in (await client.get("/")).text
    me = await client.get("/me")
    assert 'href="/profile"' in me.text and 'href="/resources"' in me.text
