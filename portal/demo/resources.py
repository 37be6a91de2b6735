"""Demo resource library: an onboarding guide, a department handbook, FAQ, a file, a link."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

from portal.domain.organisation.tables import Cohort, Department
from portal.domain.resources.files import resource_file_store
from portal.domain.resources.library import ResourceInput, resource_create
from portal.domain.resources.tables import Resource

GUIDE = """## 报到当天

- **时间**:培训开始当天 8:30 前到达,留出签到时间
- **地点**:见首页的培训地点;园区正门有保安指引
- **带上**:身份证原件、3 张一寸白底照片、体检报告、银行卡

## 第一周

1. 第一天:签到、领工服和工牌、安全培训
2. 第二天到第四天:岗位基础课程,每天 8:30–17:30,中午 1 小时午饭
3. 第五天:考核和分配班组

有任何问题,在首页的问答室里问 HR,24 小时内一定回复。
"""

HANDBOOK = """## 生产部员工手册(节选)

### 班次
两班倒:白班 8:00–20:00,夜班 20:00–8:00,每月轮换一次。

### 着装
进入车间必须穿工服、安全鞋、戴护目镜;长发需扎起。

### 加班
加班按国家规定支付加班费,每月 25 日前在系统中确认。
"""

FAQS = (
    (
        "宿舍有空调吗?几个人一间?",
        "有。每间 4 人,配空调、热水器和独立卫生间,住宿免费,水电按实际分摊。",
    ),
    ("工资什么时候发?", "每月 10 日发放上个月的工资,直接打到你在“个人信息”里填写的银行卡。"),
    ("培训期间有工资吗?", "有。培训期间按基本工资计发,并提供免费三餐。"),
    ("需要自己准备体检吗?", "需要。请在报到前到二级以上医院做入职体检,费用入职满 3 个月后报销。"),
    ("可以带家属一起住吗?", "员工宿舍不能带家属入住。园区附近有公寓,HR 可以提供联系方式。"),
)


def _campus_map_pdf() -> bytes:
    """A small one-page PDF drawn with Pillow, so the demo needs no files on disk."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 560), "white")
    draw = ImageDraw.Draw(image)
    for box, label in (
        ((40, 440, 240, 520), "Gate"),
        ((300, 380, 520, 520), "Training centre"),
        ((560, 60, 760, 220), "Dormitory"),
        ((300, 60, 520, 220), "Canteen"),
        ((40, 60, 240, 300), "Workshop"),
    ):
        draw.rectangle(box, outline="#1f6feb", width=4)
        draw.text((box[0] + 12, box[1] + 12), label, fill="#1d2330")
    draw.line((140, 440, 140, 340, 410, 340, 410, 380), fill="#1a7f37", width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PDF")
    return buffer.getvalue()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def load_demo_resources() -> None:
    if await Resource.exists():
        return
    production = await Department.select(Department.id).where(Department.name == "生产部").first()
    cohort = await Cohort.select(Cohort.id).where(Cohort.name == "生产部 12 月第 3 期").first()

    async def add(
        kind: str, title: str, body: str = "", status: str = "published", **extra
    ) -> None:
        stored = extra.pop("stored", None)
        await resource_create(
            data=ResourceInput(kind=kind, title=title, body=body, status=status, **extra),
            stored=stored,
            staff_id=None,
        )

    await add("guide", "入职指南:报到当天和第一周", GUIDE)
    if production:
        await add(
            "guide",
            "生产部员工手册",
            HANDBOOK,
            audience="department",
            department_id=production["id"],
        )
    for question, answer in FAQS:
        await add("faq", question, answer)
    if cohort:
        await add(
            "faq",
            "培训中心怎么走?",
            "从园区正门进入后沿绿色指示线步行约 5 分钟,培训中心在 3 楼。见“园区地图”。",
            audience="cohort",
            cohort_id=cohort["id"],
        )
    stored = await resource_file_store(_chunks(_campus_map_pdf()), filename="园区地图.pdf")
    await add("file", "园区地图", "正门、宿舍、食堂和培训中心的位置。", stored=stored)
    await add(
        "link",
        "掌上 12333:查询社保",
        "入职后可以在这里查询你的社保缴纳记录。",
        url="https://www.12333.gov.cn/",
    )
    # A draft shows HR what candidates do not see yet.
    await add("faq", "班车时刻表", "HR 正在整理,发布后会出现在这里。", status="draft")
