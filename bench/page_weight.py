"""Page weight of the candidate home page: HTML + CSS, gzip-compressed, against a 14 KB budget.

14 KB is what the first TCP round trip can carry (initial congestion window of 10
segments), so a page within it renders after one round trip on a slow mobile link.

Run: python bench/page_weight.py   (uses a throw-away SQLite database; no services needed)
Prints the sizes and the ratio to the budget; exits 1 when over budget or when the page
loads render-blocking JavaScript.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import sys
import tempfile

BUDGET_BYTES = 14_000

os.environ["ONRAMP_VAR_DIR"] = tempfile.mkdtemp(prefix="onramp-bench-")
os.environ.pop("ONRAMP_DATABASE_URL", None)
os.environ.pop("ONRAMP_REDIS_URL", None)
os.environ["ONRAMP_BASE_URL"] = "http://bench.local"


async def measure() -> int:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    import httpx

    from onramp.app import create_app
    from portal.db import migrate
    from portal.demo import load_demo

    await migrate()
    demo = await load_demo()
    link = demo.links[0][1].removeprefix("http://bench.local")
    app = create_app(manage_database=False)
    transport = httpx.ASGITransport(app=app)
    headers = {"Accept-Encoding": "gzip"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
        # The link's page is a "continue" button (robots must not use links up); tap it.
        await client.get(link)
        tapped = await client.post(link, data={"_csrf_token": client.cookies.get("onramp_csrf")})
        assert tapped.status_code in (200, 303), tapped.status_code
        home = await client.get("/", headers=headers)
        assert home.status_code == 200, home.status_code
        html = home.content
        stylesheets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
        css_parts = [
            (await client.get(href.decode(), headers=headers)).content for href in stylesheets
        ]
        head = html.split(b"</head>", 1)[0]
        blocking_scripts = [
            tag
            for tag in re.findall(rb"<script\b[^>]*>", head)
            if b" defer" not in tag and b" async" not in tag and b'type="module"' not in tag
        ]

    html_gz = len(gzip.compress(html, compresslevel=6))
    css_gz = sum(len(gzip.compress(part, compresslevel=6)) for part in css_parts)
    total = html_gz + css_gz
    print(f"home HTML: {len(html):>6} B raw, {html_gz:>6} B gzip")
    print(f"CSS ({len(css_parts)} file): {sum(map(len, css_parts)):>6} B raw, {css_gz:>6} B gzip")
    ratio = total / BUDGET_BYTES
    print(f"total gzip: {total} B; budget {BUDGET_BYTES} B; ratio {ratio:.2f} of budget")
    print(f"render-blocking scripts in <head>: {len(blocking_scripts)}")
    return 0 if total <= BUDGET_BYTES and not blocking_scripts else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(measure()))
