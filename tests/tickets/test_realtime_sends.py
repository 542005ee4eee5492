"""Pushes from synchronous code (views, services, Celery tasks) reach the sockets through Redis, in order,
only after the change commits, and still from a forked worker process (Celery's prefork pool)."""

import asyncio
import multiprocessing
import threading

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connections, transaction

from tickets import realtime

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]

GROUP = "conversation.990001"


async def _listening():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(GROUP, channel)
    return layer, channel


async def _received(layer, channel, count: int) -> list[dict]:
    return [(await asyncio.wait_for(layer.receive(channel), 10))["payload"] for _ in range(count)]


def _push_numbers(count: int) -> None:
    for n in range(count):
        realtime.send_on_commit(GROUP, {"type": "status", "n": n})


def _push_numbers_then_hang_up(count: int) -> None:
    try:
        _push_numbers(count)
    finally:
        connections.close_all()  # this thread's database connection (on_commit asks it for autocommit)


async def test_pushes_from_sync_code_under_the_server_loop_arrive_once_each_and_in_order():
    layer, channel = await _listening()
    await database_sync_to_async(_push_numbers)(50)  # as a consumer's or a view's sync code
    assert [p["n"] for p in await _received(layer, channel, 50)] == list(range(50))


async def test_pushes_from_a_thread_with_no_loop_arrive_once_each_and_in_order():
    layer, channel = await _listening()
    worker = threading.Thread(target=_push_numbers_then_hang_up, args=(50,))  # as a Celery task or a command
    worker.start()
    await asyncio.get_running_loop().run_in_executor(None, worker.join, 30)
    assert [p["n"] for p in await _received(layer, channel, 50)] == list(range(50))


async def test_nothing_is_pushed_for_a_change_that_rolls_back():
    layer, channel = await _listening()

    def push_then_roll_back():
        with transaction.atomic():
            realtime.send_on_commit(GROUP, {"type": "status", "n": "rolled back"})
            transaction.set_rollback(True)
        realtime.send_on_commit(GROUP, {"type": "status", "n": "committed"})

    await database_sync_to_async(push_then_roll_back)()
    assert await _received(layer, channel, 1) == [{"type": "status", "n": "committed"}]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.5)


async def test_a_forked_worker_process_pushes_through_its_own_loop():
    layer, channel = await _listening()
    await database_sync_to_async(_push_numbers)(1)  # the parent's publisher loop exists before the fork
    assert [p["n"] for p in await _received(layer, channel, 1)] == [0]

    child = multiprocessing.get_context("fork").Process(target=_push_numbers, args=(3,))
    child.start()
    await asyncio.get_running_loop().run_in_executor(None, child.join, 30)
    assert child.exitcode == 0
    assert [p["n"] for p in await _received(layer, channel, 3)] == [0, 1, 2]
