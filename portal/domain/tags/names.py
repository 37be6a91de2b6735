"""Tag names as HR types them, the CSV carries them and the API sends them.

A list of tags is written separated by commas, semicolons or 、 (full-width forms too),
so one spreadsheet cell holds several: ``技术类、关注职业发展``. A name is 1–30
characters after normalising (NFKC, spaces collapsed), without control characters or
separators; it matches case-insensitively.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portal.db import write_transaction
from portal.domain.errors import ValidationFailed
from portal.domain.tags.tables import CandidateTag, Tag
from portal.i18n import gettext as _

NAME_MAX = 30
TAGS_MAX = 20
_SEPARATORS = re.compile(r"[,;、，；|]")
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f{}<>]")


@dataclass(frozen=True)
class TagView:
    id: int
    name: str


def tag_name_clean(raw: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", raw or "").split())


def tag_key(name: str) -> str:
    return tag_name_clean(name).casefold()


def tag_names_parse(value: str | Sequence[str] | None) -> list[str]:
    """Clean, distinct names (first spelling kept); ValidationFailed under ``tags``."""
    if value is None:
        return []
    if isinstance(value, str):
        pieces: Iterable[str] = _SEPARATORS.split(value)
    else:
        pieces = value
    names: dict[str, str] = {}
    for piece in pieces:
        if not isinstance(piece, str):
            raise ValidationFailed({"tags": _("Tags must be text.")})
        name = tag_name_clean(piece)
        if not name:
            continue
        if len(name) > NAME_MAX:
            raise ValidationFailed(
                {"tags": _("A tag can be at most 30 characters long: “%(name)s”.", name=name[:40])}
            )
        if _FORBIDDEN.search(name) or _SEPARATORS.search(name):
            raise ValidationFailed(
                {
                    "tags": _(
                        "A tag cannot contain braces, angle brackets or control characters: "
                        "“%(name)s”.",
                        name=name,
                    )
                }
            )
        names.setdefault(name.casefold(), name)
    if len(names) > TAGS_MAX:
        raise ValidationFailed({"tags": _("At most 20 tags per candidate.")})
    return list(names.values())


async def tags_resolve(value: str | Sequence[str] | None, *, create: bool) -> list[TagView]:
    """The tags named; unknown ones are created (``create``) or an error under ``tags``.

    Creating is race-safe: ``INSERT … ON CONFLICT DO NOTHING`` on the unique key, then read.
    """
    names = tag_names_parse(value)
    if not names:
        return []
    keys = [name.casefold() for name in names]
    found = {
        row["key"]: TagView(row["id"], row["name"])
        for row in await Tag.select(Tag.id, Tag.name, Tag.key).where(Tag.key.is_in(keys))
    }
    missing = [name for name in names if name.casefold() not in found]
    if missing and not create:
        raise ValidationFailed(
            {"tags": _("No candidate has the tag “%(name)s” yet.", name=missing[0])}
        )
    if missing:
        await Tag.insert(*(Tag(name=name, key=name.casefold()) for name in missing)).on_conflict(
            target=Tag.key, action="DO NOTHING"
        )
        for row in await Tag.select(Tag.id, Tag.name, Tag.key).where(
            Tag.key.is_in([name.casefold() for name in missing])
        ):
            found[row["key"]] = TagView(row["id"], row["name"])
    return [found[key] for key in keys]


async def candidate_tags_set(*, candidate_id: int, tags: str | Sequence[str] | None) -> bool:
    """Make the candidate carry exactly these tags (creating new ones); True if it changed.

    Joins the caller's transaction (CSV import, API upsert) or opens one.
    """
    async with write_transaction():
        wanted = {tag.id for tag in await tags_resolve(tags, create=True)}
        current = {
            row["tag"]
            for row in await CandidateTag.select(CandidateTag.tag).where(
                CandidateTag.candidate == candidate_id
            )
        }
        if wanted == current:
            return False
        if current - wanted:
            await CandidateTag.delete().where(
                (CandidateTag.candidate == candidate_id)
                & CandidateTag.tag.is_in(sorted(current - wanted))
            )
        if wanted - current:
            await CandidateTag.insert(
                *(CandidateTag(candidate=candidate_id, tag=tag) for tag in sorted(wanted - current))
            ).on_conflict(target=(CandidateTag.candidate, CandidateTag.tag), action="DO NOTHING")
    return True


async def tags_of(candidate_ids: Sequence[int]) -> dict[int, list[TagView]]:
    """Each candidate's tags, by name."""
    found: dict[int, list[TagView]] = defaultdict(list)
    ids = sorted(set(candidate_ids))
    for start in range(0, len(ids), 500):
        rows = await CandidateTag.select(
            CandidateTag.candidate, CandidateTag.tag, CandidateTag.tag.name.as_alias("name")
        ).where(CandidateTag.candidate.is_in(ids[start : start + 500]))
        for row in rows:
            found[row["candidate"]].append(TagView(row["tag"], row["name"]))
    for tags in found.values():
        tags.sort(key=lambda tag: tag.name)
    return found


async def tag_choices() -> list[TagView]:
    """Every tag, for filters and audiences."""
    rows = await Tag.select(Tag.id, Tag.name).order_by(Tag.name)
    return [TagView(row["id"], row["name"]) for row in rows]


def tags_text(tags: Iterable[TagView]) -> str:
    return "、".join(tag.name for tag in tags)
