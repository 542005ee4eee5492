"""Quality pages, mounted at /ops/ (the dashboard is its front page)."""

from django.urls import path

from tickets.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charts/<slug:name>.svg", views.dashboard_chart, name="dashboard_chart"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/chart.svg", views.forecast_chart, name="forecast_chart"),
    path("forecast/run", views.forecast_run, name="forecast_run"),
    path("qa/", views.qa_list, name="qa"),
    path("qa/<int:review_id>/", views.qa_detail, name="qa_detail"),
    path("quality/", views.quality_report, name="report"),
    path("my-quality/", views.my_quality, name="mine"),
]
