"""Payouts fixtures: a fake Stripe over real HTTP for the real `stripe` library, and signed webhooks."""

import pytest

from tests.payouts.fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_payouts_secret"


@pytest.fixture
def fake_stripe(settings):
    """Point the app at a fresh fake Stripe server for this test; the stripe library is used unmodified."""
    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = FakeStripe.API_KEY
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_CONNECT_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    yield fake
    fake.stop()


@pytest.fixture
def local_provider(settings):
    """No Stripe keys: the local test provider stands in."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture(autouse=True)
def _pay_settings(settings):
    settings.CURRENCY = "EUR"
    settings.HOLDBACK_HOURS = 24
    settings.PAYOUT_MINIMUM_MINOR = 1000
