"""Django admin for ops: ratings and forecast slots are read-only records; QA reviews are done on /ops/qa/."""

from django.contrib import admin

from tickets.quality.models import CsatRating, ForecastSlot, QaReview


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CsatRating)
class CsatRatingAdmin(ReadOnlyAdmin):
    list_display = ("conversation", "score", "agent", "created_at")
    list_filter = ("score",)
    search_fields = ("conversation__id", "agent__username", "comment")
    date_hierarchy = "created_at"


@admin.register(QaReview)
class QaReviewAdmin(ReadOnlyAdmin):
    list_display = ("conversation", "agent", "status", "sample_date", "correctness", "tone", "policy", "reviewer")
    list_filter = ("status", "sample_date")
    search_fields = ("conversation__id", "agent__username", "comment")


@admin.register(ForecastSlot)
class ForecastSlotAdmin(ReadOnlyAdmin):
    list_display = ("block_start", "language", "seats_needed", "slot", "surged_at")
    list_filter = ("language",)
