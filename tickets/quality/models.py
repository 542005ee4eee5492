"""Quality records: customer ratings (CSAT), supervisor QA reviews, and the slots the forecaster opened.

Metrics are not stored here: they are computed from `tickets.ConversationEvent` and `CsatRating`
(see `tickets.quality.metrics`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tickets.models import Conversation


class CsatRating(models.Model):
    """The customer's rating of one conversation: 1–5 stars and a comment."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="csat")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)
    # The agent the rating concerns; null means the bot handled the conversation alone.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="csat_ratings"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agent", "created_at"], name="csat_agent_time")]
        constraints = [
            models.CheckConstraint(name="csat_score_1_to_5", condition=Q(score__gte=1) & Q(score__lte=5)),
        ]

    def __str__(self) -> str:
        return f"CSAT {self.score} for #{self.conversation_id}"

    @property
    def is_for_bot(self) -> bool:
        return self.agent_id is None


class QaReason(models.TextChoices):
    RANDOM = "random", "Random sample"
    LOW_CSAT = "low_csat", "Low CSAT"
    REOPENED = "reopened", "Reopened"
    SHORT_HANDLING = "short_handling", "Very short handling"


class QaStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    REVIEWED = "reviewed", "Reviewed"


class QaReview(models.Model):
    """A supervisor's scorecard for one sampled conversation (correctness, tone, policy: 1–5 each)."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="qa_review")
    # The agent who resolved the conversation: the one whose work is reviewed.
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="qa_reviews")
    reasons = models.JSONField(default=list, help_text="Why it was sampled (QaReason values).")
    sample_date = models.DateField(db_index=True, help_text="The day whose resolved conversations were sampled.")
    status = models.CharField(max_length=10, choices=QaStatus.choices, default=QaStatus.PENDING, db_index=True)
    correctness = models.PositiveSmallIntegerField(null=True, blank=True)
    tone = models.PositiveSmallIntegerField(null=True, blank=True)
    policy = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-sample_date", "id"]
        indexes = [models.Index(fields=["agent", "status", "reviewed_at"], name="qa_agent_reviewed")]
        constraints = [
            models.CheckConstraint(
                name="qa_scores_1_to_5",
                condition=(
                    (Q(correctness__isnull=True) | Q(correctness__gte=1, correctness__lte=5))
                    & (Q(tone__isnull=True) | Q(tone__gte=1, tone__lte=5))
                    & (Q(policy__isnull=True) | Q(policy__gte=1, policy__lte=5))
                ),
            ),
            models.CheckConstraint(
                name="qa_reviewed_has_scores",
                condition=Q(status="pending")
                | Q(correctness__isnull=False, tone__isnull=False, policy__isnull=False, reviewed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"QA #{self.conversation_id} ({self.status})"

    @property
    def average(self) -> float | None:
        if self.status != QaStatus.REVIEWED:
            return None
        return (self.correctness + self.tone + self.policy) / 3


class ForecastSlot(models.Model):
    """A shift slot the staffing job opened, keyed by block and language so a rerun never opens it twice."""

    slot = models.OneToOneField("agents.ShiftSlot", on_delete=models.CASCADE, related_name="forecast")
    block_start = models.DateTimeField()
    language = models.CharField(max_length=8)
    seats_needed = models.PositiveSmallIntegerField(help_text="Peak seats the forecast asked for in this block.")
    surged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["block_start", "language"]
        constraints = [
            models.UniqueConstraint(fields=["block_start", "language"], name="forecast_slot_once_per_block"),
        ]

    def __str__(self) -> str:
        return f"Forecast slot {self.block_start:%Y-%m-%d %H:%M} {self.language}"
