"""The quality REST API: ops-only twins of the pages, and an agent's own quality; stable error codes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import AgentProfileFactory, ConversationFactory, user_with_role
from tests.quality.history import History
from tickets.models import Status
from tickets.quality.models import CsatRating, QaReview, QaStatus

pytestmark = pytest.mark.django_db

OPS_GETS = [
    "api-quality-dashboard",
    "api-quality-forecast",
    "api-quality-qa-reviews",
    "api-quality-agents",
    "api-quality-csat",
]


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize("name", OPS_GETS)
def test_ops_endpoints_refuse_anonymous_and_agents(name):
    assert client_for().get(reverse(name)).status_code in (401, 403)
    assert client_for(AgentProfileFactory().user).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", OPS_GETS)
def test_ops_endpoints_answer_ops(name):
    assert client_for(user_with_role("ops")).get(reverse(name)).status_code == 200


def test_the_staffing_job_can_only_be_run_by_ops():
    url = reverse("api-quality-forecast-run")
    assert client_for(AgentProfileFactory().user).post(url).status_code == 403
    response = client_for(user_with_role("ops")).post(url)
    assert response.status_code == 200
    assert set(response.json()) == {"opened", "topped_up", "surged"}


def test_the_dashboard_json_has_every_figure():
    ConversationFactory(status=Status.QUEUED, language="sv", category="payments")
    body = client_for(user_with_role("ops")).get(reverse("api-quality-dashboard")).json()
    assert body["queue"]["depth"] == 1 and body["queue"]["by_language"] == {"sv": 1}
    assert set(body["agents"]) == {"online", "scheduled", "online_on_shift", "scheduled_not_online"}
    for key in ("sla", "containment_rate", "csat", "aht_seconds", "cost_per_resolved_case_minor", "currency"):
        assert key in body["last_24h"]
    assert len(body["hourly"]) == 24 and len(body["daily"]) == 7


def test_a_figure_can_be_traced_to_its_events():
    agent = AgentProfileFactory().user
    now = timezone.now()
    h = History(at=now - timedelta(minutes=30), status=Status.RESOLVED).handoff(now - timedelta(minutes=29))
    h.assigned(now - timedelta(minutes=28), agent).resolved(now - timedelta(minutes=20), agent)
    url = reverse("api-quality-events")
    query = {"metric": "aht", "since": (now - timedelta(hours=1)).isoformat(), "until": now.isoformat()}

    body = client_for(user_with_role("ops")).get(url, query).json()

    assert [(e["kind"], e["to_status"]) for e in body["results"]] == [
        ("transition", "assigned"),
        ("transition", "resolved"),
    ]
    assert all(e["conversation"] == h.conversation.pk for e in body["results"])


@pytest.mark.parametrize(
    "query",
    [
        {"metric": "nope", "since": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z"},
        {"metric": "sla", "since": "x", "until": "y"},
        {"metric": "sla", "since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    ],
)
def test_tracing_with_bad_parameters_is_a_400(query):
    assert client_for(user_with_role("ops")).get(reverse("api-quality-events"), query).status_code == 400


@pytest.fixture
def review():
    agent = AgentProfileFactory().user
    conv = ConversationFactory(status=Status.RESOLVED, assigned_agent=agent)
    return QaReview.objects.create(
        conversation=conv, agent=agent, reasons=["random"], sample_date=timezone.now().date()
    )


def test_ops_review_through_the_api(review):
    ops = client_for(user_with_role("ops"))
    detail = ops.get(reverse("api-quality-qa-review", kwargs={"review_id": review.pk})).json()
    assert detail["status"] == "pending" and detail["transcript"] == []

    response = ops.post(
        reverse("api-quality-qa-review-submit", kwargs={"review_id": review.pk}),
        {"correctness": 5, "tone": 4, "policy": 4, "comment": "ok"},
        format="json",
    )

    assert response.status_code == 200 and response.json()["average"] == pytest.approx(13 / 3)
    again = ops.post(
        reverse("api-quality-qa-review-submit", kwargs={"review_id": review.pk}),
        {"correctness": 1, "tone": 1, "policy": 1},
        format="json",
    )
    assert (again.status_code, again.json()["error"]) == (409, "qa_already_reviewed")


@pytest.mark.parametrize(
    "bad",
    [
        {"correctness": 6, "tone": 4, "policy": 4},
        {"correctness": "5", "tone": 4, "policy": 4},
        {"tone": 4, "policy": 4},
    ],
)
def test_a_bad_scorecard_is_a_400_and_changes_nothing(review, bad):
    response = client_for(user_with_role("ops")).post(
        reverse("api-quality-qa-review-submit", kwargs={"review_id": review.pk}), bad, format="json"
    )
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.status == QaStatus.PENDING


def test_an_agent_cannot_review(review):
    response = client_for(review.agent).post(
        reverse("api-quality-qa-review-submit", kwargs={"review_id": review.pk}),
        {"correctness": 5, "tone": 5, "policy": 5},
        format="json",
    )
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == QaStatus.PENDING


def test_a_missing_review_is_404():
    assert (
        client_for(user_with_role("ops"))
        .get(reverse("api-quality-qa-review", kwargs={"review_id": 999999}))
        .status_code
        == 404
    )


def test_an_agent_sees_only_their_own_quality_and_only_finished_reviews(review):
    CsatRating.objects.create(conversation=review.conversation, score=5, agent=review.agent, created_at=timezone.now())
    someone = AgentProfileFactory().user
    other_conv = ConversationFactory(status=Status.RESOLVED, assigned_agent=someone)
    CsatRating.objects.create(conversation=other_conv, score=1, agent=someone, created_at=timezone.now())

    body = client_for(review.agent).get(reverse("api-quality-me")).json()

    assert [r["conversation"] for r in body["ratings"]] == [review.conversation_id]
    assert body["reviews"] == []  # pending reviews stay with ops
    assert body["csat_count"] == 1 and body["csat_distribution"]["5"] == 1
    assert "reviewer" not in str(body)


def test_my_quality_is_refused_to_ops_without_the_agent_role():
    assert client_for(user_with_role("ops")).get(reverse("api-quality-me")).status_code == 403


def test_the_openapi_schema_documents_the_quality_endpoints():
    response = client_for(user_with_role("ops")).get(reverse("schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/quality/dashboard/",
        "/api/quality/forecast/",
        "/api/quality/qa-reviews/{review_id}/review",
        "/api/quality/me/",
    ):
        assert path in paths
