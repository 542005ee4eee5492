"""On PostgreSQL, the database itself refuses two overlapping active shift claims of one agent.

An exclusion constraint over (agent, time range) needs the btree_gist extension. SQLite
(the embedded run) has no such constraint; there the claim service's check under the
agent's row lock is the guard, and SQLite serialises writers anyway.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE agents_shiftclaim ADD CONSTRAINT claim_no_overlap_per_agent
    EXCLUDE USING gist (agent_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'active');
"""
DROP = "ALTER TABLE agents_shiftclaim DROP CONSTRAINT IF EXISTS claim_no_overlap_per_agent;"


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("agents", "0002_marketplace")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]
