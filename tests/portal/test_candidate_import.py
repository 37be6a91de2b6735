"""The candidate CSV import: reading files, checking rows, importing all or nothing."""

from __future__ import annotations

import asyncio

import pytest
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore

from portal.domain.candidates.imports import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportFileInvalid,
    candidate_import_confirm,
    candidate_import_preview,
    import_file_read,
    import_rows_check,
    import_template_csv,
)
from portal.domain.candidates.imports import importing as importing_module
from portal.domain.candidates.imports.previews import preview_take
from portal.domain.candidates.records import first_stage
from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.organisation.tables import Department
from portal.i18n import _current_locale, set_locale
from tests.factories import (
    make_candidate,
    make_cohort,
    make_department,
    make_position,
    make_staff,
)

HEADER = "姓名,手机号,邮箱,部门,岗位,培训批次,外部编号"


def _csv(*lines: str, header: str = HEADER) -> str:
    return "\r\n".join([header, *lines]) + "\r\n"


@pytest.fixture
def english():
    """File messages asserted in English (zh-CN is the default language)."""
    token = set_locale("en")
    yield
    _current_locale.reset(token)


@pytest.fixture
def store(tmp_path) -> FileStore:
    # The store the app uses without Redis (files shared by the workers).
    return FileStore(tmp_path / "sessions", create_directories=True)


async def _organisation():
    production = await make_department("生产部")
    await make_position(production, "操作工")
    cohort = await make_cohort(production, name="生产部第1期")
    return production, cohort


def _fields_with_errors(rows) -> dict[int, list[str]]:
    return {row.number: [error.field for error in row.errors] for row in rows if row.errors}


# --- reading the file ---------------------------------------------------------------


def test_utf8_utf8_with_bom_and_gbk_files_read_the_same():
    text = _csv(
        "张三,13800138000,a@example.com,生产部,操作工,生产部第1期,HR-1",
        "李四,13900139000,,生产部,,,",
    )
    plain = import_file_read(text.encode("utf-8"))
    with_bom = import_file_read(b"\xef\xbb\xbf" + text.encode("utf-8"))
    gbk = import_file_read(text.encode("gbk"))
    assert (plain.encoding, with_bom.encoding, gbk.encoding) == ("UTF-8", "UTF-8", "GBK")
    assert plain.rows == with_bom.rows == gbk.rows
    assert plain.rows[0].number == 2 and plain.rows[0].values["name"] == "张三"
    assert plain.rows[1].values == {
        "name": "李四",
        "phone": "13900139000",
        "email": "",
        "department": "生产部",
        "position": "",
        "cohort": "",
        "external_id": "",
    }


def test_gb18030_reads_rare_characters_in_names():
    # 䶮 is outside GBK but in GB18030, which Chinese Windows also produces.
    content = _csv("刘䶮,13800138000,,生产部,,,").encode("gb18030")
    assert import_file_read(content).rows[0].values["name"] == "刘䶮"


def test_headers_match_in_english_or_chinese_ignoring_case_spaces_and_notes():
    content = (
        " Full Name ,MOBILE,E-Mail,Department,Job Title,Training Batch,External ID,备注\n"
        "Zhang San,13800138000,,生产部,,,,VIP\n"
    ).encode()
    file = import_file_read(content)
    assert file.columns == [
        "name",
        "phone",
        "email",
        "department",
        "position",
        "cohort",
        "external_id",
    ]
    assert file.ignored_columns == ["备注"]
    noted = import_file_read("姓名（必填）,手机号码*,所属部门\n张三,13800138000,生产部\n".encode())
    assert noted.columns == ["name", "phone", "department"]


def test_row_numbers_are_the_spreadsheets_even_after_a_title_and_blank_lines():
    content = (
        "2026 届校招录用名单,,\n"  # row 1: a title
        "姓名,手机,部门\n"  # row 2: the column names
        "张三,13800138000,生产部\n"
        ",,\n"
        "\n"
        "李四,13900139000,生产部\n"
    )
    rows = import_file_read(content.encode()).rows
    assert [row.number for row in rows] == [3, 6]


def test_semicolon_and_tab_separated_files_are_read():
    for delimiter in (";", "\t"):
        content = (
            delimiter.join(["姓名", "手机号", "部门"])
            + "\n"
            + delimiter.join(["张三", "13800138000", "生产部"])
        )
        assert import_file_read(content.encode()).rows[0].values["phone"] == "13800138000"


def test_a_missing_required_column_is_named(english):
    with pytest.raises(ImportFileInvalid) as refused:
        import_file_read("姓名,邮箱,部门\n张三,a@example.com,生产部\n".encode())
    message = str(refused.value)
    assert "手机号 / phone" in message
    assert "姓名 / name" not in message and "部门 / department" not in message


def test_two_columns_for_the_same_field_are_refused():
    with pytest.raises(ImportFileInvalid, match="手机.*电话"):
        import_file_read("姓名,手机,电话,部门\n张三,1,2,生产部\n".encode())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        ("姓名,手机号,部门\r\n,,\r\n".encode(), "column names but no candidates"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "Excel workbook"),
        (b"name,phone,department\n\x00\x01\x02", "not a CSV file"),
        (b"name,phone,department\n\xff\xfe\xff,1,2\n", "neither UTF-8 nor GBK"),
    ],
)
def test_files_that_are_not_usable_get_a_clear_message(content, expected, english):
    with pytest.raises(ImportFileInvalid, match=expected):
        import_file_read(content)


def test_size_and_row_caps(english):
    with pytest.raises(ImportFileInvalid, match="larger than 2 MB"):
        import_file_read(b"a" * (MAX_FILE_BYTES + 1))
    many = _csv(*(f"人{i},138{i:08d},生产部,,,," for i in range(MAX_ROWS + 1)))
    with pytest.raises(ImportFileInvalid, match=f"more than {MAX_ROWS:,}"):
        import_file_read(many.encode())
    at_cap = _csv(*(f"人{i},138{i:08d},,生产部,,," for i in range(MAX_ROWS)))
    assert len(import_file_read(at_cap.encode()).rows) == MAX_ROWS


def test_the_template_has_a_bom_and_reads_back_as_every_column(english):
    template = import_template_csv(chinese=True)
    assert template.startswith(b"\xef\xbb\xbf")
    with pytest.raises(ImportFileInvalid, match="no candidates"):
        import_file_read(template)
    filled = import_template_csv(chinese=False) + b"Zhang San,13800138000,,Production,,,,\r\n"
    assert len(import_file_read(filled).columns) == 8  # with tags


# --- checking rows ------------------------------------------------------------------


async def test_each_broken_row_gets_its_own_errors():
    production, cohort = await _organisation()
    other = await make_department("销售部")
    sales_cohort = await make_cohort(other, name="销售部第1期")
    await make_candidate(production, phone="13700137000", email="taken@example.com")
    file = import_file_read(
        _csv(
            "好人,13800138000,,生产部,操作工,生产部第1期,",  # 2: fine
            "坏号码,12345,,生产部,,,",  # 3
            "无批次,13800138001,,生产部,,第99期,",  # 4
            "无部门,13800138002,,研发部,,,",  # 5
            "错岗位,13800138003,,生产部,厨师,,",  # 6
            "已存在,137-0013-7000,,生产部,,,",  # 7
            "重复甲,13900139000,dup@example.com,生产部,,,",  # 8
            "重复乙,+86 13900139000,DUP@example.com,生产部,,,",  # 9
            "别人的批次,13800138004,,生产部,,销售部第1期,",  # 10
            "科学计数,1.38001E+10,,生产部,,,",  # 11
            ",13800138005,bad-mail,,,,",  # 12
        ).encode()
    )
    rows = await import_rows_check(file.rows)
    assert _fields_with_errors(rows) == {
        3: ["phone"],
        4: ["cohort"],
        5: ["department"],
        6: ["position"],
        7: ["phone"],
        8: ["phone", "email"],
        9: ["phone", "email"],
        10: ["cohort"],
        11: ["phone"],
        12: ["name", "email", "department"],
    }
    messages = {row.number: [error.message for error in row.errors] for row in rows}
    assert messages[4] == ["没有名为“第99期”的培训批次。"]
    assert messages[5] == ["没有名为“研发部”的部门。"]
    assert messages[6] == ["部门“生产部”下没有名为“厨师”的岗位。"]
    # Both rows of a duplicate are flagged, each pointing at the other.
    assert messages[8] == ["与本文件第 9 行重复。", "与本文件第 9 行重复。"]
    assert messages[9] == ["与本文件第 8 行重复。", "与本文件第 8 行重复。"]
    assert "Excel" in messages[11][0] and "1.38001E+10" in messages[11][0]
    good = rows[0]
    assert good.valid and good.data is not None
    assert (good.data.department_id, good.data.cohort_id) == (production.id, cohort.id)
    assert sales_cohort.id not in {row.data.cohort_id for row in rows if row.data}


async def test_names_match_ignoring_case_width_and_extra_spaces():
    department = await make_department("Production Line")
    await make_position(department, "QA Inspector")
    file = import_file_read(
        _csv("张三,13800138000,,  production   line ,ＱＡ inspector,,").encode()
    )
    [row] = await import_rows_check(file.rows)
    assert row.valid, row.errors
    assert row.data.department_id == department.id


# --- preview and confirm ------------------------------------------------------------

CLEAN = _csv(
    "张三,13800138000,zhangsan@example.com,生产部,操作工,生产部第1期,HR-1",
    "李四,13900139000,,生产部,,,HR-2",
)


async def _preview(store, staff, text: str):
    return await candidate_import_preview(
        store=store, staff_id=staff.id, filename="名单.csv", content=text.encode()
    )


async def test_a_preview_imports_nothing_and_confirming_imports_every_row(store):
    production, cohort = await _organisation()
    staff = await make_staff("hr")
    preview = await _preview(store, staff, CLEAN)
    assert preview.can_import_all and len(preview.valid_rows) == 2
    assert await Candidate.count() == 0

    result = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=False, confirmed=False
    )
    assert result.outcome == "imported" and result.count == 2
    candidates = await Candidate.objects().order_by(Candidate.phone)
    stage = await first_stage()
    assert [c.name for c in candidates] == ["张三", "李四"]
    assert {c.stage for c in candidates} == {stage.id}
    assert sorted(c.ordinal for c in candidates) == [1, 2]
    changes = await StageChange.select().order_by(StageChange.id)
    assert [(c["source"], c["changed_by"], c["to_stage"]) for c in changes] == [
        ("import", staff.id, stage.id),
        ("import", staff.id, stage.id),
    ]
    assert (await Department.objects().get(Department.id == production.id)).last_ordinal == 2


async def test_a_file_with_errors_imports_nothing_unless_only_valid_rows_are_chosen(store):
    await _organisation()
    staff = await make_staff("hr")
    text = _csv(
        "张三,13800138000,,生产部,,,",
        "坏号码,12345,,生产部,,,",
        "李四,13900139000,,生产部,,,",
    )
    preview = await _preview(store, staff, text)
    assert not preview.can_import_all
    assert [row.number for row in preview.invalid_rows] == [3]

    refused = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=False, confirmed=True
    )
    assert refused.outcome == "not_clean"
    unconfirmed = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=True, confirmed=False
    )
    assert unconfirmed.outcome == "needs_confirmation"
    assert await Candidate.count() == 0

    result = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=True, confirmed=True
    )
    assert result.outcome == "imported"
    assert sorted(r["phone"] for r in await Candidate.select(Candidate.phone)) == [
        "13800138000",
        "13900139000",
    ]


async def test_confirming_twice_imports_once(store):
    await _organisation()
    staff = await make_staff("hr")
    preview = await _preview(store, staff, CLEAN)
    kwargs = dict(store=store, token=preview.token, staff_id=staff.id, only_valid=False)
    first = await candidate_import_confirm(**kwargs, confirmed=False)
    second = await candidate_import_confirm(**kwargs, confirmed=False)
    assert (first.outcome, second.outcome) == ("imported", "already_done")
    assert second.count == 2
    assert await Candidate.count() == 2


async def test_two_simultaneous_confirmations_import_once(store):
    await _organisation()
    staff = await make_staff("hr")
    preview = await _preview(store, staff, CLEAN)
    results = await asyncio.gather(
        *(
            candidate_import_confirm(
                store=store,
                token=preview.token,
                staff_id=staff.id,
                only_valid=False,
                confirmed=False,
            )
            for _ in range(3)
        )
    )
    outcomes = sorted(result.outcome for result in results)
    assert outcomes.count("imported") == 1, outcomes
    assert set(outcomes) <= {"imported", "in_progress", "already_done", "missing"}
    assert await Candidate.count() == 2


async def test_a_confirmation_while_the_import_runs_is_told_so(store, monkeypatch):
    await _organisation()
    staff = await make_staff("hr")
    preview = await _preview(store, staff, CLEAN)
    confirm = dict(store=store, token=preview.token, staff_id=staff.id, only_valid=False)
    real_create_all = importing_module._create_all
    meanwhile = []

    async def create_all_while_clicked_again(rows, *, actor_id):
        meanwhile.append(await candidate_import_confirm(**confirm, confirmed=False))
        return await real_create_all(rows, actor_id=actor_id)

    monkeypatch.setattr(importing_module, "_create_all", create_all_while_clicked_again)
    first = await candidate_import_confirm(**confirm, confirmed=False)
    assert first.outcome == "imported"
    assert [result.outcome for result in meanwhile] == ["in_progress"]
    assert await Candidate.count() == 2


async def test_a_stale_preview_shows_the_new_error_and_imports_nothing(store):
    production, _cohort = await _organisation()
    staff = await make_staff("hr")
    preview = await _preview(store, staff, CLEAN)
    # Between the preview and the confirmation someone adds a candidate with that phone.
    await make_candidate(production, phone="13900139000")

    result = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=False, confirmed=False
    )
    assert result.outcome == "changed"
    assert _fields_with_errors(result.preview.rows) == {3: ["phone"]}
    assert await Candidate.count() == 1
    # The refreshed preview offers exactly what is valid now.
    again = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=True, confirmed=True
    )
    assert again.outcome == "imported" and again.count == 1
    assert await Candidate.count() == 2


async def test_a_conflict_while_writing_rolls_back_every_row(store, monkeypatch):
    production, _cohort = await _organisation()
    staff = await make_staff("hr")
    preview = await _preview(store, staff, CLEAN)
    await make_candidate(production, phone="13900139000")  # conflicts with the 2nd row
    checks = []
    real_check = importing_module.import_rows_check

    async def check_as_at_preview_time(rows):
        # The first check still sees the database as it was (the race the transaction
        # must survive); the re-check after the failure sees it as it is.
        checks.append(rows)
        return preview.rows if len(checks) == 1 else await real_check(rows)

    monkeypatch.setattr(importing_module, "import_rows_check", check_as_at_preview_time)
    result = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=False, confirmed=False
    )
    assert result.outcome == "changed"
    # The first row was created and then rolled back with the second.
    assert [r["phone"] for r in await Candidate.select(Candidate.phone)] == ["13900139000"]
    assert await StageChange.count().where(StageChange.source == "import") == 0
    assert (await Department.objects().get(Department.id == production.id)).last_ordinal == 1


async def test_another_staff_member_cannot_confirm_or_spoil_a_preview(store):
    await _organisation()
    owner = await make_staff("hr")
    colleague = await make_staff("admin")
    preview = await _preview(store, owner, CLEAN)
    for only_valid in (False, True):
        result = await candidate_import_confirm(
            store=store,
            token=preview.token,
            staff_id=colleague.id,
            only_valid=only_valid,
            confirmed=True,
        )
        assert result.outcome == "missing"
    assert await Candidate.count() == 0
    mine = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=owner.id, only_valid=False, confirmed=False
    )
    assert mine.outcome == "imported"


async def test_unknown_and_malformed_tokens_are_missing(store):
    staff = await make_staff("hr")
    for token in ("", "x" * 32, "../../etc/passwd", "a" * 500):
        result = await candidate_import_confirm(
            store=store, token=token, staff_id=staff.id, only_valid=False, confirmed=False
        )
        assert result.outcome == "missing"


@pytest.fixture(params=["file", "memory", "redis"])
async def any_store(request, tmp_path):
    """Each kind of session store: files (no Redis), memory, and Redis when one runs here."""
    if request.param == "file":
        yield FileStore(tmp_path / "sessions", create_directories=True)
        return
    if request.param == "memory":
        yield MemoryStore()
        return
    from litestar.stores.redis import RedisStore

    root = RedisStore.with_client(url="redis://127.0.0.1:6379/15", namespace="onramp-test")
    try:
        await root._redis.ping()  # noqa: SLF001
    except Exception:  # noqa: BLE001 - no server here
        await root._shutdown()  # noqa: SLF001
        pytest.skip("Redis is not running")
    store = root.with_namespace("sessions")
    yield store
    await store.delete_all()
    await root._shutdown()  # noqa: SLF001


async def test_of_simultaneous_takes_of_a_preview_exactly_one_gets_it(any_store):
    await _organisation()
    staff = await make_staff("hr")
    preview = await _preview(any_store, staff, CLEAN)
    taken = await asyncio.gather(
        *(preview_take(any_store, token=preview.token, staff_id=staff.id) for _ in range(5))
    )
    assert sum(result is not None for result in taken) == 1
    assert await preview_take(any_store, token=preview.token, staff_id=staff.id) is None
