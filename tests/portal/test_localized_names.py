"""Names HR keeps in Chinese with an optional English one (stages, question categories)."""

from __future__ import annotations

import pytest

from portal.i18n import localized_name, reset_locale, set_locale


@pytest.mark.parametrize(
    ("locale", "name", "name_en", "shown"),
    [
        ("zh_CN", "面试", "Interview", "面试"),
        ("en", "面试", "Interview", "Interview"),
        ("en", "面试", "", "面试"),  # no English name: the Chinese one, not a blank
        ("en", "面试", None, "面试"),
        ("zh_CN", None, "Interview", ""),  # a missing name is an empty label, never "None"
        ("en", None, None, ""),
    ],
)
def test_the_english_name_only_in_english_and_only_when_there_is_one(
    locale: str, name: str | None, name_en: str | None, shown: str
) -> None:
    token = set_locale(locale)
    try:
        assert localized_name(name, name_en) == shown
    finally:
        reset_locale(token)
