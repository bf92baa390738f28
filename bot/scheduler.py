"""APScheduler wiring: turns stored schedules into jobs that call services.

`start_scheduler(deps)` starts an APScheduler 3 `BackgroundScheduler` in UTC with:

- one job per stored, enabled `Schedule`, fired by a `SlotTrigger` that uses
  `bot.core.schedule.next_run` (the same DST-safe arithmetic as the rest of Mingle), calling
  `SCHEDULED_KINDS[schedule.kind](deps, schedule, slot)`; round schedules also get a
  heads-up job a day before each slot (`HEADS_UP_KINDS`);
- a sync job (every minute) that adds, replaces and removes those jobs when schedules
  change in the database, whichever instance changed them;
- a catch-up at start: a slot missed while the app was down still runs if it is within
  `GRACE_PERIOD`; a heads-up whose time passed while it was down still goes out;
- `PERIODIC_JOBS`: the follow-ups ("Did you meet?"), resuming expired pauses, and whatever
  other features append;
- retries: a slot whose run fails in a way that may pass (`bot.services.faults.may_pass`:
  Slack's temporary errors and rate limits, an unexpected error) is tried again by a one-off
  job, after `SLOT_RETRY_BASE` doubling, while inside its grace period and for at most
  `SLOT_ATTEMPTS` tries; then, or at once for a refusal, the admins are told
  (`faults.report_slot_fault`).

The outbox's `DeliveryWorker` runs where `MINGLE_WORKER` is on (`start_worker`), whether or
not the scheduler runs there; `stop_background` stops both on shutdown.

Nothing here decides whether a slot already ran: the services claim each slot in the
database (unique per channel and slot), which is what makes several instances, a restart,
a retry or a misfire safe: a failed plan leaves no claim behind. Every kind of slot and
every periodic job is listed below, in one place.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.rounds import HEADS_UP_BEFORE, heads_up_due, slot_key
from bot.core.schedule import Cadence, next_run, previous_run
from bot.errors import MingleError, SlackAuthError
from bot.services import (
    channels,
    connect,
    faults,
    prompts,
    retention,
    round_followup,
    rounds,
    uninstall,
)
from bot.services.delivery import DeliveryWorker, deliver_now
from bot.services.deps import Deps
from storage.models import Schedule
from storage.repositories import channels as channels_repo
from storage.repositories import members as members_repo

log = logging.getLogger("mingle.scheduler")

#: A slot missed (app down, misfire) still runs this long after its time, but not later.
GRACE_PERIOD = dt.timedelta(hours=6)
SYNC_SECONDS = 60
FOLLOWUP_SECONDS = 300
PAUSES_SECONDS = 3600
#: Periodic jobs first run this long after start (so start-up stays quick).
FIRST_RUN_DELAY = dt.timedelta(seconds=10)
#: A slot that failed is tried again after 1, 2, 4, 8 and 16 minutes (within its grace
#: period); after `SLOT_ATTEMPTS` tries in all, the admins are told.
SLOT_RETRY_BASE = dt.timedelta(minutes=1)
SLOT_ATTEMPTS = 6
#: How long `stop_background` waits for a scheduled job that is running.
STOP_SECONDS = 4.0

NUDGES_SECONDS = 3600  # each member is nudged at most every 21 days; hourly checks suffice
ScheduledKind = Callable[[Deps, Schedule, dt.datetime], None]
PeriodicJob = tuple[str, Callable[[Deps], None], int]
#: Try a slot again: (schedule id, slot, the attempt it will be, when).
RetrySlot = Callable[[int, dt.datetime, int, dt.datetime], None]


def resume_expired_pauses(deps: Deps) -> None:
    """Members whose pause has ended are active again."""
    with deps.sessions.begin() as session:
        count = members_repo.resume_expired_pauses(session, deps.clock().date())
    if count:
        log.info("resumed %d members whose pause ended", count)


def send_followups(deps: Deps) -> None:
    round_followup.send_due_followups(deps)


def send_heads_up(deps: Deps, schedule: Schedule, slot: dt.datetime) -> None:
    round_followup.send_heads_up(deps, schedule, slot)


#: Schedule.kind -> what runs a slot of it.
SCHEDULED_KINDS: dict[str, ScheduledKind] = {
    "round": rounds.run_scheduled_round,
    "prompt": prompts.post_scheduled_prompt,
}
#: Schedule.kind -> what runs a day before each slot.
HEADS_UP_KINDS: dict[str, ScheduledKind] = {"round": send_heads_up}
#: (name, job, every N seconds): jobs that don't follow a stored schedule.
PERIODIC_JOBS: list[PeriodicJob] = [
    ("round-followups", send_followups, FOLLOWUP_SECONDS),
    ("resume-pauses", resume_expired_pauses, PAUSES_SECONDS),
    ("reconnect-nudges", connect.run_reconnect_nudges, NUDGES_SECONDS),
    ("prune", retention.run_prune, retention.PRUNE_SECONDS),  # old dedup and outbox rows
    # Data of workspaces uninstalled longer ago than MINGLE_UNINSTALL_RETENTION_DAYS.
    ("uninstalled-data", uninstall.run_delete_expired, uninstall.DELETE_EXPIRED_SECONDS),
]


class SlotTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires at each slot of a `Cadence` (plus `offset`), computed by `next_run`.

    So a schedule's jobs fire exactly when the rest of Mingle says its slots are: local
    wall-clock time in the schedule's timezone, across daylight-saving changes.
    """

    def __init__(self, cadence: Cadence, offset: dt.timedelta = dt.timedelta(0)) -> None:
        self.cadence = cadence
        self.offset = offset

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime:
        after = previous_fire_time if previous_fire_time is not None else now
        if previous_fire_time is None:
            after -= dt.timedelta(microseconds=1)  # a slot exactly at `now` still fires
        return next_run(self.cadence, after - self.offset) + self.offset

    def __str__(self) -> str:
        shift = f" {self.offset}" if self.offset else ""
        return f"slot[{self.cadence.describe()}{shift}]"

    def __repr__(self) -> str:
        return f"<SlotTrigger {self}>"


def slot_due(cadence: Cadence, now: dt.datetime) -> dt.datetime | None:
    """The slot a job firing at `now` is for: the latest at or before now, if within grace."""
    slot = previous_run(cadence, now)
    if slot is None or now - slot > GRACE_PERIOD:
        return None
    return slot


def _fresh_schedule(deps: Deps, schedule_id: int) -> Schedule | None:
    with deps.sessions() as session:
        schedule = channels_repo.get_schedule_by_id(session, schedule_id)
    if schedule is None or not schedule.enabled:
        return None
    return schedule


def fire_slot(deps: Deps, schedule_id: int, retry: RetrySlot | None = None) -> None:
    """A schedule's job: run the slot that has just come (if still enabled)."""
    schedule = _fresh_schedule(deps, schedule_id)
    if schedule is None or schedule.kind not in SCHEDULED_KINDS:
        return
    slot = slot_due(channels.cadence_of(schedule), deps.clock())
    if slot is None:
        log.warning("schedule %s fired too late for its slot; skipping", schedule_id)
        return
    run_slot(deps, schedule, slot, retry=retry)


def retry_slot(
    deps: Deps, schedule_id: int, slot: dt.datetime, attempt: int, retry: RetrySlot | None
) -> None:
    """A one-off retry job: run `slot` again (if the schedule is still enabled)."""
    schedule = _fresh_schedule(deps, schedule_id)
    if schedule is None or schedule.kind not in SCHEDULED_KINDS:
        return
    run_slot(deps, schedule, slot, attempt=attempt, retry=retry)


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after failed try number `attempt` (1, 2, 4... minutes)."""
    return SLOT_RETRY_BASE * int(2 ** (attempt - 1))


def run_slot(
    deps: Deps,
    schedule: Schedule,
    slot: dt.datetime,
    *,
    attempt: int = 1,
    retry: RetrySlot | None = None,
) -> bool:
    """Run one slot of `schedule`; True when it ran (or had already run).

    A failure that may pass is tried again through `retry` (a one-off job) while there are
    tries left and the retry would still be within `GRACE_PERIOD` of the slot; otherwise,
    and at once for a failure that waiting won't fix, the admins are told. Without `retry`
    (a direct call), a failure is reported at once.
    """
    run = SCHEDULED_KINDS[schedule.kind]
    try:
        deps = deps.for_team(schedule.team_id)  # the schedule's workspace, its own token
    except SlackAuthError:
        log.info("schedule %s's workspace is not installed; skipping", schedule.id)
        return False
    try:
        run(deps, schedule, slot)
        return True
    except Exception as exc:
        problem = exc
    when = deps.clock() + retry_delay(attempt)
    if (
        faults.may_pass(problem)
        and retry is not None
        and attempt < SLOT_ATTEMPTS
        and when <= slot + GRACE_PERIOD
    ):
        log.warning(
            "%s %s's slot %s failed (try %d: %s); trying again at %s",
            schedule.kind,
            schedule.id,
            slot,
            attempt,
            type(problem).__name__,
            when,
            exc_info=not isinstance(problem, MingleError),
        )
        retry(schedule.id, slot, attempt + 1, when)
        return False
    if not isinstance(problem, MingleError):
        log.error("%s %s's slot %s failed", schedule.kind, schedule.id, slot, exc_info=problem)
    try:
        faults.report_slot_fault(deps, schedule, slot, problem, attempts=attempt)
        deliver_now(deps)
    except Exception:
        log.exception("couldn't tell the admins that %s %s failed", schedule.kind, schedule.id)
    return False


def fire_heads_up(deps: Deps, schedule_id: int) -> None:
    """A schedule's heads-up job: announce the next slot (a day ahead)."""
    schedule = _fresh_schedule(deps, schedule_id)
    run = HEADS_UP_KINDS.get(schedule.kind) if schedule else None
    if schedule is None or run is None:
        return
    now = deps.clock()
    slot = next_run(channels.cadence_of(schedule), now)
    if heads_up_due(slot, now):
        run(deps.for_team(schedule.team_id), schedule, slot)


def catch_up(deps: Deps, retry: RetrySlot | None = None) -> int:
    """Run slots missed while the app was down (within `GRACE_PERIOD`); returns how many.

    A slot from before the schedule was last changed is not caught up (setting a channel up
    at 10:30 does not run a 10:00 round).
    """
    now = deps.clock()
    with deps.sessions() as session:
        schedules = [s for s in channels_repo.all_schedules(session) if s.enabled]
    ran = 0
    for schedule in schedules:
        if schedule.kind not in SCHEDULED_KINDS:
            continue
        try:
            slot = slot_due(channels.cadence_of(schedule), now)
            if slot is not None and slot >= schedule.updated_at:
                log.info("catching up on schedule %s's slot %s", schedule.id, slot)
                run_slot(deps, schedule, slot, retry=retry)
                ran += 1
        except Exception:
            log.exception("catch-up failed for schedule %s", schedule.id)
    return ran


class ScheduleJobs:
    """Keeps one job (and heads-up job) per enabled stored schedule in a scheduler."""

    def __init__(self, deps: Deps, scheduler: BackgroundScheduler) -> None:
        self.deps = deps
        self.scheduler = scheduler
        self.known: dict[int, tuple[Any, ...]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def signature(schedule: Schedule) -> tuple[Any, ...]:
        return (
            schedule.kind,
            schedule.cadence,
            schedule.weekday,
            schedule.time_of_day,
            schedule.timezone,
            schedule.anchor_date,
        )

    def sync(self) -> None:
        with self._lock:
            with self.deps.sessions() as session:
                schedules = channels_repo.all_schedules(session)
            wanted: set[int] = set()
            for schedule in schedules:
                if not schedule.enabled or schedule.kind not in SCHEDULED_KINDS:
                    continue
                wanted.add(schedule.id)
                signature = self.signature(schedule)
                if self.known.get(schedule.id) == signature:
                    continue
                try:
                    self._add(schedule)
                except Exception:
                    log.exception("schedule %s can't be scheduled", schedule.id)
                    wanted.discard(schedule.id)
                    continue
                self.known[schedule.id] = signature
            for schedule_id in set(self.known) - wanted:
                self._remove(schedule_id)

    def _add(self, schedule: Schedule) -> None:
        cadence = channels.cadence_of(schedule)
        common: dict[str, Any] = {
            "args": [self.deps, schedule.id],
            "replace_existing": True,
            "misfire_grace_time": int(GRACE_PERIOD.total_seconds()),
            "coalesce": True,
            "max_instances": 1,
        }
        self.scheduler.add_job(
            fire_slot,
            trigger=SlotTrigger(cadence),
            id=f"schedule:{schedule.id}",
            name=f"{schedule.kind} {schedule.channel_id}",
            **{**common, "args": [self.deps, schedule.id, self.retry]},
        )
        if schedule.kind in HEADS_UP_KINDS:
            self.scheduler.add_job(
                fire_heads_up,
                trigger=SlotTrigger(cadence, -HEADS_UP_BEFORE),
                id=f"heads-up:{schedule.id}",
                name=f"heads-up {schedule.channel_id}",
                **common,
            )
            # Within a day of the next slot already (a restart, a new schedule)? Announce it
            # now; each person gets one heads-up per slot however often this runs.
            self.scheduler.add_job(
                fire_heads_up,
                args=[self.deps, schedule.id],
                id=f"heads-up-now:{schedule.id}",
                name=f"heads-up now {schedule.channel_id}",
                replace_existing=True,
            )
        log.info("scheduled %s %s: %s", schedule.kind, schedule.channel_id, cadence.describe())

    def retry(self, schedule_id: int, slot: dt.datetime, attempt: int, when: dt.datetime) -> None:
        """Run `slot` again at `when` (one job per slot: a newer retry replaces it)."""
        self.scheduler.add_job(
            retry_slot,
            trigger=DateTrigger(run_date=when),
            args=[self.deps, schedule_id, slot, attempt, self.retry],
            id=f"retry:{schedule_id}:{slot_key(slot)}",
            name=f"retry {schedule_id} {slot_key(slot)} (try {attempt})",
            replace_existing=True,
            misfire_grace_time=int(GRACE_PERIOD.total_seconds()),
        )

    def _remove(self, schedule_id: int) -> None:
        for job_id in (f"schedule:{schedule_id}", f"heads-up:{schedule_id}"):
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)
        self.known.pop(schedule_id, None)
        log.info("unscheduled schedule %s", schedule_id)


class MingleScheduler(BackgroundScheduler):  # type: ignore[misc]
    """A `BackgroundScheduler` that also owns the schedule jobs, and stops the delivery
    worker (if it started one) when it shuts down."""

    def __init__(self, deps: Deps, **options: Any) -> None:
        super().__init__(timezone="UTC", **options)
        self.deps = deps
        self.schedule_jobs = ScheduleJobs(deps, self)
        self.delivers = False

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait=wait)
        if self.delivers:
            self.deps.delivery.stop()
            self.delivers = False


def build_scheduler(deps: Deps) -> MingleScheduler:
    """The scheduler with its fixed jobs (sync, periodic jobs), not started."""
    scheduler = MingleScheduler(deps)
    first = dt.datetime.now(dt.UTC) + FIRST_RUN_DELAY
    scheduler.add_job(
        scheduler.schedule_jobs.sync,
        trigger=IntervalTrigger(seconds=SYNC_SECONDS),
        id="sync-schedules",
        name="sync schedules",
        coalesce=True,
        max_instances=1,
    )
    for name, job, seconds in PERIODIC_JOBS:
        scheduler.add_job(
            job,
            trigger=IntervalTrigger(seconds=seconds),
            args=[deps],
            id=name,
            name=name,
            next_run_time=first,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
    return scheduler


def start_scheduler(deps: Deps, *, deliver: bool = True) -> BackgroundScheduler:
    """Start the background scheduler with every job the features need.

    `deliver=False` leaves the delivery worker out (for tests that deliver by hand).
    """
    scheduler = build_scheduler(deps)
    scheduler.schedule_jobs.sync()
    scheduler.start()
    if deliver:
        start_worker(deps)
        scheduler.delivers = True
    scheduler.add_job(
        catch_up,
        args=[deps, scheduler.schedule_jobs.retry],
        id="catch-up",
        name="catch up on missed slots",
    )
    return scheduler


def start_worker(deps: Deps) -> None:
    """Start this process's delivery worker (where `MINGLE_WORKER` is on)."""
    deps.delivery.run(DeliveryWorker(deps))


def stop_background(
    deps: Deps, scheduler: BackgroundScheduler | None, timeout: float = STOP_SECONDS
) -> bool:
    """On shutdown: no new jobs start, the delivery worker stops (its row in hand sent or
    given back), and a scheduled job that is running gets `timeout` seconds to end.

    Returns False when such a job is still running then; it is safe to exit all the same,
    since a plan is one transaction: the slot is claimed afresh (caught up) on the next start.
    """
    if scheduler is not None and scheduler.running:
        scheduler.pause()  # nothing new starts while the worker stops
    deps.delivery.stop()
    if scheduler is None or not scheduler.running:
        return True
    done = threading.Event()

    def shut() -> None:
        try:
            scheduler.shutdown(wait=True)
        finally:
            done.set()

    threading.Thread(target=shut, name="mingle-scheduler-stop", daemon=True).start()
    if not done.wait(timeout):
        log.warning("a scheduled job was still running after %.0f s", timeout)
        return False
    return True
