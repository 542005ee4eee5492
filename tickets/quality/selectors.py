"""Reads of the quality app shared by pages, APIs, the score job and routing."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Count, QuerySet, Sum

from agents.models import AgentProfile
from tickets.models import Conversation, ConversationEvent, EventKind, Priority, Status
from tickets.quality.models import CsatRating, QaReview, QaStatus
from tickets.quality.scoring import WINDOW_DAYS, QualityInputs


def resolutions_and_reopens(*, agent_user_id: int, since: datetime, until: datetime) -> tuple[int, int]:
    """How many cases the agent resolved in the window, and how many of those resolutions were reopened.

    A reopen counts against the resolution it undid: the latest resolution of that conversation before it.
    """
    resolved_events = ConversationEvent.objects.filter(
        kind=EventKind.TRANSITION,
        to_status=Status.RESOLVED,
        actor_user_id=agent_user_id,
        created_at__gte=since,
        created_at__lt=until,
    )
    mine = {(e.conversation_id, e.created_at, e.pk) for e in resolved_events.only("conversation_id", "created_at")}
    if not mine:
        return 0, 0
    history = ConversationEvent.objects.filter(
        conversation_id__in={conv for conv, _, _ in mine},
        kind=EventKind.TRANSITION,
        to_status__in=[Status.RESOLVED, Status.REOPENED],
        created_at__lt=until,
    ).order_by("conversation_id", "created_at", "id")
    undone: set[int] = set()
    last_resolution: dict[int, int] = {}
    for event in history.only("id", "conversation_id", "to_status", "from_status"):
        if event.to_status == Status.RESOLVED:
            last_resolution[event.conversation_id] = event.pk
        elif event.from_status == Status.RESOLVED and event.conversation_id in last_resolution:
            undone.add(last_resolution.pop(event.conversation_id))
    return len(mine), sum(1 for _, _, pk in mine if pk in undone)


def quality_inputs_for_agent(*, agent_user_id: int, now: datetime) -> QualityInputs:
    since = now - timedelta(days=WINDOW_DAYS)
    csat = CsatRating.objects.filter(agent_id=agent_user_id, created_at__gte=since, created_at__lt=now).aggregate(
        n=Count("id"), total=Sum("score")
    )
    reviews = QaReview.objects.filter(
        agent_id=agent_user_id, status=QaStatus.REVIEWED, reviewed_at__gte=since, reviewed_at__lt=now
    ).values_list("correctness", "tone", "policy")
    qa_averages = [(c + t + p) / 3 for c, t, p in reviews]
    resolutions, reopens = resolutions_and_reopens(agent_user_id=agent_user_id, since=since, until=now)
    return QualityInputs(
        csat_count=csat["n"],
        csat_stars_sum=csat["total"] or 0,
        qa_count=len(qa_averages),
        qa_average_sum=sum(qa_averages),
        resolutions=resolutions,
        reopens=reopens,
    )


# --- Routing -------------------------------------------------------------------------------------

URGENT_FROM_PRIORITY = Priority.HIGH


def quality_rank_for_urgent(
    *, conversation: Conversation, candidates: QuerySet[AgentProfile]
) -> QuerySet[AgentProfile]:
    """Order eligible agents for offering this conversation: best quality first when it is urgent.

    For high/urgent tickets the best agents are asked first (ties: reliability, then the longest
    online). For routine tickets the order is only by who has been online longest, so easy work
    stays spread across the pool. The caller filters eligibility; this only orders.
    """
    if conversation.priority >= URGENT_FROM_PRIORITY:
        return candidates.order_by("-quality_score", "-reliability_score", "presence__went_online_at", "pk")
    return candidates.order_by("presence__went_online_at", "pk")


def quality_rank_of(*, agent: AgentProfile) -> int:
    """1-based rank of an agent by quality among approved agents (1 = best)."""
    return (
        AgentProfile.objects.filter(status=agent.status, quality_score__gt=agent.quality_score)
        .exclude(pk=agent.pk)
        .count()
        + 1
    )


# --- Pages -----------------------------------------------------------------------------------------


def qa_reviews_pending() -> QuerySet[QaReview]:
    return (
        QaReview.objects.filter(status=QaStatus.PENDING)
        .select_related("conversation", "agent__agent_profile")
        .order_by("-sample_date", "id")
    )


def qa_reviews_for_agent(*, user: AbstractBaseUser) -> QuerySet[QaReview]:
    """What an agent may see of QA: only their own, only once reviewed (reviewer stays anonymous)."""
    return (
        QaReview.objects.filter(agent=user, status=QaStatus.REVIEWED)
        .select_related("conversation")
        .order_by("-reviewed_at")
    )


def csat_for_agent(*, user: AbstractBaseUser) -> QuerySet[CsatRating]:
    return CsatRating.objects.filter(agent=user).select_related("conversation").order_by("-created_at")


def quality_summary_for_agent(*, user: AbstractBaseUser, now: datetime) -> dict:
    """The "My quality" figures: the stored score, its components now, and CSAT distribution."""
    from tickets.quality.scoring import quality_score

    inputs = quality_inputs_for_agent(agent_user_id=user.pk, now=now)
    components = quality_score(inputs)
    profile = AgentProfile.objects.filter(user=user).first()
    since = now - timedelta(days=WINDOW_DAYS)
    distribution = defaultdict(int)
    for row in (
        CsatRating.objects.filter(agent=user, created_at__gte=since).values("score").annotate(n=Count("id")).order_by()
    ):
        distribution[row["score"]] = row["n"]
    csat_avg = CsatRating.objects.filter(agent=user, created_at__gte=since).aggregate(a=Avg("score"))["a"]
    return {
        "window_days": WINDOW_DAYS,
        "quality_score": profile.quality_score if profile else None,
        "quality_rank": quality_rank_of(agent=profile) if profile else None,
        "csat_average": round(csat_avg, 2) if csat_avg is not None else None,
        "csat_count": inputs.csat_count,
        "csat_distribution": {stars: distribution[stars] for stars in range(1, 6)},
        "qa_count": inputs.qa_count,
        "qa_average": round(inputs.qa_average_sum / inputs.qa_count, 2) if inputs.qa_count else None,
        "resolutions": inputs.resolutions,
        "reopens": inputs.reopens,
        "components": {
            "csat": round(components.csat, 4),
            "qa": round(components.qa, 4),
            "reopen_rate": round(components.reopen_rate, 4),
            "score_now": components.score,
        },
    }


DASHBOARD_CACHE_SECONDS = 4


def dashboard_cached() -> dict:
    """The dashboard figures, shared by every open dashboard for a few seconds (they poll every 5 s)."""
    from django.core.cache import cache

    from tickets.quality.metrics import dashboard

    return cache.get_or_set("quality:dashboard", dashboard, timeout=DASHBOARD_CACHE_SECONDS)


def qa_review_with_transcript(*, review_id: int) -> tuple[QaReview, QuerySet]:
    """A review and its conversation's messages (stored redacted), for the ops review page."""
    from tickets.models import Message

    review = QaReview.objects.select_related("conversation", "agent__agent_profile", "reviewer").get(pk=review_id)
    messages = Message.objects.filter(conversation_id=review.conversation_id).select_related(
        "sender_user__agent_profile"
    )
    return review, messages


def qa_reviews_recent(*, limit: int = 50) -> QuerySet[QaReview]:
    return (
        QaReview.objects.filter(status=QaStatus.REVIEWED)
        .select_related("conversation", "agent__agent_profile", "reviewer")
        .order_by("-reviewed_at")[:limit]
    )


def csat_recent(*, limit: int = 50) -> QuerySet[CsatRating]:
    return CsatRating.objects.select_related("conversation", "agent__agent_profile").order_by("-created_at")[:limit]


def agent_quality_report(*, now: datetime) -> list[dict]:
    """Every approved agent's quality over the window: the stored score and what it is made of."""
    from agents.models import AgentStatus
    from tickets.quality.scoring import quality_score

    rows = []
    profiles = AgentProfile.objects.filter(status=AgentStatus.APPROVED).select_related("user")
    for profile in profiles.order_by("-quality_score", "display_name"):
        inputs = quality_inputs_for_agent(agent_user_id=profile.user_id, now=now)
        parts = quality_score(inputs)
        rows.append(
            {
                "agent_id": profile.user_id,
                "display_name": profile.display_name,
                "quality_score": profile.quality_score,
                "csat_count": inputs.csat_count,
                "csat_average": round(inputs.csat_stars_sum / inputs.csat_count, 2) if inputs.csat_count else None,
                "qa_count": inputs.qa_count,
                "qa_average": round(inputs.qa_average_sum / inputs.qa_count, 2) if inputs.qa_count else None,
                "resolutions": inputs.resolutions,
                "reopens": inputs.reopens,
                "reopen_rate": round(parts.reopen_rate, 4),
            }
        )
    return rows
