"""Quality pages: the live ops dashboard, the staffing forecast, QA reviews, the agents' quality report
(ops), and "My quality" (an agent's own CSAT, QA results and score).

Each page checks the role, calls a selector or one service and renders. Charts are pygal SVG images,
so every page works without JavaScript; the dashboard then refreshes itself by polling its JSON twin.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents.roles import AGENT, OPS, role_required
from tickets.models import Category
from tickets.quality import charts, selectors
from tickets.quality.exceptions import QualityError
from tickets.quality.models import QaReview, QaStatus
from tickets.quality.services import qa_review_submit
from tickets.quality.services.staffing import staffing_plan_run
from tickets.quality.staffing import forecast_report

RANGES = {"24h": "Last 24 hours", "7d": "Last 7 days"}
# SVG served as an image: no scripts, no outside requests, only the chart's own inline styles.
SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'", "Cache-Control": "no-store"}


def _range(request: HttpRequest) -> str:
    value = request.GET.get("range", "24h")
    return value if value in RANGES else "24h"


def _svg(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="image/svg+xml; charset=utf-8", headers=SVG_HEADERS)


@role_required(OPS)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.dashboard_cached()
    return render(
        request,
        "quality/dashboard.html",
        {
            "data": data,
            "range": _range(request),
            "ranges": RANGES,
            "chart_names": list(charts.DASHBOARD_CHARTS),
            "category_labels": dict(Category.choices),
        },
    )


@role_required(OPS)
@require_GET
def dashboard_chart(request: HttpRequest, name: str) -> HttpResponse:
    if name not in charts.DASHBOARD_CHARTS:
        raise Http404("No such chart.")
    return _svg(charts.dashboard_chart(name, selectors.dashboard_cached(), range_=_range(request)))


@role_required(OPS)
@require_GET
def forecast(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/forecast.html", {"report": forecast_report()})


@role_required(OPS)
@require_GET
def forecast_chart(request: HttpRequest) -> HttpResponse:
    return _svg(charts.forecast_chart(forecast_report()["hours"]))


@role_required(OPS)
@require_POST
def forecast_run(request: HttpRequest) -> HttpResponse:
    run = staffing_plan_run()
    messages.success(
        request,
        f"Staffing job done: {len(run.opened)} slots opened, {len(run.topped_up)} given more seats, "
        f"{len(run.surged)} surged.",
    )
    return redirect("quality:forecast")


@role_required(OPS)
@require_GET
def qa_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "quality/qa_list.html",
        {"pending": selectors.qa_reviews_pending()[:200], "recent": selectors.qa_reviews_recent(limit=50)},
    )


@role_required(OPS)
@require_http_methods(["GET", "POST"])
def qa_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    get_object_or_404(QaReview, pk=review_id)
    form_error, status = None, 200
    if request.method == "POST":
        try:
            scores = {name: _int_or_raw(request.POST.get(name)) for name in ("correctness", "tone", "policy")}
            qa_review_submit(
                review=QaReview(pk=review_id),
                reviewer=request.user,
                comment=request.POST.get("comment", ""),
                **scores,
            )
        except QualityError as exc:
            form_error, status = str(exc), exc.http_status
        else:
            messages.success(request, "Review saved. The agent can see it on their quality page.")
            next_review = selectors.qa_reviews_pending().first()
            return redirect("quality:qa_detail", review_id=next_review.pk) if next_review else redirect("quality:qa")
    review, transcript = selectors.qa_review_with_transcript(review_id=review_id)
    return render(
        request,
        "quality/qa_detail.html",
        {
            "review": review,
            "transcript": transcript,
            "form_error": form_error,
            "posted": request.POST if form_error else None,
            "scale": range(1, 6),
            "is_pending": review.status == QaStatus.PENDING,
        },
        status=status,
    )


def _int_or_raw(value: str | None) -> object:
    """Form text to a whole number when it is one; anything else goes to the service, which refuses it."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return value


@role_required(OPS)
@require_GET
def quality_report(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "quality/report.html",
        {"agents": selectors.agent_quality_report(now=timezone.now()), "ratings": selectors.csat_recent(limit=50)},
    )


@role_required(AGENT)
@require_GET
def my_quality(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "quality/my_quality.html",
        {
            "summary": selectors.quality_summary_for_agent(user=request.user, now=timezone.now()),
            "ratings": selectors.csat_for_agent(user=request.user)[:50],
            "reviews": selectors.qa_reviews_for_agent(user=request.user)[:50],
        },
    )
