"""zh-CN uses full-width punctuation after Chinese characters (，！？：；), in every catalog."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from portal.i18n import LOCALE_DIR

# A CJK ideograph (or a full-width closing mark) directly followed by ASCII , ! ? : ;
ASCII_AFTER_CJK = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\u3001-\u3011\uff01-\uff5e\u201c\u201d][,!?:;]"
)


def _violations() -> list[str]:
    found = []
    for path in sorted((LOCALE_DIR / "zh_CN" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="zh_CN")
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                for match in ASCII_AFTER_CJK.finditer(text or ""):
                    found.append(f"{path.name}: {match.group()!r} in {text!r}")
    return found


def test_no_ascii_punctuation_after_a_chinese_character():
    violations = _violations()
    assert not violations, f"{len(violations)} found:\n" + "\n".join(violations)


def test_the_check_catches_what_it_should():
    assert ASCII_AFTER_CJK.search("欢迎你,张三!")
    assert ASCII_AFTER_CJK.search("截止日期: 明天")
    assert not ASCII_AFTER_CJK.search("欢迎你，张三！")
    assert not ASCII_AFTER_CJK.search("HR: 10:00, OK!")
