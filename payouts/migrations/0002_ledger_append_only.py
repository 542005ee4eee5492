"""The ledger refuses, in the database itself, every change but the one-time void.

Any UPDATE of a ledger row other than setting `voided_at` from NULL (and nothing else) is
refused, and on PostgreSQL every DELETE too (TRUNCATE, used by test teardown, is a
different statement and unaffected). SQLite gets the UPDATE guard only, because Django's
test flush on SQLite deletes rows.
"""

from django.db import migrations

PG_FORWARD = """
CREATE FUNCTION payouts_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger entries are append-only: DELETE refused (entry %)', OLD.id;
    END IF;
    IF OLD.voided_at IS NULL AND NEW.voided_at IS NOT NULL
       AND (to_jsonb(NEW) - 'voided_at') = (to_jsonb(OLD) - 'voided_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger entries are append-only: UPDATE refused (entry %)', OLD.id;
END;
$$;
CREATE TRIGGER payouts_ledger_no_update BEFORE UPDATE ON payouts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_append_only();
CREATE TRIGGER payouts_ledger_no_delete BEFORE DELETE ON payouts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS payouts_ledger_no_delete ON payouts_ledgerentry;
DROP TRIGGER IF EXISTS payouts_ledger_no_update ON payouts_ledgerentry;
DROP FUNCTION IF EXISTS payouts_ledger_append_only();
"""
SQLITE_COLUMNS = [
    "id",
    "agent_id",
    "kind",
    "amount_minor",
    "currency",
    "occurred_at",
    "available_at",
    "conversation_id",
    "rate_card_id",
    "reverses_id",
    "payout_id",
    "dispute_id",
    "breakdown",
    "memo",
    "created_by_id",
    "created_at",
]
SQLITE_FORWARD = (
    "CREATE TRIGGER payouts_ledger_no_update BEFORE UPDATE ON payouts_ledgerentry WHEN "
    "OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL OR "
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in SQLITE_COLUMNS)
    + " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: UPDATE refused'); END;"
)
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS payouts_ledger_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
