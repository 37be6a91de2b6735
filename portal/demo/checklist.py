"""Demo checklist: a few document templates, and 张三 with one item waiting for review."""

from __future__ import annotations

import io

from litestar.datastructures import UploadFile
from PIL import Image, ImageDraw

from portal.domain.candidates.tables import Candidate
from portal.domain.checklist.reviews import submission_review
from portal.domain.checklist.submissions import checklist_files_add, checklist_item_submit
from portal.domain.checklist.tables import ChecklistSubmission, ChecklistTemplate
from portal.domain.checklist.templates import TemplateInput, template_create
from portal.domain.organisation.tables import Department
from portal.domain.staff.tables import StaffUser

# title, explanation, department name or None, kinds, min, max, required, days before start
DEMO_TEMPLATES = (
    (
        "身份证正反面",
        "请分别拍摄身份证的正面和反面,四角完整、文字清晰,不要反光。",
        None,
        ("photo", "pdf"),
        2,
        2,
        True,
        7,
    ),
    (
        "一寸免冠证件照",
        "白底或蓝底,近六个月内拍摄,用于制作工牌。",
        None,
        ("photo",),
        1,
        1,
        True,
        10,
    ),
    (
        "健康证",
        "食品或生产岗位需要,可在当地疾控中心办理,拍照或上传扫描件。",
        "生产部",
        ("photo", "pdf"),
        1,
        2,
        True,
        3,
    ),
    (
        "银行卡照片",
        "用于发放工资,请上传本人名下的银行卡正面照片。",
        None,
        ("photo",),
        1,
        1,
        False,
        5,
    ),
)

DEMO_PHONE = "13800138000"  # 张三


def _card_photo(text: str, colour: tuple[int, int, int]) -> UploadFile:
    image = Image.new("RGB", (640, 400), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 620, 380), outline=(255, 255, 255), width=6)
    draw.text((60, 180), text, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return UploadFile(
        content_type="image/jpeg", filename=f"{text}.jpg", file_data=buffer.getvalue()
    )


async def load_demo_checklist() -> None:
    """Create the demo templates once; hand in 张三's ID card and approve his photo."""
    if await ChecklistTemplate.exists().where(ChecklistTemplate.title == DEMO_TEMPLATES[0][0]):
        return
    departments = {
        d["name"]: d["id"] for d in await Department.select(Department.id, Department.name)
    }
    created = {}
    for order, (title, text, department, kinds, low, high, required, days) in enumerate(
        DEMO_TEMPLATES
    ):
        template = await template_create(
            data=TemplateInput(
                title=title,
                explanation=text,
                department_id=departments.get(department) if department else None,
                accepted_kinds=kinds,
                min_files=low,
                max_files=high,
                required=required,
                days_before_start=days,
                sort_order=order,
            )
        )
        created[title] = template.id

    candidate = await Candidate.objects().get(Candidate.phone == DEMO_PHONE)
    if candidate is None:
        return
    id_card = created["身份证正反面"]
    await checklist_files_add(
        candidate_id=candidate.id,
        template_id=id_card,
        uploads=[_card_photo("ID front", (40, 90, 160)), _card_photo("ID back", (60, 120, 170))],
    )
    await checklist_item_submit(candidate_id=candidate.id, template_id=id_card)

    photo = created["一寸免冠证件照"]
    await checklist_files_add(
        candidate_id=candidate.id,
        template_id=photo,
        uploads=[_card_photo("Photo", (30, 110, 200))],
    )
    await checklist_item_submit(candidate_id=candidate.id, template_id=photo)
    hr = await StaffUser.objects().get(StaffUser.role == "hr")
    submission = await ChecklistSubmission.objects().get(
        (ChecklistSubmission.candidate == candidate.id) & (ChecklistSubmission.template == photo)
    )
    if hr is not None and submission is not None:
        await submission_review(
            submission_id=submission.id, staff=hr, round=submission.round, decision="approved"
        )
