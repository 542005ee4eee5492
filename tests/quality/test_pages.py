"""The quality pages: who may open them, and that they show the figures and charts without JavaScript."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgentProfileFactory, ConversationFactory, user_with_role
from tickets.models import Message, SenderKind, Status
from tickets.quality.models import CsatRating, QaReview, QaStatus

pytestmark = pytest.mark.django_db

OPS_PAGES = [
    ("quality:dashboard", {}),
    ("quality:forecast", {}),
    ("quality:qa", {}),
    ("quality:report", {}),
    ("quality:forecast_chart", {}),
    ("quality:dashboard_chart", {"name": "sla"}),
]


@pytest.fixture
def ops_client(client):
    client.force_login(user_with_role("ops"))
    return client


@pytest.mark.parametrize(("name", "kwargs"), OPS_PAGES)
def test_ops_pages_send_visitors_to_log_in_and_refuse_agents(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302
    client.force_login(AgentProfileFactory().user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), OPS_PAGES)
def test_ops_pages_open_for_ops(ops_client, name, kwargs):
    assert ops_client.get(reverse(name, kwargs=kwargs)).status_code == 200


def test_the_dashboard_shows_the_figures_and_embeds_library_drawn_charts(ops_client):
    ConversationFactory(status=Status.QUEUED, language="de", category="cards")

    page = ops_client.get(reverse("quality:dashboard")).content.decode()

    assert 'data-metric="queue.depth">1<' in page
    for chart in ("volume", "sla", "csat", "aht"):
        assert reverse("quality:dashboard_chart", kwargs={"name": chart}) + "?range=24h" in page
    svg = ops_client.get(reverse("quality:dashboard_chart", kwargs={"name": "volume"}) + "?range=7d")
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert b"pygal" in svg.content and svg.content.lstrip().startswith(b"<svg")
    assert "default-src 'none'" in svg["Content-Security-Policy"]


def test_an_unknown_chart_is_404(ops_client):
    assert ops_client.get(reverse("quality:dashboard_chart", kwargs={"name": "nope"})).status_code == 404


def test_the_forecast_page_has_a_chart_and_a_table_of_48_hours(ops_client):
    page = ops_client.get(reverse("quality:forecast")).content.decode()
    assert reverse("quality:forecast_chart") in page
    assert page.count("<tr>") >= 48


def test_running_the_staffing_job_from_the_page(ops_client):
    response = ops_client.post(reverse("quality:forecast_run"), follow=True)
    assert b"Staffing job done" in response.content


def _review():
    agent = AgentProfileFactory(display_name="Ada").user
    conv = ConversationFactory(status=Status.RESOLVED, assigned_agent=agent)
    Message.objects.create(
        conversation=conv, seq=1, sender_kind=SenderKind.CUSTOMER, body="my card ****1111 is blocked"
    )
    return QaReview.objects.create(
        conversation=conv, agent=agent, reasons=["low_csat"], sample_date=timezone.now().date()
    )


def test_ops_review_a_conversation_from_its_transcript(ops_client):
    review = _review()
    url = reverse("quality:qa_detail", kwargs={"review_id": review.pk})
    page = ops_client.get(url).content.decode()
    assert "my card ****1111 is blocked" in page and "Ada" in page

    response = ops_client.post(url, {"correctness": "4", "tone": "5", "policy": "3", "comment": "Check identity first"})

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.correctness, review.tone, review.policy) == (QaStatus.REVIEWED, 4, 5, 3)


def test_a_bad_scorecard_is_shown_again_with_the_error_and_changes_nothing(ops_client):
    review = _review()
    url = reverse("quality:qa_detail", kwargs={"review_id": review.pk})

    response = ops_client.post(url, {"correctness": "9", "tone": "5", "policy": "x"})

    assert response.status_code == 400
    assert b"Correctness must be a whole number from 1 to 5" in response.content
    review.refresh_from_db()
    assert review.status == QaStatus.PENDING


def test_an_agent_sees_their_own_ratings_and_reviews_on_my_quality(client):
    review = _review()
    review.correctness, review.tone, review.policy = 2, 3, 4
    review.comment, review.status, review.reviewed_at = "Verify the card first", QaStatus.REVIEWED, timezone.now()
    review.save()
    CsatRating.objects.create(
        conversation=review.conversation, score=4, comment="quick help", agent=review.agent, created_at=timezone.now()
    )
    other = _review()
    CsatRating.objects.create(
        conversation=other.conversation, score=1, comment="someone else's", agent=other.agent, created_at=timezone.now()
    )
    client.force_login(review.agent)

    page = client.get(reverse("quality:mine")).content.decode()

    assert "Verify the card first" in page and "quick help" in page
    assert "someone else" not in page


def test_my_quality_is_for_agents_only(client):
    client.force_login(user_with_role("finance"))
    assert client.get(reverse("quality:mine")).status_code == 403


def test_the_navigation_links_to_the_quality_pages_by_role(client):
    client.force_login(user_with_role("ops"))
    page = client.get(reverse("home")).content.decode()
    assert reverse("quality:forecast") in page and reverse("quality:qa") in page
    assert reverse("quality:mine") not in page
