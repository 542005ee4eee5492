"""Recording the customer's rating of a conversation."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from tickets.models import ActorKind, Conversation, EventKind, Status
from tickets.quality.exceptions import CsatAlreadyGiven, CsatNotAllowed, InvalidScore
from tickets.quality.models import CsatRating
from tickets.services.lifecycle import conversation_event_record
from tickets.triage.redaction import redact

RATEABLE_STATUSES = (Status.RESOLVED, Status.BOT_RESOLVED, Status.CLOSED)
COMMENT_MAX_CHARS = 2000


def validate_score(score: object) -> int:
    """A 1–5 whole number; bools and numeric strings are refused so bad input never slips through."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidScore()
    return score


def _clean_comment(comment: object) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise InvalidScore("A comment must be text.")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_CHARS:
        raise InvalidScore(f"A comment may be at most {COMMENT_MAX_CHARS} characters.")
    # Agents read these comments, and agents only ever see redacted customer text.
    return redact(comment)


def csat_record(*, conversation: Conversation, score: int, comment: str = "") -> CsatRating:
    """Store the customer's 1–5 rating of a finished conversation, once, for its agent (or the bot).

    Raises InvalidScore, CsatNotAllowed or CsatAlreadyGiven and then changes nothing.
    """
    score = validate_score(score)
    comment = _clean_comment(comment)
    with transaction.atomic():
        # The row lock serialises two ratings racing for one conversation; the unique key is the guarantee.
        conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conv.status not in RATEABLE_STATUSES:
            raise CsatNotAllowed()
        if CsatRating.objects.filter(conversation=conv).exists():
            raise CsatAlreadyGiven()
        try:
            with transaction.atomic():
                rating = CsatRating.objects.create(
                    conversation=conv,
                    score=score,
                    comment=comment,
                    agent_id=conv.assigned_agent_id,
                    created_at=timezone.now(),
                )
        except IntegrityError as exc:
            raise CsatAlreadyGiven() from exc
        conversation_event_record(
            conversation=conv,
            kind=EventKind.CSAT,
            actor_kind=ActorKind.CUSTOMER,
            data={"score": score, "agent_id": conv.assigned_agent_id, "has_comment": bool(comment)},
        )
        if score == 5 and conv.assigned_agent_id is not None:
            _csat_bonus(conversation=conv, score=score)
        if conv.assigned_agent_id is not None:
            from tickets.quality.services.scores import quality_score_refresh_on_commit

            quality_score_refresh_on_commit(agent_user_id=conv.assigned_agent_id)
    return rating


def _csat_bonus(*, conversation: Conversation, score: int) -> None:
    """The payouts app pays the 5-star bonus; called inside our transaction so both commit or neither."""
    from payouts import services as payouts_services

    bonus = getattr(payouts_services, "earning_record_csat_bonus", None)
    if bonus is not None:
        bonus(conversation=conversation, score=score)
