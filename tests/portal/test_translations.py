"""Every user-visible string has a zh-CN translation (zh-CN is the default language)."""

from __future__ import annotations

import functools

from babel.messages.extract import extract_from_dir

from portal.config import PROJECT_ROOT
from portal.i18n import translations_for

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
METHOD_MAP = [
    ("portal/**.py", "python"),
    ("admin/**.py", "python"),
    ("templates/**.html", "jinja2"),
]


@functools.cache  # ~4 s of extraction, shared by the tests below (neither changes it)
def _extracted_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for directory in ("portal", "admin", "templates"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / directory,
            method_map=[(pattern.split("/", 1)[1], method) for pattern, method in METHOD_MAP],
            keywords=KEYWORDS,
        ):
            msgid = message if isinstance(message, str) else message[0]
            if msgid:
                found[msgid] = f"{directory}/{filename}:{lineno}"
    return found


def test_every_message_has_a_chinese_translation():
    translations = translations_for("zh_CN")
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in sorted(_extracted_messages().items(), key=lambda item: item[1])
        if translations.gettext(msgid) == msgid
    ]
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_placeholders_survive_translation():
    translations = translations_for("zh_CN")
    for msgid in _extracted_messages():
        translated = translations.gettext(msgid)
        for placeholder in __import__("re").findall(r"%\(\w+\)s", msgid):
            assert placeholder in translated, f"{msgid!r} lost {placeholder} in {translated!r}"
