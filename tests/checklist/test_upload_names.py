"""Names people give their files are only ever shown, never used as paths."""

from __future__ import annotations

from portal.files.responses import content_disposition
from portal.files.uploads import display_name


def test_display_name_drops_paths_and_control_characters():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\me\\身份证.JPG", extension=".jpg") == "身份证.jpg"
    assert display_name("a\x00b\r\n.pdf", extension=".pdf") == "a_b_.pdf"
    assert display_name("...", extension=".pdf") == "file.pdf"
    assert display_name("", extension=".png") == "file.png"
    assert display_name("scan.jpg", extension=".pdf") == "scan.pdf"
    assert len(display_name("长" * 500, extension=".jpg")) <= 100


def test_content_disposition_has_a_safe_ascii_fallback_and_the_utf8_name():
    header = content_disposition('报告"; filename=evil.exe', inline=True)
    fallback = header.split('filename="')[1].split('"')[0]
    assert '"' not in fallback and ";" not in fallback
    assert header.startswith("inline; ")
    assert "filename*=UTF-8''" in header
    assert content_disposition("a.pdf", inline=False).startswith("attachment; ")
