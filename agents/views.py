"""The agent and ops pages. Same shape as agents/apis.py: check the role, call one service or selector.

Every page has a REST twin (see agents/api_urls.py); the workspace page is a shell that
workspace.js fills from the agent socket and the same API.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from agents import selectors
from agents.exceptions import AgentError, InputInvalid
from agents.forms import SignupForm, SlotForm, add_service_errors
from agents.models import AgentProfile, AgentStatus, ShiftClaim, ShiftSlot
from agents.roles import AGENT, OPS, role_required
from agents.services import onboarding, presence, shifts
from agents.services.workspace import RESOLUTION_CODES


def _profile_or_none(request: HttpRequest) -> AgentProfile | None:
    return AgentProfile.objects.filter(user_id=request.user.pk).select_related("user").first()


# --- Sign-up ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and _profile_or_none(request) is not None:
        return redirect("agents:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile = onboarding.agent_apply(
                username=data["username"],
                password=data["password"],
                display_name=data["name"],
                email=data["email"],
                country=data["country"],
                time_zone=data["time_zone"],
                languages=data["languages"],
                skills=data["skills"],
                address=data["address"],
                tax_id=data["tax_id"],
            )
        except InputInvalid as exc:
            add_service_errors(form, exc)
        else:
            login(request, profile.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Thanks for applying! Our team will review your application shortly.")
            return redirect("agents:home")
    return render(request, "agents/signup.html", {"form": form}, status=400 if form.errors else 200)


# --- Agent pages ----------------------------------------------------------------------------------------


@role_required(AGENT)
def home(request: HttpRequest) -> HttpResponse:
    profile = _profile_or_none(request)
    context: dict = {"profile": profile}
    if profile is not None:
        context.update(
            day=selectors.agent_day(profile=profile),
            earnings=selectors.earnings_of(user=request.user),
            payout_account=selectors.payout_account_of(user=request.user),
            zone=selectors.local_zone(profile),
        )
    return render(request, "agents/home.html", context)


@role_required(AGENT)
@require_POST
def presence_switch(request: HttpRequest) -> HttpResponse:
    go_online = request.POST.get("online") == "1"
    try:
        if go_online:
            presence.agent_go_online(agent=request.user)
            messages.success(request, "You are online. Open the workspace to take tickets.")
        else:
            requeued = presence.agent_go_offline(agent=request.user)
            suffix = f" {len(requeued)} live chat(s) went back to the queue." if requeued else ""
            messages.success(request, "You are offline." + suffix)
    except AgentError as exc:
        messages.error(request, str(exc))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("agents:home")
    return redirect(next_url)


@role_required(AGENT)
def shift_market(request: HttpRequest) -> HttpResponse:
    profile = _profile_or_none(request)
    context: dict = {"profile": profile}
    if profile is not None:
        context.update(
            slots=selectors.open_slots_for(profile=profile),
            my_claims=list(selectors.claims_of(profile=profile)[:30]),
            zone=selectors.local_zone(profile),
            cutoff_hours=shifts.cancel_cutoff().total_seconds() // 3600,
        )
    return render(request, "agents/shifts.html", context)


@role_required(AGENT)
@require_POST
def shift_claim(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = get_object_or_404(ShiftSlot, pk=slot_id)
    try:
        shifts.shift_claim(agent=request.user, slot=slot)
        messages.success(request, "Seat claimed. See you then!")
    except AgentError as exc:
        messages.error(request, str(exc))
    return redirect("agents:shifts")


@role_required(AGENT)
@require_POST
def shift_cancel(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(ShiftClaim, pk=claim_id, agent__user=request.user)
    try:
        cancelled = shifts.shift_cancel(agent=request.user, claim=claim)
        if cancelled.status == "late_cancelled":
            messages.warning(request, "Cancelled — late, so it counts against your reliability score.")
        else:
            messages.success(request, "Cancelled. The seat is free for someone else.")
    except AgentError as exc:
        messages.error(request, str(exc))
    return redirect("agents:shifts")


@role_required(AGENT)
def workspace(request: HttpRequest) -> HttpResponse:
    profile = _profile_or_none(request)
    context: dict = {"profile": profile, "resolution_codes": RESOLUTION_CODES}
    if profile is not None and profile.status == AgentStatus.APPROVED:
        context.update(
            presence=selectors.presence_of(profile=profile),
            current_claim=selectors.current_claim(profile=profile),
        )
    return render(request, "agents/workspace.html", context)


# --- Ops pages -----------------------------------------------------------------------------------------


@role_required(OPS)
def ops_applicants(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("status", AgentStatus.APPLIED)
    if wanted != "all" and wanted not in AgentStatus.values:
        wanted = AgentStatus.APPLIED
    profiles = selectors.applicants(status=None if wanted == "all" else wanted)[:500]
    return render(
        request,
        "agents/ops_applicants.html",
        {"profiles": profiles, "wanted": wanted, "statuses": [*AgentStatus.choices, ("all", "All")]},
    )


@role_required(OPS)
@require_POST
def ops_decide(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_object_or_404(AgentProfile, pk=profile_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, "Choose approve or reject.")
        return redirect("agents:ops_applicants")
    try:
        onboarding.agent_decide(
            profile=profile,
            decided_by=request.user,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
        messages.success(request, f"{profile.display_name}: {'approved' if decision == 'approve' else 'rejected'}.")
    except AgentError as exc:
        messages.error(request, str(exc))
    return redirect("agents:ops_applicants")


@role_required(OPS)
@require_http_methods(["GET", "POST"])
def ops_shifts(request: HttpRequest) -> HttpResponse:
    form = SlotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            slot = shifts.slot_create(created_by=request.user, **form.service_values())
        except InputInvalid as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Published: {slot.starts_at:%a %d %b, %H:%M}–{slot.ends_at:%H:%M} UTC, {slot.seats} seats."
            )
            return redirect("agents:ops_shifts")
    return render(
        request,
        "agents/ops_shifts.html",
        {"form": form, "slots": selectors.slots_for_ops()[:500]},
        status=400 if form.errors else 200,
    )


@role_required(OPS)
@require_http_methods(["GET", "POST"])
def ops_shift_edit(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = get_object_or_404(ShiftSlot, pk=slot_id)
    initial = {
        "time_zone": "UTC",
        "starts_at": slot.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": slot.ends_at.strftime("%Y-%m-%dT%H:%M"),
        "languages": slot.languages,
        "skills": slot.skills,
        "seats": slot.seats,
        "pay_multiplier": slot.pay_multiplier,
    }
    form = SlotForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            shifts.slot_update(slot=slot, **form.service_values())
        except InputInvalid as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Shift slot updated.")
            return redirect("agents:ops_shifts")
    return render(
        request,
        "agents/ops_shift_edit.html",
        {"form": form, "slot": slot, "claims": slot.claims.select_related("agent").order_by("status", "created_at")},
        status=400 if form.errors else 200,
    )
