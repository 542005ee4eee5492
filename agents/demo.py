"""Demo people and shifts for the embedded run. Idempotent: safe to run on every start."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from agents.models import AgentProfile, AgentStatus, ClaimStatus, ShiftClaim, ShiftSlot
from agents.roles import AGENT, FINANCE, OPS, ensure_role_groups

DEMO_PASSWORD = "demo-pass-2026"  # documented in the README; only ever set while DEBUG is on

DEMO_STAFF = [
    ("ops", OPS, "Olivia Ops"),
    ("finance", FINANCE, "Felix Finance"),
]
ALL_SKILLS = ["cards", "payments", "refunds_disputes", "transfers", "top_ups", "account_identity", "security_fraud"]
DEMO_AGENTS = [
    # username, name, country, tz, languages, skills, status
    ("anna", "Anna Lindqvist", "SE", "Europe/Stockholm", ["en", "sv"], ALL_SKILLS, AgentStatus.APPROVED),
    ("ben", "Ben Hoffmann", "DE", "Europe/Berlin", ["en", "de"], ALL_SKILLS, AgentStatus.APPROVED),
    (
        "clara",
        "Clara Novak",
        "AT",
        "Europe/Vienna",
        ["en", "de"],
        ["cards", "payments", "top_ups"],
        AgentStatus.APPROVED,
    ),
    ("dave", "Dave Okafor", "IE", "Europe/Dublin", ["en"], ["cards", "transfers"], AgentStatus.APPLIED),
]


def _user(username: str, name: str, role: str, groups: dict) -> "get_user_model()":
    User = get_user_model()
    first, _, last = name.partition(" ")
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.klarna-gig.test"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(groups[role])
    if role in (OPS, FINANCE):
        user.is_staff = role == OPS
        user.save(update_fields=["is_staff"])
    return user


@transaction.atomic
def seed_people() -> list[AgentProfile]:
    groups = ensure_role_groups()
    for username, role, name in DEMO_STAFF:
        _user(username, name, role, groups)
    profiles = []
    for username, name, country, tz, languages, skills, status in DEMO_AGENTS:
        user = _user(username, name, AGENT, groups)
        profile, _ = AgentProfile.objects.get_or_create(
            user=user,
            defaults={
                "display_name": name,
                "country": country,
                "timezone": tz,
                "languages": languages,
                "skills": skills,
                "status": status,
                "address": f"{name.split()[1]}gatan 1, {country}",
                "tax_id": f"{country}{abs(hash(username)) % 10**9:09d}",
            },
        )
        profiles.append(profile)
    return profiles


@transaction.atomic
def seed_shifts(*, now: datetime, agents: list[AgentProfile]) -> None:
    """Four-hour slots from the start of today to the end of tomorrow; approved agents hold the current one."""
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    slots = []
    for block in range(12):
        starts_at = day_start + timedelta(hours=4 * block)
        ends_at = starts_at + timedelta(hours=4)
        # The staffing job may have opened its own (smaller) slots at the same hours: the demo's is the biggest.
        slot = ShiftSlot.objects.filter(starts_at=starts_at, ends_at=ends_at).order_by("-seats", "pk").first()
        if slot is None:
            slot = ShiftSlot.objects.create(
                starts_at=starts_at,
                ends_at=ends_at,
                languages=[["en", "sv"], ["en", "de"], ["en"]][block % 3],
                skills=[],
                seats=6,
                pay_multiplier="1.25" if block % 6 == 5 else "1.00",
            )
        slots.append(slot)
    current = next((slot for slot in slots if slot.starts_at <= now < slot.ends_at), None)
    if current is None:
        return
    for profile in agents:
        if profile.status != AgentStatus.APPROVED:
            continue
        if not ShiftClaim.objects.filter(agent=profile, slot=current, status=ClaimStatus.ACTIVE).exists():
            ShiftClaim.objects.create(slot=current, agent=profile, starts_at=current.starts_at, ends_at=current.ends_at)
            ShiftSlot.objects.filter(pk=current.pk).update(
                seats_taken=current.claims.filter(status=ClaimStatus.ACTIVE).count()
            )
