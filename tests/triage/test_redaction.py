"""Redaction runs before anything is stored, shown or classified."""

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from tickets.triage.redaction import contains_card_number, redact

SEPARATOR_CHARS = " -.\u00a0"
FILLER = st.text(
    alphabet=st.sampled_from("abcdefghij XYZ äöüß,:;!?()/€$@#\n0123456789-."),
    max_size=40,
)


@st.composite
def card_numbers(draw) -> str:
    """A Luhn-valid PAN of 13–19 digits."""
    length = draw(st.integers(min_value=13, max_value=19))
    body = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    return body + luhn.calc_check_digit(body)


@st.composite
def written_card_numbers(draw) -> tuple[str, str]:
    """(pan, how a customer might write it): grouped by 4 or 4-6-5, or irregularly, with separators."""
    pan = draw(card_numbers())
    style = draw(st.sampled_from(["plain", "fours", "amex", "random"]))
    sep = draw(st.sampled_from([" ", "-", "  ", " - ", ".", "\u00a0"]))
    if style == "plain":
        return pan, pan
    if style == "fours":
        return pan, sep.join(pan[i : i + 4] for i in range(0, len(pan), 4))
    if style == "amex":
        return pan, sep.join([pan[:4], pan[4:10], pan[10:]])
    seps = draw(st.lists(st.sampled_from(["", "", " ", "-", "."]), min_size=len(pan) - 1, max_size=len(pan) - 1))
    return pan, pan[0] + "".join(s + d for s, d in zip(seps, pan[1:], strict=True))


def squeezed(text: str) -> str:
    return re.sub(f"[{re.escape(SEPARATOR_CHARS)}]", "", text)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(written=written_card_numbers(), before=FILLER, after=FILLER)
def test_no_valid_card_number_survives(written, before, after):
    pan, as_written = written
    out = redact(f"{before}{as_written}{after}")
    assert pan not in squeezed(out)
    assert not contains_card_number(out)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(cards=st.lists(written_card_numbers(), min_size=2, max_size=4), filler=FILLER)
def test_several_card_numbers_in_one_message_are_all_masked(cards, filler):
    out = redact(filler.join(written for _, written in cards))
    for pan, _ in cards:
        assert pan not in squeezed(out)


@given(written=written_card_numbers())
def test_card_mask_keeps_last_four_digits(written):
    pan, as_written = written
    assert redact(f"my card is {as_written} thanks") == f"my card is [card ••••{pan[-4:]}] thanks"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200), written=written_card_numbers(), filler=FILLER)
def test_redaction_is_idempotent(text, written, filler):
    sample = f"{text} {written[1]} {filler} mail a.b@example.com call +44 20 7946 0958 DE89 3704 0044 0532 0130 00"
    once = redact(sample)
    assert redact(once) == once
    assert redact(text) == redact(redact(text))


@pytest.mark.parametrize(
    ("iban", "kept"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE••••3000"),
        ("DE89370400440532013000", "DE••••3000"),
        ("GB82 WEST 1234 5698 7654 32", "GB••••5432"),
        ("SE45 5000 0000 0583 9825 7466", "SE••••7466"),
        ("fr14 2004 1010 0505 0001 3m02 606", "FR••••2606"),
    ],
)
def test_checksum_valid_iban_is_masked(iban, kept):
    assert redact(f"Please refund to {iban}, thanks") == f"Please refund to [iban {kept}], thanks"


def test_iban_with_a_bad_checksum_is_not_reported_as_an_iban():
    assert "[iban" not in redact("DE00 3704 0044 0532 0130 00")


@pytest.mark.parametrize(
    "address", ["john.doe@example.com", "a+tag@mail.co.uk", "Anna_Svensson@foretag.se", "x-y@sub.domain.de"]
)
def test_email_address_is_masked(address):
    assert redact(f"write to {address} please") == "write to [email] please"


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "020 7946 0958",
        "+49 30 1234567",
        "030 1234567",
        "+46 70 123 45 67",
        "070-123 45 67",
        "(415) 555-2671",
        "+1 415 555 2671",
    ],
)
def test_phone_number_is_masked(phone):
    out = redact(f"call me on {phone} today")
    assert out == "call me on [phone] today"


@pytest.mark.parametrize(
    "text",
    [
        "I paid €12.50 on 2024-03-15 at Zalando, order 12345678",
        "Where is my card? I ordered it 2 weeks ago.",
        "Transfer of SEK 300 to my savings, ref AB-1234",
        "Meine Karte ist seit dem 03.05.2024 gesperrt",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == text


def test_redacting_a_typical_message_is_fast():
    import time

    rng = random.Random(4)
    messages = [
        f"Hi, my card {rng.randrange(10**15, 10**16)} was charged {rng.randrange(5, 500)} EUR twice at Amazon"
        for _ in range(300)
    ] + ["Why hasn't my top up gone through yet? I did it an hour ago."] * 300
    redact(messages[0])
    start = time.perf_counter()
    for message in messages:
        redact(message)
    per_message_ms = (time.perf_counter() - start) * 1000 / len(messages)
    assert per_message_ms < 2
