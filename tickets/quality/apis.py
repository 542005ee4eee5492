"""The quality pages as REST (session or token auth): ops see the dashboard, forecast, QA and reports;
an agent sees only their own quality.

Thin: check the role, validate, call one service or selector, serialize. Service errors carry a stable
code and status (klarna_gig.api_errors).
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.quality import metrics, selectors
from tickets.quality.models import QaReview, QaStatus
from tickets.quality.permissions import IsAgent, IsOps
from tickets.quality.serializers import (
    AgentQualitySerializer,
    CsatSerializer,
    DashboardSerializer,
    EventQuerySerializer,
    EventSerializer,
    ForecastSerializer,
    MyQualitySerializer,
    QaReviewDetailSerializer,
    QaReviewSerializer,
    QaScorecardSerializer,
    StaffingRunSerializer,
)
from tickets.quality.services import qa_review_submit
from tickets.quality.services.staffing import staffing_plan_run
from tickets.quality.staffing import forecast_report
from tickets.serializers import ErrorSerializer

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="Not logged in"),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for your role"),
    404: OpenApiResponse(ErrorSerializer, description="Not found"),
    409: OpenApiResponse(ErrorSerializer, description="Not possible in the current state"),
}


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


class QualityApi(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsOps]


class DashboardApi(QualityApi):
    @extend_schema(
        tags=["quality"],
        summary="Live ops figures: queue, agents, last 24 h / 7 days, hourly and daily series",
        description="Every figure is computed from the conversation event log; see /api/quality/events/ to trace one.",
        responses={200: DashboardSerializer, **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(DashboardSerializer(selectors.dashboard_cached()).data)


class MetricEventsApi(GenericAPIView):
    permission_classes = [IsOps]
    serializer_class = EventSerializer

    @extend_schema(
        tags=["quality"],
        summary="The events a dashboard figure is computed from, for a window (paginated: limit, offset)",
        parameters=[EventQuerySerializer],
        responses={200: EventSerializer(many=True), **_errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(metrics.events_behind(**query.validated_data))
        return self.get_paginated_response(EventSerializer(page, many=True).data)


class ForecastApi(QualityApi):
    @extend_schema(
        tags=["quality"],
        summary="Staffing forecast for the next 48 hours: expected arrivals, seats needed (Erlang C), claimed",
        responses={200: ForecastSerializer, **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(ForecastSerializer(forecast_report()).data)


class StaffingRunApi(QualityApi):
    @extend_schema(
        tags=["quality"],
        summary="Run the staffing job now: open slots where seats are missing, surge under-filled slots",
        request=None,
        responses={200: StaffingRunSerializer, **_errors(401, 403)},
    )
    def post(self, request: Request) -> Response:
        return Response(StaffingRunSerializer(staffing_plan_run().as_dict()).data)


class QaReviewListApi(QualityApi):
    @extend_schema(
        tags=["quality"],
        summary="QA reviews: pending (the daily sample) or recently reviewed",
        parameters=[OpenApiParameter("status", enum=list(QaStatus.values), default=QaStatus.PENDING)],
        responses={200: QaReviewSerializer(many=True), **_errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status", QaStatus.PENDING)
        if wanted not in QaStatus.values:
            return Response({"error": "invalid_status", "detail": f"status is one of {QaStatus.values}."}, status=400)
        reviews = selectors.qa_reviews_pending() if wanted == QaStatus.PENDING else selectors.qa_reviews_recent()
        return Response(QaReviewSerializer(reviews[:200], many=True).data)


class QaReviewDetailApi(QualityApi):
    @extend_schema(
        tags=["quality"],
        summary="One QA review with the conversation's (redacted) transcript",
        responses={200: QaReviewDetailSerializer, **_errors(401, 403, 404)},
    )
    def get(self, request: Request, review_id: int) -> Response:
        get_object_or_404(QaReview, pk=review_id)
        review, transcript = selectors.qa_review_with_transcript(review_id=review_id)
        review.transcript = transcript
        return Response(QaReviewDetailSerializer(review).data)


class QaReviewSubmitApi(QualityApi):
    @extend_schema(
        tags=["quality"],
        summary="Complete a QA review with the scorecard (correctness, tone, policy: 1–5 each)",
        request=QaScorecardSerializer,
        responses={200: QaReviewSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = get_object_or_404(QaReview, pk=review_id)
        data = QaScorecardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = qa_review_submit(review=review, reviewer=request.user, **data.validated_data)
        return Response(QaReviewSerializer(done).data)


class AgentQualityReportApi(QualityApi):
    @extend_schema(
        tags=["quality"],
        summary="Every approved agent's quality over the last 30 days (score, CSAT, QA, reopens)",
        responses={200: AgentQualitySerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(AgentQualitySerializer(selectors.agent_quality_report(now=timezone.now()), many=True).data)


class CsatListApi(QualityApi):
    @extend_schema(
        tags=["quality"],
        summary="The latest CSAT ratings, with the agent each concerns (or the bot)",
        responses={200: CsatSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(CsatSerializer(selectors.csat_recent(limit=200), many=True).data)


class MyQualityApi(QualityApi):
    permission_classes = [IsAgent]

    @extend_schema(
        tags=["quality"],
        summary="My quality: score, rank, CSAT, QA results and reopens over the last 30 days",
        responses={200: MyQualitySerializer, **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        body = selectors.quality_summary_for_agent(user=request.user, now=timezone.now())
        body["ratings"] = selectors.csat_for_agent(user=request.user)[:50]
        body["reviews"] = selectors.qa_reviews_for_agent(user=request.user)[:50]
        return Response(MyQualitySerializer(body).data)
