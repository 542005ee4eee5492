"""Every model change ships with its migration: a fresh database gets exactly what the models say."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    report = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=report)
    except SystemExit:
        pytest.fail(f"Models changed without a migration (run `python manage.py makemigrations`):\n{report.getvalue()}")
