"""Django admin for ops: look things up. State changes (approvals, seats, presence, offers) go through
the ops pages and services, so the admin shows those fields read-only."""

from django.contrib import admin

from agents.models import AgentProfile, Presence, ShiftClaim, ShiftSlot, TicketOffer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "country", "status", "reliability_score", "quality_score", "created_at")
    list_filter = ("status", "country")
    search_fields = ("display_name", "user__username", "user__email")
    fields = (
        "user",
        "display_name",
        "country",
        "timezone",
        "languages",
        "skills",
        "max_concurrent_chats",
        "address",
        "tax_id",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "reliability_score",
        "quality_score",
    )
    readonly_fields = (
        "user",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "reliability_score",
        "quality_score",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ShiftSlot)
class ShiftSlotAdmin(ReadOnlyAdmin):
    list_display = ("starts_at", "ends_at", "seats_taken", "seats", "pay_multiplier", "created_by")
    date_hierarchy = "starts_at"


@admin.register(ShiftClaim)
class ShiftClaimAdmin(ReadOnlyAdmin):
    list_display = ("agent", "slot", "status", "starts_at", "checked_in_at", "cancelled_at")
    list_filter = ("status",)
    search_fields = ("agent__display_name",)


@admin.register(Presence)
class PresenceAdmin(ReadOnlyAdmin):
    list_display = ("agent", "online", "last_heartbeat_at", "went_online_at", "went_offline_at", "offline_reason")
    list_filter = ("online",)


@admin.register(TicketOffer)
class TicketOfferAdmin(ReadOnlyAdmin):
    list_display = ("conversation", "agent", "status", "created_at", "expires_at", "decided_at")
    list_filter = ("status",)
