"""training-progress's own tables. The outbox, processed_events and the customer projection come from
trainyard_common; `ALL_METADATA` is what Alembic compares the migrations against."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    literal_column,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from trainyard_common.db.text_search import trigram_index
from trainyard_common.messaging.tables import messaging_metadata
from trainyard_common.projections.customers import customer_projection_metadata

metadata = MetaData()

# The catalogue: modules, courses and certifications in one table (the import finds any of them
# by type and name); `name_key` is the name as compared (trimmed, case-folded), unique per type.
items = Table(
    "items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("item_type", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("kind", Text),  # modules: content, scorm, quiz
    Column("pass_mark", Numeric),  # quizzes
    Column("attempt_limit", Integer),  # quizzes; null: unlimited
    Column("questions", JSONB),  # quizzes: [{id, text, choices, correct}]
    Column("created_at", DateTime(timezone=True), nullable=False),
    # False: deactivated (kept in reports and progress, not listed for picking)
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("event_date", Date),  # in-person modules: the event's day
    Column("place", Text),  # in-person modules: where the event is held
    UniqueConstraint("item_type", "name_key", name="uq_items_type_name"),
)

course_modules = Table(
    "course_modules",
    metadata,
    Column("course_id", Uuid, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("module_id", Uuid, ForeignKey("items.id"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
    Column("required", Boolean, nullable=False),
)

certification_courses = Table(
    "certification_courses",
    metadata,
    Column("certification_id", Uuid, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("course_id", Uuid, ForeignKey("items.id"), primary_key=True, index=True),
    Column("position", Integer, nullable=False),
)

# One entry per learner and item.
progress = Table(
    "progress",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("item_type", Text, nullable=False),
    Column("item_id", Uuid, ForeignKey("items.id"), nullable=False),
    Column("status", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("score", Numeric),
    Column("started_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("impersonated_by", Text),  # the admin whose impersonated action made the latest change
    # The learner's partner (learner_clients.client_id), kept by the database (PROGRESS_PARTNER):
    # the partner filter reads its own index instead of joining thousands of learners per page.
    Column("partner_id", Uuid),
    UniqueConstraint("customer_id", "item_id", name="uq_progress_customer_item"),
)
# the admin list (views.progress_list): one tab, optionally one status, most recent first (0009)
Index("ix_progress_type_updated_id", progress.c.item_type, progress.c.updated_at.desc(), progress.c.id)
Index(
    "ix_progress_type_status_updated_id",
    progress.c.item_type,
    progress.c.status,
    progress.c.updated_at.desc(),
    progress.c.id,
)
# a learner's entries of one tab (and status), from the index alone (the transcript, erasure)
Index("ix_progress_customer_type_status", progress.c.customer_id, progress.c.item_type, progress.c.status)
# the partner filter: one partner's entries of one tab, most recent first; its total from the index (0012)
Index(
    "ix_progress_partner_type_updated_id",
    progress.c.partner_id,
    progress.c.item_type,
    progress.c.updated_at.desc(),
    progress.c.id,
    postgresql_where=progress.c.partner_id.is_not(None),
)
# the name filter: the matching items' entries of one tab (and status), from the index alone (0010)
Index("ix_progress_item_type_status", progress.c.item_id, progress.c.item_type, progress.c.status)

quiz_submissions = Table(
    "quiz_submissions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False),
    Column("quiz_id", Uuid, ForeignKey("items.id"), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("score", Numeric, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("answers", JSONB, nullable=False),  # {question_id: [choice indexes]}
    Column("source", Text, nullable=False),
    Column("impersonated_by", Text),  # the admin who submitted while impersonating the learner
    Index("ix_quiz_submissions_customer_quiz", "customer_id", "quiz_id"),
    Index("ix_quiz_submissions_quiz_submitted", "quiz_id", "submitted_at"),  # the Quiz Response Report
)

cmi_data = Table(
    "cmi_data",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("module_id", Uuid, ForeignKey("items.id"), primary_key=True),
    Column("data", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("impersonated_by", Text),  # the admin who stored the latest data while impersonating the learner
)

# Projection of commerce-access's access rows (transcript: what the customer may take, until when).
access = Table(
    "access",
    metadata,
    Column("access_id", Uuid, primary_key=True),
    Column("customer_id", Uuid, nullable=False, index=True),
    Column("item_type", Text),
    Column("item_id", Uuid),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("state", Text, nullable=False),  # active, revoked, expired
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("changed_at", DateTime(timezone=True)),  # the event's own time: the latest event wins
)

# Projection of client-directory's mapping: the learner's partner (client).
learner_clients = Table(
    "learner_clients",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("client_id", Uuid, nullable=False, index=True),
    Column("client_name", Text, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
)

PROGRESS_PARTNER = (
    """CREATE OR REPLACE FUNCTION progress_partner_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.partner_id := (SELECT client_id FROM learner_clients WHERE customer_id = NEW.customer_id);
        RETURN NEW;
    END $$""",
    """CREATE OR REPLACE FUNCTION progress_partner_follows_learner() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            UPDATE progress SET partner_id = NULL WHERE customer_id = OLD.customer_id AND partner_id IS NOT NULL;
            RETURN NULL;
        END IF;
        UPDATE progress SET partner_id = NEW.client_id
        WHERE customer_id = NEW.customer_id AND partner_id IS DISTINCT FROM NEW.client_id;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS progress_partner_on_insert ON progress",
    "CREATE TRIGGER progress_partner_on_insert BEFORE INSERT ON progress "
    "FOR EACH ROW EXECUTE FUNCTION progress_partner_on_insert()",
    "DROP TRIGGER IF EXISTS progress_partner_follows_learner ON learner_clients",
    "CREATE TRIGGER progress_partner_follows_learner AFTER INSERT OR DELETE OR UPDATE OF client_id "
    "ON learner_clients FOR EACH ROW EXECUTE FUNCTION progress_partner_follows_learner()",
)
"""``progress.partner_id`` is the learner's ``learner_clients.client_id`` whichever code path writes
either table (the projections, imports, the learner's own actions, erasure): a new entry takes its
learner's partner, and a learner assigned, moved or unassigned moves their entries along. In the
database, so no write path can forget it (migration 0012)."""

PROGRESS_PARTNER_DROP = (
    "DROP TRIGGER IF EXISTS progress_partner_follows_learner ON learner_clients",
    "DROP TRIGGER IF EXISTS progress_partner_on_insert ON progress",
    "DROP FUNCTION IF EXISTS progress_partner_follows_learner()",
    "DROP FUNCTION IF EXISTS progress_partner_on_insert()",
)

progress_imports = Table(
    "progress_imports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("status", Text, nullable=False),  # analysing, analysed, committing, committed, failed
    Column("file_name", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("new", Integer, nullable=False),
    Column("already_completed", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("imported", Integer),
    Column("committed_at", DateTime(timezone=True)),
    Column("failure", Text),
)

# The rows of an import file, as written (cells) and as resolved; `reason` when the row alone
# shows the error, else `problem` (unknown_email, no_item, duplicate) found against the database.
import_rows = Table(
    "import_rows",
    metadata,
    Column("import_id", Uuid, ForeignKey("progress_imports.id", ondelete="CASCADE"), primary_key=True),
    Column("row_number", Integer, primary_key=True),
    Column("email", Text, nullable=False),
    Column("training_type", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("date", Text, nullable=False),
    Column("email_key", Text, nullable=False),
    Column("item_type", Text),
    Column("name_key", Text, nullable=False),
    Column("completed_on", Date),
    Column("reason", Text),
    Column("customer_id", Uuid),
    Column("item_id", Uuid),
    Column("outcome", Text),
    Column("problem", Text),
    Column("duplicate_of", Integer),
)

# The customer projection as this service keeps it: the shared tables, plus the trigram indexes of
# the admin list's `user` filter (migration 0009) on a copy, so that commerce-access, which keeps
# the same tables without them, is compared against the tables it has.
projection_metadata = MetaData()
for _shared in customer_projection_metadata.sorted_tables:
    _shared.to_metadata(projection_metadata)
_projected = projection_metadata.tables["customers"]
# Written as PostgreSQL shows the index's expression, so that Alembic finds the index unchanged;
# the filter (views.py) must search this very expression.
USER_FULL_NAME = literal_column("(customers.first_name || ' ') || customers.last_name", type_=Text)
trigram_index("ix_customers_email_trgm", _projected.c.email)
trigram_index("ix_customers_full_name_trgm", USER_FULL_NAME, table=_projected)

ALL_METADATA = (metadata, messaging_metadata, projection_metadata)
