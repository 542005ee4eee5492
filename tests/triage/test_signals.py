"""Signals: a request for a human, anger/distress, vulnerability and fraud cues in en, de and sv."""

import pytest

from tickets.triage.signals import detect_signals, is_small_talk


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a human",
        "Can I speak to a real person please?",
        "agent please",
        "Let me chat with someone, not a bot",
        "Get me customer service now",
        "Ich möchte mit einem Mitarbeiter sprechen",
        "Bitte einen Menschen!",
        "Kann ich mit einem Kundenberater reden?",
        "Gibt es einen menschlichen Ansprechpartner?",
        "Jag vill prata med en människa",
        "Kan jag få prata med en handläggare?",
        "Jag vill prata med någon från personalen",
        "Je veux parler à un conseiller",
        "Quiero hablar con un humano",
    ],
)
def test_an_explicit_request_for_a_human_is_found(text):
    assert detect_signals(text).human_requested


@pytest.mark.parametrize(
    "text",
    [
        "How do I change my personal details?",
        "Can I send money to a person abroad?",
        "Where is my card? I ordered it last week.",
        "Wie lange dauert eine Überweisung?",
        "Hur lång tid tar en överföring?",
        "Can you help me with my top up?",
    ],
)
def test_ordinary_questions_raise_no_signal(text):
    assert detect_signals(text).codes == []


@pytest.mark.parametrize(
    "text",
    [
        "This is absolutely unacceptable, I am furious",
        "Your fees are a scam and a rip-off",
        "WHY HAS MY MONEY NOT ARRIVED YET",
        "Where is my refund!!!",
        "Ich bin wirklich wütend, das ist eine Frechheit",
        "Das ist inakzeptabel, ich werde mich beschweren",
        "Jag är så arg, det här är oacceptabelt",
        "Ni är värdelösa, jag är förbannad",
    ],
)
def test_anger_counts_as_negative_sentiment(text):
    signals = detect_signals(text)
    assert signals.negative_sentiment
    assert signals.upset


@pytest.mark.parametrize(
    "text",
    [
        "I'm desperate, I'm crying, I can't pay my rent",
        "It's an emergency, I'm stranded abroad with no money left",
        "Ich bin verzweifelt, es ist ein Notfall",
        "Jag är desperat och gråter, jag har inga pengar",
    ],
)
def test_distress_is_found(text):
    assert detect_signals(text).distress


@pytest.mark.parametrize(
    "text",
    [
        "My husband passed away and I need to close his account",
        "I lost my job and I'm in debt",
        "Meine Mutter ist verstorben, was passiert mit ihrem Konto?",
        "Ich bin arbeitslos und habe Schulden",
        "Min mamma dog förra veckan",
        "Jag ligger på sjukhus och kan inte logga in",
    ],
)
def test_vulnerability_is_found(text):
    assert detect_signals(text).vulnerability


@pytest.mark.parametrize(
    "text",
    [
        "My card was stolen last night",
        "I think my account was hacked",
        "Someone used my card in a shop I've never been to",
        "There is a payment I didn't make",
        "Meine Karte wurde gestohlen",
        "Jemand hat meine Karte benutzt",
        "Mitt kort är stulet",
        "Någon har använt mitt kort",
    ],
)
def test_fraud_cues_are_found(text):
    assert detect_signals(text).fraud


def test_cues_record_what_was_matched():
    signals = detect_signals("I am furious, get me a human")
    assert "furious" in signals.cues
    assert "human" in signals.cues
    assert signals.as_dict() == {"codes": ["human_requested", "negative_sentiment"], "cues": list(signals.cues)}


@pytest.mark.parametrize("text", ["hi", "Hello there!", "Hallo zusammen", "Hej!", "thanks", "Good morning. Thank you!"])
def test_a_greeting_or_thanks_alone_is_small_talk(text):
    assert is_small_talk(text)


@pytest.mark.parametrize("text", ["hi, where is my card?", "Hello. My top-up failed.", "", "human"])
def test_a_message_with_a_request_is_not_small_talk(text):
    assert not is_small_talk(text)
