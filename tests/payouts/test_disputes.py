"""Every automated pay decision has a human review path: an agent disputes, finance decides with a note."""

import pytest
from django.utils import timezone

from payouts.exceptions import DisputeAlreadyDecided, DisputeAlreadyOpen, InvalidAmount, NotYourEntry, PayoutError
from payouts.models import DisputeStatus, EntryKind, LedgerEntry
from payouts.selectors import agent_balance
from payouts.services import dispute_decide, dispute_open, earning_handle_reopen
from tests.factories import ConversationFactory, user_with_role
from tests.payouts.factories import RateCardFactory, agent_user, resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def clawback():
    RateCardFactory(default_base_minor=300)
    agent = agent_user()
    conversation = resolve(ConversationFactory(), agent)
    earning_handle_reopen(conversation=conversation)
    return LedgerEntry.objects.get(kind=EntryKind.CLAWBACK)


def test_an_upheld_clawback_dispute_gives_the_money_back_as_an_adjustment(clawback):
    finance = user_with_role("finance")
    dispute = dispute_open(entry_id=clawback.pk, agent=clawback.agent, reason="The customer wrote 'thanks' only")

    decided = dispute_decide(dispute_id=dispute.pk, actor=finance, upheld=True, note="Reopen was a thank-you")

    assert decided.status == DisputeStatus.UPHELD
    assert (decided.decided_by, decided.decision_note) == (finance, "Reopen was a thank-you")
    adjustment = LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert (adjustment.amount_minor, adjustment.dispute_id, adjustment.created_by) == (300, dispute.pk, finance)
    assert (
        agent_balance(agent_id=clawback.agent_id, now=timezone.now() + timezone.timedelta(days=2)).available_minor
        == 300
    )


def test_a_rejected_dispute_records_the_note_and_moves_no_money(clawback):
    dispute = dispute_open(entry_id=clawback.pk, agent=clawback.agent, reason="unfair")
    dispute_decide(
        dispute_id=dispute.pk, actor=user_with_role("finance"), upheld=False, note="Customer had a new problem"
    )
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADJUSTMENT).exists()


def test_a_withheld_bonus_can_be_disputed_and_upheld_with_an_amount_finance_chooses():
    RateCardFactory(default_base_minor=300, quality_bonus_minor=100)
    agent = agent_user()
    resolution = LedgerEntry.objects.get(conversation=resolve(ConversationFactory(), agent))
    dispute = dispute_open(entry_id=resolution.pk, agent=agent, reason="The rating was meant for the bot")
    with pytest.raises(InvalidAmount):
        dispute_decide(dispute_id=dispute.pk, actor=user_with_role("finance"), upheld=True, note="ok")
    dispute_decide(dispute_id=dispute.pk, actor=user_with_role("finance"), upheld=True, note="ok", adjustment_minor=100)
    assert LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT).amount_minor == 100


def test_an_agent_cannot_dispute_someone_elses_entry(clawback):
    with pytest.raises(NotYourEntry):
        dispute_open(entry_id=clawback.pk, agent=agent_user(), reason="mine?")


def test_one_open_dispute_per_entry_and_a_decision_is_final(clawback):
    dispute = dispute_open(entry_id=clawback.pk, agent=clawback.agent, reason="one")
    with pytest.raises(DisputeAlreadyOpen):
        dispute_open(entry_id=clawback.pk, agent=clawback.agent, reason="two")
    dispute_decide(dispute_id=dispute.pk, actor=user_with_role("finance"), upheld=False, note="no")
    with pytest.raises(DisputeAlreadyDecided):
        dispute_decide(dispute_id=dispute.pk, actor=user_with_role("finance"), upheld=True, note="yes")


def test_a_dispute_needs_a_reason_and_a_decision_needs_a_note(clawback):
    with pytest.raises(PayoutError):
        dispute_open(entry_id=clawback.pk, agent=clawback.agent, reason="   ")
    dispute = dispute_open(entry_id=clawback.pk, agent=clawback.agent, reason="why")
    with pytest.raises(PayoutError):
        dispute_decide(dispute_id=dispute.pk, actor=user_with_role("finance"), upheld=False, note="")


def test_the_agent_disputes_from_the_statement_page_and_finance_decides_on_the_disputes_page(client, clawback):
    client.force_login(clawback.agent)
    page = client.get("/finance/statement/").content.decode()
    assert "Clawback" in page
    response = client.post(f"/finance/statement/entries/{clawback.pk}/dispute/", {"reason": "It was a thank-you"})
    assert response.status_code == 302

    finance = user_with_role("finance")
    client.force_login(finance)
    page = client.get("/finance/disputes/").content.decode()
    assert "It was a thank-you" in page
    dispute_id = clawback.disputes.get().pk
    client.post(f"/finance/disputes/{dispute_id}/decide/", {"decision": "uphold", "note": "Agreed", "adjustment": ""})

    assert clawback.disputes.get().status == DisputeStatus.UPHELD
    assert LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT).amount_minor == 300
