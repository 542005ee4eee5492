"""The customer's chat socket: ws/chat/<public_id>/?token=<signed conversation token>.

Thin by design: authenticate with the token, parse each frame, let `tickets.protocol`
call the service, send the replies. Everything the conversation's other watchers do
arrives as realtime pushes and is forwarded in sequence order (docs/chat-protocol.md).
"""

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder

from tickets import protocol, realtime
from tickets.models import WAITING_STATUSES, Conversation
from tickets.tokens import InvalidCustomerToken, TokenForOtherConversation, conversation_for_token

log = logging.getLogger(__name__)

CLOSE_INVALID_TOKEN = 4401
CLOSE_WRONG_CONVERSATION = 4403
# Signs of life are written to the cache at most this often per socket.
SEEN_EVERY_SECONDS = 15
# Queue changes elsewhere trigger a recount of this customer's position, at most this often.
QUEUE_STATUS_EVERY_SECONDS = 2.0
FORWARDED_PUSHES = frozenset({"typing", "read", "csat_request", "bot_question"})


def _encode(frame: dict[str, Any]) -> str:
    return json.dumps(protocol.for_customer(frame), cls=DjangoJSONEncoder, ensure_ascii=False)


class CustomerChatConsumer(AsyncWebsocketConsumer):
    conversation: Conversation | None = None
    cursor: protocol.SeqCursor | None = None

    async def connect(self) -> None:
        public_id = str(self.scope["url_route"]["kwargs"]["public_id"])
        token = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        try:
            conversation = await database_sync_to_async(conversation_for_token)(token=token, public_id=public_id)
        except (InvalidCustomerToken, TokenForOtherConversation) as exc:
            # Accept first so the browser sees the close code and knows not to retry with this token.
            await self.accept()
            code = CLOSE_WRONG_CONVERSATION if isinstance(exc, TokenForOtherConversation) else CLOSE_INVALID_TOKEN
            await self.close(code=code)
            return
        self.conversation = conversation
        self.actor = protocol.Actor.customer()
        self.group = realtime.conversation_group(conversation.pk)
        self.in_queue_group = False
        self.last_seen_write = 0.0
        self.queue_status_task: asyncio.Task | None = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._seen(force=True)

    async def disconnect(self, code: int) -> None:
        if self.conversation is None:
            return
        if self.queue_status_task is not None:
            self.queue_status_task.cancel()
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self._join_queue_group(False)
        await self._seen(force=True)

    # --- from the browser -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.conversation is None:
            return
        await self._seen()
        frame = None
        try:
            frame = protocol.parse_frame(text_data=text_data, bytes_data=bytes_data)
            if frame["type"] == "hello":
                self.cursor = None  # the client says what it has; start over from there
            replies = await database_sync_to_async(protocol.handle_frame)(
                actor=self.actor, conversation=self.conversation, frame=frame
            )
        except Exception as exc:  # noqa: BLE001 - error_frame logs the unexpected ones; the socket stays open
            await self._send(protocol.error_frame(exc, frame=frame))
            return
        for reply in replies:
            await self._deliver(reply)

    async def _deliver(self, frame: dict[str, Any]) -> None:
        """A reply to this socket; resume frames also set where pushed messages continue from."""
        kind = frame.get("type")
        if kind == "message":
            if self.cursor is None or self.cursor.classify(frame["seq"]) != protocol.SeqCursor.SKIP:
                await self._send(frame)
            return
        if kind == "ready":
            self.cursor = protocol.SeqCursor(frame["last_seq"])
        if kind == "status":
            await self._join_queue_group(frame["status"] in WAITING_STATUSES)
        await self._send(frame)
        if kind == "pong" and self.in_queue_group:
            # Agents come online and go offline without moving the queue: a waiting page's keep-alive
            # ping also refreshes its estimate.
            self._schedule_queue_status()

    # --- from the channel layer ---------------------------------------------------------------

    async def push(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        kind = payload.get("type")
        if kind == "message":
            await self._forward_message(payload)
        elif kind == "status":
            await self._send_status()
        elif kind == "queue_changed":
            self._schedule_queue_status()
        elif kind in FORWARDED_PUSHES and payload.get("sender") != self.actor.kind:
            await self._send(payload)

    async def _forward_message(self, payload: dict[str, Any]) -> None:
        if self.cursor is None:
            return  # not resumed yet: the "hello" reply will bring this message from the database
        verdict = self.cursor.classify(payload["seq"])
        if verdict == protocol.SeqCursor.SEND:
            self.cursor.advance(payload["seq"])
            await self._send(payload)
        elif verdict == protocol.SeqCursor.GAP:
            missing = await database_sync_to_async(protocol.messages_after)(
                conversation=self.conversation, after_seq=self.cursor.sent_seq
            )
            for message in missing:
                self.cursor.advance(message["seq"])
                await self._send(message)

    async def _send_status(self) -> None:
        try:
            frame = await database_sync_to_async(protocol.status_frame)(conversation=self.conversation)
        except Exception as exc:  # noqa: BLE001 - logged by error_frame; a failed recount must not close the socket
            await self._send(protocol.error_frame(exc))
            return
        await self._join_queue_group(frame["status"] in WAITING_STATUSES)
        await self._send(frame)

    def _schedule_queue_status(self) -> None:
        """Many queue changes in a burst cost one recount, QUEUE_STATUS_EVERY_SECONDS later."""
        if self.queue_status_task is None or self.queue_status_task.done():
            self.queue_status_task = asyncio.ensure_future(self._queue_status_later())

    async def _queue_status_later(self) -> None:
        await asyncio.sleep(QUEUE_STATUS_EVERY_SECONDS)
        await self._send_status()

    # --- helpers ------------------------------------------------------------------------------

    async def _join_queue_group(self, join: bool) -> None:
        """While waiting, listen to queue changes so the position and estimate stay current."""
        if join == self.in_queue_group:
            return
        if join:
            await self.channel_layer.group_add(realtime.QUEUE_GROUP, self.channel_name)
        else:
            await self.channel_layer.group_discard(realtime.QUEUE_GROUP, self.channel_name)
        self.in_queue_group = join

    async def _seen(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last_seen_write >= SEEN_EVERY_SECONDS:
            self.last_seen_write = now
            await database_sync_to_async(protocol.customer_seen_now)(conversation_id=self.conversation.pk)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=_encode(frame))
