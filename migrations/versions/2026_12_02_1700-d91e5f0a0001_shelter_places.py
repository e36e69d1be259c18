"""Shelter places pooled by consortia (issue 5).

The pool (units, places, pools and quotas, placement profiles, allocations and their log) is
platform rows reached through consortium membership; the request, stay, PIA/PIF, contacts,
blockers, discharge and follow-up belong to the requesting council, and the admission sheet to
the host council: tenant-owned, with row-level security. A partial unique index lets a place
be held by one allocation at a time. Tenants gain their neighbours; catalogue entries gain
attributes (a modality's expected stay, a public's ages).

Revision ID: d91e5f0a0001
Revises: c81c5e5e0003
Create Date: 2026-12-02 18:16:47.633862
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from teia.core.rls import tenant_policy_sql

TENANT_TABLES = (
    "placement_requests",
    "shelter_decisions",
    "shelter_stays",
    "shelter_care_plans",
    "shelter_care_plan_goals",
    "shelter_care_plan_reviews",
    "shelter_stay_contacts",
    "shelter_stay_blockers",
    "shelter_discharge_steps",
    "shelter_follow_ups",
    "shelter_admission_sheets",
)

revision: str = "d91e5f0a0001"
down_revision: str | None = "c81c5e5e0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "placement_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("requesting_tenant_id", sa.Integer(), nullable=False),
        sa.Column("anchor_tenant_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("age", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("public", sa.String(length=63), nullable=False),
        sa.Column("modalities", sa.JSON(), nullable=False),
        sa.Column("needs_accessibility", sa.Boolean(), nullable=False),
        sa.Column("needs_intensive_care", sa.Boolean(), nullable=False),
        sa.Column("outside_territory", sa.Boolean(), nullable=False),
        sa.Column("constraints", sa.JSON(), nullable=False),
        sa.Column("risk", sa.String(length=12), nullable=False),
        sa.Column("risk_rank", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.String(length=12), nullable=False),
        sa.Column("urgency_rank", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["anchor_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_placement_profiles_anchor_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_placement_profiles_consortium_id_consortia"),
        ),
        sa.ForeignKeyConstraint(
            ["requesting_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_placement_profiles_requesting_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_profiles")),
    )
    op.create_index(
        "ix_placement_profiles_queue",
        "placement_profiles",
        ["consortium_id", "status", "risk_rank", "urgency_rank", "requested_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_placement_profiles_requesting_tenant_id"),
        "placement_profiles",
        ["requesting_tenant_id"],
        unique=False,
    )
    op.create_table(
        "shelter_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host_tenant_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=63), nullable=False),
        sa.Column("sex_rule", sa.String(length=8), nullable=False),
        sa.Column("accessible", sa.Boolean(), nullable=False),
        sa.Column("intensive_care", sa.Boolean(), nullable=False),
        sa.Column("parish", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_tenant_id"], ["tenants.id"], name=op.f("fk_shelter_units_host_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["organizations.id"],
            name=op.f("fk_shelter_units_operator_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_units")),
    )
    op.create_index(
        "ix_shelter_units_host_active", "shelter_units", ["host_tenant_id", "active"], unique=False
    )
    op.create_index(
        op.f("ix_shelter_units_operator_id"), "shelter_units", ["operator_id"], unique=False
    )
    op.create_table(
        "shelter_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("public", sa.String(length=63), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("blocked_reason", sa.Text(), nullable=True),
        sa.Column("blocked_at", sa.DateTime(), nullable=True),
        sa.Column("blocked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blocked_by_id"],
            ["users.id"],
            name=op.f("fk_shelter_places_blocked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["shelter_units.id"],
            name=op.f("fk_shelter_places_unit_id_shelter_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_places")),
        sa.UniqueConstraint("unit_id", "label", name="uq_shelter_places_unit_label"),
    )
    op.create_table(
        "placement_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("isolated_factors", sa.JSON(), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("risk", sa.String(length=12), nullable=False),
        sa.Column("urgency", sa.String(length=12), nullable=False),
        sa.Column("protective_measure", sa.Text(), nullable=True),
        sa.Column("protective_body", sa.String(length=24), nullable=False),
        sa.Column("protective_reference", sa.String(length=120), nullable=True),
        sa.Column("outside_territory", sa.Boolean(), nullable=False),
        sa.Column("safety_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_placement_requests_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_placement_requests_consortium_id_consortia"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_placement_requests_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["placement_profiles.id"],
            name=op.f("fk_placement_requests_profile_id_placement_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_placement_requests_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_placement_requests_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_requests")),
        sa.UniqueConstraint("profile_id", name=op.f("uq_placement_requests_profile_id")),
        sa.UniqueConstraint("tenant_id", "number", name="uq_placement_requests_tenant_number"),
        sa.UniqueConstraint(
            "tenant_id", "submission_key", name="uq_placement_requests_tenant_submission"
        ),
    )
    op.create_index(
        op.f("ix_placement_requests_case_id"), "placement_requests", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_placement_requests_person_id"), "placement_requests", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_placement_requests_tenant_id"), "placement_requests", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_placement_requests_tenant_status",
        "placement_requests",
        ["tenant_id", "status", "id"],
        unique=False,
    )
    op.create_table(
        "shelter_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("offered_by_id", sa.Integer(), nullable=True),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("admitted_at", sa.DateTime(), nullable=True),
        sa.Column("discharged_at", sa.DateTime(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_shelter_allocations_consortium_id_consortia"),
        ),
        sa.ForeignKeyConstraint(
            ["offered_by_id"],
            ["users.id"],
            name=op.f("fk_shelter_allocations_offered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["shelter_places.id"],
            name=op.f("fk_shelter_allocations_place_id_shelter_places"),
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["placement_profiles.id"],
            name=op.f("fk_shelter_allocations_profile_id_placement_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["users.id"],
            name=op.f("fk_shelter_allocations_responded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["shelter_units.id"],
            name=op.f("fk_shelter_allocations_unit_id_shelter_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_allocations")),
    )
    op.create_index(
        op.f("ix_shelter_allocations_consortium_id"),
        "shelter_allocations",
        ["consortium_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shelter_allocations_profile_id"),
        "shelter_allocations",
        ["profile_id"],
        unique=False,
    )
    op.create_index(
        "ix_shelter_allocations_status_expires",
        "shelter_allocations",
        ["status", "expires_at"],
        unique=False,
    )
    op.create_index(
        "ix_shelter_allocations_unit_status",
        "shelter_allocations",
        ["unit_id", "status"],
        unique=False,
    )
    op.create_index(
        "uq_shelter_allocations_place_holding",
        "shelter_allocations",
        ["place_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('offered', 'accepted', 'admitted')"),
        sqlite_where=sa.text("status IN ('offered', 'accepted', 'admitted')"),
    )
    op.create_index(
        "uq_shelter_allocations_profile_holding",
        "shelter_allocations",
        ["profile_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('offered', 'accepted', 'admitted')"),
        sqlite_where=sa.text("status IN ('offered', 'accepted', 'admitted')"),
    )
    op.create_table(
        "shelter_place_pools",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("reserved_for_tenant_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_shelter_place_pools_consortium_id_consortia"),
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["shelter_places.id"],
            name=op.f("fk_shelter_place_pools_place_id_shelter_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reserved_for_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_place_pools_reserved_for_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("place_id", "consortium_id", name=op.f("pk_shelter_place_pools")),
    )
    op.create_index(
        "ix_shelter_place_pools_consortium",
        "shelter_place_pools",
        ["consortium_id", "place_id"],
        unique=False,
    )
    op.create_table(
        "shelter_admission_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("given_names", sa.String(length=120), nullable=False),
        sa.Column("family_names", sa.String(length=120), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("health", sa.Text(), nullable=False),
        sa.Column("medication", sa.Text(), nullable=False),
        sa.Column("diet", sa.Text(), nullable=False),
        sa.Column("school", sa.Text(), nullable=False),
        sa.Column("contacts", sa.Text(), nullable=False),
        sa.Column("referent_name", sa.String(length=200), nullable=False),
        sa.Column("referent_contact", sa.String(length=200), nullable=False),
        sa.Column("requesting_council", sa.String(length=120), nullable=False),
        sa.Column("referral_guide", sa.String(length=60), nullable=False),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["shelter_allocations.id"],
            name=op.f("fk_shelter_admission_sheets_allocation_id_shelter_allocations"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_admission_sheets_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["shelter_units.id"],
            name=op.f("fk_shelter_admission_sheets_unit_id_shelter_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_admission_sheets")),
        sa.UniqueConstraint(
            "allocation_id", name=op.f("uq_shelter_admission_sheets_allocation_id")
        ),
    )
    op.create_index(
        op.f("ix_shelter_admission_sheets_tenant_id"),
        "shelter_admission_sheets",
        ["tenant_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shelter_admission_sheets_unit_id"),
        "shelter_admission_sheets",
        ["unit_id"],
        unique=False,
    )
    op.create_table(
        "shelter_allocation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_shelter_allocation_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["shelter_allocations.id"],
            name=op.f("fk_shelter_allocation_events_allocation_id_shelter_allocations"),
        ),
        sa.ForeignKeyConstraint(
            ["consortium_id"],
            ["consortia.id"],
            name=op.f("fk_shelter_allocation_events_consortium_id_consortia"),
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["placement_profiles.id"],
            name=op.f("fk_shelter_allocation_events_profile_id_placement_profiles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_allocation_events")),
    )
    op.create_index(
        op.f("ix_shelter_allocation_events_consortium_id"),
        "shelter_allocation_events",
        ["consortium_id"],
        unique=False,
    )
    op.create_index(
        "ix_shelter_allocation_events_profile",
        "shelter_allocation_events",
        ["profile_id", "id"],
        unique=False,
    )
    op.create_table(
        "shelter_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_shelter_decisions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_shelter_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_shelter_decisions_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["placement_requests.id"],
            name=op.f("fk_shelter_decisions_request_id_placement_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_decisions_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_decisions")),
    )
    op.create_index(
        op.f("ix_shelter_decisions_case_id"), "shelter_decisions", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_shelter_decisions_tenant_id"), "shelter_decisions", ["tenant_id"], unique=False
    )
    op.create_table(
        "shelter_stays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=63), nullable=False),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("referral_guide", sa.String(length=60), nullable=False),
        sa.Column("technical_referent_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_every_days", sa.Integer(), nullable=False),
        sa.Column("expected_end_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("end_notes", sa.Text(), nullable=True),
        sa.Column("previous_stay_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["shelter_allocations.id"],
            name=op.f("fk_shelter_stays_allocation_id_shelter_allocations"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_shelter_stays_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_shelter_stays_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["previous_stay_id"],
            ["shelter_stays.id"],
            name=op.f("fk_shelter_stays_previous_stay_id_shelter_stays"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["placement_requests.id"],
            name=op.f("fk_shelter_stays_request_id_placement_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["technical_referent_id"],
            ["users.id"],
            name=op.f("fk_shelter_stays_technical_referent_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_stays_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["shelter_units.id"], name=op.f("fk_shelter_stays_unit_id_shelter_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_stays")),
        sa.UniqueConstraint("allocation_id", name=op.f("uq_shelter_stays_allocation_id")),
        sa.UniqueConstraint("request_id", name=op.f("uq_shelter_stays_request_id")),
    )
    op.create_index(op.f("ix_shelter_stays_case_id"), "shelter_stays", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_shelter_stays_person_id"), "shelter_stays", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_shelter_stays_tenant_id"), "shelter_stays", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_shelter_stays_tenant_status",
        "shelter_stays",
        ["tenant_id", "status", "admitted_on"],
        unique=False,
    )
    op.create_index(op.f("ix_shelter_stays_unit_id"), "shelter_stays", ["unit_id"], unique=False)
    op.create_table(
        "shelter_care_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stay_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("diagnosis", sa.Text(), nullable=False),
        sa.Column("main_goal", sa.String(length=24), nullable=True),
        sa.Column("main_goal_detail", sa.Text(), nullable=False),
        sa.Column("contact_plan", sa.Text(), nullable=False),
        sa.Column("review_criteria", sa.Text(), nullable=False),
        sa.Column("review_every_days", sa.Integer(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stay_id"],
            ["shelter_stays.id"],
            name=op.f("fk_shelter_care_plans_stay_id_shelter_stays"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_care_plans_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_shelter_care_plans_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_care_plans")),
        sa.UniqueConstraint("stay_id", name=op.f("uq_shelter_care_plans_stay_id")),
    )
    op.create_index(
        op.f("ix_shelter_care_plans_tenant_id"), "shelter_care_plans", ["tenant_id"], unique=False
    )
    op.create_table(
        "shelter_discharge_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stay_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_shelter_discharge_steps_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stay_id"],
            ["shelter_stays.id"],
            name=op.f("fk_shelter_discharge_steps_stay_id_shelter_stays"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_discharge_steps_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_discharge_steps")),
        sa.UniqueConstraint("stay_id", "step", name="uq_shelter_discharge_steps"),
    )
    op.create_index(
        op.f("ix_shelter_discharge_steps_tenant_id"),
        "shelter_discharge_steps",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "shelter_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stay_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("observations", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            ["users.id"],
            name=op.f("fk_shelter_follow_ups_responsible_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["stay_id"],
            ["shelter_stays.id"],
            name=op.f("fk_shelter_follow_ups_stay_id_shelter_stays"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_follow_ups_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_follow_ups")),
    )
    op.create_index(
        "ix_shelter_follow_ups_stay_due", "shelter_follow_ups", ["stay_id", "due_on"], unique=False
    )
    op.create_index(
        op.f("ix_shelter_follow_ups_tenant_id"), "shelter_follow_ups", ["tenant_id"], unique=False
    )
    op.create_table(
        "shelter_stay_blockers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stay_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_shelter_stay_blockers_owner_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stay_id"],
            ["shelter_stays.id"],
            name=op.f("fk_shelter_stay_blockers_stay_id_shelter_stays"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_stay_blockers_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_stay_blockers")),
    )
    op.create_index(
        op.f("ix_shelter_stay_blockers_stay_id"), "shelter_stay_blockers", ["stay_id"], unique=False
    )
    op.create_index(
        op.f("ix_shelter_stay_blockers_tenant_id"),
        "shelter_stay_blockers",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "shelter_stay_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stay_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("with_whom", sa.String(length=200), nullable=True),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_shelter_stay_contacts_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stay_id"],
            ["shelter_stays.id"],
            name=op.f("fk_shelter_stay_contacts_stay_id_shelter_stays"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_stay_contacts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_stay_contacts")),
    )
    op.create_index(
        "ix_shelter_stay_contacts_stay_on",
        "shelter_stay_contacts",
        ["stay_id", "occurred_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shelter_stay_contacts_tenant_id"),
        "shelter_stay_contacts",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "shelter_care_plan_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=24), nullable=False),
        sa.Column("responsible_detail", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["shelter_care_plans.id"],
            name=op.f("fk_shelter_care_plan_goals_plan_id_shelter_care_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_care_plan_goals_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_care_plan_goals")),
    )
    op.create_index(
        op.f("ix_shelter_care_plan_goals_plan_id"),
        "shelter_care_plan_goals",
        ["plan_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shelter_care_plan_goals_tenant_id"),
        "shelter_care_plan_goals",
        ["tenant_id"],
        unique=False,
    )
    op.create_table(
        "shelter_care_plan_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("progress", sa.String(length=12), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("plan_changed", sa.Boolean(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["shelter_care_plans.id"],
            name=op.f("fk_shelter_care_plan_reviews_plan_id_shelter_care_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_shelter_care_plan_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_shelter_care_plan_reviews_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shelter_care_plan_reviews")),
    )
    op.create_index(
        op.f("ix_shelter_care_plan_reviews_plan_id"),
        "shelter_care_plan_reviews",
        ["plan_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shelter_care_plan_reviews_tenant_id"),
        "shelter_care_plan_reviews",
        ["tenant_id"],
        unique=False,
    )
    op.add_column(
        "catalog_entries",
        sa.Column("attributes", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column(
        "tenants",
        sa.Column("neighbours", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    with op.batch_alter_table("catalog_entries") as batch_op:
        batch_op.alter_column("attributes", server_default=None)
    with op.batch_alter_table("tenants") as batch_op:
        batch_op.alter_column("neighbours", server_default=None)
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in tenant_policy_sql(table):
                op.execute(statement)


def downgrade() -> None:
    op.drop_column("tenants", "neighbours")
    op.drop_column("catalog_entries", "attributes")
    op.drop_index(
        op.f("ix_shelter_care_plan_reviews_tenant_id"), table_name="shelter_care_plan_reviews"
    )
    op.drop_index(
        op.f("ix_shelter_care_plan_reviews_plan_id"), table_name="shelter_care_plan_reviews"
    )
    op.drop_table("shelter_care_plan_reviews")
    op.drop_index(
        op.f("ix_shelter_care_plan_goals_tenant_id"), table_name="shelter_care_plan_goals"
    )
    op.drop_index(op.f("ix_shelter_care_plan_goals_plan_id"), table_name="shelter_care_plan_goals")
    op.drop_table("shelter_care_plan_goals")
    op.drop_index(op.f("ix_shelter_stay_contacts_tenant_id"), table_name="shelter_stay_contacts")
    op.drop_index("ix_shelter_stay_contacts_stay_on", table_name="shelter_stay_contacts")
    op.drop_table("shelter_stay_contacts")
    op.drop_index(op.f("ix_shelter_stay_blockers_tenant_id"), table_name="shelter_stay_blockers")
    op.drop_index(op.f("ix_shelter_stay_blockers_stay_id"), table_name="shelter_stay_blockers")
    op.drop_table("shelter_stay_blockers")
    op.drop_index(op.f("ix_shelter_follow_ups_tenant_id"), table_name="shelter_follow_ups")
    op.drop_index("ix_shelter_follow_ups_stay_due", table_name="shelter_follow_ups")
    op.drop_table("shelter_follow_ups")
    op.drop_index(
        op.f("ix_shelter_discharge_steps_tenant_id"), table_name="shelter_discharge_steps"
    )
    op.drop_table("shelter_discharge_steps")
    op.drop_index(op.f("ix_shelter_care_plans_tenant_id"), table_name="shelter_care_plans")
    op.drop_table("shelter_care_plans")
    op.drop_index(op.f("ix_shelter_stays_unit_id"), table_name="shelter_stays")
    op.drop_index("ix_shelter_stays_tenant_status", table_name="shelter_stays")
    op.drop_index(op.f("ix_shelter_stays_tenant_id"), table_name="shelter_stays")
    op.drop_index(op.f("ix_shelter_stays_person_id"), table_name="shelter_stays")
    op.drop_index(op.f("ix_shelter_stays_case_id"), table_name="shelter_stays")
    op.drop_table("shelter_stays")
    op.drop_index(op.f("ix_shelter_decisions_tenant_id"), table_name="shelter_decisions")
    op.drop_index(op.f("ix_shelter_decisions_case_id"), table_name="shelter_decisions")
    op.drop_table("shelter_decisions")
    op.drop_index("ix_shelter_allocation_events_profile", table_name="shelter_allocation_events")
    op.drop_index(
        op.f("ix_shelter_allocation_events_consortium_id"), table_name="shelter_allocation_events"
    )
    op.drop_table("shelter_allocation_events")
    op.drop_index(
        op.f("ix_shelter_admission_sheets_unit_id"), table_name="shelter_admission_sheets"
    )
    op.drop_index(
        op.f("ix_shelter_admission_sheets_tenant_id"), table_name="shelter_admission_sheets"
    )
    op.drop_table("shelter_admission_sheets")
    op.drop_index("ix_shelter_place_pools_consortium", table_name="shelter_place_pools")
    op.drop_table("shelter_place_pools")
    op.drop_index(
        "uq_shelter_allocations_profile_holding",
        table_name="shelter_allocations",
        postgresql_where=sa.text("status IN ('offered', 'accepted', 'admitted')"),
        sqlite_where=sa.text("status IN ('offered', 'accepted', 'admitted')"),
    )
    op.drop_index(
        "uq_shelter_allocations_place_holding",
        table_name="shelter_allocations",
        postgresql_where=sa.text("status IN ('offered', 'accepted', 'admitted')"),
        sqlite_where=sa.text("status IN ('offered', 'accepted', 'admitted')"),
    )
    op.drop_index("ix_shelter_allocations_unit_status", table_name="shelter_allocations")
    op.drop_index("ix_shelter_allocations_status_expires", table_name="shelter_allocations")
    op.drop_index(op.f("ix_shelter_allocations_profile_id"), table_name="shelter_allocations")
    op.drop_index(op.f("ix_shelter_allocations_consortium_id"), table_name="shelter_allocations")
    op.drop_table("shelter_allocations")
    op.drop_index("ix_placement_requests_tenant_status", table_name="placement_requests")
    op.drop_index(op.f("ix_placement_requests_tenant_id"), table_name="placement_requests")
    op.drop_index(op.f("ix_placement_requests_person_id"), table_name="placement_requests")
    op.drop_index(op.f("ix_placement_requests_case_id"), table_name="placement_requests")
    op.drop_table("placement_requests")
    op.drop_table("shelter_places")
    op.drop_index(op.f("ix_shelter_units_operator_id"), table_name="shelter_units")
    op.drop_index("ix_shelter_units_host_active", table_name="shelter_units")
    op.drop_table("shelter_units")
    op.drop_index(
        op.f("ix_placement_profiles_requesting_tenant_id"), table_name="placement_profiles"
    )
    op.drop_index("ix_placement_profiles_queue", table_name="placement_profiles")
    op.drop_table("placement_profiles")
