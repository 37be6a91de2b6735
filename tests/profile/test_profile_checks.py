"""ID card numbers (GB 11643), bank cards (Luhn) and masking."""

from datetime import date

import pytest

from portal.domain.profiles.checks import (
    bank_card_check,
    bank_card_masked,
    id_number_check,
    id_number_masked,
    luhn_valid,
)
from portal.i18n import _current_locale, set_locale
from tests.profile.helpers import VALID_CARD, id_number, luhn_complete

TODAY = date(2026, 11, 23)


def test_a_well_formed_id_number_is_accepted_and_normalised():
    # A published example number whose check character is X.
    assert id_number_check("11010519491231002x", today=TODAY) == ("11010519491231002X", None)
    assert id_number_check(" 4403 0519 9506 1212 3" + id_number()[-1], today=TODAY)[1] is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "Please enter your ID card number."),
        (id_number()[:17], "An ID card number has 18 characters; you entered 17."),
        ("44030519950612A23" + "4", "An ID card number is 17 digits followed by a digit or X."),
        ("ABCDEFGHIJKLMNOPQR", "An ID card number is 17 digits followed by a digit or X."),
        (
            id_number(region="990305"),
            "This ID card number does not start with a valid region code.",
        ),
        (id_number(born="19950230"), "The birth date in this ID card number is not a real date."),
        (id_number(born="19951301"), "The birth date in this ID card number is not a real date."),
        (id_number(born="20270101"), "The birth date in this ID card number is in the future."),
        (id_number(born="18991231"), "The birth date in this ID card number is not plausible."),
        (id_number(born="20150101"), "The holder of this ID card number is younger than 16."),
    ],
)
def test_bad_id_numbers_are_refused_with_the_reason(raw, expected):
    token = set_locale("en")
    try:
        assert id_number_check(raw, today=TODAY)[1] == expected
    finally:
        _current_locale.reset(token)


def test_a_wrong_check_character_is_refused():
    good = id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert id_number_check(good, today=TODAY)[1] is None
    assert id_number_check(wrong, today=TODAY)[1] is not None
    # A typo in the middle changes the checksum.
    typo = good[:10] + str((int(good[10]) + 1) % 10) + good[11:]
    assert id_number_check(typo, today=TODAY)[1] is not None


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert luhn_valid(VALID_CARD)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345678901",
        "1" * 20,
        "6222abcd00112345",
        "４１１１１１１１１１１１１１１１",
        "4111111111111112",
    ],
)
def test_bad_bank_cards_are_refused(raw):
    assert bank_card_check(raw)[1] is not None


def test_bank_card_numbers_may_be_typed_in_groups():
    card = luhn_complete("622848001234567")
    grouped = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
    assert bank_card_check(grouped) == (card, None)
    assert bank_card_check(luhn_complete("12345678901"))[1] is None  # 12 digits


def test_masks_show_only_the_first_and_last_four():
    assert id_number_masked("440305199506121234") == "4403**********1234"
    assert bank_card_masked("6222020200112345671") == "6222 **** **** 5671"
    assert bank_card_masked("622202020011") == "6222 **** **** 0011"
