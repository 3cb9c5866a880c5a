"""catalogue, progress, quizzes, CMI, access and partner projections, imports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:17:23.171175
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access",
        sa.Column("access_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("item_type", sa.Text(), nullable=True),
        sa.Column("item_id", sa.Uuid(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("access_id"),
    )
    op.create_index(op.f("ix_access_customer_id"), "access", ["customer_id"], unique=False)
    op.create_table(
        "items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_type", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("pass_mark", sa.Numeric(), nullable=True),
        sa.Column("attempt_limit", sa.Integer(), nullable=True),
        sa.Column("questions", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_type", "name_key", name="uq_items_type_name"),
    )
    op.create_table(
        "learner_clients",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("client_name", sa.Text(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index(op.f("ix_learner_clients_client_id"), "learner_clients", ["client_id"], unique=False)
    op.create_table(
        "progress_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("already_completed", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "certification_courses",
        sa.Column("certification_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["certification_id"], ["items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("certification_id", "course_id"),
    )
    op.create_index(op.f("ix_certification_courses_course_id"), "certification_courses", ["course_id"], unique=False)
    op.create_table(
        "cmi_data",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("customer_id", "module_id"),
    )
    op.create_table(
        "course_modules",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("module_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("course_id", "module_id"),
    )
    op.create_index(op.f("ix_course_modules_module_id"), "course_modules", ["module_id"], unique=False)
    op.create_table(
        "import_rows",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("training_type", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("date", sa.Text(), nullable=False),
        sa.Column("email_key", sa.Text(), nullable=False),
        sa.Column("item_type", sa.Text(), nullable=True),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("item_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["progress_imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("import_id", "row_number"),
    )
    op.create_table(
        "progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("item_type", sa.Text(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("score", sa.Numeric(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "item_id", name="uq_progress_customer_item"),
    )
    op.create_index(op.f("ix_progress_item_id"), "progress", ["item_id"], unique=False)
    op.create_table(
        "quiz_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Numeric(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["items.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quiz_submissions_customer_quiz", "quiz_submissions", ["customer_id", "quiz_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_quiz_submissions_customer_quiz", table_name="quiz_submissions")
    op.drop_table("quiz_submissions")
    op.drop_index(op.f("ix_progress_item_id"), table_name="progress")
    op.drop_table("progress")
    op.drop_table("import_rows")
    op.drop_index(op.f("ix_course_modules_module_id"), table_name="course_modules")
    op.drop_table("course_modules")
    op.drop_table("cmi_data")
    op.drop_index(op.f("ix_certification_courses_course_id"), table_name="certification_courses")
    op.drop_table("certification_courses")
    op.drop_table("progress_imports")
    op.drop_index(op.f("ix_learner_clients_client_id"), table_name="learner_clients")
    op.drop_table("learner_clients")
    op.drop_table("items")
    op.drop_index(op.f("ix_access_customer_id"), table_name="access")
    op.drop_table("access")
