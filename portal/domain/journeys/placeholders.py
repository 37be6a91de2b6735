"""The message template language HR edits: text with ``{variable}`` placeholders, nothing else.

Deliberately not ``str.format`` (``{name.__class__}`` reaches into Python objects) and not
a general template engine: a template is parsed here into plain text and placeholder
names, every name must be one the step offers, and rendering only ever substitutes
strings. ``{{`` and ``}}`` write literal braces. Anything else with a brace — an unknown
name, ``{name.attr}``, ``{0}``, an unclosed ``{`` — is refused when HR saves, with the
reason, and nothing is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.domain.journeys.tables import EVENTS
from portal.i18n import gettext as _

_NAME = re.compile(r"[a-z_]{1,30}")

# Every variable, and when it has a value. Common ones work in every step and manual send.
COMMON_VARIABLES = (
    "name",
    "department",
    "cohort",
    "days_left",
    "start_at",
    "place",
    "map_link",
    "video_link",
    "link",
)
TRIGGER_VARIABLES: dict[str, tuple[str, ...]] = {
    "stage_reached": (),
    "cohort_relative": (),
    "checklist_due": ("item", "deadline"),
    "weekly": ("digest",),
    "event:question_answered": (),
    "event:document_approved": ("item",),
    "event:document_rejected": ("item", "reason"),
    "event:reward_fulfilled": ("reward",),
    "event:login_link_created": (),
    "manual": (),
}
assert all(f"event:{event}" in TRIGGER_VARIABLES for event in EVENTS)


def variable_help() -> dict[str, str]:
    """What each variable becomes, for the editor's help list."""
    return {
        "name": _("the candidate's name"),
        "department": _("the candidate's department"),
        "cohort": _("the cohort's name"),
        "days_left": _("days until the cohort starts"),
        "start_at": _("the cohort's start, date and time"),
        "place": _("where the cohort meets"),
        "map_link": _("a map link to the place"),
        "video_link": _("a one-tap link to the department's welcome video"),
        "link": _("a one-tap link to the step's page"),
        "item": _("the checklist item"),
        "deadline": _("the checklist item's deadline"),
        "reason": _("why HR rejected the document"),
        "reward": _("the reward handed over"),
        "digest": _("new lessons and resources, the pinned room message, held-back messages"),
    }


def allowed_variables(context: str) -> tuple[str, ...]:
    """The variables a template may use in ``context`` (a trigger, ``event:…`` or manual)."""
    return COMMON_VARIABLES + TRIGGER_VARIABLES.get(context, ())


class TemplateInvalid(ValueError):
    """The template cannot be used; ``str(error)`` says why, for HR."""


@dataclass(frozen=True)
class Placeholder:
    name: str


Part = str | Placeholder


def template_parse(text: str, *, allowed: tuple[str, ...]) -> list[Part]:
    """Split ``text`` into literal text and placeholders; TemplateInvalid for anything else."""
    parts: list[Part] = []
    literal: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "{":
            if text.startswith("{{", index):
                literal.append("{")
                index += 2
                continue
            end = text.find("}", index + 1)
            if end == -1:
                raise TemplateInvalid(_("A { has no matching }. Write {{ for a brace in the text."))
            name = text[index + 1 : end]
            if not _NAME.fullmatch(name) or name not in allowed:
                raise TemplateInvalid(
                    _(
                        "Unknown variable {%(name)s}. You can use: %(allowed)s.",
                        name=name[:40],
                        allowed=", ".join("{" + known + "}" for known in allowed),
                    )
                )
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Placeholder(name))
            index = end + 1
            continue
        if char == "}":
            if text.startswith("}}", index):
                literal.append("}")
                index += 2
                continue
            raise TemplateInvalid(_("A } has no matching {. Write }} for a brace in the text."))
        literal.append(char)
        index += 1
    if literal:
        parts.append("".join(literal))
    return parts


def template_variables(text: str, *, allowed: tuple[str, ...]) -> set[str]:
    return {
        part.name for part in template_parse(text, allowed=allowed) if isinstance(part, Placeholder)
    }


def template_render(text: str, values: dict[str, str], *, allowed: tuple[str, ...]) -> str:
    """The text with every placeholder replaced by its value (values are never parsed)."""
    return "".join(
        values.get(part.name, "") if isinstance(part, Placeholder) else part
        for part in template_parse(text, allowed=allowed)
    )
