"""API shapes. Money is always `*_minor` (integer minor units) next to `currency`."""

from rest_framework import serializers

from payouts.models import ConnectedAccount, EntryDispute, LedgerEntry, Payout, PayoutRun, RateCard, RateCardLine
from payouts.periods import PERIOD_RE


class StrictMinorField(serializers.IntegerField):
    """Integer minor units; refuses floats, numeric strings and booleans instead of coercing them."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class PeriodSerializer(serializers.Serializer):
    period = serializers.RegexField(regex=PERIOD_RE, max_length=7)


class LedgerEntrySerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = (
            "id", "kind", "amount_minor", "currency", "occurred_at", "available_at", "voided_at",
            "conversation", "payout", "memo", "breakdown", "state",
        )  # fmt: skip

    def get_state(self, entry: LedgerEntry) -> str:
        if entry.voided_at:
            return "voided"
        return "pending" if entry.available_at > self.context["now"] else "available"


class ConnectedAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConnectedAccount
        fields = ("provider", "account_id", "payouts_enabled", "details_submitted")


class PayoutSerializer(serializers.ModelSerializer):
    connected_account = serializers.CharField(source="connected_account.account_id", default=None)
    agent_id = serializers.IntegerField()

    class Meta:
        model = Payout
        fields = (
            "id", "run", "agent_id", "connected_account", "amount_minor", "currency", "cases", "status",
            "skip_reason", "transfer_id", "reversed_minor", "failure_message", "paid_at",
        )  # fmt: skip


class PayoutRunSerializer(serializers.ModelSerializer):
    amount_minor = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = PayoutRun
        fields = (
            "id", "period", "currency", "provider", "status", "cutoff_at", "minimum_minor", "total_count",
            "processed_count", "amount_minor", "created_at", "approved_at", "started_at", "finished_at", "last_error",
        )  # fmt: skip


class PayoutRunDetailSerializer(PayoutRunSerializer):
    payouts = PayoutSerializer(many=True, read_only=True)

    class Meta(PayoutRunSerializer.Meta):
        fields = (*PayoutRunSerializer.Meta.fields, "payouts")


class RateCardLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RateCardLine
        fields = ("kind", "code", "amount_minor")


class RateCardSerializer(serializers.ModelSerializer):
    lines = RateCardLineSerializer(many=True, read_only=True)

    class Meta:
        model = RateCard
        fields = (
            "id", "effective_from", "currency", "default_base_minor", "quality_bonus_minor",
            "quality_bonus_min_score", "note", "lines",
        )  # fmt: skip


class RateCardCreateSerializer(serializers.Serializer):
    effective_from = serializers.DateTimeField()
    default_base_minor = StrictMinorField(min_value=0)
    category_bases = serializers.DictField(child=StrictMinorField(min_value=0), required=False, default=dict)
    language_premiums = serializers.DictField(child=StrictMinorField(min_value=0), required=False, default=dict)
    quality_bonus_minor = StrictMinorField(min_value=0, default=0)
    quality_bonus_min_score = serializers.IntegerField(min_value=1, max_value=5, default=5)
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class DisputeOpenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DisputeDecideSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    note = serializers.CharField(max_length=2000)
    adjustment_minor = StrictMinorField(required=False, allow_null=True, default=None)


class DisputeSerializer(serializers.ModelSerializer):
    entry = LedgerEntrySerializer(read_only=True)

    class Meta:
        model = EntryDispute
        fields = (
            "id",
            "entry",
            "raised_by",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        )


class ReportRowSerializer(serializers.Serializer):
    agent_id = serializers.IntegerField(allow_null=True)
    agent_name = serializers.CharField()
    cases = serializers.IntegerField()
    gross_minor = serializers.IntegerField()
    bonuses_minor = serializers.IntegerField()
    adjustments_minor = serializers.IntegerField()
    clawbacks_minor = serializers.IntegerField()
    net_minor = serializers.IntegerField()
    currency = serializers.CharField()
    paid_minor = serializers.IntegerField()
    transfer_id = serializers.CharField()
    status = serializers.CharField()


class StatementSerializer(serializers.Serializer):
    currency = serializers.CharField()
    available_minor = serializers.IntegerField()
    pending_minor = serializers.IntegerField()
    paid_out_minor = serializers.IntegerField()
    account = ConnectedAccountSerializer(allow_null=True)
    entries = LedgerEntrySerializer(many=True)
    payouts = PayoutSerializer(many=True)


class OnboardingLinkSerializer(serializers.Serializer):
    url = serializers.URLField()


class RunProgressSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    status = serializers.CharField()
    processed = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    last_error = serializers.CharField()
    done = serializers.BooleanField()


class ReportSerializer(serializers.Serializer):
    period = serializers.CharField()
    rows = ReportRowSerializer(many=True)
    totals = ReportRowSerializer()


class CategoryCostSerializer(serializers.Serializer):
    category = serializers.CharField()
    cases = serializers.IntegerField()
    cost_minor = serializers.IntegerField()
    currency = serializers.CharField()
    cost_per_case_minor = serializers.IntegerField(allow_null=True)


class CostPerCaseSerializer(serializers.Serializer):
    period = serializers.CharField()
    categories = CategoryCostSerializer(many=True)


class ReconciliationLineSerializer(serializers.Serializer):
    payout = serializers.IntegerField(allow_null=True)
    transfer_id = serializers.CharField()
    ledger_minor = serializers.IntegerField()
    provider_minor = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()


class ReconciliationSerializer(serializers.Serializer):
    period = serializers.CharField()
    currency = serializers.CharField()
    balanced = serializers.BooleanField()
    ledger_total_minor = serializers.IntegerField()
    provider_total_minor = serializers.IntegerField()
    lines = ReconciliationLineSerializer(many=True)
