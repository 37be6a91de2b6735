"""Helpers for the profile tests (fixtures are in conftest.py)."""

from __future__ import annotations

from portal.domain.profiles.checks import id_check_character


def id_number(region: str = "440305", born: str = "19950612", sequence: str = "123") -> str:
    first17 = region + born + sequence
    return first17 + id_check_character(first17)


def luhn_complete(partial: str) -> str:
    """``partial`` followed by the digit that makes it pass the Luhn check."""
    for digit in "0123456789":
        candidate = partial + digit
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char)
            if position % 2:
                value = value * 2 - 9 if value > 4 else value * 2
            total += value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


VALID_ID = id_number()


VALID_CARD = luhn_complete("622202020011234567")  # 19 digits


def profile_form(**overrides: str) -> dict[str, str]:
    form = {
        "legal_name": "张三",
        "id_number": VALID_ID,
        "emergency_name": "张父",
        "emergency_relationship": "parent",
        "emergency_phone": "13912345678",
        "bank_name": "中国工商银行 深圳分行",
        "bank_card": VALID_CARD,
        "address": "广东省深圳市南山区科技园 1 号",
    }
    form.update(overrides)
    return form
