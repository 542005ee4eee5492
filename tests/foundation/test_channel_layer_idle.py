"""An idle websocket stays open: waiting on the Redis channel layer longer than a blocking pop is no error."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.conf import settings


@pytest.mark.anyio
async def test_waiting_on_an_idle_channel_past_the_blocking_pop_is_not_an_error():
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "klarna_gig.channel_layer.WaitingRedisChannelLayer"
    layer = get_channel_layer()
    channel = await layer.new_channel()
    # channels_redis blocks in 5-second pops; a socket read timeout at or under that cut idle sockets.
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), timeout=6.5)
    await layer.send(channel, {"type": "still.here"})
    assert (await asyncio.wait_for(layer.receive(channel), timeout=5))["type"] == "still.here"
