"""The PostgreSQL server the tests create their databases on."""

from __future__ import annotations

import os
import socket

POSTGRES_HOST = os.environ.get("ONRAMP_TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_ADMIN_URL = f"postgresql://postgres@{POSTGRES_HOST}:5432/postgres"


def postgres_running() -> bool:
    try:
        with socket.create_connection((POSTGRES_HOST, 5432), timeout=1):
            return True
    except OSError:
        return False


async def postgres_admin_execute(sql: str) -> None:
    """Run ``sql`` as the superuser on the maintenance database (CREATE/DROP DATABASE)."""
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL.replace("postgresql://", "postgres://"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()
