"""The agent's socket: ws/agent/. Presence heartbeats, the live queue, and all of the agent's
conversations multiplexed (every conversation frame carries "conversation").

Thin by design: authenticate (session), parse each frame, call one service, send the
replies. Conversation frames (hello/message/typing/read/ping) go through the shared chat
protocol (tickets.protocol, docs/chat-protocol.md) for the conversations the agent holds;
anything else is refused with an error frame "not_your_ticket". Ops staff may connect to
observe a conversation read-only. See docs/operations.md for the frames.
"""

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder

from agents import selectors
from agents.exceptions import OfferNotOpen
from agents.models import AgentProfile, AgentStatus, TicketOffer
from agents.roles import AGENT, OPS, has_role
from agents.services import dispatch, presence, workspace
from tickets import protocol, queue, realtime
from tickets.exceptions import NotYourTicket, TicketAlreadyClaimed
from tickets.models import ActorKind, Conversation
from tickets.services import claims

log = logging.getLogger(__name__)

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403
CONVERSATION_FRAMES = frozenset({"hello", "message", "typing", "read", "ping"})
# Socket-level frames (heartbeat, take, queue…) per agent per 10 s; chat frames have the protocol's own limits.
SOCKET_FRAME_LIMIT = 60
# A queue change is recounted at once; further changes within this many seconds cost one more recount
# (at most four recounts a second per socket, and a ticket waits at most this long to be shown).
QUEUE_REFRESH_SECONDS = 0.25
FORWARDED_PUSHES = frozenset({"unread", "presence", "offer", "offer_closed", "csat_request"})


def _encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, cls=DjangoJSONEncoder, ensure_ascii=False)


def _socket_role(user: AbstractBaseUser) -> str | None:
    """ "agent" for an approved agent, "staff" for ops (observe only), None for anyone else."""
    if has_role(user, AGENT):
        profile = AgentProfile.objects.filter(user_id=user.pk).first()
        if profile is not None and profile.status == AgentStatus.APPROVED:
            return "agent"
    if has_role(user, OPS):
        return "staff"
    return None


def _conversation_id(frame: dict[str, Any]) -> int:
    value = frame.get("conversation")
    if isinstance(value, bool) or not isinstance(value, int):
        raise protocol.InvalidFrame('"conversation" (the conversation id) is missing or not a number.')
    return value


def _welcome(user: AbstractBaseUser, role: str) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "welcome", "role": role}
    if role == "agent":
        presence.agent_heartbeat(agent=user)  # an open socket is a sign of life
        profile = selectors.agent_profile_of(user=user)
        state = selectors.presence_of(profile=profile)
        frame.update(
            presence={"online": state.online, "reason": state.offline_reason},
            conversations=[selectors.conversation_summary(c) for c in queue.conversations_of(agent=user)],
            offers=[dispatch.offer_body(o) for o in dispatch.open_offers_for(agent=user)],
            queue=_queue_frame(user),
        )
    return frame


def _queue_frame(user: AbstractBaseUser) -> dict[str, Any]:
    profile = selectors.agent_profile_of(user=user)
    return {"type": "queue", "counts": queue.queue_counts(), "tickets": queue.queue_for_agent(profile=profile)}


def _held_ids(user: AbstractBaseUser) -> set[int]:
    return set(queue.conversations_of(agent=user).values_list("pk", flat=True))


def _held(user: AbstractBaseUser, conversation_id: int) -> Conversation:
    conversation = queue.conversation_of(agent=user, conversation_id=conversation_id)
    if conversation is None:
        raise NotYourTicket()
    return conversation


def _observed(user: AbstractBaseUser, conversation_id: int) -> Conversation:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise NotYourTicket("No such conversation.")
    workspace.conversation_viewed(user=user, conversation=conversation, actor_kind=ActorKind.STAFF)
    return conversation


def _socket_rate(user: AbstractBaseUser) -> None:
    protocol.check_rate(key=f"agent-socket:{user.pk}", limit=SOCKET_FRAME_LIMIT)


class AgentConsumer(AsyncWebsocketConsumer):
    role: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        role = await database_sync_to_async(_socket_role)(user)
        if role is None:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user, self.role = user, role
        self.joined: set[int] = set()  # conversation groups this socket listens to
        self.cursors: dict[int, protocol.SeqCursor | None] = {}
        self.observing: set[int] = set()
        self.queue_task: asyncio.Task | None = None
        self.queue_dirty = False
        if role == "agent":
            await self.channel_layer.group_add(realtime.QUEUE_GROUP, self.channel_name)
            await self.channel_layer.group_add(realtime.agent_group(user.pk), self.channel_name)
            for conversation_id in await database_sync_to_async(_held_ids)(user):
                await self._join(conversation_id)
        await self.accept()
        await self._send(await database_sync_to_async(_welcome)(user, role))

    async def disconnect(self, code: int) -> None:
        if self.role is None:
            return
        if self.queue_task is not None:
            self.queue_task.cancel()
        if self.role == "agent":
            await self.channel_layer.group_discard(realtime.QUEUE_GROUP, self.channel_name)
            await self.channel_layer.group_discard(realtime.agent_group(self.user.pk), self.channel_name)
        for conversation_id in list(self.joined):
            await self._leave(conversation_id)

    # --- from the browser -----------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.role is None:
            return
        frame = None
        try:
            frame = protocol.parse_frame(text_data=text_data, bytes_data=bytes_data)
            kind = frame["type"]
            if kind == "ping" and "conversation" not in frame:
                await self._send({"type": "pong"})
                return
            if kind in CONVERSATION_FRAMES:
                await self._conversation_frame(frame)
                return
            handler = getattr(self, f"on_{kind}", None) if kind.isidentifier() else None
            if handler is None or (self.role != "agent" and kind != "observe"):
                raise protocol.UnknownType(f'Unknown frame type "{kind[:40]}" on the agent socket.')
            await database_sync_to_async(_socket_rate)(self.user)
            await handler(frame)
        except Exception as exc:  # noqa: BLE001 - error_frame logs the unexpected ones; the socket stays open
            await self._send(protocol.error_frame(exc, frame=frame))

    async def _conversation_frame(self, frame: dict[str, Any]) -> None:
        conversation_id = _conversation_id(frame)
        if conversation_id in self.observing:
            actor = protocol.Actor.staff(self.user)
            conversation = await database_sync_to_async(Conversation.objects.get)(pk=conversation_id)
        elif self.role == "agent":
            actor = protocol.Actor.agent(self.user)
            conversation = await database_sync_to_async(_held)(self.user, conversation_id)
            if conversation_id not in self.joined:
                await self._join(conversation_id)
        else:
            raise NotYourTicket()
        if frame["type"] == "hello":
            self.cursors[conversation_id] = None  # the client says what it has; start over from there
        replies = await database_sync_to_async(protocol.handle_frame)(
            actor=actor, conversation=conversation, frame=frame
        )
        for reply in replies:
            await self._deliver(reply)

    async def on_heartbeat(self, frame: dict[str, Any]) -> None:
        online = await database_sync_to_async(presence.agent_heartbeat)(agent=self.user)
        await self._send({"type": "heartbeat_ack", "online": online})

    async def on_go_online(self, frame: dict[str, Any]) -> None:
        state = await database_sync_to_async(presence.agent_go_online)(agent=self.user)
        await self._send({"type": "presence", "online": state.online, "reason": ""})

    async def on_go_offline(self, frame: dict[str, Any]) -> None:
        requeued = await database_sync_to_async(presence.agent_go_offline)(agent=self.user)
        await self._send({"type": "presence", "online": False, "reason": "went_offline", "requeued": requeued})

    async def on_queue(self, frame: dict[str, Any]) -> None:
        await self._send(await database_sync_to_async(_queue_frame)(self.user))

    async def on_take_next(self, frame: dict[str, Any]) -> None:
        conversation = await database_sync_to_async(claims.claim_next_ticket)(agent=self.user)
        await self._claimed(conversation)

    async def on_take(self, frame: dict[str, Any]) -> None:
        conversation_id = _conversation_id(frame)

        def take() -> Conversation:
            conversation = Conversation.objects.filter(pk=conversation_id).first()
            if conversation is None:
                raise TicketAlreadyClaimed("This ticket is no longer in the queue.")
            return claims.claim_ticket(agent=self.user, conversation=conversation)

        await self._claimed(await database_sync_to_async(take)())

    async def on_accept_offer(self, frame: dict[str, Any]) -> None:
        offer_id = frame.get("offer")
        if isinstance(offer_id, bool) or not isinstance(offer_id, int):
            raise protocol.InvalidFrame('"offer" (the offer id) is missing or not a number.')

        def accept() -> Conversation:
            offer = TicketOffer.objects.filter(pk=offer_id).first()
            if offer is None:
                raise OfferNotOpen("No such offer.")
            return dispatch.offer_accept(agent=self.user, offer=offer)

        await self._claimed(await database_sync_to_async(accept)())

    async def on_decline_offer(self, frame: dict[str, Any]) -> None:
        offer_id = frame.get("offer")
        if isinstance(offer_id, bool) or not isinstance(offer_id, int):
            raise protocol.InvalidFrame('"offer" (the offer id) is missing or not a number.')

        def decline() -> None:
            offer = TicketOffer.objects.filter(pk=offer_id).first()
            if offer is None:
                raise OfferNotOpen("No such offer.")
            dispatch.offer_decline(agent=self.user, offer=offer)

        await database_sync_to_async(decline)()
        await self._send({"type": "offer_closed", "offer": offer_id, "status": "declined"})

    async def on_release(self, frame: dict[str, Any]) -> None:
        conversation_id = _conversation_id(frame)
        note = frame.get("note", "")

        def release() -> Conversation:
            return workspace.agent_release(agent=self.user, conversation=_held(self.user, conversation_id), note=note)

        conversation = await database_sync_to_async(release)()
        await self._leave(conversation_id)
        await self._send({"type": "released", "conversation": conversation.pk, "status": conversation.status})

    async def on_resolve(self, frame: dict[str, Any]) -> None:
        conversation_id = _conversation_id(frame)
        code = frame.get("resolution_code")

        def resolve() -> Conversation:
            return workspace.agent_resolve(
                agent=self.user, conversation=_held(self.user, conversation_id), resolution_code=code
            )

        conversation = await database_sync_to_async(resolve)()
        await self._leave(conversation_id)
        await self._send({"type": "resolved", "conversation": conversation.pk, "status": conversation.status})

    async def on_draft(self, frame: dict[str, Any]) -> None:
        conversation_id = _conversation_id(frame)

        def draft() -> dict[str, str]:
            return selectors.draft_reply_for(conversation=_held(self.user, conversation_id))

        await self._send({"type": "draft", "conversation": conversation_id, **await database_sync_to_async(draft)()})

    async def on_observe(self, frame: dict[str, Any]) -> None:
        """Ops only: watch a conversation read-only (recorded in its audit trail)."""
        if not await database_sync_to_async(has_role)(self.user, OPS):
            raise protocol.NotAllowedHere("Only operations staff may observe conversations.")
        conversation_id = _conversation_id(frame)
        await database_sync_to_async(_observed)(self.user, conversation_id)
        self.observing.add(conversation_id)
        await self._join(conversation_id)
        await self._conversation_frame({"type": "hello", "conversation": conversation_id, "last_seq": 0})

    async def _claimed(self, conversation: Conversation) -> None:
        await self._join(conversation.pk)
        summary = await database_sync_to_async(selectors.conversation_summary)(conversation)
        await self._send({"type": "claimed", "conversation": conversation.pk, "summary": summary})

    async def _deliver(self, frame: dict[str, Any]) -> None:
        """A reply to this socket; a resume ("ready") also sets where pushed messages continue from."""
        conversation_id = frame.get("conversation")
        if frame.get("type") == "message":
            cursor = self.cursors.get(conversation_id)
            if cursor is None or cursor.classify(frame["seq"]) != protocol.SeqCursor.SKIP:
                await self._send(frame)
            return
        if frame.get("type") == "ready":
            self.cursors[conversation_id] = protocol.SeqCursor(frame["last_seq"])
        await self._send(frame)

    # --- from the channel layer ---------------------------------------------------------------

    async def push(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        kind = payload.get("type")
        conversation_id = payload.get("conversation")
        if kind == "message":
            await self._forward_message(payload)
        elif kind == "queue_changed":
            if self.role == "agent":
                self.queue_dirty = True
                if self.queue_task is None or self.queue_task.done():
                    self.queue_task = asyncio.ensure_future(self._queue_later())
        elif kind == "conversation_changed":
            await self._resync(conversation_id)
            await self._send(payload)
        elif kind == "status":
            if conversation_id in self.joined:
                await self._send(payload)
        elif kind in ("typing", "read"):
            own = payload.get("sender") == ActorKind.AGENT and conversation_id not in self.observing
            if conversation_id in self.joined and not own:
                await self._send(payload)
        elif kind in FORWARDED_PUSHES:
            await self._send(payload)

    async def _forward_message(self, payload: dict[str, Any]) -> None:
        conversation_id = payload.get("conversation")
        cursor = self.cursors.get(conversation_id)
        if cursor is None:
            return  # not resumed yet: the "hello" reply brings this message from the database
        verdict = cursor.classify(payload["seq"])
        if verdict == protocol.SeqCursor.SEND:
            cursor.advance(payload["seq"])
            await self._send(payload)
        elif verdict == protocol.SeqCursor.GAP:
            conversation = await database_sync_to_async(Conversation.objects.get)(pk=conversation_id)
            missing = await database_sync_to_async(protocol.messages_after)(
                conversation=conversation, after_seq=cursor.sent_seq
            )
            for message in missing:
                cursor.advance(message["seq"])
                await self._send(message)

    async def _resync(self, conversation_id: int | None) -> None:
        """A conversation of ours changed hands: listen to it while we hold it, stop when we don't."""
        if not isinstance(conversation_id, int) or conversation_id in self.observing:
            return
        held = await database_sync_to_async(
            lambda: queue.conversation_of(agent=self.user, conversation_id=conversation_id) is not None
        )()
        if held and conversation_id not in self.joined:
            await self._join(conversation_id)
        elif not held and conversation_id in self.joined:
            await self._leave(conversation_id)

    async def _queue_later(self) -> None:
        """The first change is shown at once; the rest of a burst costs one more recount
        QUEUE_REFRESH_SECONDS later (changes arriving meanwhile only mark the queue dirty)."""
        while self.queue_dirty:
            self.queue_dirty = False
            try:
                await self._send(await database_sync_to_async(_queue_frame)(self.user))
            except Exception as exc:  # noqa: BLE001 - a failed recount must not close the socket
                await self._send(protocol.error_frame(exc))
            await asyncio.sleep(QUEUE_REFRESH_SECONDS)

    # --- helpers ------------------------------------------------------------------------------

    async def _join(self, conversation_id: int) -> None:
        if conversation_id not in self.joined:
            await self.channel_layer.group_add(realtime.conversation_group(conversation_id), self.channel_name)
            self.joined.add(conversation_id)

    async def _leave(self, conversation_id: int) -> None:
        if conversation_id in self.joined:
            await self.channel_layer.group_discard(realtime.conversation_group(conversation_id), self.channel_name)
            self.joined.discard(conversation_id)
        self.cursors.pop(conversation_id, None)
        self.observing.discard(conversation_id)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=_encode(frame))
