"""Regulations: versions of each council's regulation and the reference values they use.

Platform tables (public law, no RLS); the application role may only insert into them
(infra/postgres/roles.sql revokes UPDATE and DELETE).

Revision ID: 5e1a0c2b7d10
Revises: 9eb59ebd9c99
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1a0c2b7d10"
down_revision: str | None = "9eb59ebd9c99"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reference_values_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_values")),
        sa.UniqueConstraint(
            "name",
            "tenant_id",
            "valid_from",
            name=op.f("uq_reference_values_name_tenant_id_valid_from"),
        ),
    )
    with op.batch_alter_table("reference_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reference_values_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "regulation_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("publication", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("source_path", sa.String(length=300), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_regulation_versions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulation_versions")),
        sa.UniqueConstraint(
            "tenant_id",
            "effective_from",
            name=op.f("uq_regulation_versions_tenant_id_effective_from"),
        ),
    )


def downgrade() -> None:
    op.drop_table("regulation_versions")
    with op.batch_alter_table("reference_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_values_tenant_id"))

    op.drop_table("reference_values")
