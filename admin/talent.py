"""The talent pool: `/admin/talent` (filters, bulk needs, to-dos), one entry's page (whole
history, needs and notes, outcomes, stop, rejoin) and the recall funnel (page and CSV).

Every staff member works the entries of their scope (a manager: their department; outside
it an entry is 404); stop and rejoin are HR's (``portal/domain/access.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from admin.forms import form_id, form_text, query_int
from admin.guards import HR_ONLY
from admin.rendering import admin_page as _admin_page
from portal.config import get_settings
from portal.domain.access import department_scope
from portal.domain.candidates.lists import department_choices, position_choices
from portal.domain.errors import NotFound, ValidationFailed
from portal.domain.organisation.cohort_lists import cohort_choices
from portal.domain.organisation.stage_choices import stage_choices
from portal.domain.staff.tables import StaffUser
from portal.domain.talent.figures import recall_funnel, recall_funnel_csv
from portal.domain.talent.labels import talent_label
from portal.domain.talent.pool import (
    CONSENT_FILTERS,
    PoolFilters,
    entry_detail,
    entry_edit,
    entry_get_scoped,
    needs_bulk_add,
    pool_entry_ids,
    pool_page,
)
from portal.domain.talent.recalls import contact_stop, recall_outcome_record, task_done
from portal.domain.talent.rejoin import talent_rejoin
from portal.domain.talent.tables import ENTRY_STATUSES, OUTCOMES, TalentTask
from portal.domain.talent.withdrawal import reason_choices
from portal.domain.validation import row_id_from, typed_day


def admin_page(template: str, staff: StaffUser, **context: Any) -> Template:
    """The admin page with ``label`` for the pool's codes."""
    return _admin_page(template, staff, label=talent_label, **context)


FILTER_NAMES = (
    "q", "reason", "need", "department", "position", "since", "until", "contact_before", "consent",
    "status", "page",
)  # fmt: skip


def _day(raw: str | None, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD in the default time zone as the start of that day (or of the next);
    None (no filter) for anything else, a year like 9999 included."""
    day = typed_day((raw or "").strip()[:10])
    if day is None:
        return None
    zone = ZoneInfo(get_settings().default_timezone)
    moment = datetime.combine(day + timedelta(days=1 if end else 0), time(), zone)
    return moment.astimezone(UTC)


def pool_filters_read(raw: dict[str, str | None]) -> PoolFilters:
    consent = raw.get("consent")
    status = raw.get("status")
    return PoolFilters(
        search=(raw.get("q") or "")[:100],
        reason=(raw.get("reason") or "")[:40] or None,
        need=(raw.get("need") or "")[:20] or None,
        department_id=query_int(raw.get("department")),
        position_id=query_int(raw.get("position")),
        withdrawn_from=_day(raw.get("since")),
        withdrawn_to=_day(raw.get("until"), end=True),
        contact_before=_day(raw.get("contact_before")),
        consent=consent if consent in CONSENT_FILTERS else None,
        status=status if status in ENTRY_STATUSES else None,
        page=query_int(raw.get("page")) or 1,
    )


def _kept(raw: dict[str, str | None]) -> dict[str, str]:
    return {k: str(v)[:100] for k, v in raw.items() if v and k != "page"}


async def _open_tasks(scope: int | None) -> list[dict]:
    query = TalentTask.select(
        TalentTask.id, TalentTask.entry, TalentTask.title, TalentTask.body,
        TalentTask.due_at, TalentTask.assignee,
    ).where(TalentTask.done_at.is_null())  # fmt: skip
    if scope is not None:
        query = query.where(TalentTask.department == scope)
    return await query.order_by(TalentTask.due_at).limit(50)


class TalentController(Controller):
    path = "/talent"

    async def _list_page(
        self, staff: StaffUser, raw: dict[str, str | None], *, status_code: int = 200,
        errors: dict[str, str] | None = None, added: int | None = None,
    ) -> Template:  # fmt: skip
        scope = department_scope(staff)
        filters = pool_filters_read(raw)
        result = await pool_page(filters=filters, department_scope=scope, now=datetime.now(UTC))
        kept = _kept(raw)
        return admin_page(
            "admin/talent/list.html",
            staff,
            status_code=status_code,
            result=result,
            raw={k: (v or "") for k, v in raw.items()},
            kept=kept,
            page_url=lambda number: "?" + urlencode({**kept, "page": number}),
            reasons=await reason_choices(include_inactive=True),
            departments=await department_choices(department_scope=scope),
            positions=await position_choices(),
            consent_filters=CONSENT_FILTERS,
            statuses=ENTRY_STATUSES,
            tasks=await _open_tasks(scope),
            tz=get_settings().default_timezone,
            errors=errors or {},
            added=added,
        )

    @get("/", name="admin-talent")
    async def pool(
        self,
        staff: NamedDependency[StaffUser],
        q: FromQuery[str | None] = None,
        reason: FromQuery[str | None] = None,
        need: FromQuery[str | None] = None,
        department: FromQuery[str | None] = None,
        position: FromQuery[str | None] = None,
        since: FromQuery[str | None] = None,
        until: FromQuery[str | None] = None,
        contact_before: FromQuery[str | None] = None,
        consent: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
        added: FromQuery[str | None] = None,
    ) -> Template:
        raw = {
            "q": q, "reason": reason, "need": need, "department": department,
            "position": position, "since": since, "until": until, "contact_before": contact_before,
            "consent": consent, "status": status, "page": page,
        }  # fmt: skip
        return await self._list_page(staff, raw, added=query_int(added))

    @post("/bulk-needs", name="admin-talent-bulk-needs")
    async def bulk_needs(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffUser]
    ) -> Template | Redirect:
        form = await request.form()
        raw = {name: form.get(f"filter_{name}") for name in FILTER_NAMES}
        raw = {k: (v if isinstance(v, str) else None) for k, v in raw.items()}
        needs = form.get("needs")
        scope = department_scope(staff)
        if form.get("all_matching") == "1":
            ids = await pool_entry_ids(
                filters=pool_filters_read(raw), department_scope=scope, now=datetime.now(UTC)
            )
        else:
            ids = [i for v in form.getall("entry", [])[:5001] if (i := row_id_from(v))]
        try:
            added = await needs_bulk_add(
                entry_ids=ids,
                needs=needs[:300] if isinstance(needs, str) else "",
                department_scope=scope,
            )
        except ValidationFailed as failed:
            return await self._list_page(staff, raw, status_code=400, errors=failed.errors)
        kept = _kept(raw)
        return Redirect(
            "/admin/talent?" + urlencode({**kept, "added": added}),
            status_code=HTTP_303_SEE_OTHER,
        )

    async def _entry_page(
        self, staff: StaffUser, entry_id: int, *, status_code: int = 200,
        errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
    ) -> Template:  # fmt: skip
        scope = department_scope(staff)
        detail = await entry_detail(entry_id=entry_id, department_scope=scope)
        if detail.status == "anonymised":
            raise NotFound("Not found.")
        return admin_page(
            "admin/talent/entry.html",
            staff,
            status_code=status_code,
            entry=detail,
            outcomes=OUTCOMES,
            cohorts=await cohort_choices(department_scope=scope),
            stages=await stage_choices(),
            errors=errors or {},
            values=values or {},
            tz=get_settings().default_timezone,
        )

    @get("/{entry_id:int}", name="admin-talent-entry")
    async def entry(self, staff: NamedDependency[StaffUser], entry_id: FromPath[int]) -> Template:
        return await self._entry_page(staff, entry_id)

    async def _act(self, staff: StaffUser, entry_id: int, action, values) -> Template | Redirect:  # type: ignore[no-untyped-def]
        # Scope first: another department's entry is 404 before anything is read or written.
        await entry_get_scoped(entry_id=entry_id, department_scope=department_scope(staff))
        try:
            await action()
        except ValidationFailed as failed:
            return await self._entry_page(
                staff, entry_id, status_code=400, errors=failed.errors, values=values
            )
        return Redirect(f"/admin/talent/{entry_id}", status_code=HTTP_303_SEE_OTHER)

    @post("/{entry_id:int}/edit", name="admin-talent-edit")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        entry_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, "needs", "notes")
        return await self._act(
            staff,
            entry_id,
            lambda: entry_edit(
                entry_id=entry_id,
                department_scope=department_scope(staff),
                needs=values["needs"][:300],
                notes=values["notes"][:5001],
                actor_id=staff.id,
                now=datetime.now(UTC),
            ),
            values,
        )

    @post("/{entry_id:int}/outcome", name="admin-talent-outcome")
    async def outcome(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        entry_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, "outcome", "note")
        return await self._act(
            staff,
            entry_id,
            lambda: recall_outcome_record(
                entry_id=entry_id,
                outcome=values["outcome"],
                note=values["note"][:1001],
                actor_id=staff.id,
                now=datetime.now(UTC),
            ),
            values,
        )

    @post("/{entry_id:int}/stop", name="admin-talent-stop", guards=[HR_ONLY])
    async def stop(
        self, staff: NamedDependency[StaffUser], entry_id: FromPath[int]
    ) -> Template | Redirect:
        return await self._act(
            staff,
            entry_id,
            lambda: contact_stop(entry_id=entry_id, actor_id=staff.id, now=datetime.now(UTC)),
            {},
        )

    @post("/{entry_id:int}/rejoin", name="admin-talent-rejoin", guards=[HR_ONLY])
    async def rejoin(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffUser],
        entry_id: FromPath[int],
    ) -> Template | Redirect:
        values = await form_text(request, "cohort", "stage", "keep_documents", "keep_points")
        return await self._act(
            staff,
            entry_id,
            lambda: talent_rejoin(
                entry_id=entry_id,
                cohort_id=form_id(values["cohort"]),
                stage_id=form_id(values["stage"]),
                keep_documents=values["keep_documents"] == "1",
                keep_points=values["keep_points"] == "1",
                actor_id=staff.id,
                now=datetime.now(UTC),
            ),
            values,
        )

    @post("/tasks/{task_id:int}/done", name="admin-talent-task-done")
    async def task_done(
        self, staff: NamedDependency[StaffUser], task_id: FromPath[int]
    ) -> Redirect:
        task = await TalentTask.objects().get(TalentTask.id == task_id)
        scope = department_scope(staff)
        if task is None or (scope is not None and task.department != scope):
            raise NotFound("Not found.")
        await task_done(task_id=task_id, now=datetime.now(UTC))
        return Redirect("/admin/talent", status_code=HTTP_303_SEE_OTHER)

    @get("/figures", name="admin-talent-figures")
    async def figures(self, staff: NamedDependency[StaffUser]) -> Template:
        funnel = await recall_funnel(department_scope=department_scope(staff))
        return admin_page("admin/talent/figures.html", staff, funnel=funnel)

    @get("/figures.csv", name="admin-talent-figures-csv")
    async def figures_csv(self, staff: NamedDependency[StaffUser]) -> Response[bytes]:
        funnel = await recall_funnel(department_scope=department_scope(staff))
        return Response(
            recall_funnel_csv(funnel),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="recall-funnel.csv"',
                "Cache-Control": "no-store",
            },
        )
