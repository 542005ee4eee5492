"""Shapes of the quality API: what it accepts and what it answers."""

from rest_framework import serializers

from tickets.quality.models import QaReason, QaStatus

# --- CSAT and QA -------------------------------------------------------------------------------------


class CsatSerializer(serializers.Serializer):
    conversation = serializers.IntegerField(source="conversation_id")
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(help_text="Redacted before it was stored.")
    for_bot = serializers.BooleanField(source="is_for_bot")
    agent_id = serializers.IntegerField(allow_null=True)
    agent_name = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_agent_name(self, obj) -> str | None:
        profile = getattr(obj.agent, "agent_profile", None) if obj.agent_id else None
        return profile.display_name if profile else None


class MessageLineSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    sender = serializers.CharField(source="sender_kind")
    body = serializers.CharField(help_text="As stored: redacted.")
    created_at = serializers.DateTimeField()


class QaReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation = serializers.IntegerField(source="conversation_id")
    category = serializers.CharField(source="conversation.category")
    language = serializers.CharField(source="conversation.language")
    agent_id = serializers.IntegerField()
    agent_name = serializers.SerializerMethodField()
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=QaReason.choices))
    sample_date = serializers.DateField()
    status = serializers.ChoiceField(choices=QaStatus.choices)
    correctness = serializers.IntegerField(allow_null=True)
    tone = serializers.IntegerField(allow_null=True)
    policy = serializers.IntegerField(allow_null=True)
    average = serializers.FloatField(allow_null=True)
    comment = serializers.CharField()
    reviewed_at = serializers.DateTimeField(allow_null=True)

    def get_agent_name(self, obj) -> str:
        profile = getattr(obj.agent, "agent_profile", None)
        return profile.display_name if profile else obj.agent.get_username()


class QaReviewDetailSerializer(QaReviewSerializer):
    transcript = MessageLineSerializer(many=True)
    handover_summary = serializers.JSONField(source="conversation.handover_summary")


class QaScorecardSerializer(serializers.Serializer):
    """Field checks (1–5 whole numbers) happen in the service, so the page and the API answer alike."""

    correctness = serializers.JSONField(help_text="1–5")
    tone = serializers.JSONField(help_text="1–5")
    policy = serializers.JSONField(help_text="1–5")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MyQaSerializer(serializers.Serializer):
    """What an agent sees of a review of their work: scores and comment, not who reviewed."""

    conversation = serializers.IntegerField(source="conversation_id")
    reasons = serializers.ListField(child=serializers.CharField())
    correctness = serializers.IntegerField()
    tone = serializers.IntegerField()
    policy = serializers.IntegerField()
    average = serializers.FloatField()
    comment = serializers.CharField()
    reviewed_at = serializers.DateTimeField()


class QualityComponentsSerializer(serializers.Serializer):
    csat = serializers.FloatField(help_text="Bayesian-averaged CSAT, 0–1")
    qa = serializers.FloatField(help_text="Bayesian-averaged QA, 0–1")
    reopen_rate = serializers.FloatField(help_text="Bayesian-averaged share of resolutions reopened")
    score_now = serializers.FloatField(help_text="The score if it were recomputed now")


class MyQualitySerializer(serializers.Serializer):
    window_days = serializers.IntegerField()
    quality_score = serializers.FloatField(allow_null=True, help_text="Stored score used by routing and the bonus")
    quality_rank = serializers.IntegerField(allow_null=True, help_text="1 = best among agents")
    csat_average = serializers.FloatField(allow_null=True)
    csat_count = serializers.IntegerField()
    csat_distribution = serializers.DictField(child=serializers.IntegerField(), help_text="stars → ratings")
    qa_count = serializers.IntegerField()
    qa_average = serializers.FloatField(allow_null=True)
    resolutions = serializers.IntegerField()
    reopens = serializers.IntegerField()
    components = QualityComponentsSerializer()
    ratings = CsatSerializer(many=True)
    reviews = MyQaSerializer(many=True)


class AgentQualitySerializer(serializers.Serializer):
    agent_id = serializers.IntegerField()
    display_name = serializers.CharField()
    quality_score = serializers.FloatField()
    csat_count = serializers.IntegerField()
    csat_average = serializers.FloatField(allow_null=True)
    qa_count = serializers.IntegerField()
    qa_average = serializers.FloatField(allow_null=True)
    resolutions = serializers.IntegerField()
    reopens = serializers.IntegerField()
    reopen_rate = serializers.FloatField()


# --- Dashboard ----------------------------------------------------------------------------------------


class QueueCellNowSerializer(serializers.Serializer):
    language = serializers.CharField()
    category = serializers.CharField()
    count = serializers.IntegerField()


class QueueNowSerializer(serializers.Serializer):
    depth = serializers.IntegerField()
    by_language = serializers.DictField(child=serializers.IntegerField())
    by_category = serializers.DictField(child=serializers.IntegerField())
    by_language_and_category = QueueCellNowSerializer(many=True)
    longest_wait_seconds = serializers.IntegerField()


class AgentsNowSerializer(serializers.Serializer):
    online = serializers.IntegerField(help_text="Approved agents with a fresh heartbeat")
    scheduled = serializers.IntegerField(help_text="Agents holding a claimed shift running now")
    online_on_shift = serializers.IntegerField()
    scheduled_not_online = serializers.IntegerField()


class SlaSerializer(serializers.Serializer):
    target_seconds = serializers.IntegerField()
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class CsatSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    bot_average = serializers.FloatField(allow_null=True)
    agent_average = serializers.FloatField(allow_null=True)


class WindowSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    handoffs = serializers.IntegerField()
    sla = SlaSerializer()
    conversations_ended = serializers.IntegerField()
    bot_contained = serializers.IntegerField()
    containment_rate = serializers.FloatField(allow_null=True)
    csat = CsatSummarySerializer()
    resolved_cases = serializers.IntegerField()
    aht_seconds = serializers.FloatField(allow_null=True)
    first_response_seconds = serializers.FloatField(allow_null=True)
    cost_minor = serializers.IntegerField()
    cost_per_resolved_case_minor = serializers.IntegerField()
    currency = serializers.CharField()


class PointSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    handoffs = serializers.IntegerField()
    bot_contained = serializers.IntegerField()
    conversations_ended = serializers.IntegerField()
    sla_rate = serializers.FloatField(allow_null=True)
    csat_average = serializers.FloatField(allow_null=True)
    aht_seconds = serializers.FloatField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    queue = QueueNowSerializer()
    agents = AgentsNowSerializer()
    last_24h = WindowSerializer()
    last_7d = WindowSerializer()
    hourly = PointSerializer(many=True)
    daily = PointSerializer(many=True)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation = serializers.IntegerField(source="conversation_id")
    kind = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor_kind = serializers.CharField()
    actor_user = serializers.IntegerField(source="actor_user_id", allow_null=True)
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()


class EventQuerySerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=["handoffs", "sla", "containment", "aht", "first_response", "csat"])
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()

    def validate(self, attrs: dict) -> dict:
        if attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError("`until` must be after `since`.")
        return attrs


# --- Forecast -----------------------------------------------------------------------------------------


class ForecastHourSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    conversations = serializers.FloatField(help_text="Expected new conversations (bot and human)")
    arrivals = serializers.FloatField(help_text="Expected handoffs to a human")
    arrivals_by_language = serializers.DictField(child=serializers.FloatField())
    needed = serializers.IntegerField(help_text="Seats needed for the service level (Erlang C)")
    needed_by_language = serializers.DictField(child=serializers.IntegerField())
    claimed = serializers.IntegerField()
    claimed_by_language = serializers.DictField(child=serializers.IntegerField())
    offered_by_language = serializers.DictField(child=serializers.IntegerField())
    gap = serializers.IntegerField()
    service_level_claimed = serializers.FloatField(allow_null=True)


class ForecastParametersSerializer(serializers.Serializer):
    service_level = serializers.FloatField()
    target_seconds = serializers.IntegerField()
    aht_seconds = serializers.FloatField()
    history_weeks = serializers.IntegerField()
    horizon_hours = serializers.IntegerField()
    chats_per_agent = serializers.IntegerField()


class ForecastSerializer(serializers.Serializer):
    parameters = ForecastParametersSerializer()
    hours = ForecastHourSerializer(many=True)


class StaffingRunSerializer(serializers.Serializer):
    opened = serializers.ListField(child=serializers.IntegerField(), help_text="Shift slots opened")
    topped_up = serializers.ListField(child=serializers.IntegerField(), help_text="Forecast slots given more seats")
    surged = serializers.ListField(child=serializers.IntegerField(), help_text="Slots whose pay multiplier rose")
