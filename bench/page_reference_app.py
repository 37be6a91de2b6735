"""The reference for ``bench/page_rps.py``: a minimal Litestar + Jinja2 app serving given pages.

For each page captured from Onramp it has a Jinja2 template (the page's HTML, with the
signed-in candidate's name as ``{{ name }}``) and answers ``GET /<page>`` with that
template rendered after one database read (the candidate's name, by primary key) through
a connection opened at start-up: one ``aiosqlite`` connection on SQLite, an ``asyncpg``
pool on PostgreSQL. Same bytes as Onramp's page, same uvicorn and options as
``onramp serve`` (``onramp.cli.UVICORN_OPTIONS``), same gzip settings.

Run (``bench/page_rps.py`` does it): python bench/page_reference_app.py --port P --pages DIR
with ``ONRAMP_DATABASE_URL`` set. DIR holds ``<page>.html`` templates and ``candidate_id``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.config.compression import CompressionConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def build_app(pages: Path, database_url: str, candidate_id: int) -> Litestar:
    state: dict[str, Any] = {}

    async def start() -> None:
        if database_url.startswith("sqlite:///"):
            import aiosqlite

            state["sqlite"] = await aiosqlite.connect(database_url.removeprefix("sqlite:///"))
        else:
            import asyncpg

            state["pg"] = await asyncpg.create_pool(database_url, min_size=4, max_size=4)

    async def stop() -> None:
        if "sqlite" in state:
            await state["sqlite"].close()
        if "pg" in state:
            await state["pg"].close()

    async def candidate_name() -> str:
        if "sqlite" in state:
            rows = await state["sqlite"].execute_fetchall(
                "SELECT name FROM candidate WHERE id = ?", (candidate_id,)
            )
            return rows[0][0]
        return await state["pg"].fetchval("SELECT name FROM candidate WHERE id = $1", candidate_id)

    @get("/{page:str}", sync_to_thread=False)
    async def page(page: str) -> Template:
        return Template(f"{page}.html", context={"name": await candidate_name()})

    return Litestar(
        route_handlers=[page],
        on_startup=[start],
        on_shutdown=[stop],
        template_config=TemplateConfig(directory=pages, engine=JinjaTemplateEngine),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=500, gzip_compress_level=6
        ),
    )


def template_source(html: str, name: str) -> str:
    """``html`` as a Jinja2 template rendering to the same text, ``name`` as ``{{ name }}``."""
    pieces = html.split(name) if name else [html]
    if any("{% endraw %}" in piece for piece in pieces):
        raise ValueError("the page contains '{% endraw %}'")
    raw = ["{% raw %}" + piece + "{% endraw %}" for piece in pieces]
    return "{{ name }}".join(raw)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pages", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT_ROOT))
    import uvicorn

    from onramp.cli import UVICORN_OPTIONS

    candidate_id = int((args.pages / "candidate_id").read_text())
    app = build_app(args.pages, os.environ["ONRAMP_DATABASE_URL"], candidate_id)
    uvicorn.run(app, host="127.0.0.1", port=args.port, **UVICORN_OPTIONS)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
