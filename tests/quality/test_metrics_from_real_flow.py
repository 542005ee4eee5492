"""The metrics read what the real services write: a conversation driven through the state machine,
the claim service and the message service shows up correctly on the dashboard, pay included."""

import pytest
from django.utils import timezone

from tests.factories import agent_on_shift
from tests.payouts.factories import RateCardFactory
from tickets.models import ActorKind, Priority, SenderKind
from tickets.quality import metrics
from tickets.quality.models import QaReview
from tickets.quality.services import csat_record, qa_sample_day
from tickets.services import bot as bot_flow
from tickets.services import lifecycle
from tickets.services.claims import claim_next_ticket
from tickets.services.messages import post_message

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_human_handled_case_and_a_bot_solved_case_on_the_dashboard():
    RateCardFactory(currency="EUR", default_base_minor=300, quality_bonus_minor=100)
    agent = agent_on_shift().user

    human = lifecycle.conversation_start(customer_name="Eva", language="en")
    post_message(conversation=human, sender_kind=SenderKind.CUSTOMER, body="I want a refund for order 123")
    bot_flow.conversation_handoff(
        conversation=human,
        reason="test",
        priority=Priority.NORMAL,
        category="refunds_disputes",
        actor_kind=ActorKind.BOT,
    )
    claimed = claim_next_ticket(agent=agent)
    assert claimed.pk == human.pk
    post_message(conversation=human, sender_kind=SenderKind.AGENT, sender_user=agent, body="Refund is on its way.")
    lifecycle.conversation_resolve(conversation=human, agent=agent, resolution_code="refunded")
    csat_record(conversation=human, score=5, comment="great")

    bot = lifecycle.conversation_start(customer_name="Bo", language="en")
    bot_flow.conversation_bot_answer(conversation=bot, body="Cards arrive in 5 days.", intent="card_arrival")
    bot_flow.conversation_bot_feedback(conversation=bot, solved=True)
    csat_record(conversation=bot, score=4)

    data = metrics.dashboard(now=timezone.now())
    day = data["last_24h"]

    assert day["handoffs"] == 1
    assert day["sla"]["met"] == 1 and day["sla"]["rate"] == 1.0  # claimed within a second
    assert (day["conversations_ended"], day["bot_contained"], day["containment_rate"]) == (2, 1, 0.5)
    assert day["resolved_cases"] == 1 and day["aht_seconds"] is not None and day["aht_seconds"] < 60
    assert day["first_response_seconds"] is not None
    assert day["csat"] == {"count": 2, "average": 4.5, "bot_average": 4.0, "agent_average": 5.0}
    assert day["cost_minor"] == 300 + 100  # resolution earning plus the 5-star bonus
    assert day["cost_per_resolved_case_minor"] == 400
    assert data["queue"]["depth"] == 0

    (review,) = qa_sample_day(day=timezone.now().date(), random_count=0)  # handled in under a minute
    assert review.conversation_id == human.pk and review.agent_id == agent.pk
    assert QaReview.objects.count() == 1
