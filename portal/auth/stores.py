"""Key-value stores for sessions and rate limits.

With ``ONRAMP_REDIS_URL`` they live in Redis, shared by every worker and host. Without
it they are files under ``var/`` so that ``onramp serve --workers N`` on one machine
still shares them (an in-memory store would sign people out when they hit another
worker).
"""

from __future__ import annotations

from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore

from portal.config import Settings
from portal.redis_client import redis_client

_redis_stores: dict[tuple[str, str], RedisStore] = {}


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
    return FileStore(path, create_directories=True)
