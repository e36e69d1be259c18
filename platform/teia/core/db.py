"""Engine, one session per app context, and the commit-at-the-boundary rule.

Service functions flush; the request (or task) boundary commits or rolls back once. Work that
must only happen once the data is durable (queueing a Celery task that reads it) registers
with :func:`after_commit`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MAX_ID = 2**31 - 1  # ids are ``integer`` columns (PostgreSQL int4): a larger one names no row


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Naive UTC: every timestamp column stores UTC without a zone, on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class _State:
    engine: Engine
    factory: sessionmaker[Session]


class Database:
    """Hands each app context its own session, from the current app's engine."""

    def init_app(self, app: Flask) -> Engine:
        engine = make_engine(app.config["TEIA_DATABASE_URL"])
        app.extensions["teia_db"] = _State(
            engine, sessionmaker(bind=engine, expire_on_commit=False)
        )
        app.teardown_appcontext(self._close)
        return engine

    @property
    def _state(self) -> _State:
        return current_app.extensions["teia_db"]

    @property
    def engine(self) -> Engine:
        return self._state.engine

    def bind_to(self, connection: Connection) -> None:
        """Tests: run every session of the current app inside ``connection``'s transaction."""
        self._state.factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    def unbind(self) -> None:
        self._state.factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def session(self) -> Session:
        session = g.get("_teia_session")
        if session is None:
            session = g._teia_session = self._state.factory()
        return session

    def _close(self, exc: BaseException | None) -> None:
        session: Session | None = g.pop("_teia_session", None)
        if session is None:
            return
        if exc is not None:
            session.rollback()
        session.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy own BEGIN so SAVEPOINTs work; enforce foreign keys.

    ``BEGIN IMMEDIATE`` takes the write lock when a transaction starts, so the web server and
    the embedded Celery worker queue behind each other (up to the busy timeout) instead of
    one failing with "database is locked" when a transaction that has read tries to write.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's transaction commits; dropped on rollback."""
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    """The data is durable now: a callback that fails (a broker down) is logged, not raised;
    whatever it queues must be recoverable from the data (see the unsent e-mail sweep).

    SQLAlchemy sends this event when a SAVEPOINT is released too: only the outermost
    commit makes the data durable, so the callbacks wait for it."""
    if session.in_nested_transaction():
        return
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logger.exception("after-commit callback failed; the committed data is kept")


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop("after_commit", None)


def count_statements(engine: Engine) -> None:
    """Count SQL statements per request into ``g`` (benchmarks and the N+1 tests read it)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        if has_request_context():
            g.sql_statements = g.get("sql_statements", 0) + 1


db = Database()
