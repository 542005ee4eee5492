"""Hundreds of sockets closing at once (a deploy, a network blip) each leave their groups: past the
pool's size the channel layer waits for a free Redis connection instead of failing."""

import asyncio
import os

import pytest
from channels_redis.core import RedisChannelLayer

from klarna_gig.channel_layer import WaitingRedisChannelLayer

pytestmark = pytest.mark.anyio

BURST = 300
POOL = 10


def _layer(layer_class, **pool):
    return layer_class(hosts=[{"address": os.environ["REDIS_URL"], "max_connections": POOL, **pool}])


async def _leave_all_at_once(layer) -> list[BaseException]:
    channels = [f"{layer.client_prefix}.burst!{n}" for n in range(BURST)]
    for channel in channels:
        await layer.group_add("burst", channel)
    results = await asyncio.gather(*(layer.group_discard("burst", c) for c in channels), return_exceptions=True)
    await layer.flush()
    return [r for r in results if isinstance(r, BaseException)]


async def test_a_burst_of_group_leaves_past_the_pool_size_all_succeed():
    assert await _leave_all_at_once(_layer(WaitingRedisChannelLayer, timeout=20)) == []


async def test_the_plain_pool_fails_the_same_burst():
    """Why the project's layer exists: the upstream pool refuses connections past its size."""
    failures = await _leave_all_at_once(_layer(RedisChannelLayer))
    assert failures, "expected the plain pool to refuse some connections"
    assert {type(f).__name__ for f in failures} == {"MaxConnectionsError"}
