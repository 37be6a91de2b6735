"""The default hiring pipeline; HR can rename, reorder and add stages later."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T23:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Composite unique indexes and the default hiring pipeline"


class Stage(Table, tablename="stage"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="onramp", description=DESCRIPTION)

    async def seed_default_stages():
        Stage._meta.refresh_db()
        stages = [
            ("interview_passed", "面试通过", "Interview passed",
             "HR 将在 2 个工作日内联系你,开始背景调查。",
             "HR will contact you within 2 working days to start the background check.", 2),
            ("background_check", "背景调查", "Background check",
             "我们正在核实你的工作经历,通常需要 3 到 5 天。",
             "We are checking your work history; this usually takes 3 to 5 days.", 5),
            ("offer_sent", "Offer 已发放", "Offer sent",
             "请查收并确认 Offer,确认后我们会为你安排培训批次。",
             "Please read and accept your offer; we will then place you in a training batch.", 3),
            ("pre_start", "待入职", "Waiting to start",
             "请按清单准备入职材料,留意培训开始日期和地点。",
             "Prepare your documents from the checklist and note your training date and place.", 14),
            ("training", "集中培训", "Training",
             "参加集中培训,完成后正式上岗。",
             "Attend the training batch; you start work when it ends.", 7),
            ("joined", "已入职", "Joined",
             "欢迎正式加入!",
             "Welcome aboard!", 0),
        ]
        for order, (code, name, name_en, nxt, nxt_en, days) in enumerate(stages, start=1):
            await Stage.raw(
                "INSERT INTO stage (code, name, name_en, next_step, next_step_en, "
                "typical_days, sort_order) VALUES ({}, {}, {}, {}, {}, {}, {})",
                code, name, name_en, nxt, nxt_en, days, order,
            ).run()

    async def add_composite_unique_indexes():
        # The module is imported once per process; follow the engine in use now.
        Stage._meta.refresh_db()
        # Plain CREATE UNIQUE INDEX: SQLite cannot ALTER TABLE ... ADD CONSTRAINT.
        await Stage.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS candidate_department_ordinal_uniq "
            "ON candidate (department, ordinal)"
        ).run()
        await Stage.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS position_department_name_uniq "
            "ON position (department, name)"
        ).run()

    manager.add_raw(add_composite_unique_indexes)
    manager.add_raw(seed_default_stages)
    return manager
