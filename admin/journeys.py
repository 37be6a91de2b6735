"""Journeys for HR: the steps, editing a step's texts, previews, figures; manual sends.

HR and admins only (``guards=[HR_ONLY]``); managers get 403.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.candidates import candidate_filters_read
from admin.forms import form_id, query_int
from admin.guards import HR_ONLY
from admin.rendering import admin_page
from portal.domain.candidates.lists import (
    CandidateFilters,
    candidate_ids_matching,
    candidate_page,
)
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.journeys.editing import StepInput, VariantInput, step_save, step_set_enabled
from portal.domain.journeys.figures import step_figures
from portal.domain.journeys.links import LINK_TARGETS
from portal.domain.journeys.manual import ManualInput, manual_check, manual_preview, manual_send
from portal.domain.journeys.placeholders import allowed_variables, variable_help
from portal.domain.journeys.selectors import (
    category_label,
    channel_label,
    goal_label,
    journey_exists,
    journeys_overview,
    manual_sends_list,
    step_choices,
    step_form,
    step_preview,
    weekday_label,
)
from portal.domain.journeys.tables import GOALS, STEP_CATEGORIES, STEP_CHANNELS, TRIGGERS
from portal.domain.messaging.channels import channels_offered
from portal.domain.staff.tables import StaffUser
from portal.domain.surveys.invites import survey_link_targets
from portal.i18n import gettext as _

PAGE = "/admin/journeys"
STEP_FIELDS = (
    "name", "trigger", "stage", "delay_hours", "offset_days", "at_time", "weekday",
    "due_in_days", "event", "audience_department", "audience_position", "audience_cohort",
    "audience_stage", "audience_tags", "category", "link_path", "goal",
)  # fmt: skip
VARIANT_FIELDS = ("id", "label", "subject_zh", "body_zh", "subject_en", "body_en", "remove")


def _text(form: Any, name: str, limit: int = 20_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _read_step_form(form: Any) -> tuple[dict[str, str], list[dict[str, str]]]:
    values = {name: _text(form, name, 2000) for name in STEP_FIELDS}
    values["enabled"] = "1" if form.get("enabled") == "1" else ""
    values["channels"] = ",".join(
        c for c in form.getall("channels") if isinstance(c, str) and c in STEP_CHANNELS
    ) if "channels" in form else ""  # fmt: skip
    variants = []
    for index in range(10):
        if f"variant-{index}-label" not in form:
            continue
        variants.append({name: _text(form, f"variant-{index}-{name}") for name in VARIANT_FIELDS})
    return values, variants


def _step_input(values: dict[str, str], variants: list[dict[str, str]]) -> StepInput:
    return StepInput(
        name=values["name"],
        trigger=values["trigger"],
        enabled=values["enabled"] == "1",
        stage_id=form_id(values["stage"]),
        delay_hours=values["delay_hours"],
        offset_days=values["offset_days"],
        at_time=values["at_time"],
        weekday=values["weekday"],
        due_in_days=values["due_in_days"],
        event=values["event"],
        audience_department_id=form_id(values["audience_department"]),
        audience_position_id=form_id(values["audience_position"]),
        audience_cohort_id=form_id(values["audience_cohort"]),
        audience_stage_id=form_id(values["audience_stage"]),
        audience_tags=values["audience_tags"],
        channels=tuple(c for c in values["channels"].split(",") if c),
        category=values["category"],
        link_path=values["link_path"],
        goal=values["goal"],
        variants=tuple(
            VariantInput(
                id=query_int(v["id"]),
                label=v["label"],
                subject_zh=v["subject_zh"],
                body_zh=v["body_zh"],
                subject_en=v["subject_en"],
                body_en=v["body_en"],
                remove=v["remove"] == "1",
            )
            for v in variants
        ),
    )


def _blank_variant(variants: list[dict[str, str]]) -> dict[str, str]:
    used = {v["label"] for v in variants}
    label = next(c for c in "ABCDEFGHIJ" if c not in used)
    return dict.fromkeys(VARIANT_FIELDS, "") | {"label": label}


async def _step_page(
    staff: StaffUser,
    *,
    journey_id: int,
    step_id: int | None,
    values: dict[str, str],
    variants: list[dict[str, str]],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    saved: bool = False,
) -> Template:
    return admin_page(
        "admin/journeys/step.html",
        staff,
        status_code=status_code,
        journey_id=journey_id,
        step_id=step_id,
        values=values,
        variants=variants,
        errors=errors or {},
        saved=saved,
        choices=await step_choices(),
        triggers=TRIGGERS,
        channels=STEP_CHANNELS,
        offered=channels_offered(),
        categories=STEP_CATEGORIES,
        goals=GOALS,
        # A step can also link to an active survey (its candidates are then surveyed).
        link_targets=[*LINK_TARGETS, *(path for path, _title in await survey_link_targets())],
        variables=variable_help(),
        allowed=allowed_variables(
            f"event:{values.get('event')}"
            if values.get("trigger") == "event"
            else values.get("trigger") or "manual"
        ),  # fmt: skip
        channel_label=channel_label,
        category_label=category_label,
        goal_label=goal_label,
        weekday_label=weekday_label,
    )


class JourneyController(Controller):
    path = "/journeys"
    guards = [HR_ONLY]

    @get("", name="admin-journeys")
    async def overview(self, staff: NamedDependency[StaffUser]) -> Template:
        return admin_page(
            "admin/journeys/overview.html",
            staff,
            journeys=await journeys_overview(),
            category_label=category_label,
        )

    @post("/steps/{step_id:int}/enabled", name="admin-journey-step-enabled")
    async def toggle(
        self,
        staff: NamedDependency[StaffUser],
        step_id: FromPath[int],
        request: Request[Any, Any, Any],
    ) -> Redirect:
        form = await request.form()
        if not 0 < step_id < 2**31:
            raise NotFound(_("This step does not exist."))
        await step_set_enabled(
            step_id=step_id, enabled=form.get("enabled") == "1", staff_id=staff.id
        )
        return Redirect(f"{PAGE}#step-{step_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/{journey_id:int}/steps/new", name="admin-journey-step-new")
    async def new_step(
        self, staff: NamedDependency[StaffUser], journey_id: FromPath[int]
    ) -> Template:
        if not await journey_exists(journey_id):
            raise NotFound(_("This journey does not exist."))
        values = dict.fromkeys(STEP_FIELDS, "") | {
            "enabled": "1", "trigger": "stage_reached", "delay_hours": "0", "offset_days": "-3",
            "at_time": "10:00", "weekday": "4", "due_in_days": "3", "channels": "inbox",
            "category": "engagement", "link_path": "/",
        }  # fmt: skip
        return await _step_page(
            staff, journey_id=journey_id, step_id=None, values=values,
            variants=[_blank_variant([])],
        )  # fmt: skip

    @post("/{journey_id:int}/steps/new", name="admin-journey-step-create")
    async def create_step(
        self,
        staff: NamedDependency[StaffUser],
        journey_id: FromPath[int],
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        return await self._submit(staff, request, journey_id=journey_id, step_id=None)

    @get("/steps/{step_id:int}", name="admin-journey-step")
    async def edit_step(
        self,
        staff: NamedDependency[StaffUser],
        step_id: FromPath[int],
        saved: FromQuery[str | None] = None,
    ) -> Template:
        values, variants = await step_form(step_id)
        return await _step_page(
            staff, journey_id=int(values["journey"]), step_id=step_id, values=values,
            variants=variants, saved=saved == "1",
        )  # fmt: skip

    @post("/steps/{step_id:int}", name="admin-journey-step-save")
    async def save_step(
        self,
        staff: NamedDependency[StaffUser],
        step_id: FromPath[int],
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        stored, _variants = await step_form(step_id)
        return await self._submit(
            staff, request, journey_id=int(stored["journey"]), step_id=step_id
        )

    async def _submit(
        self,
        staff: StaffUser,
        request: Request[Any, Any, Any],
        *,
        journey_id: int,
        step_id: int | None,
    ) -> Template | Redirect:
        form = await request.form()
        values, variants = _read_step_form(form)
        if form.get("action") == "add_variant":
            # Only re-renders the form with one more (empty) text; nothing is saved.
            variants.append(_blank_variant(variants))
            return await _step_page(
                staff, journey_id=journey_id, step_id=step_id, values=values, variants=variants
            )
        try:
            saved_id = await step_save(
                step_id=step_id,
                journey_id=journey_id,
                data=_step_input(values, variants),
                staff_id=staff.id,
            )
        except ValidationFailed as failed:
            return await _step_page(
                staff, journey_id=journey_id, step_id=step_id, values=values,
                variants=variants, errors=failed.errors, status_code=400,
            )  # fmt: skip
        return Redirect(f"{PAGE}/steps/{saved_id}?saved=1", status_code=HTTP_303_SEE_OTHER)

    @get("/steps/{step_id:int}/preview", name="admin-journey-step-preview")
    async def preview(
        self,
        staff: NamedDependency[StaffUser],
        step_id: FromPath[int],
        # ``candidate`` is the admin router's dependency name: the query is read under an alias.
        search: Annotated[str | None, QueryParameter(name="candidate")] = None,
    ) -> Template:
        values, _variants = await step_form(step_id)
        query = (search or "").strip()[:100]
        found = None
        error = ""
        if query:
            candidate_id = query_int(query)
            if candidate_id is None:
                page = await candidate_page(
                    filters=CandidateFilters(search=query), department_scope=None, page_size=1
                )
                candidate_id = page.rows[0].id if page.rows else None
            try:
                found = (
                    await step_preview(step_id=step_id, candidate_id=candidate_id)
                    if candidate_id
                    else None
                )
            except NotFound:
                found = None
            if found is None:
                error = _("No candidate matches “%(query)s”.", query=query)
        return admin_page(
            "admin/journeys/preview.html",
            staff,
            status_code=404 if error else 200,
            step_id=step_id,
            step_name=values["name"],
            query=query,
            preview=found,
            error=error,
            channel_label=channel_label,
        )

    @get("/steps/{step_id:int}/figures", name="admin-journey-step-figures")
    async def figures(self, staff: NamedDependency[StaffUser], step_id: FromPath[int]) -> Template:
        values, _variants = await step_form(step_id)
        return admin_page(
            "admin/journeys/figures.html",
            staff,
            step_id=step_id,
            step_name=values["name"],
            figures=await step_figures(step_id=step_id, goal=values["goal"]),
            goal_label=goal_label,
        )

    @get("/sends", name="admin-journey-sends")
    async def sends(
        self, staff: NamedDependency[StaffUser], sent: FromQuery[str | None] = None
    ) -> Template:
        return admin_page(
            "admin/journeys/sends.html",
            staff,
            sends=await manual_sends_list(),
            sent=query_int(sent),
            category_label=category_label,
        )

    @post("/compose", name="admin-journey-compose")
    async def compose(
        self, staff: NamedDependency[StaffUser], request: Request[Any, Any, Any]
    ) -> Template:
        """The composer, for the candidates picked on the list (or all matching the filter)."""
        form = await request.form()
        selection = await _selection(form)
        values = {
            "subject": "", "body": "", "channels": "inbox", "link_path": "/",
            "transactional": "", "reason": "",
        }  # fmt: skip
        return await _compose_page(staff, selection=selection, values=values)

    @post("/compose/send", name="admin-journey-compose-send")
    async def compose_send(
        self, staff: NamedDependency[StaffUser], request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = await request.form()
        selection = await _selection(form)
        values = {name: _text(form, name) for name in ("subject", "body", "link_path", "reason")}
        values["transactional"] = "1" if form.get("transactional") == "1" else ""
        values["channels"] = ",".join(
            c for c in form.getall("channels") if isinstance(c, str)
        ) if "channels" in form else ""  # fmt: skip
        data = ManualInput(
            subject=values["subject"][:300],
            body=values["body"],
            channels=tuple(c for c in values["channels"].split(",") if c),
            client_id=_text(form, "client_id", 100),
            transactional=values["transactional"] == "1",
            reason=values["reason"][:2000],
            link_path=values["link_path"],
        )
        try:
            if form.get("action") == "preview":
                manual_check(data, recipients=len(selection.ids))
                preview = await manual_preview(candidate_ids=selection.ids, data=data)
                return await _compose_page(
                    staff, selection=selection, values=values, preview=preview,
                    client_id=data.client_id,
                )  # fmt: skip
            result = await manual_send(staff_id=staff.id, candidate_ids=selection.ids, data=data)
        except ValidationFailed as failed:
            return await _compose_page(
                staff, selection=selection, values=values, errors=failed.errors,
                status_code=400, client_id=data.client_id,
            )  # fmt: skip
        return Redirect(f"{PAGE}/sends?sent={result.send_id}", status_code=HTTP_303_SEE_OTHER)


class _Selection:
    def __init__(self, ids: list[int], all_matching: bool, filters: dict[str, str]) -> None:
        self.ids = ids
        self.all_matching = all_matching
        self.filters = filters


async def _selection(form: Any) -> _Selection:
    """The picked candidates: ticked ids, or every candidate the list's filters match."""
    filters = {
        key.removeprefix("filter_"): value[:200]
        for key, value in form.items()
        if key.startswith("filter_") and isinstance(value, str)
    }
    if form.get("all_matching") == "1":
        ids = await candidate_ids_matching(
            filters=candidate_filters_read(**filters), department_scope=None
        )
        return _Selection(ids, True, filters)
    ids = []
    for raw in form.getall("candidate") if "candidate" in form else []:
        candidate_id = query_int(raw if isinstance(raw, str) else "")
        if candidate_id is not None and candidate_id not in ids:
            ids.append(candidate_id)
    return _Selection(ids[:10_000], False, filters)


async def _compose_page(
    staff: StaffUser,
    *,
    selection: _Selection,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    preview: Any = None,
    status_code: int = 200,
    client_id: str = "",
) -> Template:
    return admin_page(
        "admin/journeys/compose.html",
        staff,
        status_code=status_code,
        selection=selection,
        values=values,
        errors=errors or {},
        preview=preview,
        client_id=client_id or uuid.uuid4().hex,
        channels=STEP_CHANNELS,
        offered=channels_offered(),
        link_targets=LINK_TARGETS,
        variables=variable_help(),
        allowed=allowed_variables("manual"),
        channel_label=channel_label,
    )
