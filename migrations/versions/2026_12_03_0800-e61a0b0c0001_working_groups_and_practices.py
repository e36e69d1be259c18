"""Supra-municipal working groups and the good-practice library (issue 6).

Groups, members, vignettes and their comments, meetings (agenda, attendance, decisions,
action items), the constraints register, the reminders sent for meetings and actions, and the
practice library are platform rows reached through group membership or, for published
practices, by any professional. The link from a vignette back to its case stays in the
author's council (``vignette_sources``, row-level security). Users gain notification
preferences per topic.

Revision ID: e61a0b0c0001
Revises: d91e5f0a0001
Create Date: 2026-12-03 07:36:07.748379
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from teia.core.rls import tenant_policy_sql

revision: str = "e61a0b0c0001"
down_revision: str | None = "d91e5f0a0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_reminders_sent_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_reminders_sent")),
        sa.UniqueConstraint(
            "object_type", "object_id", "kind", "due_date", "user_id", name="uq_group_reminders"
        ),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "topic", name=op.f("pk_notification_preferences")),
    )
    op.create_table(
        "working_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_working_groups_consortium_id_consortia"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_working_groups_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_groups")),
    )
    with op.batch_alter_table("working_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_working_groups_consortium_id"), ["consortium_id"], unique=False
        )

    op.create_table(
        "group_constraints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("affected_tenant_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("raised_with", sa.String(length=250), nullable=True),
        sa.Column("raised_on", sa.Date(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("response_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_group_constraints_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_group_constraints_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_group_constraints_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_constraints")),
    )
    with op.batch_alter_table("group_constraints", schema=None) as batch_op:
        batch_op.create_index("ix_group_constraints_group", ["group_id", "status"], unique=False)

    op.create_table(
        "group_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("location", sa.String(length=250), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("minutes_status", sa.String(length=12), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_group_meetings_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_group_meetings_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_group_meetings_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_meetings")),
    )
    with op.batch_alter_table("group_meetings", schema=None) as batch_op:
        batch_op.create_index("ix_group_meetings_group", ["group_id", "starts_at"], unique=False)

    op.create_table(
        "practices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("what_was_done", sa.Text(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_practices_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"], ["consortia.id"], name=op.f("fk_practices_consortium_id_consortia")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_practices_group_id_working_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_practices_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practices")),
    )
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practices_consortium_id"), ["consortium_id"], unique=False
        )
        batch_op.create_index("ix_practices_status", ["status", "published_at"], unique=False)

    op.create_table(
        "vignettes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("source_tenant_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_vignettes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_vignettes_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_tenant_id"], ["tenants.id"], name=op.f("fk_vignettes_source_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vignettes")),
    )
    with op.batch_alter_table("vignettes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vignettes_group", ["group_id", "status", "published_at"], unique=False
        )

    op.create_table(
        "working_group_councils",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_working_group_councils_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_working_group_councils_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("group_id", "tenant_id", name=op.f("pk_working_group_councils")),
    )
    op.create_table(
        "working_group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_working_group_members_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_working_group_members_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_working_group_members_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_working_group_members_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_working_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_group_members")),
        sa.UniqueConstraint("group_id", "user_id", name="uq_working_group_members_user"),
    )
    with op.batch_alter_table("working_group_members", schema=None) as batch_op:
        batch_op.create_index("ix_working_group_members_user", ["user_id", "active"], unique=False)

    op.create_table(
        "group_action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_group_action_items_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["group_meetings.id"],
            name=op.f("fk_group_action_items_meeting_id_group_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_group_action_items_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_action_items")),
    )
    with op.batch_alter_table("group_action_items", schema=None) as batch_op:
        batch_op.create_index("ix_group_action_items_due", ["status", "due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_group_action_items_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_action_items_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "group_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("vignette_id", sa.Integer(), nullable=True),
        sa.Column("constraint_id", sa.Integer(), nullable=True),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["constraint_id"],
            ["group_constraints.id"],
            name=op.f("fk_group_agenda_items_constraint_id_group_constraints"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["group_meetings.id"],
            name=op.f("fk_group_agenda_items_meeting_id_group_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_group_agenda_items_practice_id_practices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vignette_id"],
            ["vignettes.id"],
            name=op.f("fk_group_agenda_items_vignette_id_vignettes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_agenda_items")),
    )
    with op.batch_alter_table("group_agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_agenda_items_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "group_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["group_meetings.id"],
            name=op.f("fk_group_attendance_meeting_id_group_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_attendance_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_attendance")),
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_group_attendance"),
    )
    with op.batch_alter_table("group_attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_attendance_user_id"), ["user_id"], unique=False)

    op.create_table(
        "group_meeting_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["group_meetings.id"],
            name=op.f("fk_group_meeting_decisions_meeting_id_group_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_meeting_decisions")),
    )
    with op.batch_alter_table("group_meeting_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_meeting_decisions_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "practice_adoptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("council_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("how_it_went", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["council_id"], ["tenants.id"], name=op.f("fk_practice_adoptions_council_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_adoptions_practice_id_practices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_practice_adoptions_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_adoptions")),
        sa.UniqueConstraint("practice_id", "council_id", name="uq_practice_adoptions_council"),
    )
    with op.batch_alter_table("practice_adoptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_adoptions_council_id"), ["council_id"], unique=False
        )

    op.create_table(
        "practice_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_attachments_practice_id_practices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_practice_attachments_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_attachments")),
    )
    with op.batch_alter_table("practice_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_attachments_practice_id"), ["practice_id"], unique=False
        )

    op.create_table(
        "practice_councils",
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_councils_practice_id_practices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_practice_councils_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("practice_id", "tenant_id", name=op.f("pk_practice_councils")),
    )
    op.create_table(
        "vignette_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vignette_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_vignette_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vignette_id"],
            ["vignettes.id"],
            name=op.f("fk_vignette_comments_vignette_id_vignettes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vignette_comments")),
    )
    with op.batch_alter_table("vignette_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vignette_comments_vignette_id"), ["vignette_id"], unique=False
        )

    op.create_table(
        "vignette_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vignette_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("adopted_note", sa.Text(), nullable=True),
        sa.Column("adopted_comment_ids", sa.JSON(), nullable=False),
        sa.Column("adopted_at", sa.DateTime(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_vignette_sources_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_vignette_sources_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_vignette_sources_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vignette_id"],
            ["vignettes.id"],
            name=op.f("fk_vignette_sources_vignette_id_vignettes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vignette_sources")),
        sa.UniqueConstraint("vignette_id", name=op.f("uq_vignette_sources_vignette_id")),
    )
    with op.batch_alter_table("vignette_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vignette_sources_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_vignette_sources_tenant_id"), ["tenant_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        for statement in tenant_policy_sql("vignette_sources"):
            op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("vignette_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vignette_sources_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_vignette_sources_case_id"))

    op.drop_table("vignette_sources")
    with op.batch_alter_table("vignette_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vignette_comments_vignette_id"))

    op.drop_table("vignette_comments")
    op.drop_table("practice_councils")
    with op.batch_alter_table("practice_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_attachments_practice_id"))

    op.drop_table("practice_attachments")
    with op.batch_alter_table("practice_adoptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_adoptions_council_id"))

    op.drop_table("practice_adoptions")
    with op.batch_alter_table("group_meeting_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_meeting_decisions_meeting_id"))

    op.drop_table("group_meeting_decisions")
    with op.batch_alter_table("group_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_attendance_user_id"))

    op.drop_table("group_attendance")
    with op.batch_alter_table("group_agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_agenda_items_meeting_id"))

    op.drop_table("group_agenda_items")
    with op.batch_alter_table("group_action_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_action_items_owner_id"))
        batch_op.drop_index(batch_op.f("ix_group_action_items_group_id"))
        batch_op.drop_index("ix_group_action_items_due")

    op.drop_table("group_action_items")
    with op.batch_alter_table("working_group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_working_group_members_user")

    op.drop_table("working_group_members")
    op.drop_table("working_group_councils")
    with op.batch_alter_table("vignettes", schema=None) as batch_op:
        batch_op.drop_index("ix_vignettes_group")

    op.drop_table("vignettes")
    with op.batch_alter_table("practices", schema=None) as batch_op:
        batch_op.drop_index("ix_practices_status")
        batch_op.drop_index(batch_op.f("ix_practices_consortium_id"))

    op.drop_table("practices")
    with op.batch_alter_table("group_meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_group_meetings_group")

    op.drop_table("group_meetings")
    with op.batch_alter_table("group_constraints", schema=None) as batch_op:
        batch_op.drop_index("ix_group_constraints_group")

    op.drop_table("group_constraints")
    with op.batch_alter_table("working_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_working_groups_consortium_id"))

    op.drop_table("working_groups")
    op.drop_table("notification_preferences")
    op.drop_table("group_reminders_sent")
