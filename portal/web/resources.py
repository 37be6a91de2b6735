"""Candidate resource library: my guides, FAQ (searchable), files and links."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import File, Template

from portal.domain.errors import NotFound
from portal.domain.faq.search import faq_suggestions
from portal.domain.learning.markdown import render_lesson_markdown
from portal.domain.resources.files import file_size_label
from portal.domain.resources.library import candidate_library, candidate_resource
from portal.files.responses import resource_file_response
from portal.files.storage import get_storage
from portal.i18n import gettext as _


@get("/resources", name="resources")
async def resources_page(
    candidate_id: NamedDependency[int], request: Request[Any, Any, Any]
) -> Template:
    query = request.query_params.get("q") or ""
    found = (
        await faq_suggestions(candidate_id=candidate_id, query=query[:100], limit=10)
        if query.strip()
        else []
    )
    library = await candidate_library(
        candidate_id=candidate_id,
        query=query,
        ranked_faq_ids=[m.source_id for m in found if m.source == "faq"],
    )
    return Template(
        "portal/resources.html",
        context={
            "library": library,
            "answered_before": [m for m in found if m.source == "question"][:5],
            "faq_answers": {r.id: render_lesson_markdown(r.body) for r in library.faqs},
            "sizes": {r.id: file_size_label(r.file_size) for r in library.files},
        },
        headers={"Cache-Control": "no-store"},
    )


@get("/resources/{resource_id:int}", name="resource")
async def resource_page(candidate_id: NamedDependency[int], resource_id: FromPath[int]) -> Template:
    resource = await candidate_resource(candidate_id=candidate_id, resource_id=resource_id)
    if resource.kind != "guide":
        raise NotFound(_("This resource does not exist."))
    return Template(
        "portal/resources_guide.html",
        context={"resource": resource, "body": render_lesson_markdown(resource.body)},
        headers={"Cache-Control": "no-store"},
    )


@get("/resources/{resource_id:int}/file", name="resource-file")
async def resource_file(candidate_id: NamedDependency[int], resource_id: FromPath[int]) -> File:
    # Authorised on every request: published and aimed at this candidate, or 404.
    resource = await candidate_resource(candidate_id=candidate_id, resource_id=resource_id)
    if resource.kind != "file" or not resource.file_key:
        raise NotFound(_("This resource does not exist."))
    if await get_storage().size(resource.file_key) is None:
        raise NotFound(_("This file is no longer available."))
    return resource_file_response(
        key=resource.file_key, name=resource.file_name, media_type=resource.file_type
    )


RESOURCE_PAGES = [resources_page, resource_page, resource_file]
