"""One candidate-batch resolver: the CSV import and the API bulk upsert read rows alike.

Each case is a batch of rows sent both ways, as a CSV file (the import's check) and as a
bulk upsert (the API service): the same rows must be refused with the same fields named,
and a clean batch must be accepted by both. Then big batches: 10,000 rows at most in a
file, all or nothing with one bad row among thousands.
"""

from __future__ import annotations

import pytest
from litestar.stores.memory import MemoryStore

from portal.domain.candidates.imports import (
    MAX_ROWS,
    ImportFileInvalid,
    candidate_import_confirm,
    candidate_import_preview,
    import_file_read,
    import_rows_check,
)
from portal.domain.candidates.tables import Candidate, StageChange
from portal.domain.candidates.upsert import BulkItemsInvalid, UpsertItem, candidates_upsert
from portal.domain.organisation.tables import Department
from portal.domain.tags.tables import CandidateTag
from portal.i18n import _current_locale, set_locale
from tests.factories import make_candidate, make_cohort, make_department, make_position, make_staff

FIELDS = ("name", "phone", "email", "department", "position", "cohort", "external_id", "tags")
HEADER = "姓名,手机号,邮箱,部门,岗位,培训批次,外部编号,标签"


@pytest.fixture
def english():
    token = set_locale("en")
    yield
    _current_locale.reset(token)


async def _organisation():
    production = await make_department("Production Line")
    await make_position(production, "QA Inspector")
    await make_cohort(production, name="生产部第1期")
    sales = await make_department("销售部")
    await make_cohort(sales, name="销售部第1期")
    await make_candidate(production, phone="13700137000", email="taken@example.com")
    return production


def _row(number: int, **values: str) -> dict[str, str]:
    row = {
        "name": f"候选人{number}",
        "phone": f"138{number:08d}",
        "email": "",
        "department": "Production Line",
        "position": "",
        "cohort": "",
        "external_id": f"EXT-{number}",
        "tags": "",
    }
    row.update(values)
    return row


CASES = {
    "clean, names folded": [
        _row(1, department="  production   line ", position="ＱＡ inspector"),
        _row(2, cohort="生产部第1期", email="Two@Example.com", tags="技术类、关注职业发展"),
    ],
    "unknown names": [
        _row(1, department="研发部"),
        _row(2, position="厨师"),
        _row(3, cohort="第99期"),
        _row(4, cohort="销售部第1期"),  # another department's cohort
    ],
    "bad values": [
        _row(1, phone="12345"),
        _row(2, email="not-an-address"),
        _row(3, name="  "),
        _row(4, tags="x" * 31),
        _row(5, department=""),
    ],
    "values other candidates hold": [
        _row(1, phone="137-0013-7000"),
        _row(2, email="TAKEN@example.com"),
    ],
    "duplicates in the batch": [
        _row(1, email="dup@example.com"),
        _row(2, phone="+86 13800000001", email="DUP@example.com"),
        _row(3),
    ],
}


def _csv(rows: list[dict[str, str]]) -> bytes:
    lines = [HEADER, *(",".join(row[field] for field in FIELDS) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def _item(row: dict[str, str]) -> UpsertItem:
    return UpsertItem(
        external_id=row["external_id"],
        name=row["name"],
        phone=row["phone"],
        department=row["department"],
        email=row["email"] or None,
        position=row["position"] or None,
        cohort=row["cohort"] or None,
        tags=tuple(row["tags"].split("、")) if row["tags"] else None,
    )


async def _csv_flags(rows: list[dict[str, str]]) -> set[tuple[int, str]]:
    checked = await import_rows_check(import_file_read(_csv(rows)).rows)
    # The header is spreadsheet row 1: the first candidate is row 2, item 0.
    return {(row.number - 2, error.field) for row in checked for error in row.errors}


async def _api_flags(rows: list[dict[str, str]]) -> set[tuple[int, str]]:
    try:
        await candidates_upsert(items=[_item(row) for row in rows], source="api")
    except BulkItemsInvalid as invalid:
        return {(error.index, error.field) for error in invalid.errors}
    return set()


@pytest.mark.parametrize("case", list(CASES))
async def test_the_csv_import_and_the_api_refuse_the_same_rows_for_the_same_fields(case):
    await _organisation()
    rows = CASES[case]
    csv_flags = await _csv_flags(rows)
    api_flags = await _api_flags(rows)
    assert csv_flags == api_flags
    if case.startswith("clean"):
        assert csv_flags == set()
        assert await Candidate.count() == 1 + len(rows)  # the API created them
    else:
        assert csv_flags, "every case but the clean one has a refused row"
        assert await Candidate.count() == 1  # the API saved nothing


async def test_duplicates_are_named_by_row_in_a_file_and_by_item_in_a_request(english):
    await _organisation()
    rows = CASES["duplicates in the batch"]
    checked = await import_rows_check(import_file_read(_csv(rows)).rows)
    assert [e.message for e in checked[0].errors] == [
        "The same value is also in row 3 of this file.",
        "The same value is also in row 3 of this file.",
    ]
    with pytest.raises(BulkItemsInvalid) as refused:
        await candidates_upsert(items=[_item(row) for row in rows])
    assert [(e.index, e.message) for e in refused.value.errors if e.index == 0] == [
        (0, "The same value is also in item 1 of this request."),
        (0, "The same value is also in item 1 of this request."),
    ]


# --- big batches -------------------------------------------------------------------


def _big_file(count: int, *, first: int = 0) -> bytes:
    lines = [HEADER]
    for number in range(first, first + count):
        lines.append(f"导入{number},136{number:08d},,Production Line,,生产部第1期,CSV-{number},")
    return ("\r\n".join(lines) + "\r\n").encode()


async def test_a_file_of_10000_rows_imports_and_one_of_10001_is_refused_clearly(english):
    assert MAX_ROWS == 10000
    production = await _organisation()
    staff = await make_staff("hr")
    store = MemoryStore()
    with pytest.raises(ImportFileInvalid, match="more than 10,000 candidates"):
        await candidate_import_preview(
            store=store, staff_id=staff.id, filename="big.csv", content=_big_file(10001)
        )
    assert await Candidate.count() == 1  # nothing written

    preview = await candidate_import_preview(
        store=store, staff_id=staff.id, filename="big.csv", content=_big_file(10000)
    )
    assert preview.can_import_all and len(preview.valid_rows) == 10000
    result = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=False, confirmed=False
    )
    assert (result.outcome, result.count) == ("imported", 10000)
    assert await Candidate.count() == 10001
    assert await StageChange.count().where(StageChange.source == "import") == 10000
    ordinals = [c.ordinal for c in result.imported]
    assert ordinals == list(range(2, 10002))  # after the one candidate made before
    department = await Department.objects().get(Department.id == production.id)
    assert department.last_ordinal == 10001


async def test_one_row_taken_meanwhile_in_a_big_file_imports_nothing():
    production = await _organisation()
    staff = await make_staff("hr")
    store = MemoryStore()
    preview = await candidate_import_preview(
        store=store, staff_id=staff.id, filename="big.csv", content=_big_file(5000)
    )
    assert preview.can_import_all
    # Between the check and the confirmation someone adds a candidate with row 4,002's phone.
    await make_candidate(production, phone="13600004000")
    result = await candidate_import_confirm(
        store=store, token=preview.token, staff_id=staff.id, only_valid=False, confirmed=False
    )
    assert result.outcome == "changed"
    assert [(row.number, [e.field for e in row.errors]) for row in result.preview.invalid_rows] == [
        (4002, ["phone"])
    ]
    assert await Candidate.count() == 2
    assert await StageChange.count().where(StageChange.source == "import") == 0
    department = await Department.objects().get(Department.id == production.id)
    assert department.last_ordinal == 2  # the counter rolled back too


async def test_one_bad_item_in_a_full_api_batch_saves_nothing_and_is_named():
    production = await _organisation()
    items = [_item(_row(number, tags="技术类" if number % 2 else "")) for number in range(1, 1001)]
    items[777] = _item(_row(778, cohort="第99期"))
    with pytest.raises(BulkItemsInvalid) as refused:
        await candidates_upsert(items=items)
    assert [(e.index, e.external_id, e.field) for e in refused.value.errors] == [
        (777, "EXT-778", "cohort")
    ]
    assert await Candidate.count() == 1
    assert await CandidateTag.count() == 0
    department = await Department.objects().get(Department.id == production.id)
    assert department.last_ordinal == 1

    items[777] = _item(_row(778))
    outcomes = await candidates_upsert(items=items)
    assert [outcome.result for outcome in outcomes] == ["created"] * 1000
    assert await CandidateTag.count() == 500
    # The same batch again changes nothing; with every phone changed, every row updates.
    assert {o.result for o in await candidates_upsert(items=items)} == {"unchanged"}
    moved = [
        _item(_row(number, phone=f"135{number:08d}", tags="技术类" if number % 2 else ""))
        for number in range(1, 1001)
    ]
    assert {o.result for o in await candidates_upsert(items=moved)} == {"updated"}
    assert await Candidate.count().where(Candidate.phone.like("135%")) == 1000


async def test_rows_apply_in_order_when_updates_hand_a_phone_on():
    production = await _organisation()
    await make_candidate(production, phone="13500000001", external_id="A")
    await make_candidate(production, phone="13500000002", external_id="B")
    # A gives its phone up to B, which gives its own to a new candidate C.
    items = [
        _item(_row(1, external_id="A", phone="13500000009")),
        _item(_row(2, external_id="B", phone="13500000001")),
        _item(_row(3, external_id="C", phone="13500000002")),
    ]
    outcomes = await candidates_upsert(items=items)
    assert [o.result for o in outcomes] == ["updated", "updated", "created"]
    phones = {
        c.external_id: c.phone
        for c in await Candidate.objects().where(Candidate.external_id.is_not_null())
    }
    assert phones == {"A": "13500000009", "B": "13500000001", "C": "13500000002"}
    # The other way round a phone is still held when its taker comes first: refused.
    swap = [
        _item(_row(1, external_id="A", phone="13500000001")),
        _item(_row(2, external_id="B", phone="13500000009")),
    ]
    with pytest.raises(BulkItemsInvalid) as refused:
        await candidates_upsert(items=swap)
    # (Nor is B's new phone free: A keeps it, its own item being refused.)
    assert [(e.index, e.field) for e in refused.value.errors] == [(0, "phone"), (1, "phone")]
