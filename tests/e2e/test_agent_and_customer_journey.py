"""An agent and a customer, each in their own browser, at the same time.

The agent claims a seat on the running shift and goes online; the customer gets the bot's answer to a
routine question, then asks for a person; the ticket appears live in the agent's workspace, the agent
takes it, reads the handover summary, edits the drafted reply and sends it; the customer's network drops
and comes back (and the page is reloaded) with every message shown once, in order, on both sides; the
agent resolves, the customer gives five stars, and the case shows in the agent's earnings.
"""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE

QUESTION = "How do I change my PIN?"  # a routine question the triage model answers from the knowledge base
READ_TRANSCRIPT = """selector => [...document.querySelectorAll(selector)].map(node => ({
    seq: node.dataset.seq ? Number(node.dataset.seq) : null,
    sender: [...node.classList].find(c => c.startsWith("msg-")).slice(4),
    body: [...node.childNodes].filter(child => child.nodeType === Node.TEXT_NODE).map(t => t.textContent).join(""),
}))"""


def transcript(page: Page, selector: str) -> list[dict]:
    return page.evaluate(READ_TRANSCRIPT, selector)


def customer_view(page: Page) -> list[dict]:
    return transcript(page, "#chat-log .msg")


def agent_view(page: Page) -> list[dict]:
    return transcript(page, "#transcript .msg")


def test_agent_takes_a_handed_over_chat_live_and_the_customer_loses_nothing_across_a_network_drop(
    open_page, cuttable_link, shot
):
    # --- The agent: claim a seat on the running shift, then go online. -----------------------------------
    agent = open_page("anna")
    agent.goto("/agent/")
    resolved_before = int(agent.locator("#resolved-today").inner_text())

    agent.goto("/agent/shifts/")
    running = agent.locator("#slot-list tr[data-slot]").first  # slots in start order: the running one first
    slot_id = running.get_attribute("data-slot")
    running_slot = agent.locator(f'#slot-list tr[data-slot="{slot_id}"]')
    # The demo data gave Anna this seat; she gives it back (a late cancel) and claims it again herself.
    running_slot.get_by_test_id("cancel-shift").click()
    expect(agent.locator(".flash")).to_contain_text("Cancelled — late")
    expect(running_slot.get_by_test_id("claim-shift")).to_be_visible()
    agent.goto("/agent/")
    expect(agent.locator("#go-online")).to_be_disabled()  # no shift, no going online
    agent.goto("/agent/shifts/")
    running_slot.get_by_test_id("claim-shift").click()
    expect(agent.locator(".flash")).to_contain_text("Seat claimed")
    expect(running_slot.get_by_test_id("cancel-shift")).to_be_visible()
    shot(agent, "agent-claimed-seat")

    agent.goto("/agent/")
    expect(agent.locator("#todays-shift .badge-ok", has_text="now")).to_be_visible()
    agent.locator("#go-online").click()
    expect(agent.locator("#presence-status")).to_have_text("online")

    agent.goto("/agent/workspace/")
    expect(agent.locator("#socket-status")).to_have_text("Connected")
    expect(agent.locator("#presence-status")).to_have_text("online")
    queue_item = agent.locator("#queue-list li[data-ticket]", has_text=QUESTION)
    expect(queue_item).to_have_count(0)

    # --- The customer: a routine question gets the bot's answer; then they ask for a person. -------------
    customer = open_page(viewport=PHONE, base_url=cuttable_link.url)  # a network the journey can cut
    customer.goto("/chat/")
    customer.fill("#start-name", "Casey Customer")
    customer.click("#start-button")
    expect(customer.locator("#connection")).to_have_text("Connected")
    customer.get_by_test_id("chat-input").fill(QUESTION)
    customer.get_by_test_id("chat-send").click()
    bot_answer = customer.locator("#chat-log .msg-bot")
    expect(bot_answer.first).to_be_visible(timeout=15_000)
    expect(bot_answer.first).to_contain_text("PIN")
    expect(customer.get_by_test_id("bot-question")).to_be_visible()
    shot(customer, "customer-bot-answer")

    customer.get_by_test_id("talk-to-human").click()
    expect(customer.get_by_test_id("queue-status")).to_have_attribute("data-status", "queued")
    expect(customer.get_by_test_id("talk-to-human")).to_be_disabled()

    # --- The ticket appears in the workspace without a reload; the agent takes it. ------------------------
    expect(queue_item).to_have_count(1)
    expect(queue_item).to_contain_text("change pin")
    # The ticket is routed by what triage found: a card question, needing the cards skill.
    expect(queue_item.locator(".muted")).to_contain_text("Cards · en")
    conversation_id = queue_item.get_attribute("data-ticket")
    shot(agent, "agent-queue")
    queue_item.get_by_test_id("take-ticket").click()
    tab = agent.locator(f'#conv-tabs [data-conversation="{conversation_id}"]')
    expect(tab).to_have_text(re.compile("Casey Customer"))
    expect(agent.locator("#conversation")).to_be_visible()
    expect(queue_item).to_have_count(0)

    # The whole bot exchange is there, and the handover summary says what the customer wants.
    expect(agent.locator("#transcript .msg-customer").first).to_contain_text(QUESTION)
    expect(agent.locator("#transcript .msg-bot").first).to_be_visible()
    summary = agent.locator("#handover-summary")
    expect(summary.locator("dt", has_text="Customer wants")).to_be_visible()
    expect(summary.locator("dd").first).to_contain_text(re.compile("PIN", re.IGNORECASE))
    expect(agent.locator("#triage-details dt").first).to_be_visible()

    # The customer is told who is with them.
    expect(customer.get_by_test_id("queue-status")).to_have_attribute("data-status", "assigned")
    expect(customer.get_by_test_id("agent-name")).to_contain_text("Anna")

    # A drafted reply is offered; nothing is sent until the agent edits it and presses Send.
    draft = agent.locator("#draft-reply")
    expect(draft).not_to_have_value("", timeout=15_000)
    expect(agent.locator("#draft-source")).not_to_be_empty()
    drafted = draft.input_value()
    assert agent.locator("#transcript .msg-agent").count() == 0
    shot(agent, "agent-workspace-draft")
    draft.fill(f"{drafted.strip()}\n\nI'll stay with you until it works.")  # reviewed and edited
    agent.locator("#send-reply").click()
    expect(agent.locator("#transcript .msg-agent")).to_have_count(1)
    expect(agent.locator("#transcript .msg-agent")).to_contain_text("I'll stay with you until it works.")
    expect(draft).to_have_value("")

    # The customer sees it live.
    expect(customer.locator("#chat-log .msg-agent")).to_have_count(1)
    expect(customer.locator("#chat-log .msg-agent")).to_contain_text("I'll stay with you until it works.")
    expect(customer.get_by_test_id("typing")).to_be_empty()
    shot(agent, "agent-workspace", docs="agent-workspace.png")
    shot(customer, "customer-chat", docs="customer-chat.png")

    # --- The customer's network drops; both sides keep talking; it comes back. ----------------------------
    customer.context.set_offline(True)
    cuttable_link.cut()
    expect(customer.locator("#connection")).to_have_attribute("data-state", re.compile("offline|connecting"))
    customer.get_by_test_id("chat-input").fill("Sorry, my train went into a tunnel. Thanks, that worked!")
    customer.get_by_test_id("chat-send").click()
    expect(customer.locator("#chat-log .msg.pending")).to_have_count(1)  # kept until the server confirms it
    agent.locator("#draft-reply").fill("Are you still there? Your new PIN works at once at any ATM.")
    agent.locator("#send-reply").click()
    expect(agent.locator("#transcript .msg-agent")).to_have_count(2)
    expect(customer.locator("#chat-log .msg-agent")).to_have_count(1)  # it cannot arrive while offline
    shot(customer, "customer-offline")

    cuttable_link.restore()
    customer.context.set_offline(False)
    expect(customer.locator("#connection")).to_have_text("Connected", timeout=15_000)
    expect(customer.locator("#chat-log .msg.pending")).to_have_count(0)
    expect(customer.locator("#chat-log .msg-agent")).to_have_count(2)
    expect(agent.locator("#transcript .msg-customer", has_text="train went into a tunnel")).to_have_count(1)

    customer.reload()
    expect(customer.locator("#connection")).to_have_text("Connected")
    expect(customer.locator("#chat-log .msg-agent")).to_have_count(2)
    expect(customer.locator("#chat-log .msg").last).to_be_in_viewport()  # the chat opens at its newest message
    shot(customer, "customer-after-reconnect")

    # Both views hold the same messages, each once, numbered 1..n without a gap.
    expect(agent.locator("#transcript .msg")).to_have_count(customer.locator("#chat-log .msg").count())
    seen_by_customer, seen_by_agent = customer_view(customer), agent_view(agent)
    assert seen_by_customer == seen_by_agent
    assert [m["seq"] for m in seen_by_customer] == list(range(1, len(seen_by_customer) + 1))
    assert len({(m["sender"], m["body"]) for m in seen_by_customer}) == len(seen_by_customer)
    assert [m["sender"] for m in seen_by_customer].count("customer") == 2

    # --- The agent resolves; the customer rates five stars. -----------------------------------------------
    agent.locator("#resolution-code").select_option("info_provided")
    agent.locator("#resolve").click()
    expect(tab).to_have_count(0)
    expect(agent.locator("#no-conversation")).to_be_visible()

    expect(customer.get_by_test_id("queue-status")).to_have_attribute("data-status", "resolved")
    expect(customer.get_by_test_id("csat")).to_be_visible()
    customer.locator('#csat-stars button[data-score="5"]').click()
    customer.locator("#csat-comment").fill("Anna was quick and kind.")
    customer.get_by_test_id("csat-submit").click()
    expect(customer.get_by_test_id("csat-thanks")).to_be_visible()
    expect(customer.get_by_test_id("csat")).to_be_hidden()
    shot(customer, "customer-rated")

    # --- The agent's day and statement show the new case. -------------------------------------------------
    agent.goto("/agent/")
    expect(agent.locator("#resolved-today")).to_have_text(str(resolved_before + 1))
    agent.goto("/finance/statement/")
    entry = agent.locator("main table tr", has_text=f"Case #{conversation_id} resolved")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("pending until")
    expect(agent.locator("main table tr", has_text=f"5-star rating on case #{conversation_id}")).to_have_count(1)
    shot(agent, "agent-statement")
