"""Index reminders by recipient: the home page lists a user's pending reminders.

Revision ID: a2656ea36033
Revises: c1079cef48fb
Create Date: 2026-11-22 07:40:34.713867
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a2656ea36033"
down_revision: str | None = "c1079cef48fb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminders_user", ["tenant_id", "user_id", "status", "due_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_user")
