"""The handover summary: the request in a sentence or two, entities, intent and category, what the bot said."""

import pytest

from tests.factories import ConversationFactory
from tickets.models import SenderKind
from tickets.services import bot
from tickets.services.messages import post_message
from tickets.triage.summary import build_summary, extract_entities, request_of, summary_for_conversation


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("I was charged €12.50 twice", ["€12.50"]),
        ("they took 40 EUR and then $5 more", ["40 EUR", "$5"]),
        ("Jag betalade SEK 300 igår", ["SEK 300"]),
        ("Ich habe 25,99 € bezahlt", ["25,99 €"]),
        ("a payment of £1,234.56", ["£1,234.56"]),
        ("I sent 100 dollars", ["100 dollars"]),
        ("I have 2 cards and 3 accounts", []),
    ],
)
def test_amounts_are_found_with_their_currency(text, amounts):
    assert extract_entities(text)["amounts"] == amounts


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("it happened on 2024-03-15", ["2024-03-15"]),
        ("seit dem 15.03.2024 und gestern", ["15.03.2024", "gestern"]),
        ("on March 15, 2024", ["March 15, 2024"]),
        ("am 15. März", ["15. März"]),
        ("I ordered it 2 weeks ago", ["2 weeks ago"]),
        ("jag beställde det förra veckan", ["förra veckan"]),
        ("last Monday", ["last Monday"]),
    ],
)
def test_dates_are_found(text, dates):
    assert extract_entities(text)["dates"] == dates


@pytest.mark.parametrize(
    ("text", "merchants"),
    [
        ("I paid at Zalando and then to Amazon", ["Zalando", "Amazon"]),
        ("ich habe bei Lidl bezahlt", ["Lidl"]),
        ("jag handlade hos ICA Maxi", ["ICA Maxi"]),
        ("charged by Netflix", ["Netflix"]),
        ("I sent money to my mother", []),
        ("the payment from March", []),
    ],
)
def test_merchants_are_the_capitalised_names_after_at_from_to_bei_hos(text, merchants):
    assert extract_entities(text)["merchants"] == merchants


@pytest.mark.parametrize(
    ("text", "references"),
    [
        ("order #AB-12345 never came", ["AB-12345"]),
        ("Transaction ref: TX-9981", ["TX-9981"]),
        ("Bestellnummer 998877", ["998877"]),
        ("referens 12345678", ["12345678"]),
        ("my order is late", []),
    ],
)
def test_order_and_reference_numbers_are_found(text, references):
    assert extract_entities(text)["references"] == references


def test_the_request_is_the_latest_substantive_message_in_two_sentences_without_greetings():
    texts = ["Hi!", "Hello there. My card has not arrived. I ordered it two weeks ago. Can you check?"]
    assert request_of(texts) == "My card has not arrived. I ordered it two weeks ago."


def test_a_very_long_request_is_shortened():
    assert len(request_of(["word " * 200 + "."])) <= 280


def test_the_summary_is_json_shaped_with_every_field():
    summary = build_summary(
        customer_texts=["I was charged €12.50 twice at Zalando on 2024-03-15, order #AB-1234. This is unacceptable!"],
        bot_texts=["Refunds take 5 days."],
        intent="transaction_charged_twice",
        category="refunds_disputes",
        confidence=0.8123456,
        language="en",
    )
    assert summary == {
        "request": "I was charged €12.50 twice at Zalando on 2024-03-15, order #AB-1234. This is unacceptable!",
        "intent": "transaction_charged_twice",
        "category": "refunds_disputes",
        "confidence": 0.8123,
        "language": "en",
        "entities": {
            "amounts": ["€12.50"],
            "dates": ["2024-03-15"],
            "merchants": ["Zalando"],
            "references": ["AB-1234"],
        },
        "bot_tried": ["Refunds take 5 days."],
        "sentiment": "negative",
        "signals": ["negative_sentiment"],
    }


@pytest.mark.django_db
def test_the_summary_of_a_conversation_says_what_the_bot_already_answered():
    conversation = ConversationFactory()
    post_message(
        conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="Where is my card? Ordered 2 weeks ago"
    )
    bot.conversation_bot_answer(
        conversation=conversation, body="Cards arrive within 5–7 working days.", intent="card_arrival"
    )
    post_message(conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="It still isn't here, 3 weeks now.")
    conversation.refresh_from_db()
    summary = summary_for_conversation(conversation=conversation)
    assert summary["bot_tried"] == ["Cards arrive within 5–7 working days."]  # not the "did that solve it?" question
    assert summary["request"] == "It still isn't here, 3 weeks now."
    assert summary["intent"] == "card_arrival"
    assert summary["entities"]["dates"] == ["2 weeks ago"]


@pytest.mark.django_db
def test_the_summary_never_shows_a_card_number():
    conversation = ConversationFactory()
    post_message(
        conversation=conversation, sender_kind=SenderKind.CUSTOMER, body="My card 4242 4242 4242 4242 is blocked"
    )
    summary = summary_for_conversation(conversation=conversation)
    assert "4242 4242" not in str(summary)
    assert "[card ••••4242]" in summary["request"]
