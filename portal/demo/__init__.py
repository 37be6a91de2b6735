"""Demo data: departments, cohorts, candidates at every stage, and staff accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.auth.passwords import password_generate
from portal.demo.checklist import load_demo_checklist
from portal.demo.journeys import load_demo_journeys
from portal.demo.learning import load_demo_learning
from portal.demo.profile import load_demo_profiles
from portal.demo.resources import load_demo_resources
from portal.demo.room import load_demo_room
from portal.demo.sla import load_demo_sla
from portal.demo.videos import load_demo_videos
from portal.domain.candidates.login_links import login_link_create
from portal.domain.candidates.records import CandidateInput, candidate_create, candidate_move_stage
from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Cohort, Department, Position, Stage
from portal.domain.staff.accounts import staff_create
from portal.domain.staff.tables import StaffUser

DEMO_STAFF = (
    ("admin@onramp.example", "admin", "管理员", None),
    ("hr@onramp.example", "hr", "王芳 (HR)", None),
    ("manager@onramp.example", "manager", "李强 (生产部经理)", "生产部"),
)

DEMO_CANDIDATES = (
    # name, phone, department, position, cohort index or None, stage code
    ("张三", "13800138000", "生产部", "装配工", 0, "pre_start"),
    ("李娜", "13800138001", "生产部", "质检员", 0, "offer_sent"),
    ("王伟", "13800138002", "生产部", "装配工", None, "background_check"),
    ("刘洋", "13800138003", "门店运营", "店员", 1, "pre_start"),
    ("陈静", "13800138004", "门店运营", "收银员", 1, "interview_passed"),
)


@dataclass(frozen=True)
class DemoResult:
    links: list[tuple[str, str]]
    staff_passwords: list[tuple[str, str]]


async def load_demo(now: datetime | None = None) -> DemoResult:
    """Create the demo data once; every call prints fresh sign-in links."""
    now = now or datetime.now(UTC)
    shanghai = ZoneInfo("Asia/Shanghai")
    departments: dict[str, int] = {}
    for name, first_ordinal in (("生产部", 122), ("门店运营", 57)):
        department = await Department.objects().get(Department.name == name)
        if department is None:
            department = Department(name=name, last_ordinal=first_ordinal)
            await department.save()
        departments[name] = department.id

    positions: dict[str, int] = {}
    for department_name, names in (
        ("生产部", ("装配工", "质检员")),
        ("门店运营", ("店员", "收银员")),
    ):
        for name in names:
            position = await Position.objects().get(
                (Position.name == name) & (Position.department == departments[department_name])
            )
            if position is None:
                position = Position(name=name, department=departments[department_name])
                await position.save()
            positions[name] = position.id

    cohorts: list[int] = []
    today = now.astimezone(shanghai).date()
    for name, department_name, days_ahead, place in (
        ("生产部 12 月第 3 期", "生产部", 12, "苏州工业园区星湖街 328 号 培训中心 3 楼"),
        ("门店运营 12 月第 1 期", "门店运营", 1, "上海市静安区南京西路 1266 号 B1 培训室"),
    ):
        cohort = await Cohort.objects().get(Cohort.name == name)
        if cohort is None:
            starts = datetime.combine(
                today + timedelta(days=days_ahead), time(9, 0), tzinfo=shanghai
            )
            cohort = Cohort(
                name=name,
                department=departments[department_name],
                starts_at=starts,
                place=place,
                timezone="Asia/Shanghai",
                capacity=40,
            )
            await cohort.save()
        cohorts.append(cohort.id)

    pipeline = await Stage.select(Stage.code, Stage.id).order_by(Stage.sort_order)
    links: list[tuple[str, str]] = []
    for name, phone, department_name, position_name, cohort_index, stage_code in DEMO_CANDIDATES:
        candidate = await Candidate.objects().get(Candidate.phone == phone)
        if candidate is None:
            candidate = await candidate_create(
                data=CandidateInput(
                    name=name,
                    phone=phone,
                    department_id=departments[department_name],
                    position_id=positions[position_name],
                    cohort_id=cohorts[cohort_index] if cohort_index is not None else None,
                ),
                source="demo",
            )
            # Walk through the pipeline up to the target so every reached stage has a date.
            codes = [stage["code"] for stage in pipeline]
            for stage in pipeline[1 : codes.index(stage_code) + 1]:
                await candidate_move_stage(
                    candidate_id=candidate.id, stage_id=stage["id"], source="demo"
                )
        links.append((name, await login_link_create(candidate_id=candidate.id)))

    await load_demo_learning()
    await load_demo_profiles()
    await load_demo_resources()

    passwords: list[tuple[str, str]] = []
    for email, role, staff_name, department_name in DEMO_STAFF:
        if await StaffUser.exists().where(StaffUser.email == email):
            continue
        password = password_generate()
        await staff_create(
            email=email,
            role=role,
            name=staff_name,
            password=password,
            department_id=departments[department_name] if department_name else None,
        )
        passwords.append((email, password))
    await load_demo_checklist()
    await load_demo_videos()
    # The backdated questions first: the room lists messages in the order they were
    # stored, so the conversation of "now" must come after those of yesterday.
    await load_demo_sla()
    await load_demo_room()
    await load_demo_journeys()
    return DemoResult(links=links, staff_passwords=passwords)
