"""PostgreSQL row-level security for tenant-owned tables, applied by migrations.

Policies compare each row's ``tenant_id`` with ``teia_current_tenant()``, which reads the
per-transaction setting ``teia.tenant_id`` (see :mod:`teia.core.tenancy`). FORCE makes the
policies bind the table owner too; the application connects as a role that owns nothing
(``infra/postgres/roles.sql``).
"""

from __future__ import annotations

CURRENT_TENANT_FUNCTION = """
CREATE OR REPLACE FUNCTION teia_current_tenant() RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT NULLIF(current_setting('teia.tenant_id', true), '')::integer
$$;
"""


def tenant_policy_sql(table: str, *, optional: bool = False) -> list[str]:
    """Statements that confine ``table`` to the tenant in scope.

    ``optional``: rows with no tenant belong to the platform and are visible only outside
    any tenant (``IS NOT DISTINCT FROM`` treats two NULLs as equal).
    """
    test = (
        "tenant_id IS NOT DISTINCT FROM teia_current_tenant()"
        if optional
        else "tenant_id = teia_current_tenant()"
    )
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"CREATE POLICY tenant_isolation ON {table} USING ({test}) WITH CHECK ({test})",
    ]
