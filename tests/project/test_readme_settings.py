"""The README's configuration table is what ``onramp settings`` prints.

Settings are declared once, in ``portal/config.py``; the README must neither miss one (an
operator would never learn it exists) nor list one that is gone or misspelt (setting it
would silently do nothing).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from portal.config import PROJECT_ROOT, declared_settings, settings_table

REGENERATE = (
    "regenerate the README's configuration table: paste the output of `onramp settings` over it"
)


def readme_settings_table(readme: str) -> list[str]:
    """The lines of the first table in the README's ``## Configuration`` section."""
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("|"))
    end = next(
        (index for index, line in enumerate(lines[start:], start) if not line.startswith("|")),
        len(lines),
    )
    return lines[start:end]


def variables_in(table: list[str]) -> list[str]:
    """The variables named in the first column of each row (header and rule skipped)."""
    return [
        name for row in table[2:] for name in re.findall(r"ONRAMP_[A-Z0-9_]+", row.split("|")[1])
    ]


def test_the_readme_lists_every_declared_setting_and_no_other():
    listed = variables_in(readme_settings_table((PROJECT_ROOT / "README.md").read_text()))
    declared = [variable.name for _field, variable, _default in declared_settings()]

    assert sorted(set(declared) - set(listed)) == [], f"missing from the README: {REGENERATE}"
    assert sorted(set(listed) - set(declared)) == [], (
        f"not declared in portal/config.py: {REGENERATE}"
    )
    assert len(listed) == len(set(listed)), "a variable is listed twice"


def test_the_readme_table_is_the_output_of_onramp_settings():
    result = subprocess.run(
        [sys.executable, "-m", "onramp.cli", "settings"],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == settings_table() + "\n"

    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "\n".join(readme_settings_table(readme)) == settings_table(), REGENERATE


def test_the_check_notices_a_missing_and_an_unknown_variable():
    table = settings_table().splitlines()
    without_first = table[:2] + table[3:]
    with_unknown = [*table, "| `ONRAMP_NO_SUCH_THING` | unset | nothing |"]
    declared = {variable.name for _field, variable, _default in declared_settings()}

    assert declared - set(variables_in(without_first)) == {"ONRAMP_VAR_DIR"}
    assert set(variables_in(with_unknown)) - declared == {"ONRAMP_NO_SUCH_THING"}


def test_combined_rows_count_each_variable():
    """A hand-written row naming two variables still counts both."""
    table = [
        "| variable | default | meaning |",
        "| --- | --- | --- |",
        "| `ONRAMP_A` / `ONRAMP_B` | unset | two at once, `ONRAMP_C` only mentioned |",
    ]
    assert variables_in(table) == ["ONRAMP_A", "ONRAMP_B"]
