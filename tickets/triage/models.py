"""Triage tables: the routing policy ops edit, the knowledge base the bot answers from,
the threshold override, and one stored decision per triaged customer message."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tickets.models import Category, Conversation, Message, Priority


class IntentPolicy(models.Model):
    """How one intent is routed: its category, whether the bot may answer it, its priority."""

    intent = models.CharField(max_length=64, unique=True)
    category = models.CharField(max_length=32, choices=Category.choices)
    routine = models.BooleanField(
        default=False, help_text="The bot may answer it from the knowledge base when it is confident."
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    required_skill = models.CharField(
        max_length=32, blank=True, help_text="Skill an agent needs for it; blank means the category."
    )
    enabled = models.BooleanField(default=True, help_text="Off: this intent always goes to a person.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "intent"]
        verbose_name_plural = "intent policies"

    def __str__(self) -> str:
        return self.intent

    def save(self, *args, **kwargs) -> None:
        if not self.required_skill:
            self.required_skill = self.category
        super().save(*args, **kwargs)


class KnowledgeAnswer(models.Model):
    """What the bot says for an intent, in one language. Agents may insert it too."""

    intent = models.CharField(max_length=64, db_index=True)
    language = models.CharField(max_length=8, default="en")
    title = models.CharField(max_length=200)
    body = models.TextField()
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["intent", "language"]
        constraints = [models.UniqueConstraint(fields=["intent", "language"], name="knowledge_answer_intent_language")]

    def __str__(self) -> str:
        return self.title


class TriageSettings(models.Model):
    """One row: ops' override of the auto-answer threshold (blank: the built model's own)."""

    auto_answer_threshold = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Minimum calibrated confidence for a bot answer. Blank: the threshold chosen when the model "
        "was built (≥ 99 % precision on the validation split). 1.0 stops all bot answers.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "triage settings"
        constraints = [
            models.CheckConstraint(name="triage_settings_single_row", condition=Q(pk=1)),
            models.CheckConstraint(
                name="triage_threshold_is_probability",
                condition=Q(auto_answer_threshold__isnull=True)
                | Q(auto_answer_threshold__gte=0, auto_answer_threshold__lte=1),
            ),
        ]

    def __str__(self) -> str:
        return "Triage settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)


class Rule(models.TextChoices):
    """The policy rule that decided, in the order they are tried (see `policy.decide`)."""

    HUMAN_REQUESTED = "human_requested", "The customer asked for a person"
    SECURITY_FRAUD = "security_fraud", "Security or fraud"
    TRIAGE_FAILED = "triage_failed", "Triage failed (fail-safe)"
    DISTRESS = "distress", "Upset, distressed or vulnerable"
    SMALL_TALK = "small_talk", "Only a greeting: the bot asks what it can do"
    BOT_FAILED_BEFORE = "bot_failed_before", "The bot already failed once"
    UNSUPPORTED_LANGUAGE = "unsupported_language", "The model does not read this language"
    LOW_CONFIDENCE = "low_confidence", "Not confident enough"
    NEEDS_HUMAN = "needs_human", "Not a routine intent"
    NO_ANSWER = "no_answer", "No knowledge-base answer"
    ROUTINE_CONFIDENT = "routine_confident", "Routine and confident: the bot answers"


class Outcome(models.TextChoices):
    BOT_ANSWER = "bot_answer", "Bot answered"
    HANDOFF = "handoff", "Handed to a person"


class TriageDecision(models.Model):
    """What triage decided for one customer message, and why (the audit trail of routing)."""

    # One decision per message: a task delivered twice cannot decide twice.
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="triage_decision")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="triage_decisions")
    model_version = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=8)
    intent = models.CharField(max_length=64, blank=True)
    top_intents = models.JSONField(default=list, blank=True, help_text='[{"intent": ..., "score": ...}], best first')
    confidence = models.FloatField(default=0.0)
    threshold = models.FloatField(null=True, blank=True)
    category = models.CharField(max_length=32, blank=True)
    signals = models.JSONField(default=dict, blank=True)
    rule = models.CharField(max_length=32, choices=Rule.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    knowledge_answer = models.ForeignKey(KnowledgeAnswer, null=True, blank=True, on_delete=models.SET_NULL)
    latency_ms = models.FloatField(null=True, blank=True, help_text="Time to classify and decide.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["rule", "created_at"], name="triage_rule_time")]

    def __str__(self) -> str:
        return f"{self.outcome} ({self.rule}) for message {self.message_id}"
