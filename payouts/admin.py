"""Admin for ops: everything readable; the ledger and runs are never edited here (services own those writes)."""

from django.contrib import admin

from payouts.models import (
    AgentPeriodTotal,
    ConnectedAccount,
    EntryDispute,
    LedgerEntry,
    LocalTestTransfer,
    Payout,
    PayoutRun,
    RateCard,
    RateCardLine,
    StripeEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RateCardLineInline(admin.TabularInline):
    model = RateCardLine
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RateCard)
class RateCardAdmin(ReadOnlyAdmin):
    list_display = ("id", "currency", "effective_from", "default_base_minor", "quality_bonus_minor", "note")
    inlines = [RateCardLineInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "agent", "kind", "amount_minor", "currency", "occurred_at", "available_at", "voided_at")
    list_filter = ("kind", "currency")
    search_fields = ("agent__username", "memo", "conversation__id")
    date_hierarchy = "occurred_at"


@admin.register(PayoutRun)
class PayoutRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "period", "status", "provider", "processed_count", "total_count", "created_at")
    list_filter = ("status", "provider")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("id", "run", "agent", "amount_minor", "currency", "status", "skip_reason", "transfer_id")
    list_filter = ("status", "skip_reason")
    search_fields = ("transfer_id", "agent__username")


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(ReadOnlyAdmin):
    list_display = ("agent", "provider", "account_id", "payouts_enabled", "details_submitted", "updated_at")
    list_filter = ("provider", "payouts_enabled")


@admin.register(EntryDispute)
class EntryDisputeAdmin(ReadOnlyAdmin):
    list_display = ("id", "entry", "raised_by", "status", "decided_by", "decided_at")
    list_filter = ("status",)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "account", "outcome", "received_at")
    list_filter = ("type",)


@admin.register(LocalTestTransfer)
class LocalTestTransferAdmin(ReadOnlyAdmin):
    list_display = ("transfer_id", "destination", "amount_minor", "currency", "amount_reversed_minor", "created_at")


@admin.register(AgentPeriodTotal)
class AgentPeriodTotalAdmin(ReadOnlyAdmin):
    list_display = ("agent", "period", "currency", "cases", "gross_minor", "net_minor")
    list_filter = ("period", "currency")
