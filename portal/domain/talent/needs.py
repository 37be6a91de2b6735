"""The needs a candidate voiced (弹性工作, 培训机会, 晋升路径): validated short labels.

A list is written separated by commas, semicolons or 、 (full-width forms too). A need is
1–20 characters after normalising (NFKC, spaces collapsed): letters (any script), digits,
spaces and ``-`` ``/`` ``+`` only. Anything else is refused with a clear message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from portal.domain.errors import ValidationFailed
from portal.i18n import gettext as _

NEED_MAX = 20
NEEDS_MAX = 10
SUGGESTED_NEEDS = ("弹性工作", "培训机会", "晋升路径", "离家近", "薪资提升", "稳定排班")
_SEPARATORS = re.compile(r"[,;、，；]")


def _allowed(name: str) -> bool:
    for char in name:
        if char in " -/+":
            continue
        category = unicodedata.category(char)
        if category[0] not in ("L", "N"):
            return False
    return True


def needs_parse(value: str | Sequence[str] | None, *, field: str = "needs") -> list[str]:
    """Clean, distinct needs (first spelling kept); ValidationFailed under ``field``."""
    if value is None:
        return []
    pieces = _SEPARATORS.split(value) if isinstance(value, str) else list(value)
    names: dict[str, str] = {}
    for piece in pieces:
        if not isinstance(piece, str):
            raise ValidationFailed({field: _("Needs must be text.")})
        name = " ".join(unicodedata.normalize("NFKC", piece).split())
        if not name:
            continue
        if len(name) > NEED_MAX or not _allowed(name):
            raise ValidationFailed(
                {
                    field: _(
                        "A need is at most 20 letters or digits (spaces, - / + allowed): "
                        "“%(name)s”.",
                        name=name[:30],
                    )
                }
            )
        names.setdefault(name.casefold(), name)
    if len(names) > NEEDS_MAX:
        raise ValidationFailed({field: _("At most 10 needs.")})
    return list(names.values())
