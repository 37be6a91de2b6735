"""The resource library: HR publishes guides, FAQ entries, files and links; candidates
see the published ones targeted at everyone, their department or their cohort.

Services: ``resource_create``, ``resource_update``, ``resource_delete``, ``resource_move``.
Selectors: ``resources_for_staff``, ``resource_get``, ``candidate_library``,
``candidate_resource`` (the one access check for a candidate, used by every page and
every file download).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from piccolo.columns.combination import Or, Where

from portal.db import PreparedSQL, write_transaction
from portal.domain.candidates.tables import Candidate
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.faq.index import faq_index_resource
from portal.domain.organisation.tables import Cohort, Department
from portal.domain.resources.files import StoredFile, resource_file_delete
from portal.domain.resources.tables import (
    RESOURCE_AUDIENCES,
    RESOURCE_KINDS,
    RESOURCE_STATUSES,
    Resource,
)
from portal.i18n import gettext as _

MAX_URL = 2000
MAX_QUERY = 100
_BODY_LIMITS = {"guide": 100_000, "faq": 10_000, "file": 2_000, "link": 2_000}
_ORDER = re.compile(r"^-?\d{1,4}$", re.ASCII)


@dataclass(frozen=True)
class ResourceInput:
    """The form as typed; ids come from ``admin.forms.form_id`` (None, 0 = no such row)."""

    kind: str
    title: str
    body: str = ""
    url: str = ""
    audience: str = "everyone"
    department_id: int | None = None
    cohort_id: int | None = None
    status: str = "draft"
    sort_order: str = ""


def kind_label(kind: str) -> str:
    return {
        "guide": _("Guide or handbook"),
        "faq": _("FAQ entry"),
        "file": _("File"),
        "link": _("Link"),
    }.get(kind, kind)


def link_url_check(raw: str, errors: dict[str, str], field_name: str = "url") -> str:
    """An absolute http(s) address: ``javascript:``, ``data:`` and relative links are refused."""
    url = (raw or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if not url:
        errors[field_name] = _("Please enter the web address.")
    elif (
        len(url) > MAX_URL
        or parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url)
    ):
        errors[field_name] = _("Enter a web address starting with http:// or https://.")
    return url


async def _check(data: ResourceInput, *, kind: str) -> dict[str, object]:
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = (
            _("Please enter the question.") if kind == "faq" else _("Please enter a title.")
        )
    elif len(title) > 200:
        errors["title"] = _("At most %(max)s characters, please.", max=200)
    body = (data.body or "").replace("\r\n", "\n").strip()
    if kind in ("guide", "faq") and not body:
        errors["body"] = (
            _("Please enter the answer.") if kind == "faq" else _("Please enter the text.")
        )
    elif len(body) > _BODY_LIMITS[kind]:
        errors["body"] = _("At most %(max)s characters, please.", max=_BODY_LIMITS[kind])
    url = link_url_check(data.url, errors) if kind == "link" else ""

    audience = data.audience if data.audience in RESOURCE_AUDIENCES else ""
    department_id = cohort_id = None
    if not audience:
        errors["audience"] = _("Please choose who will see it.")
    elif audience == "department":
        if not data.department_id or not await Department.exists().where(
            Department.id == data.department_id
        ):
            errors["department"] = _("Please choose a department.")
        department_id = data.department_id
    elif audience == "cohort":
        if not data.cohort_id or not await Cohort.exists().where(Cohort.id == data.cohort_id):
            errors["cohort"] = _("Please choose a cohort.")
        cohort_id = data.cohort_id
    if data.status not in RESOURCE_STATUSES:
        errors["status"] = _("Please choose draft or published.")
    order_text = (data.sort_order or "").strip()
    if order_text and not _ORDER.match(order_text):
        errors["sort_order"] = _("Enter a whole number from -9999 to 9999.")
    if errors:
        raise ValidationFailed(errors)
    values: dict[str, object] = {
        "title": title,
        "body": body,
        "url": url,
        "audience": audience,
        "department": department_id,
        "cohort": cohort_id,
        "status": data.status,
    }
    if order_text:
        values["sort_order"] = int(order_text)
    return values


async def resource_check(*, data: ResourceInput, kind: str) -> dict[str, str]:
    """The form's errors (empty when valid), to show next to a file that was refused."""
    try:
        await _check(data, kind=kind)
    except ValidationFailed as failed:
        return failed.errors
    return {}


async def _next_order(kind: str) -> int:
    row = (
        await Resource.select(Resource.sort_order)
        .where(Resource.kind == kind)
        .order_by(Resource.sort_order, ascending=False)
        .first()
    )
    return (row["sort_order"] + 10) if row else 10


async def resource_create(
    *, data: ResourceInput, stored: StoredFile | None, staff_id: int | None
) -> Resource:
    """Create a resource. A file resource needs ``stored``; on any refusal it is deleted."""
    try:
        if data.kind not in RESOURCE_KINDS:
            raise ValidationFailed({"kind": _("Please choose what kind of resource this is.")})
        values = await _check(data, kind=data.kind)
        if data.kind == "file" and stored is None:
            raise ValidationFailed({"file": _("Please choose a file.")})
        now = datetime.now(UTC)
        resource = Resource(
            kind=data.kind,
            created_by=staff_id,
            published_at=now if values["status"] == "published" else None,
            **values,
        )
        if data.kind == "file" and stored is not None:
            resource.file_key = stored.key
            resource.file_name = stored.name
            resource.file_type = stored.kind.media_type
            resource.file_size = stored.size
        async with write_transaction():
            if "sort_order" not in values:
                resource.sort_order = await _next_order(data.kind)
            await resource.save()
            await faq_index_resource(resource.id)
    except BaseException:
        if stored is not None:
            await resource_file_delete(stored.key)
        raise
    if stored is not None and data.kind != "file":
        await resource_file_delete(stored.key)
    return resource


async def resource_update(
    *, resource_id: int, data: ResourceInput, stored: StoredFile | None
) -> None:
    """Change a resource (its kind stays); a new file replaces the old one."""
    replaced: str | None = None
    try:
        resource = await resource_get(resource_id=resource_id)
        values = await _check(data, kind=resource.kind)
        if values["status"] == "published" and resource.published_at is None:
            values["published_at"] = datetime.now(UTC)
        values["updated_at"] = datetime.now(UTC)
        if resource.kind == "file" and stored is not None:
            replaced = resource.file_key
            values.update(
                file_key=stored.key,
                file_name=stored.name,
                file_type=stored.kind.media_type,
                file_size=stored.size,
            )
        async with write_transaction():
            done = (
                await Resource.update(values)
                .where(Resource.id == resource_id)
                .returning(Resource.id)
            )
            if not done:
                raise NotFound(_("This resource does not exist."))
            await faq_index_resource(resource_id)
    except BaseException:
        if stored is not None:
            await resource_file_delete(stored.key)
        raise
    if stored is not None and resource.kind != "file":
        await resource_file_delete(stored.key)
    # Only once the row points at the new file is the old one removed.
    await resource_file_delete(replaced)


async def resource_delete(*, resource_id: int) -> None:
    async with write_transaction():
        gone = (
            await Resource.delete().where(Resource.id == resource_id).returning(Resource.file_key)
        )
        await faq_index_resource(resource_id)
    if not gone:
        raise NotFound(_("This resource does not exist."))
    await resource_file_delete(gone[0]["file_key"])


async def resource_move(*, resource_id: int, direction: str) -> None:
    """Swap a resource with its neighbour of the same kind ("up" or "down")."""
    async with write_transaction():
        resource = await resource_get(resource_id=resource_id)
        siblings = (
            await Resource.select(Resource.id)
            .where(Resource.kind == resource.kind)
            .order_by(Resource.sort_order)
            .order_by(Resource.id)
        )
        ids = [row["id"] for row in siblings]
        index = ids.index(resource_id)
        other = index - 1 if direction == "up" else index + 1
        if direction not in ("up", "down") or not 0 <= other < len(ids):
            return
        ids[index], ids[other] = ids[other], ids[index]
        # Renumber the kind so equal orders cannot make a move a no-op.
        for position, row_id in enumerate(ids, start=1):
            await Resource.update({Resource.sort_order: position * 10}).where(Resource.id == row_id)


async def resource_get(*, resource_id: int) -> Resource:
    if not 0 < resource_id <= 2**31 - 1:
        raise NotFound(_("This resource does not exist."))
    resource = await Resource.objects().get(Resource.id == resource_id)
    if resource is None:
        raise NotFound(_("This resource does not exist."))
    return resource


@dataclass(frozen=True)
class StaffResourceRow:
    resource: Resource
    audience_label: str


async def resources_for_staff() -> list[StaffResourceRow]:
    rows = await Resource.objects().order_by(Resource.sort_order).order_by(Resource.id)
    departments = {
        d["id"]: d["name"] for d in await Department.select(Department.id, Department.name)
    }
    cohorts = {c["id"]: c["name"] for c in await Cohort.select(Cohort.id, Cohort.name)}
    rank = {kind: i for i, kind in enumerate(RESOURCE_KINDS)}
    rows.sort(key=lambda r: rank.get(r.kind, 99))

    def audience(r: Resource) -> str:
        if r.audience == "department":
            return _("Department: %(name)s", name=departments.get(r.department, "?"))
        if r.audience == "cohort":
            return _("Cohort: %(name)s", name=cohorts.get(r.cohort, "?"))
        return _("Everyone")

    return [StaffResourceRow(resource=r, audience_label=audience(r)) for r in rows]


def _visible_to(candidate: dict) -> Where | Or:
    """Published and aimed at everyone, the candidate's department or their cohort."""
    aimed = (Resource.audience == "everyone") | (
        (Resource.audience == "department") & (Resource.department == candidate["department"])
    )
    if candidate["cohort"]:
        aimed = aimed | ((Resource.audience == "cohort") & (Resource.cohort == candidate["cohort"]))
    return (Resource.status == "published") & aimed


async def _candidate(candidate_id: int) -> dict:
    row = (
        await Candidate.select(Candidate.department, Candidate.cohort)
        .where(Candidate.id == candidate_id)
        .first()
    )
    if row is None:
        raise NotFound(_("Not found."))
    return row


async def candidate_resource(*, candidate_id: int, resource_id: int) -> Resource:
    """The resource if this candidate may see it; NotFound otherwise (never 403: don't confirm)."""
    if not 0 < resource_id <= 2**31 - 1:
        raise NotFound(_("This resource does not exist."))
    candidate = await _candidate(candidate_id)
    resource = (
        await Resource.objects()
        .where((Resource.id == resource_id) & _visible_to(candidate))
        .first()
    )
    if resource is None:
        raise NotFound(_("This resource does not exist."))
    return resource


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """A resource as the candidate's library lists it (a row of SQL, not a Table object)."""

    id: int
    kind: str
    title: str
    body: str
    url: str
    file_key: str | None
    file_name: str
    file_type: str
    file_size: int


@dataclass
class Library:
    guides: list[LibraryItem] = field(default_factory=list)
    faqs: list[LibraryItem] = field(default_factory=list)
    files: list[LibraryItem] = field(default_factory=list)
    links: list[LibraryItem] = field(default_factory=list)
    query: str = ""
    faq_total: int = 0

    @property
    def empty(self) -> bool:
        return not (self.guides or self.faq_total or self.files or self.links)


def _matches(resource: LibraryItem, terms: list[str]) -> bool:
    haystack = f"{resource.title}\n{resource.body}".casefold()
    return all(term in haystack for term in terms)


# The library in one query, SQL built once: the candidate (a row even without resources, so
# an unknown candidate is told apart) and every published resource aimed at everyone, their
# department or their cohort (the rule of _visible_to, as the join condition).
_LIBRARY_SQL = (
    "SELECT c.id AS candidate, r.id AS id, r.kind AS kind, r.title AS title, r.body AS body, "
    "r.url AS url, r.file_key AS file_key, r.file_name AS file_name, "
    "r.file_type AS file_type, r.file_size AS file_size "
    "FROM candidate c "
    "LEFT JOIN resource r ON r.status = 'published' AND (r.audience = 'everyone' "
    "OR (r.audience = 'department' AND r.department = c.department) "
    "OR (r.audience = 'cohort' AND r.cohort = c.cohort)) "
    "WHERE c.id = {} "
    "ORDER BY r.sort_order, r.id"
)
_LIBRARY_READ = PreparedSQL(_LIBRARY_SQL)


async def candidate_library(
    *, candidate_id: int, query: str = "", ranked_faq_ids: list[int] | None = None
) -> Library:
    """The candidate's resources by kind; FAQ entries filtered by every word of ``query``.

    ``ranked_faq_ids``: what the full-text search found for ``query``, best first: those
    entries come first, in that order, then the other entries containing every word.
    """
    found_rows = await _LIBRARY_READ.rows(candidate_id)
    if not found_rows:
        raise NotFound(_("Not found."))
    rows = [
        LibraryItem(**{key: value for key, value in row.items() if key != "candidate"})
        for row in found_rows
        if row["id"] is not None
    ]
    query = " ".join((query or "").split())[:MAX_QUERY]
    terms = query.casefold().split()
    library = Library(query=query)
    for resource in rows:
        if resource.kind == "faq":
            library.faq_total += 1
            if _matches(resource, terms):
                library.faqs.append(resource)
        elif resource.kind in ("guide", "file", "link"):
            getattr(library, resource.kind + "s").append(resource)
    if terms and ranked_faq_ids:
        rank = {resource_id: i for i, resource_id in enumerate(ranked_faq_ids)}
        found = {r.id for r in library.faqs}
        library.faqs += [r for r in rows if r.kind == "faq" and r.id in rank and r.id not in found]
        library.faqs.sort(key=lambda r: rank.get(r.id, len(rank)))
    return library
