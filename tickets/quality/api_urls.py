"""The quality API, mounted at /api/quality/ (see tickets/quality/apis.py)."""

from django.urls import path

from tickets.quality import apis

urlpatterns = [
    path("dashboard/", apis.DashboardApi.as_view(), name="api-quality-dashboard"),
    path("events/", apis.MetricEventsApi.as_view(), name="api-quality-events"),
    path("forecast/", apis.ForecastApi.as_view(), name="api-quality-forecast"),
    path("forecast/run", apis.StaffingRunApi.as_view(), name="api-quality-forecast-run"),
    path("qa-reviews/", apis.QaReviewListApi.as_view(), name="api-quality-qa-reviews"),
    path("qa-reviews/<int:review_id>/", apis.QaReviewDetailApi.as_view(), name="api-quality-qa-review"),
    path("qa-reviews/<int:review_id>/review", apis.QaReviewSubmitApi.as_view(), name="api-quality-qa-review-submit"),
    path("agents/", apis.AgentQualityReportApi.as_view(), name="api-quality-agents"),
    path("csat/", apis.CsatListApi.as_view(), name="api-quality-csat"),
    path("me/", apis.MyQualityApi.as_view(), name="api-quality-me"),
]
