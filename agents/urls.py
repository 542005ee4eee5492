from django.urls import path

from agents import views

app_name = "agents"
urlpatterns = [
    path("agent/", views.home, name="home"),
    path("agent/presence/", views.presence_switch, name="presence"),
    path("agent/shifts/", views.shift_market, name="shifts"),
    path("agent/shifts/<int:slot_id>/claim/", views.shift_claim, name="shift_claim"),
    path("agent/shifts/claims/<int:claim_id>/cancel/", views.shift_cancel, name="shift_cancel"),
    path("agent/workspace/", views.workspace, name="workspace"),
    path("agent/signup/", views.signup, name="signup"),
    path("ops/applicants/", views.ops_applicants, name="ops_applicants"),
    path("ops/applicants/<int:profile_id>/decide/", views.ops_decide, name="ops_decide"),
    path("ops/shifts/", views.ops_shifts, name="ops_shifts"),
    path("ops/shifts/<int:slot_id>/", views.ops_shift_edit, name="ops_shift_edit"),
]
