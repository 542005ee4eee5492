"""Shapes of the agent, shift, presence, queue and workspace API: what it accepts and what it answers."""

from rest_framework import serializers

from agents.models import AgentStatus, ClaimStatus, Language, OfferStatus, Skill
from agents.services.workspace import RESOLUTION_CODES
from tickets.models import Category, Priority, Status
from tickets.serializers import MessageSerializer

# --- Sign-up and profile ---------------------------------------------------------------------------


class SignupSerializer(serializers.Serializer):
    """Field checks happen in the service (one place for the page and the API); this only shapes the input."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=80)
    email = serializers.CharField(max_length=254)
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. SE")
    time_zone = serializers.CharField(max_length=64, help_text="An IANA time zone name, e.g. Europe/Stockholm")
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), allow_empty=False)
    skills = serializers.ListField(child=serializers.ChoiceField(choices=Skill.choices), allow_empty=False)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    tax_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField()
    email = serializers.CharField(source="user.email")
    country = serializers.CharField()
    timezone = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    skills = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=AgentStatus.choices)
    max_concurrent_chats = serializers.IntegerField()
    reliability_score = serializers.FloatField()
    quality_score = serializers.FloatField()
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()


class PresenceSerializer(serializers.Serializer):
    online = serializers.BooleanField()
    last_heartbeat_at = serializers.DateTimeField(allow_null=True)
    went_online_at = serializers.DateTimeField(allow_null=True)
    offline_reason = serializers.CharField(allow_blank=True)


class EarningsSerializer(serializers.Serializer):
    """Money is integer minor units (cents) plus the currency code."""

    today_minor = serializers.IntegerField(help_text="Earned today (the agent's local day).")
    period = serializers.CharField(help_text="The pay period, YYYY-MM.")
    period_minor = serializers.IntegerField(help_text="Earned in this pay period.")
    available_minor = serializers.IntegerField(help_text="Balance available for the next payout.")
    pending_minor = serializers.IntegerField(help_text="Held back until the hold-back window passes.")
    currency = serializers.CharField()


class PayoutAccountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["not_connected", "pending", "ready"])
    provider = serializers.CharField(allow_null=True)
    payouts_enabled = serializers.BooleanField()


# --- Shifts ---------------------------------------------------------------------------------------


class SlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    languages = serializers.ListField(child=serializers.CharField())
    skills = serializers.ListField(child=serializers.CharField())
    seats = serializers.IntegerField()
    seats_taken = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    pay_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2)


class AgentSlotSerializer(SlotSerializer):
    my_claim_id = serializers.IntegerField(source="my_claim.pk", allow_null=True, default=None)


class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slot_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ClaimStatus.choices)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    pay_multiplier = serializers.DecimalField(source="slot.pay_multiplier", max_digits=4, decimal_places=2)


class MeSerializer(serializers.Serializer):
    profile = ProfileSerializer()
    presence = PresenceSerializer()
    current_claim = ClaimSerializer(allow_null=True)
    next_claim = ClaimSerializer(allow_null=True)
    live_conversations = serializers.IntegerField()
    resolved_today = serializers.IntegerField()
    resolved_total = serializers.IntegerField()
    csat_average = serializers.FloatField(allow_null=True)
    earnings = EarningsSerializer()
    payout_account = PayoutAccountSerializer()


# --- Queue ----------------------------------------------------------------------------------------


class TicketPacketSerializer(serializers.Serializer):
    """The handover packet an agent sees before claiming: no transcript."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    language = serializers.CharField()
    intent = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    category_label = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    priority_label = serializers.CharField()
    required_skill = serializers.CharField()
    queued_at = serializers.DateTimeField(allow_null=True)
    waiting_seconds = serializers.IntegerField()
    sla_breached = serializers.BooleanField()
    request = serializers.CharField(help_text="What the customer wants, from the handover summary (redacted).")
    sentiment = serializers.CharField()
    reopened = serializers.BooleanField()


class QueueCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_language = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(child=serializers.IntegerField())
    longest_wait_seconds = serializers.IntegerField()


class QueueSerializer(serializers.Serializer):
    counts = QueueCountsSerializer()
    tickets = TicketPacketSerializer(many=True, help_text="Tickets you may take, best first.")


# --- My conversations -------------------------------------------------------------------------------


class ConversationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Status.choices)
    language = serializers.CharField()
    intent = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    customer_name = serializers.CharField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    last_seq = serializers.IntegerField()
    last_customer_message_at = serializers.DateTimeField(allow_null=True)
    last_agent_message_at = serializers.DateTimeField(allow_null=True)


class ConversationDetailSerializer(ConversationSummarySerializer):
    handover_summary = serializers.DictField(help_text="request, entities, bot_tried, sentiment (redacted).")
    triage = serializers.DictField(allow_null=True, help_text="The latest triage decision, if any.")
    knowledge_answers = serializers.ListField(child=serializers.DictField(), help_text="Answers to insert.")
    messages = MessageSerializer(many=True, help_text="The transcript (redacted), oldest first.")
    resolution_codes = serializers.DictField(child=serializers.CharField())


class DraftSerializer(serializers.Serializer):
    draft = serializers.CharField(allow_blank=True, help_text="A suggested reply; never sent until the agent sends it.")
    source = serializers.CharField()


class ReleaseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ResolveSerializer(serializers.Serializer):
    resolution_code = serializers.ChoiceField(choices=list(RESOLUTION_CODES.items()))


# --- Offers ---------------------------------------------------------------------------------------


class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=OfferStatus.choices)
    expires_at = serializers.DateTimeField()
    ticket = TicketPacketSerializer()


# --- Ops ------------------------------------------------------------------------------------------


class ApplicantSerializer(ProfileSerializer):
    address = serializers.CharField()
    tax_id = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class SlotWriteSerializer(serializers.Serializer):
    """Ops input for a slot; the service checks the rules (window, seats taken, multiplier range)."""

    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    languages = serializers.ListField(child=serializers.ChoiceField(choices=Language.choices), allow_empty=False)
    skills = serializers.ListField(child=serializers.ChoiceField(choices=Skill.choices), required=False, default=list)
    seats = serializers.IntegerField(min_value=1)
    pay_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=1, required=False, default=1)
