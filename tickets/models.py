"""Conversations, their messages and their event log.

`Conversation.status` is written only by `tickets.services.lifecycle`; the event log
is append-only and is the source of every metric and of the audit trail.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Status(models.TextChoices):
    BOT = "bot", "With the bot"
    QUEUED = "queued", "Waiting for an agent"
    ASSIGNED = "assigned", "With an agent"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    BOT_RESOLVED = "bot_resolved", "Solved by the bot"
    ABANDONED = "abandoned", "Abandoned"
    REOPENED = "reopened", "Reopened"


LIVE_STATUSES = (Status.BOT, Status.QUEUED, Status.ASSIGNED, Status.REOPENED)
WAITING_STATUSES = (Status.QUEUED, Status.REOPENED)


class Priority(models.IntegerChoices):
    """Higher is more urgent; the queue orders by priority first."""

    LOW = 10, "Low"
    NORMAL = 20, "Normal"
    HIGH = 30, "High"
    URGENT = 40, "Urgent"


class Category(models.TextChoices):
    CARDS = "cards", "Cards"
    PAYMENTS = "payments", "Payments"
    REFUNDS = "refunds_disputes", "Refunds & disputes"
    TRANSFERS = "transfers", "Transfers"
    TOPUPS = "top_ups", "Top-ups"
    ACCOUNT = "account_identity", "Account & identity"
    SECURITY = "security_fraud", "Security & fraud"
    GENERAL = "general", "General"


class Conversation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOT, db_index=True)
    customer_name = models.CharField(max_length=120, blank=True)
    customer_email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="en")
    intent = models.CharField(max_length=64, blank=True)
    category = models.CharField(max_length=32, choices=Category.choices, default=Category.GENERAL)
    required_skill = models.CharField(max_length=32, blank=True, help_text="Skill an agent needs; blank = any.")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    handover_summary = models.JSONField(default=dict, blank=True)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_conversations",
    )
    # Agents who released or dropped this ticket are not offered it again.
    excluded_agent_ids = models.JSONField(default=list, blank=True)
    bot_failures = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    last_seq = models.PositiveIntegerField(default=0, help_text="Sequence number of the newest message.")
    resolution_code = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The claim query: waiting tickets by priority, then by how long they have waited.
            models.Index(
                fields=["-priority", "queued_at"],
                name="ticket_queue_order",
                condition=Q(status__in=["queued", "reopened"]),
            ),
            # The longest wait in the queue counts: the oldest waiting ticket, whatever its priority.
            models.Index(
                fields=["queued_at"],
                name="ticket_queue_oldest",
                condition=Q(status__in=["queued", "reopened"]),
            ),
            models.Index(fields=["assigned_agent", "status"], name="ticket_agent_status"),
        ]
        constraints = [
            models.CheckConstraint(
                name="assigned_has_agent",
                condition=~Q(status="assigned") | Q(assigned_agent__isnull=False),
            ),
            models.CheckConstraint(
                name="waiting_has_no_agent",
                condition=~Q(status__in=["queued", "reopened"]) | Q(assigned_agent__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Conversation #{self.pk} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class SenderKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    BOT = "bot", "Bot"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System"


class Message(models.Model):
    """One chat message. `body` is already redacted; the raw text is never stored."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    sender_kind = models.CharField(max_length=10, choices=SenderKind.choices)
    sender_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "client_msg_id"],
                name="message_client_id_unique",
                condition=Q(client_msg_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id}/{self.seq} {self.sender_kind}"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    TRANSITION = "transition", "Status changed"
    FIRST_RESPONSE = "first_response", "First agent reply"
    BOT_ANSWER = "bot_answer", "Bot answered"
    HANDOFF = "handoff", "Handed over to a human"
    RELEASED = "released", "Released by agent"
    REQUEUED = "requeued", "Put back in the queue"
    SLA_BREACH = "sla_breach", "SLA breached"
    CSAT = "csat", "Rated"
    VIEWED = "viewed", "Viewed"


class ActorKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    BOT = "bot", "Bot"
    AGENT = "agent", "Agent"
    STAFF = "staff", "Staff"
    SYSTEM = "system", "System"


class ConversationEvent(models.Model):
    """Append-only: what happened to a conversation, who did it and when."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="event_kind_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}->{self.to_status} #{self.conversation_id}"
