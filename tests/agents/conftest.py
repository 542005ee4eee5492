import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Dozens of agent accounts per race test: hashing their passwords slowly proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
