"""Build conversation histories with explicit event times, for formula tests."""

from datetime import datetime

from tests.factories import ConversationFactory
from tickets.models import ActorKind, Conversation, ConversationEvent, EventKind, Status


class History:
    """`History(at=t0).handoff(t1).assigned(t2, agent).resolved(t3)` writes the events at those times."""

    def __init__(self, *, at: datetime, status: str = Status.BOT, **conversation_fields) -> None:
        self.conversation: Conversation = ConversationFactory(status=status, **conversation_fields)
        self.status = Status.BOT
        self._event(EventKind.CREATED, at, actor_kind=ActorKind.CUSTOMER)

    def _event(self, kind: str, at: datetime, **fields) -> "History":
        fields.setdefault("actor_kind", ActorKind.SYSTEM)
        ConversationEvent.objects.create(conversation=self.conversation, kind=kind, created_at=at, **fields)
        return self

    def to(self, status: str, at: datetime, *, user=None) -> "History":
        self._event(EventKind.TRANSITION, at, from_status=self.status, to_status=status, actor_user=user)
        self.status = status
        return self

    def handoff(self, at: datetime) -> "History":
        self._event(EventKind.HANDOFF, at, actor_kind=ActorKind.BOT)
        return self.to(Status.QUEUED, at)

    def assigned(self, at: datetime, agent) -> "History":
        return self.to(Status.ASSIGNED, at, user=agent)

    def first_response(self, at: datetime, agent) -> "History":
        return self._event(EventKind.FIRST_RESPONSE, at, actor_kind=ActorKind.AGENT, actor_user=agent)

    def resolved(self, at: datetime, agent) -> "History":
        return self.to(Status.RESOLVED, at, user=agent)

    def reopened(self, at: datetime) -> "History":
        return self.to(Status.REOPENED, at)
