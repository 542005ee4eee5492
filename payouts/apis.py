"""REST endpoints, same shape as the pages: check the role, validate, call one service or selector.

Errors raised by the services carry a stable code and HTTP status; the project's exception
handler turns them into `{"error": code, "detail": message}`.
"""

from dataclasses import asdict

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from payouts import selectors, services
from payouts.models import PayoutRun
from payouts.periods import period_of
from payouts.permissions import IsAgent, IsFinance, IsOpsOrFinance
from payouts.serializers import (
    ConnectedAccountSerializer,
    CostPerCaseSerializer,
    DisputeDecideSerializer,
    DisputeOpenSerializer,
    DisputeSerializer,
    LedgerEntrySerializer,
    OnboardingLinkSerializer,
    PayoutRunDetailSerializer,
    PayoutRunSerializer,
    PayoutSerializer,
    PeriodSerializer,
    RateCardCreateSerializer,
    RateCardSerializer,
    ReconciliationSerializer,
    ReportRowSerializer,
    ReportSerializer,
    RunProgressSerializer,
    StatementSerializer,
)

PERIOD_PARAM = OpenApiParameter("period", str, description="YYYY-MM; default: the current month")


def _period(request: Request) -> str:
    period = request.query_params.get("period") or period_of(timezone.now())
    PeriodSerializer(data={"period": period}).is_valid(raise_exception=True)
    return period


class StatementApi(APIView):
    """The signed-in agent's balances (pending vs available), entries and payouts."""

    permission_classes = [IsAgent]

    @extend_schema(responses=StatementSerializer)
    def get(self, request: Request) -> Response:
        now = timezone.now()
        data = selectors.agent_statement(agent_id=request.user.pk, now=now)
        return Response(
            {
                "currency": data.balance.currency,
                "available_minor": data.balance.available_minor,
                "pending_minor": data.balance.pending_minor,
                "paid_out_minor": data.paid_out_minor,
                "account": ConnectedAccountSerializer(data.account).data if data.account else None,
                "entries": LedgerEntrySerializer(data.entries, many=True, context={"now": now}).data,
                "payouts": PayoutSerializer(data.payouts, many=True).data,
            }
        )


class DisputeOpenApi(APIView):
    permission_classes = [IsAgent]

    @extend_schema(request=DisputeOpenSerializer, responses=DisputeSerializer)
    def post(self, request: Request, entry_id: int) -> Response:
        body = DisputeOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = services.dispute_open(entry_id=entry_id, agent=request.user, reason=body.validated_data["reason"])
        return Response(
            DisputeSerializer(dispute, context={"now": timezone.now()}).data, status=status.HTTP_201_CREATED
        )


class ConnectApi(APIView):
    """Start or continue payout-account onboarding; answers with the URL to send the agent to."""

    permission_classes = [IsAgent]

    @extend_schema(request=None, responses=OnboardingLinkSerializer)
    def post(self, request: Request) -> Response:
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        url = services.connected_account_onboarding_link(
            agent=request.user,
            refresh_url=base + reverse("payouts:statement"),
            return_url=base + reverse("payouts:connect_return"),
        )
        return Response({"url": url})


class RunListApi(APIView):
    permission_classes = [IsFinance]

    @extend_schema(responses=PayoutRunSerializer(many=True), operation_id="payouts_runs_list")
    def get(self, request: Request) -> Response:
        return Response(PayoutRunSerializer(selectors.payout_runs()[:100], many=True).data)

    @extend_schema(request=PeriodSerializer, responses=PayoutRunDetailSerializer)
    def post(self, request: Request) -> Response:
        body = PeriodSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.payout_run_preview(period=body.validated_data["period"], actor=request.user)
        run = selectors.payout_runs().prefetch_related("payouts__connected_account").get(pk=run.pk)
        return Response(PayoutRunDetailSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    permission_classes = [IsFinance]

    @extend_schema(responses=PayoutRunDetailSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        run = get_object_or_404(selectors.payout_runs().prefetch_related("payouts__connected_account"), pk=run_id)
        return Response(PayoutRunDetailSerializer(run).data)


class RunActionApi(APIView):
    """approve | execute | cancel. Execute answers at once; poll the progress endpoint."""

    permission_classes = [IsFinance]
    action_name = ""

    @extend_schema(request=None, responses=PayoutRunSerializer)
    def post(self, request: Request, run_id: int) -> Response:
        get_object_or_404(PayoutRun, pk=run_id)
        if self.action_name == "approve":
            services.payout_run_approve(run_id=run_id, actor=request.user)
        elif self.action_name == "execute":
            services.payout_run_execute_async(run_id=run_id)
        else:
            services.payout_run_cancel(run_id=run_id, actor=request.user)
        return Response(PayoutRunSerializer(selectors.payout_runs().get(pk=run_id)).data)


class RunProgressApi(APIView):
    permission_classes = [IsFinance]

    @extend_schema(responses=RunProgressSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        get_object_or_404(PayoutRun, pk=run_id)
        return Response(selectors.run_progress(run_id=run_id).as_dict())


class ReportApi(APIView):
    """Per agent for a period: cases, gross, bonuses, adjustments, clawbacks, net, paid, transfer id, status; totals."""

    permission_classes = [IsFinance]

    @extend_schema(parameters=[PERIOD_PARAM], responses=ReportSerializer)
    def get(self, request: Request) -> Response:
        period = _period(request)
        rows, totals = selectors.period_report(period=period)
        return Response(
            {
                "period": period,
                "rows": ReportRowSerializer(rows, many=True).data,
                "totals": ReportRowSerializer(totals).data,
            }
        )


class CostPerCaseApi(APIView):
    permission_classes = [IsFinance]

    @extend_schema(parameters=[PERIOD_PARAM], responses=CostPerCaseSerializer)
    def get(self, request: Request) -> Response:
        period = _period(request)
        rows = selectors.cost_per_case_by_category(period=period)
        return Response(
            {
                "period": period,
                "categories": [{**asdict(row), "cost_per_case_minor": row.cost_per_case_minor} for row in rows],
            }
        )


class ReconciliationApi(APIView):
    permission_classes = [IsFinance]

    @extend_schema(parameters=[PERIOD_PARAM], responses=ReconciliationSerializer)
    def get(self, request: Request) -> Response:
        period = _period(request)
        result = selectors.reconciliation_for_period(period=period)
        return Response(
            {
                "period": period,
                "currency": result.currency,
                "balanced": result.balanced,
                "ledger_total_minor": result.ledger_total_minor,
                "provider_total_minor": result.provider_total_minor,
                "lines": [
                    {
                        "payout": line.payout.pk if line.payout else None,
                        "transfer_id": line.transfer_id,
                        "ledger_minor": line.ledger_minor,
                        "provider_minor": line.provider_minor,
                        "state": line.state,
                    }
                    for line in result.lines
                ],
            }
        )


class DisputeListApi(APIView):
    permission_classes = [IsFinance]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["open", "upheld", "rejected"])],
        responses=DisputeSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        items = selectors.disputes(status=request.query_params.get("status") or None)[:200]
        return Response(DisputeSerializer(items, many=True, context={"now": timezone.now()}).data)


class DisputeDecideApi(APIView):
    permission_classes = [IsFinance]

    @extend_schema(request=DisputeDecideSerializer, responses=DisputeSerializer)
    def post(self, request: Request, dispute_id: int) -> Response:
        body = DisputeDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = services.dispute_decide(dispute_id=dispute_id, actor=request.user, **body.validated_data)
        return Response(DisputeSerializer(dispute, context={"now": timezone.now()}).data)


class RateCardApi(APIView):
    permission_classes = [IsOpsOrFinance]

    @extend_schema(responses=RateCardSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(RateCardSerializer(selectors.rate_cards()[:50], many=True).data)

    @extend_schema(request=RateCardCreateSerializer, responses=RateCardSerializer)
    def post(self, request: Request) -> Response:
        body = RateCardCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        card = services.rate_card_create(actor=request.user, **body.validated_data)
        return Response(RateCardSerializer(card).data, status=status.HTTP_201_CREATED)
