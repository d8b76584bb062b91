"""The schema. ``events`` is the source of truth; every other table is derived from it or is bookkeeping.

Alembic owns the real schema (``migrations/``); these definitions are what the code queries, and a test
checks that they agree with the migrated database.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from romas.store.types import UtcTimestamp, json_document_type, json_type

metadata = MetaData()

# SQLite only gives 64-bit autoincrement to a column declared exactly INTEGER PRIMARY KEY.
_position_type = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("position", _position_type, Identity(always=True), primary_key=True),
    Column("stream_type", String(32), nullable=False),
    Column("stream_id", String(300), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("data", json_type(), nullable=False),
    Column("metadata", json_type(), nullable=False),
    Column("recorded_at", UtcTimestamp(), nullable=False),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    Index("ix_events_stream_type_position", "stream_type", "position"),
    sqlite_autoincrement=True,
)

# Current state of every revisioned resource, written in the same transaction as its events.
resources = Table(
    "resources",
    metadata,
    Column("stream_id", String(300), primary_key=True),
    Column("stream_type", String(32), nullable=False),
    Column("parent", String(300), nullable=False),
    Column("name", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("state", json_type(), nullable=False),
    Column("updated_at", UtcTimestamp(), nullable=False),
    Index("ix_resources_listing", "stream_type", "parent", "name"),
)

# The full state after every revision, so reading revision 1 costs what reading the current one does.
revisions = Table(
    "revisions",
    metadata,
    Column("stream_id", String(300), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("stream_type", String(32), nullable=False),
    Column("parent", String(300), nullable=False),
    Column("name", String(64), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("changed", Text, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("state", json_type(), nullable=False),
    Column("meta", json_type(), nullable=False),
    Column("recorded_at", UtcTimestamp(), nullable=False),
    PrimaryKeyConstraint("stream_id", "revision", name="pk_revisions"),
    Index("ix_revisions_stream_time", "stream_id", "recorded_at"),
    Index("ix_revisions_type_time", "stream_type", "parent", "recorded_at"),
)

# A retried write with the same Idempotency-Key replays the first answer instead of writing again.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(1000), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("headers", json_type(), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UtcTimestamp(), nullable=False),
    PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
)

# -- the live runtime ----------------------------------------------------------------------------------------
# Each message and command is also an event stream (/agents/{a}/inbox/{id}, /agents/{a}/commands/{id}) whose
# events are its status changes; these rows are the queryable current state, written in the same transaction.

messages = Table(
    "messages",
    metadata,
    Column("seq", _position_type, Identity(always=True), primary_key=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("agent", String(64), nullable=False),
    Column("sender", String(200), nullable=False),
    Column("origin", String(8), nullable=False),
    Column("performative", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("in_reply_to", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("accepted_at", UtcTimestamp(), nullable=False),
    Column("delivered_at", UtcTimestamp(), nullable=True),
    Column("finished_at", UtcTimestamp(), nullable=True),
    Column("expires_at", UtcTimestamp(), nullable=True),
    Column("reply", Text, nullable=True),
    Column("error", json_type(none_as_null=True), nullable=True),
    Column("retry_of", String(32), nullable=True),
    Column("retried_by", String(32), nullable=True),
    Index("ix_messages_agent_status_seq", "agent", "status", "seq"),
    Index("ix_messages_status_seq", "status", "seq"),
    Index("ix_messages_agent_seq", "agent", "seq"),
    Index("ix_messages_sender_seq", "sender", "seq"),
    sqlite_autoincrement=True,
)

commands = Table(
    "commands",
    metadata,
    Column("seq", _position_type, Identity(always=True), primary_key=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("agent", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("timeout_s", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("queued_at", UtcTimestamp(), nullable=False),
    Column("started_at", UtcTimestamp(), nullable=True),
    Column("finished_at", UtcTimestamp(), nullable=True),
    Column("deadline_at", UtcTimestamp(), nullable=False),
    Column("result", json_type(none_as_null=True), nullable=True),
    Column("error", json_type(none_as_null=True), nullable=True),
    Index("ix_commands_agent_status_seq", "agent", "status", "seq"),
    Index("ix_commands_agent_seq", "agent", "seq"),
    sqlite_autoincrement=True,
)

# An agent's mental state, written in the transaction that records what it finished processing (most runtime
# flushes write one per agent that stepped) and read back whole when the agent starts again: JSON text (migration 0016).
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("agent", String(64), primary_key=True),
    Column("code_revision", Integer, nullable=False),
    Column("state", json_document_type(), nullable=False),
    Column("updated_at", UtcTimestamp(), nullable=False),
)

# Agents the runtime was running when it last wrote (``at_work``), and through how many consecutive crashes of
# the process they were: an agent at work through repeated crashes is kept stopped (see runtime/quarantine.py).
agents_at_work = Table(
    "agents_at_work",
    metadata,
    Column("agent", String(64), primary_key=True),
    Column("at_work", Boolean, nullable=False),
    Column("crashes", Integer, nullable=False),
    Column("since", UtcTimestamp(), nullable=False),
)

# What agents printed and the runtime's notes about them; pruned to the newest lines per agent.
agent_log = Table(
    "agent_log",
    metadata,
    Column("id", _position_type, Identity(always=True), primary_key=True),
    Column("agent", String(64), nullable=False),
    Column("at", UtcTimestamp(), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("command", String(32), nullable=True),
    Index("ix_agent_log_agent_id", "agent", "id"),
    sqlite_autoincrement=True,
)

# -- the environment -----------------------------------------------------------------------------------------
# An operation on an artefact, asked by a REST client or by an agent. Its stream /workspaces/{ws}/artefacts/{a}/
# invocations/{id} holds its status events; the artefact's own revision records what the operation changed.

invocations = Table(
    "invocations",
    metadata,
    Column("seq", _position_type, Identity(always=True), primary_key=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("workspace", String(64), nullable=False),
    Column("artefact", String(64), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("args", json_type(), nullable=False),
    Column("invoker", String(200), nullable=False),
    Column("origin", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("accepted_at", UtcTimestamp(), nullable=False),
    Column("finished_at", UtcTimestamp(), nullable=True),
    Column("result", json_type(none_as_null=True), nullable=True),
    Column("error", json_type(none_as_null=True), nullable=True),
    Column("artefact_revision", Integer, nullable=True),
    Index("ix_invocations_artefact_seq", "workspace", "artefact", "seq"),
    Index("ix_invocations_status_seq", "status", "seq"),
    sqlite_autoincrement=True,
)

# Which workspaces an agent has joined and which artefacts it focuses on (its percepts come from these).
memberships = Table(
    "memberships",
    metadata,
    Column("agent", String(64), nullable=False),
    Column("workspace", String(64), nullable=False),
    Column("since", UtcTimestamp(), nullable=False),
    PrimaryKeyConstraint("agent", "workspace", name="pk_memberships"),
    Index("ix_memberships_workspace", "workspace"),
)

observations = Table(
    "observations",
    metadata,
    Column("agent", String(64), nullable=False),
    Column("workspace", String(64), nullable=False),
    Column("artefact", String(64), nullable=False),
    Column("since", UtcTimestamp(), nullable=False),
    PrimaryKeyConstraint("agent", "workspace", "artefact", name="pk_observations"),
    Index("ix_observations_artefact", "workspace", "artefact"),
)

# -- webhooks ------------------------------------------------------------------------------------------------
# A subscription is a revisioned resource (/subscriptions/{id}); its secret and how far it has read the event
# log are bookkeeping (an external agent's signing secret is kept here too, under "agent:{name}"), and each
# event it takes becomes a delivery row the dispatcher works through in order.

webhook_cursors = Table(
    "webhook_cursors",
    metadata,
    Column("subscription", String(80), primary_key=True),
    Column("secret", String(200), nullable=False),
    Column("position", BigInteger, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("seq", _position_type, Identity(always=True), primary_key=True),
    Column("id", String(32), nullable=False, unique=True),
    Column("subscription", String(32), nullable=False),
    Column("event_position", BigInteger, nullable=True),
    Column("stream", String(300), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcTimestamp(), nullable=False),
    Column("next_attempt_at", UtcTimestamp(), nullable=False),
    Column("finished_at", UtcTimestamp(), nullable=True),
    Index("ix_webhook_deliveries_sub_seq", "subscription", "seq"),
    Index("ix_webhook_deliveries_sub_status_seq", "subscription", "status", "seq"),
    sqlite_autoincrement=True,
)

# -- cluster -------------------------------------------------------------------------------------------------
# The processes sharing a PostgreSQL database (with their heartbeats), and which of them holds each shard of
# the work, by lease (see romas/cluster/leases.py).

cluster_processes = Table(
    "cluster_processes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("url", String(300), nullable=False),
    Column("started_at", UtcTimestamp(), nullable=False),
    Column("heartbeat_at", UtcTimestamp(), nullable=False),
)

cluster_shards = Table(
    "cluster_shards",
    metadata,
    Column("shard", Integer, primary_key=True, autoincrement=False),
    Column("owner", String(32), nullable=True),
    Column("fence", BigInteger, nullable=False),
    Column("expires_at", UtcTimestamp(), nullable=True),
    Column("acquired_at", UtcTimestamp(), nullable=True),
)
