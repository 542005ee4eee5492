"""Hundreds of sockets closing at once (a server restart, a network blip) each leave their groups:
the channel layer's Redis pool must take that burst instead of refusing connections past 100."""

import asyncio

import pytest
from channels.layers import get_channel_layer

pytestmark = pytest.mark.anyio


async def test_three_hundred_simultaneous_group_leaves_all_succeed():
    layer = get_channel_layer()
    channels = [f"{layer.client_prefix}.burst!{n}" for n in range(300)]
    await asyncio.gather(*(layer.group_add("burst", channel) for channel in channels))
    results = await asyncio.gather(
        *(layer.group_discard("burst", channel) for channel in channels), return_exceptions=True
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
