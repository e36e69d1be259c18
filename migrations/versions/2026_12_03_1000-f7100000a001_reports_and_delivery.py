"""Reports and delivery at scale (issue 7).

Report runs (platform rows reached through a council's or a consortium's scope) with their
parameters' hash, progress, figures and files; notifications gain delivery attempts, the
relay's last error and the digest that carried them; users gain a delivery choice (each
e-mail, or one daily digest, keyed by user and day); each scheduled task's run claims its
slot, so a second beat does nothing.

Revision ID: f7100000a001
Revises: e61a0b0c0001
Create Date: 2026-12-03 09:08:06.045504
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7100000a001"
down_revision: str | None = "e61a0b0c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "beat_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=120), nullable=False),
        sa.Column("slot", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beat_slots")),
        sa.UniqueConstraint("task", "slot", name="uq_beat_slots"),
    )
    op.create_table(
        "notification_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("emailed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_digests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_digests")),
        sa.UniqueConstraint("user_id", "day", name="uq_notification_digests_day"),
    )
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=63), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=True),
        sa.Column("consortium_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("params_hash", sa.String(length=64), nullable=False),
        sa.Column("natural_key", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=200), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consortium_id"], ["consortia.id"], name=op.f("fk_report_runs_consortium_id_consortia")
        ),
        sa.ForeignKeyConstraint(
            ["council_id"], ["tenants.id"], name=op.f("fk_report_runs_council_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_report_runs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_report_runs_natural_key")),
    )
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_runs_consortium", ["consortium_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_report_runs_council", ["council_id", "created_at"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("email_error", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("email_failed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_digest_id_notification_digests"),
            "notification_digests",
            ["digest_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("email_attempts", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_digest_id_notification_digests"), type_="foreignkey"
        )
        batch_op.drop_column("digest_id")
        batch_op.drop_column("email_failed_at")
        batch_op.drop_column("email_error")
        batch_op.drop_column("email_attempts")

    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_report_runs_council")
        batch_op.drop_index("ix_report_runs_consortium")

    op.drop_table("report_runs")
    op.drop_table("notification_settings")
    op.drop_table("notification_digests")
    op.drop_table("beat_slots")
