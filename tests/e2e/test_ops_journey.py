"""Ops runs the floor: approve an applicant, publish a shift slot (which the new agent then claims), and
watch the live dashboard with its charts."""

import re
import zoneinfo
from datetime import UTC, datetime, time, timedelta

from playwright.sync_api import expect

CHARTS = ("volume", "sla", "csat", "aht")


def shown(starts_at: datetime, ends_at: datetime) -> str:
    """A shift's window as the pages print it ("D j M, H:i–H:i")."""
    return f"{starts_at:%a} {starts_at.day} {starts_at:%b}, {starts_at:%H:%M}–{ends_at:%H:%M}"


def test_ops_approves_an_applicant_publishes_a_slot_and_sees_the_dashboard_charts(e2e_stack, open_page, shot):
    page = open_page("ops")

    # --- Dave applied to work as an agent; ops approves him. ---------------------------------------------
    page.goto("/ops/applicants/")
    dave = page.locator("#applicants tr[data-applicant]", has_text="Dave Okafor")
    expect(dave).to_contain_text("Applied")
    dave.locator('input[name="note"]').fill("References checked")
    dave.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash")).to_contain_text("Dave Okafor: approved.")
    expect(dave).to_have_count(0)  # no longer waiting for a decision
    page.get_by_role("link", name="Approved", exact=True).click()
    expect(dave).to_contain_text("Approved")
    expect(dave).to_contain_text("References checked")
    shot(page, "applicant-approved")

    # --- Ops publishes a shift, typing the times in Stockholm time. -----------------------------------------
    stockholm = zoneinfo.ZoneInfo("Europe/Stockholm")
    day = datetime.now(stockholm).date() + timedelta(days=3)
    starts_at = datetime.combine(day, time(10, 0), tzinfo=stockholm)
    ends_at = datetime.combine(day, time(14, 0), tzinfo=stockholm)
    page.goto("/ops/shifts/")
    form = page.locator("#slot-form")
    form.locator("#id_time_zone").select_option("Europe/Stockholm")
    form.locator("#id_starts_at").fill(starts_at.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_ends_at").fill(ends_at.strftime("%Y-%m-%dT%H:%M"))
    form.locator('input[name="languages"][value="en"]').check()
    form.locator('input[name="skills"][value="cards"]').check()
    form.locator("#id_seats").fill("3")
    form.locator("#id_pay_multiplier").fill("1.50")
    form.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash")).to_contain_text("Published")
    in_utc = shown(starts_at.astimezone(UTC), ends_at.astimezone(UTC))
    slot = page.locator("#slots tr[data-slot]", has_text=in_utc)  # the ops list is in UTC
    expect(slot).to_have_count(1)
    expect(slot).to_contain_text("×1.50")
    expect(slot).to_contain_text("0 / 3")
    slot_id = slot.get_attribute("data-slot")
    shot(page, "slot-published")

    # --- Dave, now approved, finds the shift in his marketplace (in his own time zone) and claims a seat. ---
    agent = open_page("dave")
    agent.goto("/agent/shifts/")
    offered = agent.locator(f'#slot-list tr[data-slot="{slot_id}"]')
    dublin = zoneinfo.ZoneInfo("Europe/Dublin")
    expect(offered).to_contain_text(shown(starts_at.astimezone(dublin), ends_at.astimezone(dublin)))
    offered.get_by_test_id("claim-shift").click()
    expect(agent.locator(".flash")).to_contain_text("Seat claimed")
    expect(offered.get_by_test_id("cancel-shift")).to_be_visible()
    page.reload()
    expect(slot).to_contain_text("1 / 3")

    # --- The live dashboard, with its charts. -----------------------------------------------------------------
    page.goto("/ops/")
    expect(page.get_by_role("heading", name="Ops dashboard")).to_be_visible()
    expect(page.locator('[data-metric="agents.scheduled"]')).to_have_text(re.compile(r"^\d+$"))
    page.get_by_role("link", name="Last 7 days").click()
    expect(page.locator(".badge", has_text="Last 7 days")).to_be_visible()
    expect(page.locator("img[data-chart]")).to_have_count(len(CHARTS))
    for name in CHARTS:
        chart = page.locator(f'img[data-chart][src*="/ops/charts/{name}.svg"]')
        expect(chart).to_be_visible()
        # Drawn, not a broken image: the browser decoded the SVG into a picture with a size.
        expect(chart).to_have_js_property("complete", True)
        assert chart.evaluate("img => img.naturalWidth") > 0, chart.get_attribute("src")
        response = page.request.get(chart.get_attribute("src"))
        assert response.ok
        assert response.headers["content-type"].startswith("image/svg+xml")
        svg = response.text()
        assert "<svg" in svg and "</svg>" in svg
        assert 'class="no_data"' not in svg and "serie-0" in svg, f"the {name} chart draws the demo history"
    shot(page, "dashboard")
