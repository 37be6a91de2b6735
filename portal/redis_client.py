"""One way to make Redis clients: retrying once the server is back after a restart.

A restarted Redis closes every pooled connection; without a retry the first command on
each stale connection fails ("Connection closed by server") and a request errors out.

The pool is bounded and blocking: a burst (a whole room's handshakes reading sessions at
once) waits for a free connection instead of failing with "Too many connections".
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Connections per client and process, and how long a command waits for one when all are busy.
MAX_CONNECTIONS = 50
WAIT_SECONDS = 30


def redis_client(url: str) -> Redis:
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=WAIT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_keepalive=True,
        health_check_interval=30,
    )
    return Redis.from_pool(pool)  # the client owns (and closes) its pool
