"""REST endpoints; included by the project at "api/payouts/"."""

from django.urls import path

from payouts import apis

urlpatterns = [
    path("statement/", apis.StatementApi.as_view(), name="payouts-api-statement"),
    path("entries/<int:entry_id>/disputes/", apis.DisputeOpenApi.as_view(), name="payouts-api-dispute-open"),
    path("connect/", apis.ConnectApi.as_view(), name="payouts-api-connect"),
    path("runs/", apis.RunListApi.as_view(), name="payouts-api-runs"),
    path("runs/<int:run_id>/", apis.RunDetailApi.as_view(), name="payouts-api-run"),
    path(
        "runs/<int:run_id>/approve/", apis.RunActionApi.as_view(action_name="approve"), name="payouts-api-run-approve"
    ),
    path(
        "runs/<int:run_id>/execute/", apis.RunActionApi.as_view(action_name="execute"), name="payouts-api-run-execute"
    ),
    path("runs/<int:run_id>/cancel/", apis.RunActionApi.as_view(action_name="cancel"), name="payouts-api-run-cancel"),
    path("runs/<int:run_id>/progress/", apis.RunProgressApi.as_view(), name="payouts-api-run-progress"),
    path("report/", apis.ReportApi.as_view(), name="payouts-api-report"),
    path("cost-per-case/", apis.CostPerCaseApi.as_view(), name="payouts-api-cost"),
    path("reconciliation/", apis.ReconciliationApi.as_view(), name="payouts-api-reconciliation"),
    path("disputes/", apis.DisputeListApi.as_view(), name="payouts-api-disputes"),
    path("disputes/<int:dispute_id>/decide/", apis.DisputeDecideApi.as_view(), name="payouts-api-dispute-decide"),
    path("rate-cards/", apis.RateCardApi.as_view(), name="payouts-api-rate-cards"),
]
