"""Ops edit the policy table, the knowledge base and the threshold here; decisions are read-only."""

from django.contrib import admin

from tickets.triage.models import IntentPolicy, KnowledgeAnswer, TriageDecision, TriageSettings


@admin.register(IntentPolicy)
class IntentPolicyAdmin(admin.ModelAdmin):
    list_display = ("intent", "category", "routine", "priority", "required_skill", "enabled", "updated_at")
    list_editable = ("routine", "priority", "enabled")
    list_filter = ("category", "routine", "priority", "enabled")
    search_fields = ("intent",)


@admin.register(KnowledgeAnswer)
class KnowledgeAnswerAdmin(admin.ModelAdmin):
    list_display = ("intent", "language", "title", "enabled", "updated_at")
    list_editable = ("enabled",)
    list_filter = ("language", "enabled")
    search_fields = ("intent", "title", "body")


@admin.register(TriageSettings)
class TriageSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "auto_answer_threshold", "updated_at")

    def has_add_permission(self, request) -> bool:
        return not TriageSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TriageDecision)
class TriageDecisionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "conversation", "intent", "confidence", "language", "rule", "outcome", "priority")
    list_filter = ("outcome", "rule", "language", "category", "model_version")
    search_fields = ("intent", "conversation__id")
    date_hierarchy = "created_at"
    list_select_related = ("conversation",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
