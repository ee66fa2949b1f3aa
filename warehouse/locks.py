"""Partition locks: one run at a time per (site, logical day), across processes and hosts.

The lock is a row of ``partition_locks`` in the warehouse, which every worker already
reaches (DuckDB file or PostgreSQL): the run holding it, its holder (host:pid), since
when, and the end of its lease. ``acquire``, ``renew`` and ``release`` are one short
transaction each. Taking a lock is a single conditional upsert, so two racing acquirers
cannot both win: it inserts the row, or takes it over only when it is the same run's (an
Airflow retry) or its lease has expired (a holder killed outright). Times are the
database's clock, the same for every host.

``hold`` is what a run uses: it takes the lock (once the schema is checked), renews the
lease from a heartbeat thread every third of it while the run works, and releases it at
the end. Re-entrant in one process for one run (``run_partition`` holding it across the
stages that each take it again).

DuckDB lets one process at a time open its file: an operation that meets the file lock of
another process retries for a few seconds (``OPEN_WAIT_SECONDS``) before failing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from core.errors import LockLost, PartitionBusy

log = logging.getLogger(__name__)
T = TypeVar("T")

OPEN_WAIT_SECONDS = 20.0  # how long an operation waits for another process's DuckDB file lock
CONFLICT_ATTEMPTS = 5  # write-write conflicts between transactions of one DuckDB process

_ACQUIRE = text(
    """
    INSERT INTO partition_locks AS held (site, logical_date, run_id, holder, acquired_at, expires_at)
    VALUES (:site, :day, :run_id, :holder, :now, :expires)
    ON CONFLICT (site, logical_date) DO UPDATE SET
        run_id = excluded.run_id,
        holder = excluded.holder,
        acquired_at = CASE WHEN held.run_id = excluded.run_id THEN held.acquired_at
                           ELSE excluded.acquired_at END,
        expires_at = excluded.expires_at
    WHERE held.run_id = excluded.run_id OR held.expires_at <= excluded.acquired_at
    RETURNING run_id, holder, acquired_at, expires_at
    """
)
_RENEW = text(
    "UPDATE partition_locks SET expires_at = :expires "
    "WHERE site = :site AND logical_date = :day AND run_id = :run_id AND holder = :holder "
    "RETURNING run_id, holder, acquired_at, expires_at"
)
_RELEASE = text(
    "DELETE FROM partition_locks "
    "WHERE site = :site AND logical_date = :day AND run_id = :run_id AND holder = :holder "
    "RETURNING run_id"
)
_CURRENT = text(
    "SELECT run_id, holder, acquired_at, expires_at FROM partition_locks "
    "WHERE site = :site AND logical_date = :day"
)


@dataclass(frozen=True)
class LockRow:
    site: str
    logical_date: date
    run_id: str
    holder: str  # host:pid
    acquired_at: datetime
    expires_at: datetime


def this_holder() -> str:
    """host:pid of this process (asked each time: a forked child is another holder)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def stamp(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def busy_message(site: str, day: date, run_id: str, since: datetime) -> str:
    return f"{site} {day.isoformat()} is being processed by run {run_id} since {stamp(since)}"


def acquire(
    engine: Engine, site: str, day: date, run_id: str, lease_seconds: float, holder: str | None = None
) -> LockRow:
    """Take the lock of (site, day) for ``run_id``, or raise ``PartitionBusy`` naming its holder.

    Granted when nobody holds it, when ``run_id`` holds it already (re-entrance: the holder
    becomes this process and the lease starts again), or when the holder's lease expired.
    """
    holder = holder or this_holder()

    def attempt(conn: Connection) -> LockRow | tuple:
        now = _now(conn)
        params = _params(site, day, run_id, holder) | {
            "now": now,
            "expires": now + timedelta(seconds=lease_seconds),
        }
        row = conn.execute(_ACQUIRE, params).first()
        if row is not None:
            return _row(site, day, row)
        return tuple(conn.execute(_CURRENT, {"site": site, "day": day}).one())

    got = _transaction(engine, attempt, "acquire the lock of", site, day)
    if isinstance(got, LockRow):
        return got
    other_run, other_holder, since, _expires = got
    raise PartitionBusy(
        busy_message(site, day, other_run, since), run_id=other_run, holder=other_holder, since=_utc(since)
    )


def renew(
    engine: Engine, site: str, day: date, run_id: str, lease_seconds: float, holder: str | None = None
) -> LockRow | None:
    """Extend the lease of a lock this holder has; None when it has it no more (taken over)."""
    holder = holder or this_holder()

    def attempt(conn: Connection) -> LockRow | None:
        params = _params(site, day, run_id, holder)
        params["expires"] = _now(conn) + timedelta(seconds=lease_seconds)
        row = conn.execute(_RENEW, params).first()
        return None if row is None else _row(site, day, row)

    return _transaction(engine, attempt, "renew the lock of", site, day)


def release(engine: Engine, site: str, day: date, run_id: str, holder: str | None = None) -> bool:
    """Give the lock up; False when this holder did not have it (any more)."""
    holder = holder or this_holder()

    def attempt(conn: Connection) -> bool:
        return conn.execute(_RELEASE, _params(site, day, run_id, holder)).first() is not None

    return _transaction(engine, attempt, "release the lock of", site, day)


def current(engine: Engine, site: str, day: date) -> LockRow | None:
    """Who holds (site, day) now, expired or not; None when nobody does."""

    def attempt(conn: Connection) -> LockRow | None:
        row = conn.execute(_CURRENT, {"site": site, "day": day}).first()
        return None if row is None else _row(site, day, row)

    return _transaction(engine, attempt, "read the lock of", site, day)


def database_now(engine: Engine) -> datetime:
    """The database's clock, which leases are measured by."""
    return _transaction(engine, _now, "read the clock for", "", None)


class HeldLock:
    """A lock this process holds for one run, its lease renewed by a heartbeat thread."""

    def __init__(self, engine: Engine, row: LockRow, lease_seconds: float):
        self.engine = engine
        self.row = row
        self.lease_seconds = lease_seconds
        self.lost: str | None = None  # why, once another run took the partition over
        self.depth = 1
        self._renewed = time.monotonic()  # when the lease last started again
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"pressetl-lock {row.site} {row.logical_date}", daemon=True
        )
        self._thread.start()

    @property
    def interval(self) -> float:
        return self.lease_seconds / 3

    def _beat(self) -> None:
        site, day, run_id = self.row.site, self.row.logical_date, self.row.run_id
        while not self._stop.wait(self.interval):
            try:
                renewed = renew(self.engine, site, day, run_id, self.lease_seconds, self.row.holder)
            except Exception as exc:  # the database is away: try again at the next beat
                log.warning("%s %s: could not renew run %s's lock: %s", site, day, run_id, _short(exc))
                continue
            if renewed is None:
                self.lost = _lost_reason(self.engine, self.row)
                log.error("%s", self.lost)
                return
            self.row = renewed
            self._renewed = time.monotonic()

    def check(self) -> None:
        """Raise ``LockLost`` if another run took the partition over meanwhile. When the
        heartbeat has not renewed the lease for a whole lease (a starved thread, the database
        away), the database is asked: the lock may still be this run's."""
        if not self.lost and time.monotonic() - self._renewed > self.lease_seconds:
            row = self.row
            try:
                renewed = renew(
                    self.engine, row.site, row.logical_date, row.run_id, self.lease_seconds, row.holder
                )
            except Exception as exc:
                renewed = None
                self.lost = (
                    f"{row.site} {row.logical_date.isoformat()}: run {row.run_id} could not renew its lock "
                    f"for {self.lease_seconds:g} s ({_short(exc)}): another run may have it"
                )
            if renewed is not None:
                self.row, self._renewed = renewed, time.monotonic()
            elif not self.lost:
                self.lost = _lost_reason(self.engine, row)
        if self.lost:
            raise LockLost(self.lost, run_id=self.row.run_id, holder=self.row.holder)

    def stop(self) -> None:
        """Stop the heartbeat and release the lock (a failed release is logged: the lease ends it)."""
        self._stop.set()
        self._thread.join()
        try:  # deletes nothing when another run has it now
            release(self.engine, self.row.site, self.row.logical_date, self.row.run_id, self.row.holder)
        except Exception as exc:
            log.warning(
                "%s %s: could not release run %s's lock (it lapses at %s): %s",
                self.row.site,
                self.row.logical_date,
                self.row.run_id,
                stamp(self.row.expires_at),
                _short(exc),
            )


_held: dict[tuple[str, str, date, str], HeldLock] = {}
_registry = threading.Lock()


@contextlib.contextmanager
def hold(url: str, site: str, day: date, run_id: str, lease_seconds: float) -> Iterator[HeldLock]:
    """Hold the lock of (site, day) for ``run_id`` while the block runs.

    Raises ``WarehouseSchemaError`` (the warehouse is not at the code's revision: it says what
    to run) or ``PartitionBusy`` (another run holds it) before the block starts. Inside the
    block, ``check()`` says whether the lock is still this run's.
    """
    from warehouse.engine import make_engine
    from warehouse.schema import require_current

    key = (url, site, day, run_id)
    with _registry:
        lock = _held.get(key)
        if lock is not None:
            lock.depth += 1
        else:
            engine = make_engine(url)
            try:
                _retrying(lambda: require_current(engine), "check the schema for", site, day)
                row = acquire(engine, site, day, run_id, lease_seconds)
            except BaseException:
                engine.dispose()
                raise
            lock = _held[key] = HeldLock(engine, row, lease_seconds)
    try:
        yield lock
    finally:
        with _registry:
            lock.depth -= 1
            last = lock.depth == 0
            if last:
                del _held[key]
        if last:
            try:
                lock.stop()
            finally:
                lock.engine.dispose()


# -- plumbing ------------------------------------------------------------------------------


def _params(site: str, day: date, run_id: str, holder: str) -> dict:
    return {"site": site, "day": day, "run_id": run_id, "holder": holder}


def _row(site: str, day: date, row) -> LockRow:
    run_id, holder, acquired_at, expires_at = row
    return LockRow(site, day, run_id, holder, _utc(acquired_at), _utc(expires_at))


def _now(conn: Connection) -> datetime:
    return _utc(conn.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one())


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _lost_reason(engine: Engine, mine: LockRow) -> str:
    where = f"{mine.site} {mine.logical_date.isoformat()}"
    try:
        now = current(engine, mine.site, mine.logical_date)
    except Exception:
        now = None
    taken = f": run {now.run_id} ({now.holder}) has it since {stamp(now.acquired_at)}" if now else ""
    return f"{where}: run {mine.run_id} lost its lock (its lease lapsed unrenewed){taken}"


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _transaction(engine: Engine, work: Callable[[Connection], T], what: str, site: str, day) -> T:
    def once() -> T:
        with engine.begin() as conn:
            return work(conn)

    return _retrying(once, what, site, day)


def _retrying(call: Callable[[], T], what: str, site: str, day) -> T:
    """``call()``, again while another DuckDB process has the file (up to ``OPEN_WAIT_SECONDS``)
    or a concurrent transaction of this one wrote the same row (``CONFLICT_ATTEMPTS``)."""
    deadline = time.monotonic() + OPEN_WAIT_SECONDS
    conflicts = 0
    pause = 0.02
    while True:
        try:
            return call()
        except DBAPIError as exc:
            message = str(exc)
            if _file_locked(message) and time.monotonic() < deadline:
                log.info("%s %s %s: warehouse file locked by another process; retrying", what, site, day)
            elif _conflict(message) and conflicts < CONFLICT_ATTEMPTS:
                conflicts += 1
            else:
                raise
        time.sleep(pause * (1 + random.random()))
        pause = min(pause * 2, 0.5)


def _file_locked(message: str) -> bool:
    return "Could not set lock on file" in message or "Conflicting lock is held" in message


def _conflict(message: str) -> bool:
    # DuckDB, two transactions of one process writing one row: the loser learns it at once.
    return any(
        marker in message
        for marker in ("Conflict on", "TransactionContext Error", "Duplicate key", "violates primary key")
    )
