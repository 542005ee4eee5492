"""HTML pages for finance (runs, reports, reconciliation, disputes, DAC7), ops (rate cards) and agents (statement).

Each page checks the role, validates its input, calls one service or selector and renders.
The Stripe webhook endpoint lives here too.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents.roles import AGENT, FINANCE, OPS, role_required
from payouts import selectors, services
from payouts.exceptions import PayoutError, ProviderUnavailable, WebhookRejected
from payouts.exports import csv_response, dac7_csv_lines, period_report_csv_lines
from payouts.forms import DisputeDecisionForm, DisputeForm, PeriodForm, RateCardForm
from payouts.gateways import configured_provider
from payouts.models import ConnectedAccount, EntryDispute, LedgerEntry, PayoutRun, Provider
from payouts.money import minor_to_major
from payouts.periods import PERIOD_RE, period_bounds, period_of, previous_period


def _period_from(request: HttpRequest, default: str | None = None) -> str:
    period = request.GET.get("period") or default or period_of(timezone.now())
    return period if PERIOD_RE.match(period) else period_of(timezone.now())


def _provider_context() -> dict:
    provider = configured_provider()
    return {"provider": provider, "provider_is_local": provider == Provider.LOCAL_TEST}


# --- Payout runs ----------------------------------------------------------------------


@role_required(FINANCE)
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.POST or None, initial={"period": previous_period(timezone.now())})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.payout_run_preview(period=form.cleaned_data["period"], actor=request.user)
        except PayoutError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("payouts:run_detail", run_id=run.pk)
    return render(
        request,
        "payouts/runs.html",
        {"runs": selectors.payout_runs()[:100], "form": form, **_provider_context()},
    )


@role_required(FINANCE)
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(selectors.payout_runs(), pk=run_id)
    return render(
        request,
        "payouts/run_detail.html",
        {
            "run": run,
            "payouts": selectors.run_payouts(run_id=run.pk),
            "progress": selectors.run_progress(run_id=run.pk),
            **_provider_context(),
        },
    )


@role_required(FINANCE)
@require_POST
def run_action(request: HttpRequest, run_id: int, action: str) -> HttpResponse:
    get_object_or_404(PayoutRun, pk=run_id)
    try:
        if action == "approve":
            services.payout_run_approve(run_id=run_id, actor=request.user)
            messages.success(request, "Run approved. Execute it to send the transfers.")
        elif action == "execute":
            services.payout_run_execute_async(run_id=run_id)
            messages.success(request, "Run started; transfers are being sent.")
        elif action == "cancel":
            services.payout_run_cancel(run_id=run_id, actor=request.user)
            messages.success(request, "Run cancelled; nothing was paid.")
        else:
            return HttpResponseBadRequest("Unknown action.")
    except PayoutError as exc:
        messages.error(request, str(exc))
    return redirect("payouts:run_detail", run_id=run_id)


@role_required(FINANCE)
@require_GET
def run_progress(request: HttpRequest, run_id: int) -> JsonResponse:
    get_object_or_404(PayoutRun, pk=run_id)
    return JsonResponse(selectors.run_progress(run_id=run_id).as_dict())


# --- Reports --------------------------------------------------------------------------


@role_required(FINANCE)
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    period = _period_from(request)
    rows, totals = selectors.period_report(period=period)
    return render(request, "payouts/report.html", {"period": period, "rows": rows, "totals": totals})


@role_required(FINANCE)
@require_GET
def report_csv(request: HttpRequest, period: str) -> HttpResponse:
    period_bounds(period)  # refuses a malformed period before streaming starts
    return csv_response(f"payouts-{period}.csv", period_report_csv_lines(period=period))


@role_required(FINANCE)
@require_GET
def cost_per_case(request: HttpRequest) -> HttpResponse:
    period = _period_from(request)
    rows = selectors.cost_per_case_by_category(period=period)
    total_cases = sum(row.cases for row in rows)
    total_cost = sum(row.cost_minor for row in rows)
    return render(
        request,
        "payouts/cost.html",
        {
            "period": period,
            "rows": rows,
            "total_cases": total_cases,
            "total_cost": total_cost,
            "total_per_case": round(total_cost / total_cases) if total_cases else None,
            "currency": settings.CURRENCY,
        },
    )


@role_required(FINANCE)
@require_GET
def reconciliation(request: HttpRequest) -> HttpResponse:
    period = _period_from(request)
    error = ""
    try:
        result = selectors.reconciliation_for_period(period=period)
    except PayoutError as exc:
        result, error = selectors.reconcile(period=period, transfers=[]), str(exc)
    return render(
        request,
        "payouts/reconciliation.html",
        {"period": period, "result": result, "error": error, **_provider_context()},
    )


@role_required(FINANCE)
@require_GET
def dac7(request: HttpRequest) -> HttpResponse:
    year = timezone.now().year - 1
    return render(request, "payouts/dac7.html", {"years": range(year + 1, year - 4, -1), "default_year": year})


@role_required(FINANCE)
@require_GET
def dac7_csv(request: HttpRequest, year: int) -> HttpResponse:
    return csv_response(f"dac7-platform-income-{year}.csv", dac7_csv_lines(year=year))


# --- Disputes -------------------------------------------------------------------------


@role_required(FINANCE)
@require_GET
def disputes(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    items = selectors.disputes(status=status if status in ("open", "upheld", "rejected") else None)[:200]
    for dispute in items:
        dispute.suggested_minor = services.dispute_suggested_adjustment(dispute=dispute)
    return render(
        request, "payouts/disputes.html", {"disputes": items, "status": status, "form": DisputeDecisionForm()}
    )


@role_required(FINANCE)
@require_POST
def dispute_decide(request: HttpRequest, dispute_id: int) -> HttpResponse:
    get_object_or_404(EntryDispute, pk=dispute_id)
    form = DisputeDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("payouts:disputes")
    try:
        services.dispute_decide(
            dispute_id=dispute_id,
            actor=request.user,
            upheld=form.cleaned_data["decision"] == "uphold",
            note=form.cleaned_data["note"],
            adjustment_minor=form.cleaned_data["adjustment"],
        )
        messages.success(request, f"Dispute #{dispute_id} decided.")
    except PayoutError as exc:
        messages.error(request, str(exc))
    return redirect("payouts:disputes")


# --- Rate cards (ops or finance) ------------------------------------------------------


@role_required(OPS, FINANCE)
@require_http_methods(["GET", "POST"])
def rate_cards(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    current = selectors.rate_card_in_force(at=now)
    initial = {"effective_from": now.replace(second=0, microsecond=0) + timedelta(minutes=10)}
    if current is not None:
        initial.update(
            default_base=minor_to_major(current.default_base_minor, current.currency),
            quality_bonus=minor_to_major(current.quality_bonus_minor, current.currency),
            quality_bonus_min_score=current.quality_bonus_min_score,
        )
        for line in current.lines.all():
            prefix = "base" if line.kind == "category_base" else "premium"
            initial[f"{prefix}_{line.code}"] = minor_to_major(line.amount_minor, current.currency)
    form = RateCardForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate_card_create(
                effective_from=form.cleaned_data["effective_from"],
                default_base_minor=form.cleaned_data["default_base"],
                category_bases=form.category_bases(),
                language_premiums=form.language_premiums(),
                quality_bonus_minor=form.cleaned_data["quality_bonus"] or 0,
                quality_bonus_min_score=form.cleaned_data["quality_bonus_min_score"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except PayoutError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "New rate card version published.")
            return redirect("payouts:rate_cards")
    return render(
        request,
        "payouts/rate_cards.html",
        {"cards": selectors.rate_cards()[:20], "current": current, "form": form, "now": now},
    )


# --- Agent statement ------------------------------------------------------------------


@role_required(AGENT)
@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    data = selectors.agent_statement(agent_id=request.user.pk, now=now)
    return render(
        request,
        "payouts/statement.html",
        {"statement": data, "now": now, "dispute_form": DisputeForm(), **_provider_context()},
    )


@role_required(AGENT)
@require_POST
def dispute_open(request: HttpRequest, entry_id: int) -> HttpResponse:
    get_object_or_404(LedgerEntry, pk=entry_id, agent=request.user)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please say why you dispute this entry.")
        return redirect("payouts:statement")
    try:
        services.dispute_open(entry_id=entry_id, agent=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "Thanks — finance will review it and answer with a note.")
    except PayoutError as exc:
        messages.error(request, str(exc))
    return redirect("payouts:statement")


@role_required(AGENT)
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    try:
        url = services.connected_account_onboarding_link(
            agent=request.user,
            refresh_url=base + reverse("payouts:statement"),
            return_url=base + reverse("payouts:connect_return"),
        )
    except PayoutError as exc:
        messages.error(request, str(exc))
        return redirect("payouts:statement")
    return redirect(url)


@role_required(AGENT)
@require_GET
def connect_return(request: HttpRequest) -> HttpResponse:
    try:
        account = services.connected_account_refresh(agent=request.user)
    except PayoutError as exc:
        messages.error(request, str(exc))
    else:
        if account is not None and account.payouts_enabled:
            messages.success(request, "Your payout account is connected.")
        else:
            messages.info(request, "Your payout account is not enabled yet; finish the onboarding steps.")
    return redirect("payouts:statement")


@role_required(AGENT)
@require_http_methods(["GET", "POST"])
def local_onboarding(request: HttpRequest, account_id: str) -> HttpResponse:
    """The local test provider's onboarding page: clearly not Stripe, no real money, no real data."""
    account = get_object_or_404(
        ConnectedAccount, account_id=account_id, agent=request.user, provider=Provider.LOCAL_TEST
    )
    if request.method == "POST":
        services.local_test_onboarding_complete(agent=request.user, account_id=account_id)
        messages.success(request, "Local test payout account enabled (no real money moves).")
        return redirect("payouts:statement")
    return render(request, "payouts/local_onboarding.html", {"account": account})


# --- Stripe webhook -------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """One endpoint for every Stripe event: signature checked, replay refused, each event applied once."""
    try:
        outcome = services.stripe_webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookRejected as exc:
        return JsonResponse({"error": exc.code, "detail": str(exc)}, status=400)
    except ProviderUnavailable as exc:
        # Not stored: Stripe redelivers later, when the event can be applied.
        return JsonResponse({"error": exc.code, "detail": str(exc)}, status=503)
    return JsonResponse({"received": True, "outcome": outcome})
