"""Key-value stores for sessions and rate limits.

With ``ONRAMP_REDIS_URL`` they live in Redis, shared by every worker and host. Without
it they are files under ``var/`` so that ``onramp serve --workers N`` on one machine
still shares them (an in-memory store would sign people out when they hit another
worker).
"""

from __future__ import annotations

import os
from datetime import timedelta

from litestar.stores.base import StorageObject, Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore

from portal.config import Settings
from portal.redis_client import redis_client

_redis_stores: dict[tuple[str, str], RedisStore] = {}


class LocalFileStore(FileStore):
    """Litestar's file store, reading without a worker thread.

    Every request and room handshake reads its session: a file of a hundred bytes under
    ``var/``, in the page cache. Reading it directly takes microseconds; handing the read
    to a thread and back cost more than that, and under a reconnecting crowd each hand-off
    waited for the interpreter lock. Writes (sign-in, sign-out) still go through a thread.
    """

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        if renew_for:
            return await super().get(key, renew_for)
        path = os.fspath(self._path_from_key(key))
        try:
            with open(path, "rb") as handle:
                storage_obj = StorageObject.from_bytes(handle.read())
        except FileNotFoundError:
            return None
        if storage_obj.expired:
            await self.delete(key)
            return None
        return storage_obj.data


def store_for(settings: Settings, name: str) -> Store:
    if settings.redis_url:
        identity = (settings.redis_url, settings.redis_namespace)
        root = _redis_stores.get(identity)
        if root is None:
            root = RedisStore(
                redis_client(settings.redis_url),
                namespace=settings.redis_namespace,
                handle_client_shutdown=True,
            )
            _redis_stores[identity] = root
        return root.with_namespace(name)
    path = settings.var_dir / "stores" / name
    path.mkdir(parents=True, exist_ok=True)
    return LocalFileStore(path, create_directories=True)
