"""The home page reads the stage list with the candidate (no per-process copy that could go
stale): an HR edit made by another process shows on the next page this process serves."""

from __future__ import annotations

import subprocess
import sys

from portal.db import write_transaction
from portal.domain.organisation.tables import Stage
from tests.factories import make_candidate, make_department, sign_in_candidate

# Another process (a second worker), editing and reordering stages as HR's pages do.
_OTHER_PROCESS = """
import asyncio, sys
from portal.db import bind_engine, close_engine, create_engine, prepare_engine, write_transaction
from portal.domain.organisation.tables import Stage

async def main(url, stage_id, name, sort_order):
    engine = create_engine(url)
    bind_engine(engine)
    await prepare_engine(engine)
    async with write_transaction():
        await Stage.update({Stage.name: name, Stage.sort_order: int(sort_order)}).where(
            Stage.id == int(stage_id)
        )
    await close_engine(engine)

asyncio.run(main(*sys.argv[1:]))
"""


def _edit_elsewhere(database_url: str, stage_id: int, name: str, sort_order: int) -> None:
    subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, database_url, str(stage_id), name, str(sort_order)],
        check=True,
        timeout=60,
    )


async def test_a_stage_edit_in_another_process_shows_on_the_next_home_page(client, database_url):
    candidate = await make_candidate(await make_department("生产部"))
    await sign_in_candidate(client, candidate)
    stages = await Stage.objects().order_by(Stage.sort_order)
    current = next(stage for stage in stages if stage.id == candidate.stage)
    last = stages[-1]
    assert last.id != current.id
    before = (await client.get("/")).text  # the stage list is now known to this process
    assert current.name in before
    assert before.index(current.name) < before.index(last.name)
    try:
        _edit_elsewhere(database_url, current.id, "改过的阶段名", current.sort_order)
        _edit_elsewhere(database_url, last.id, last.name, -1)  # now the first stage
        after = (await client.get("/")).text
        assert "改过的阶段名" in after
        assert current.name not in after
        assert after.index(last.name) < after.index("改过的阶段名")
        # And back: the page follows every edit, not only the first.
        _edit_elsewhere(database_url, last.id, last.name, last.sort_order)
        again = (await client.get("/")).text
        assert again.index("改过的阶段名") < again.index(last.name)
    finally:
        async with write_transaction():
            await Stage.update({Stage.name: current.name}).where(Stage.id == current.id)
            await Stage.update({Stage.sort_order: last.sort_order}).where(Stage.id == last.id)
