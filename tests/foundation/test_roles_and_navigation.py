"""Each role sees its own pages in the navigation and cannot open another role's pages."""

import pytest
from django.urls import reverse

from tests.factories import user_with_role

AGENT_PAGES = ["agents:home", "agents:shifts", "agents:workspace", "payouts:statement"]
OPS_PAGES = ["quality:dashboard", "agents:ops_applicants", "agents:ops_shifts"]
FINANCE_PAGES = ["payouts:runs", "payouts:report"]


@pytest.mark.django_db
def test_landing_page_links_chat_workspace_ops_and_finance(client):
    html = client.get("/").content.decode()
    for name in ["tickets:chat", "agents:home", "quality:dashboard", "payouts:runs"]:
        assert f'href="{reverse(name)}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "own", "foreign"),
    [
        ("agent", AGENT_PAGES, OPS_PAGES + FINANCE_PAGES),
        ("ops", OPS_PAGES, [*FINANCE_PAGES, "agents:workspace"]),
        ("finance", FINANCE_PAGES, [*OPS_PAGES, "agents:workspace"]),
    ],
)
def test_navigation_shows_each_role_its_own_pages(client, role, own, foreign):
    client.force_login(user_with_role(role))
    html = client.get("/").content.decode()
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    for name in own:
        assert f'href="{reverse(name)}"' in nav, name
    for name in foreign:
        assert f'href="{reverse(name)}"' not in nav, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "forbidden"),
    [("agent", OPS_PAGES + FINANCE_PAGES), ("ops", FINANCE_PAGES), ("finance", OPS_PAGES)],
)
def test_a_role_cannot_open_another_roles_pages(client, role, forbidden):
    client.force_login(user_with_role(role))
    for name in forbidden:
        response = client.get(reverse(name))
        assert response.status_code in (302, 403), (name, response.status_code)
        if response.status_code == 302:
            assert reverse("login") in response["Location"], name


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in_for_staff_and_agent_pages(client):
    for name in AGENT_PAGES + OPS_PAGES + FINANCE_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


@pytest.mark.django_db
def test_the_customer_chat_needs_no_account(client):
    assert client.get(reverse("tickets:chat")).status_code == 200
