"""QA reviews: the daily sample of resolved conversations, and a supervisor's scorecard for one."""

import random
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from tickets import realtime
from tickets.models import ConversationEvent, EventKind, Status
from tickets.quality.exceptions import InvalidScore, QaAlreadyReviewed, QualityError
from tickets.quality.models import CsatRating, QaReason, QaReview, QaStatus
from tickets.quality.services.csat import COMMENT_MAX_CHARS, validate_score

LOW_CSAT_AT_MOST = 2
SHORT_HANDLING_SECONDS = 60


def qa_random_sample_size() -> int:
    return int(getattr(settings, "QA_DAILY_RANDOM_SAMPLE", 10))


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def qa_sample_day(*, day: date, random_count: int | None = None) -> list[QaReview]:
    """Sample the conversations resolved on `day` for review: every flagged one plus `random_count` others.

    Flags: CSAT ≤ 2, reopened, handled in under a minute. The random pick is seeded by the day and a
    conversation is reviewed at most once (DB unique), so running the job twice adds nothing.
    Returns the reviews created by this call.
    """
    random_count = qa_random_sample_size() if random_count is None else random_count
    if random_count < 0:
        raise QualityError("The random sample size cannot be negative.")
    start, end = _day_bounds(day)
    same_conv = {"conversation": OuterRef("conversation")}
    latest_assignment = ConversationEvent.objects.filter(
        kind=EventKind.TRANSITION, to_status=Status.ASSIGNED, created_at__lte=OuterRef("created_at"), **same_conv
    ).order_by("-created_at", "-id")
    resolutions = (
        ConversationEvent.objects.filter(
            kind=EventKind.TRANSITION,
            to_status=Status.RESOLVED,
            actor_user__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(
            assigned_at=Subquery(latest_assignment.values("created_at")[:1]),
            reopened=Exists(
                ConversationEvent.objects.filter(kind=EventKind.TRANSITION, to_status=Status.REOPENED, **same_conv)
            ),
            low_csat=Exists(CsatRating.objects.filter(score__lte=LOW_CSAT_AT_MOST, **same_conv)),
            already=Exists(QaReview.objects.filter(**same_conv)),
        )
        .filter(already=False)
        .order_by("conversation_id", "created_at", "id")
    )
    # The last resolution of the day per conversation names the agent whose work is reviewed.
    candidates: dict[int, dict] = {}
    for event in resolutions.values(
        "conversation_id", "actor_user_id", "created_at", "assigned_at", "reopened", "low_csat"
    ):
        reasons = []
        if event["low_csat"]:
            reasons.append(QaReason.LOW_CSAT)
        if event["reopened"]:
            reasons.append(QaReason.REOPENED)
        if (
            event["assigned_at"]
            and (event["created_at"] - event["assigned_at"]).total_seconds() < SHORT_HANDLING_SECONDS
        ):
            reasons.append(QaReason.SHORT_HANDLING)
        previous = candidates.get(event["conversation_id"], {}).get("reasons", [])
        candidates[event["conversation_id"]] = {
            "agent_id": event["actor_user_id"],
            "reasons": sorted(set(previous) | set(reasons)),
        }
    flagged = {cid for cid, c in candidates.items() if c["reasons"]}
    others = sorted(set(candidates) - flagged)
    # A rerun tops the random part up to `random_count`; it never draws a second sample for the day.
    already_random = sum(
        QaReason.RANDOM in reasons
        for reasons in QaReview.objects.filter(sample_date=day).values_list("reasons", flat=True)
    )
    wanted = max(random_count - already_random, 0)
    picked = random.Random(day.toordinal()).sample(others, min(wanted, len(others)))
    for cid in picked:
        candidates[cid]["reasons"] = [QaReason.RANDOM]
    rows = [
        QaReview(
            conversation_id=cid,
            agent_id=candidates[cid]["agent_id"],
            reasons=candidates[cid]["reasons"],
            sample_date=day,
        )
        for cid in sorted(flagged | set(picked))
    ]
    # ignore_conflicts: a job racing with this one may have sampled the same conversation a moment ago.
    QaReview.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        QaReview.objects.filter(sample_date=day, conversation_id__in=[r.conversation_id for r in rows]).order_by(
            "conversation_id"
        )
    )


def qa_review_submit(
    *,
    review: QaReview,
    reviewer: AbstractBaseUser,
    correctness: int,
    tone: int,
    policy: int,
    comment: str = "",
) -> QaReview:
    """A supervisor's scorecard (1–5 each). Once only; nobody reviews their own conversation."""
    scores = {}
    for name, value in (("correctness", correctness), ("tone", tone), ("policy", policy)):
        try:
            scores[name] = validate_score(value)
        except InvalidScore as exc:
            raise InvalidScore(f"{name.capitalize()} must be a whole number from 1 to 5.") from exc
    if not isinstance(comment, str):
        raise InvalidScore("A comment must be text.")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise InvalidScore(f"A comment may be at most {COMMENT_MAX_CHARS} characters.")
    with transaction.atomic():
        locked = QaReview.objects.select_for_update().get(pk=review.pk)
        if locked.status != QaStatus.PENDING:
            raise QaAlreadyReviewed()
        if locked.agent_id == reviewer.pk:
            raise QualityError("You cannot review your own conversation.")
        for name, value in scores.items():
            setattr(locked, name, value)
        locked.comment = comment
        locked.reviewer = reviewer
        locked.reviewed_at = timezone.now()
        locked.status = QaStatus.REVIEWED
        locked.save()
        realtime.agent_push(locked.agent_id, {"type": "qa_reviewed", "review": locked.pk})
        from tickets.quality.services.scores import quality_score_refresh_on_commit

        quality_score_refresh_on_commit(agent_user_id=locked.agent_id)
    return locked
