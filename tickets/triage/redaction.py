"""Mask personal and payment data in free text before it is stored, shown or classified.

`redact(text)` replaces:

- Luhn-valid card numbers (13–19 digits, spaces/dashes/dots allowed between digits) with
  ``[card ••••4242]`` (last four digits kept, as on a receipt);
- checksum-valid IBANs with ``[iban DE••••3000]`` (country and last four kept);
- e-mail addresses with ``[email]``;
- phone numbers valid in one of `PHONE_REGIONS` (or written with a ``+`` country code)
  with ``[phone]``.

It runs on every chat message, so it is cheap for ordinary text: each detector is
gated by a plain regular expression and the phone matcher only runs on text with a
run of at least seven digits. It is idempotent: `redact(redact(x)) == redact(x)`.
"""

import re

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn

PHONE_REGIONS = ("GB", "DE", "SE", "US", "FR", "ES", "AT", "NL")

MASK = "••••"
EMAIL_TOKEN = "[email]"
PHONE_TOKEN = "[phone]"

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# A run of digits where up to three separators (space, dash, dot, no-break or thin space) may sit
# between digits. Card numbers are looked for inside each maximal run, so a PAN glued to
# other digits is still found.
_DIGIT_RUN_RE = re.compile(r"\d(?:[ \-.\u00a0\u2009\u202f]{0,3}\d)*")
_PAN_MIN, _PAN_MAX = 13, 19

# Two letters, two check digits, then 11–30 letters/digits with optional single spaces.
_IBAN_START_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])")
_IBAN_MIN, _IBAN_MAX = 15, 34

# Our own mask tokens: the phone matcher must never read digits inside them.
_TOKEN_RE = re.compile(r"\[(?:card|iban|email|phone)[^\]]*\]")
_SEVEN_DIGITS_RE = re.compile(r"\d(?:[\s\-./()]{0,3}\d){6,}")
# The phone matcher takes "03.05.2024" for a German number; a date is not personal data.
_DATE_RE = re.compile(r"\d{1,4}[./\-]\d{1,2}[./\-]\d{2,4}")


def redact(text: str) -> str:
    """Return `text` with card numbers, IBANs, e-mail addresses and phone numbers masked."""
    if not text:
        return text
    # Masking can only shorten digit runs, so a second pass finds nothing new in practice;
    # looping to a fixed point makes idempotence a guarantee rather than a hope.
    for _ in range(3):
        masked = _redact_once(text)
        if masked == text:
            break
        text = masked
    return text


def _redact_once(text: str) -> str:
    if "@" in text:
        text = _EMAIL_RE.sub(EMAIL_TOKEN, text)
    text = _mask_ibans(text)
    text = _DIGIT_RUN_RE.sub(_mask_card_run, text)
    return _mask_phones(text)


def contains_card_number(text: str) -> bool:
    """True if any run of digits in `text` holds a Luhn-valid 13–19 digit sequence."""
    return any(_run_has_pan(re.sub(r"\D", "", m.group())) for m in _DIGIT_RUN_RE.finditer(text))


def _run_has_pan(digits: str) -> bool:
    n = len(digits)
    if n < _PAN_MIN:
        return False
    for length in range(_PAN_MIN, min(_PAN_MAX, n) + 1):
        for start in range(n - length + 1):
            if luhn.checksum(digits[start : start + length]) == 0:
                return True
    return False


def _mask_card_run(match: re.Match) -> str:
    run = match.group()
    digits = re.sub(r"\D", "", run)
    if not _run_has_pan(digits):
        return run
    # The whole run goes, not only the valid window: a PAN glued to other digits is still a PAN.
    return f"[card {MASK}{digits[-4:]}]"


def _mask_ibans(text: str) -> str:
    if not _IBAN_START_RE.search(text):
        return text
    out: list[str] = []
    pos = 0
    for start_match in _IBAN_START_RE.finditer(text):
        start = start_match.start()
        if start < pos:
            continue
        end = _iban_end(text, start)
        if end is None:
            continue
        compact = re.sub(r"\s", "", text[start:end]).upper()
        out.append(text[pos:start])
        out.append(f"[iban {compact[:2]}{MASK}{compact[-4:]}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _iban_end(text: str, start: int) -> int | None:
    """End offset of the longest checksum-valid IBAN starting at `start`, or None."""
    ends: list[int] = []  # offsets after the 1st, 2nd, ... alphanumeric character
    i = start
    while i < len(text) and len(ends) < _IBAN_MAX:
        ch = text[i]
        if ch.isascii() and ch.isalnum():
            i += 1
            ends.append(i)
        elif ch == " " and i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalnum() and ends:
            i += 1
        else:
            break
    for count in range(len(ends), _IBAN_MIN - 1, -1):
        end = ends[count - 1]
        if end < len(text) and text[end].isascii() and text[end].isalnum():
            continue  # would cut a word or number in half
        if stdnum_iban.is_valid(text[start:end]):
            return end
    return None


def _mask_phones(text: str) -> str:
    if not _SEVEN_DIGITS_RE.search(text):
        return text
    # Run the matcher on the stretches between our own tokens so it never eats into them.
    parts = _TOKEN_RE.split(text)
    tokens = _TOKEN_RE.findall(text)
    masked = [_mask_phones_in(part) for part in parts]
    out = [masked[0]]
    for token, part in zip(tokens, masked[1:], strict=True):
        out.extend((token, part))
    return "".join(out)


def _mask_phones_in(text: str) -> str:
    if not _SEVEN_DIGITS_RE.search(text):
        return text
    spans: list[tuple[int, int]] = []
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region):
            if not _DATE_RE.fullmatch(match.raw_string):
                spans.append((match.start, match.end))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in _merged(spans):
        out.extend((text[pos:start], PHONE_TOKEN))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
