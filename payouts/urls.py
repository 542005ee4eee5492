"""Finance, ops and agent pages; included by the project at "finance/" with the namespace "payouts"."""

from django.urls import path, re_path

from payouts import views

app_name = "payouts"
urlpatterns = [
    path("", views.runs, name="home"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    re_path(r"^runs/(?P<run_id>\d+)/(?P<action>approve|execute|cancel)/$", views.run_action, name="run_action"),
    path("report/", views.report, name="report"),
    re_path(r"^report/(?P<period>\d{4}-\d{2})\.csv$", views.report_csv, name="report_csv"),
    path("cost/", views.cost_per_case, name="cost"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:dispute_id>/decide/", views.dispute_decide, name="dispute_decide"),
    path("dac7/", views.dac7, name="dac7"),
    path("dac7/<int:year>.csv", views.dac7_csv, name="dac7_csv"),
    path("rate-cards/", views.rate_cards, name="rate_cards"),
    path("statement/", views.statement, name="statement"),
    path("statement/entries/<int:entry_id>/dispute/", views.dispute_open, name="dispute_open"),
    path("statement/connect/", views.connect, name="connect"),
    path("statement/connect/return/", views.connect_return, name="connect_return"),
    path("local-test-provider/onboarding/<str:account_id>/", views.local_onboarding, name="local_onboarding"),
]
