"""The triggers that keep `AgentPeriodTotal` equal to the sums of the ledger, and a rebuild from scratch.

Every insert of an earning entry adds it to its agent's row for the month it occurred in
(UTC); voiding a resolution takes one case off. Both happen inside the inserting or
voiding transaction, so the totals commit or roll back with the entries. Bulk loads that
bypass triggers (`session_replication_role = replica`) call `period_totals_rebuild()`.
"""

# ruff: noqa: S608 - every SQL string here is built from constants in this module, never from input.
from django.db import connection as default_connection

EARNING_KIND_LIST = "('case_resolution', 'bonus', 'adjustment', 'clawback')"
COLUMNS = "agent_id, period, currency, cases, gross_minor, bonuses_minor, adjustments_minor, clawbacks_minor, net_minor"
UPSERT_SET = (
    "cases = {t}cases + excluded.cases, gross_minor = {t}gross_minor + excluded.gross_minor, "
    "bonuses_minor = {t}bonuses_minor + excluded.bonuses_minor, "
    "adjustments_minor = {t}adjustments_minor + excluded.adjustments_minor, "
    "clawbacks_minor = {t}clawbacks_minor + excluded.clawbacks_minor, net_minor = {t}net_minor + excluded.net_minor"
)


def _expressions(row: str, period: str) -> list[str]:
    """One expression per column of COLUMNS: what one ledger row adds to its period total."""
    return [
        f"{row}.agent_id",
        period,
        f"{row}.currency",
        f"CASE WHEN {row}.kind = 'case_resolution' AND {row}.voided_at IS NULL THEN 1 ELSE 0 END",
        f"CASE WHEN {row}.kind = 'case_resolution' THEN {row}.amount_minor ELSE 0 END",
        f"CASE WHEN {row}.kind = 'bonus' THEN {row}.amount_minor ELSE 0 END",
        f"CASE WHEN {row}.kind = 'adjustment' THEN {row}.amount_minor ELSE 0 END",
        f"CASE WHEN {row}.kind = 'clawback' THEN {row}.amount_minor ELSE 0 END",
        f"{row}.amount_minor",
    ]


def _values(row: str, period: str) -> str:
    return ", ".join(_expressions(row, period))


PG_PERIOD = "to_char({row}.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')"
SQLITE_PERIOD = "substr({row}.occurred_at, 1, 7)"  # Django stores UTC datetimes as ISO text on SQLite

PG_INSTALL = f"""
CREATE FUNCTION payouts_period_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.kind IN {EARNING_KIND_LIST} THEN
            INSERT INTO payouts_agentperiodtotal AS t ({COLUMNS})
            VALUES ({_values("NEW", PG_PERIOD.format(row="NEW"))})
            ON CONFLICT (agent_id, period, currency) DO UPDATE SET {UPSERT_SET.format(t="t.")};
        END IF;
    ELSIF NEW.kind = 'case_resolution' AND OLD.voided_at IS NULL AND NEW.voided_at IS NOT NULL THEN
        UPDATE payouts_agentperiodtotal SET cases = cases - 1
        WHERE agent_id = NEW.agent_id AND period = {PG_PERIOD.format(row="NEW")} AND currency = NEW.currency;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER payouts_period_totals AFTER INSERT OR UPDATE OF voided_at ON payouts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payouts_period_totals();
"""
PG_UNINSTALL = """
DROP TRIGGER IF EXISTS payouts_period_totals ON payouts_ledgerentry;
DROP FUNCTION IF EXISTS payouts_period_totals();
"""
SQLITE_INSTALL = [
    f"""CREATE TRIGGER payouts_period_totals_insert AFTER INSERT ON payouts_ledgerentry
    WHEN NEW.kind IN {EARNING_KIND_LIST}
    BEGIN
        INSERT INTO payouts_agentperiodtotal ({COLUMNS}) VALUES ({_values("NEW", SQLITE_PERIOD.format(row="NEW"))})
        ON CONFLICT (agent_id, period, currency) DO UPDATE SET {UPSERT_SET.format(t="")};
    END""",
    f"""CREATE TRIGGER payouts_period_totals_void AFTER UPDATE OF voided_at ON payouts_ledgerentry
    WHEN NEW.kind = 'case_resolution' AND OLD.voided_at IS NULL AND NEW.voided_at IS NOT NULL
    BEGIN
        UPDATE payouts_agentperiodtotal SET cases = cases - 1
        WHERE agent_id = NEW.agent_id AND period = {SQLITE_PERIOD.format(row="NEW")} AND currency = NEW.currency;
    END""",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS payouts_period_totals_insert",
    "DROP TRIGGER IF EXISTS payouts_period_totals_void",
]


def _rebuild_sql(period: str) -> str:
    named = ", ".join(
        f"{expression} AS {name}"
        for expression, name in zip(_expressions("e", period.format(row="e")), COLUMNS.split(", "), strict=True)
    )
    return (
        f"INSERT INTO payouts_agentperiodtotal ({COLUMNS}) "
        f"SELECT agent_id, period, currency, sum(cases), sum(gross_minor), sum(bonuses_minor), "
        f"sum(adjustments_minor), sum(clawbacks_minor), sum(net_minor) FROM ("
        f"SELECT {named} FROM payouts_ledgerentry e WHERE e.kind IN {EARNING_KIND_LIST}"
        f") AS entry_rows GROUP BY agent_id, period, currency"
    )


def install_triggers(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INSTALL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement, params=None)


def uninstall_triggers(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UNINSTALL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UNINSTALL:
            schema_editor.execute(statement, params=None)


def period_totals_rebuild(connection=None) -> None:
    """Recompute every row from the ledger (after a bulk load that bypassed the triggers)."""
    connection = connection or default_connection
    period = PG_PERIOD if connection.vendor == "postgresql" else SQLITE_PERIOD
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM payouts_agentperiodtotal")
        cursor.execute(_rebuild_sql(period))
