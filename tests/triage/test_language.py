"""Language detection: en, de, sv (and fr, es); short or unclear text is "unknown"."""

import time

import pytest

from tickets.triage.language import UNKNOWN, detect_language, language_or


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my new card? I ordered it two weeks ago.", "en"),
        ("I want to talk to a human please", "en"),
        ("Wo ist meine neue Karte? Ich habe sie vor zwei Wochen bestellt.", "de"),
        ("Ich möchte mit einem Mitarbeiter sprechen", "de"),
        ("Var är mitt nya kort? Jag beställde det för två veckor sedan.", "sv"),
        ("Jag vill prata med en människa", "sv"),
        ("Ma carte a été volée hier soir, que dois-je faire ?", "fr"),
        ("¿Dónde está mi tarjeta? La pedí hace dos semanas.", "es"),
    ],
)
def test_language_of_a_customer_message_is_detected(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "ok", "hi", "?!", "4242", "[card ••••4242]", "refund"])
def test_short_or_ambiguous_text_is_unknown(text):
    assert detect_language(text) == UNKNOWN


def test_unknown_falls_back_to_the_conversation_language():
    assert language_or("ok", "sv") == "sv"
    assert language_or("Meine Karte ist gesperrt worden", "en") == "de"


def test_mask_tokens_do_not_sway_the_language():
    assert detect_language("Meine Karte [card ••••4242] funktioniert nicht mehr") == "de"


def test_detection_takes_well_under_a_millisecond_after_load():
    detect_language("warm up the detector")
    texts = ["Why hasn't my top up gone through yet?", "Warum ist meine Aufladung noch nicht da?"] * 100
    start = time.perf_counter()
    for text in texts:
        detect_language(text)
    assert (time.perf_counter() - start) * 1000 / len(texts) < 2
