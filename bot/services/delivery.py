"""Delivering the outbox: every message exactly once, resumable after a crash, paced.

Planners write `OutboundMessage` rows (`storage.repositories.outbox.enqueue`) in the same
transaction as the domain rows. `deliver_pending` sends the rows that are due, and a
`DeliveryWorker` thread calls it whenever it is woken or a row comes due.
Only the instance that holds the workspace's delivery lease sends, so several instances
together keep to Slack's limits (`bot.services.delivery_lease`).

Each row goes through these steps, each committed before the next:

1. claim it (compare-and-set pending -> sending), so no other worker sends it;
2. for a DM or group DM, `conversations.open` (idempotent: Slack returns the same
   conversation for the same people);
3. record the conversation it is about to go to (`sent_channel`), renewing the lease;
4. post it with message metadata carrying the row's key;
5. mark it sent and, in the same transaction, do what follows a sent message of its kind
   (`AFTER_SENT`: a match learns its conversation, a prompt its message).

A worker that is killed leaves its row "sending". Once the row's lease has expired, a worker
takes it over: a row without `sent_channel` was never posted and is sent; otherwise the
conversation's history is searched for a message whose metadata carries the key, and the row
is marked sent if one is there, sent otherwise. A post that fails in a way that may still have
gone through (a 5xx, `internal_error`, a dropped connection) is checked the same way before
it is retried, and the client used for posting never re-sends on its own (only after a 429,
which Slack never processes). If even the check fails, the row stays "sending" until its lease
expires. The history check trusts the host clock to within a minute of Slack's.

Ephemeral messages are *at most once*: Slack keeps no copy to check, so a row found
"sending" after a crash that may have been posted is skipped rather than risk a duplicate.

Errors: a 429 is retried by the client after `Retry-After` and pauses the method in the
`Pacer`; if it persists the row goes back to pending for later. Permanent errors fail the row
(and queue a plain-words note to the admin the row names in `notify_user`, or, for what an
admin set up when it names nobody, to the workspace's admins). A group DM
with deactivated members is sent to the others when at least two remain. Transient errors are
retried with exponential backoff up to `max_attempts`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from sqlalchemy.orm import Session

from bot.core import outbox_keys
from bot.core.blocks import channel_link, mention
from bot.core.slots import invite_filename
from bot.core.status import OutboxKind
from bot.errors import (
    NotFoundError,
    SlackAuthError,
    SlackError,
    SlackRateLimited,
    SlackTransientError,
    SlackUserGone,
)
from bot.services.admins import workspace_admins
from bot.services.delivery_lease import LOCAL_PASSES, RETRY_EVERY, delivery_turn, scope_of
from bot.services.deps import Deps
from bot.services.invites import invite_file
from bot.slack.gateway import slack_errors
from bot.slack.pacing import PacedRateLimitRetryHandler, Pacer
from storage.models import OutboundMessage
from storage.repositories import outbox
from storage.repositories import prompts as prompts_repo
from storage.repositories import rounds as rounds_repo

log = logging.getLogger(__name__)

DEFAULT_LEASE = dt.timedelta(minutes=5)
#: How often an idle worker looks for rows (another instance may have enqueued some).
IDLE_WAIT = 2.0
#: How long `DeliveryWorker.stop` waits for a post under way.
STOP_SECONDS = 4.0
MAX_ATTEMPTS = 6
RETRY_BASE = dt.timedelta(seconds=2)
RETRY_CAP = dt.timedelta(minutes=10)
HALT_PAUSE = dt.timedelta(minutes=5)
HISTORY_SLACK = dt.timedelta(seconds=60)  # clock difference tolerated by the history check
METADATA_EVENT = "mingle_outbox"
#: The calls that post a message: once one starts, the row can't simply be given back.
POSTS = frozenset({"chat.postMessage", "chat.postEphemeral"})

#: Errors that retrying will not fix: the row fails (so does any code not listed here).
PERMANENT_ERRORS = frozenset(
    "user_not_found user_disabled account_inactive cannot_dm_bot channel_not_found"
    " not_in_channel is_archived invalid_blocks invalid_blocks_format msg_too_long no_text"
    " too_many_users user_not_in_channel invalid_metadata_format invalid_metadata_schema".split()
)

#: What each kind of message is, in the words of a note to an admin about it.
WHAT: dict[OutboxKind, str] = {
    OutboxKind.ROUND_INTRO: "the coffee-chat intro",
    OutboxKind.ROUND_ALONE: "the note about sitting this round out",
    OutboxKind.ROUND_SUMMARY: "the round summary",
    OutboxKind.HEADS_UP: "the heads-up",
    OutboxKind.ROUND_FOLLOWUP: "the coffee-chat follow-up",
    OutboxKind.ROUND_PROBLEM: "the note about a round that couldn't run",
    OutboxKind.INTRO: "the introduction",
    OutboxKind.NUDGE: "the reconnect nudge",
    OutboxKind.SAY_HI: "the say-hi message",
    OutboxKind.WELCOME: "the welcome message",
    OutboxKind.PROMPT: "the prompt",
    OutboxKind.ADMIN_NOTICE: "an admin notice",
    OutboxKind.SLOT_OFFER: "the message with more meeting times",
    OutboxKind.SLOT_AGREED: "the confirmation of a coffee chat's time",
    OutboxKind.SLOT_INVITE: "the calendar invitation of a coffee chat",
    OutboxKind.THANK_YOU: "a thank-you note",
}


#: What an admin set up: when such a message fails and names no admin, the workspace's
#: admins are told.
SET_UP_BY_AN_ADMIN = frozenset(
    {
        OutboxKind.ROUND_INTRO,
        OutboxKind.ROUND_ALONE,
        OutboxKind.ROUND_SUMMARY,
        OutboxKind.ROUND_FOLLOWUP,
        OutboxKind.PROMPT,
    }
)


# -- after a message is sent ---------------------------------------------------------------

#: Something to do once a message is sent, given its row (status "sent", `sent_channel`,
#: `sent_ts` and `sent_at` set), in the transaction that marked it sent.
AfterSent = Callable[[Session, OutboundMessage], None]


def record_conversation(session: Session, row: OutboundMessage) -> None:
    """A match's message went to its group DM: the match remembers the conversation."""
    if row.match_id is not None and not row.ephemeral_user and row.sent_channel:
        rounds_repo.record_conversation(session, row.match_id, row.sent_channel)


def record_prompt_message(session: Session, row: OutboundMessage) -> None:
    """A prompt was posted: its message (and so its thread) is known from now on."""
    prompt_id = outbox_keys.prompt_id_of(row.key)
    if prompt_id is not None and row.sent_ts and row.sent_at:
        prompts_repo.record_message(session, prompt_id, row.sent_ts, row.sent_at)


#: When a message of kind K is sent, do X. The one place for "after delivery".
AFTER_SENT: dict[OutboxKind, AfterSent] = {
    OutboxKind.ROUND_INTRO: record_conversation,
    OutboxKind.ROUND_FOLLOWUP: record_conversation,
    OutboxKind.SLOT_OFFER: record_conversation,
    OutboxKind.SLOT_AGREED: record_conversation,
    OutboxKind.PROMPT: record_prompt_message,
}


@dataclass
class DeliveryReport:
    """What one or more delivery passes did."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retried: int = 0
    duplicates_avoided: int = 0
    rate_limited: int = 0
    recovered: int = 0
    busy: int = 0  # passes that sent nothing: another instance holds the delivery lease

    def add(self, other: DeliveryReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.skipped + self.retried


@dataclass
class _Job:
    """A claimed row, detached from its session. `attempt` is the claim's fencing token."""

    id: int
    key: str
    kind: OutboxKind
    team_id: str
    attempt: int
    channel_id: str | None
    user_ids: list[str]
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]] | None
    ephemeral_user: str | None
    notify_user: str | None
    sent_channel: str | None
    not_before: dt.datetime
    note: str | None = None

    @classmethod
    def of(cls, row: OutboundMessage) -> _Job:
        return cls(
            id=row.id,
            key=row.key,
            kind=row.kind,
            team_id=row.team_id,
            attempt=row.attempts,
            channel_id=row.channel_id,
            user_ids=list(row.user_ids or []),
            thread_ts=row.thread_ts,
            text=row.text,
            blocks=row.blocks,
            ephemeral_user=row.ephemeral_user,
            notify_user=row.notify_user,
            sent_channel=row.sent_channel,
            not_before=row.not_before,
        )


# -- outcomes of a Slack call, as exceptions ---------------------------------------------


class _Outcome(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class _Permanent(_Outcome):
    def __init__(
        self, code: str, gone: dict[str, str] | None = None, *, user_gone: bool = False
    ) -> None:
        super().__init__(code)
        self.gone = gone or {}
        self.user_gone = user_gone  # refused because of one of the people (`SlackUserGone`)


class _Transient(_Outcome):
    def __init__(self, code: str, *, uncertain: bool) -> None:
        super().__init__(code)
        self.uncertain = uncertain  # the call may have taken effect all the same


class _RateLimited(_Outcome):
    def __init__(self, method: str, retry_after: float, channel: str | None) -> None:
        super().__init__("ratelimited")
        self.method = method
        self.retry_after = retry_after
        self.channel = channel


class _Skip(_Outcome):
    """Give the message up without retrying (an ephemeral that may or may not have gone)."""


class _Halt(_Outcome):
    """The token is unusable; stop this pass."""


class _Stopped(Exception):
    """The worker is stopping."""


class _Unverified(Exception):
    """Whether a message went out could not be checked; leave the row for recovery."""


@dataclass
class _Run:
    """One `deliver_pending` pass: its clients, pacer and report."""

    deps: Deps
    pacer: Pacer
    stop: threading.Event | None
    max_attempts: int
    report: DeliveryReport = field(default_factory=DeliveryReport)
    # The row this pass holds, while nothing of it may have been posted yet (see
    # `release_in_hand`); guarded by `_guard`.
    _in_hand: _Job | None = None
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        base = self.deps.slack.client
        rate_limit = PacedRateLimitRetryHandler(
            self.pacer,
            max_retry_count=_rate_limit_retries(base),
            on_rate_limited=self._count_rate_limit,
        )
        others = [h for h in base.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
        # Idempotent calls may be retried on 5xx and connection errors; posts may not.
        self.api = _clone_client(base, [rate_limit, *others])
        self.poster = _clone_client(base, [rate_limit])
        self.team = self.deps.team_id or None

    def _count_rate_limit(self, method: str) -> None:
        self.report.rate_limited += 1

    @property
    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def now(self) -> dt.datetime:
        return self.deps.clock()

    # -- passes ----------------------------------------------------------------------

    def recover(self, lease: dt.timedelta) -> None:
        with self.deps.sessions() as session:
            stale = [
                _Job.of(row)
                for row in outbox.stale_in_flight(session, self.now(), lease, team_id=self.team)
            ]
        for job in stale:
            if self.stopping:
                return
            self._recover(job)

    def deliver_due(self, limit: int | None) -> None:
        """Send due rows one at a time, asking the database for the next one each time: a
        row a person just asked for (`outbox.PRIORITY`), enqueued by any instance, goes
        next, not after the rest of a round's backlog."""
        handled = 0
        while not self.stopping and (limit is None or handled < limit):
            with self.deps.sessions() as session:
                ids = [row.id for row in outbox.due(session, self.now(), 1, team_id=self.team)]
            if not ids:
                return
            self._deliver_row(ids[0])
            handled += 1

    # -- one row ---------------------------------------------------------------------

    def _deliver_row(self, row_id: int) -> None:
        with self.deps.sessions.begin() as session:
            if not outbox.claim(session, row_id, self.now()):
                self.report.duplicates_avoided += 1  # another worker has it
                return
            row = outbox.get(session, row_id)
            assert row is not None
            job = _Job.of(row)
        self._hold(job)
        try:
            self._send(job)
        finally:
            self._hold(None)

    def _recover(self, job: _Job) -> None:
        with self.deps.sessions.begin() as session:
            if not outbox.reclaim(session, job.id, job.attempt, self.now()):
                return  # another worker took it over first
        job.attempt += 1
        self.report.recovered += 1
        log.info("recovering outbox row %s (%s) left sending", job.id, job.key)
        try:
            self._recover_job(job)
        finally:
            self._hold(None)

    def _recover_job(self, job: _Job) -> None:
        if job.sent_channel is None:
            self._hold(job)
            self._send(job)  # it never got as far as posting
            return
        if job.ephemeral_user:
            self._skip(job, "ephemeral_unverifiable: the worker stopped while sending it")
            return
        try:
            ts = self._find_posted(job, job.sent_channel)
        except _Permanent as exc:
            self._fail(job, exc)
            return
        except _Unverified:
            return
        if ts is not None:
            self._finish(job, job.sent_channel, ts)
            self.report.duplicates_avoided += 1
        elif job.attempt > self.max_attempts:
            self._fail(job, _Permanent("too_many_attempts"))
        else:
            self._hold(job)  # checked: it was not posted
            self._send(job)

    def _send(self, job: _Job) -> None:
        try:
            channel = self._target(job)
            with self.deps.sessions.begin() as session:
                if not outbox.prepare_post(
                    session, job.id, job.attempt, channel=channel, now=self.now()
                ):
                    log.warning("lost the claim on outbox row %s before posting", job.id)
                    self.report.duplicates_avoided += 1
                    return
            ts = self._post(job, channel)
        except _RateLimited as exc:
            self._rate_limited(job, exc)
        except _Transient as exc:
            self._retry_or_fail(job, exc)
        except _Permanent as exc:
            self._fail(job, exc)
        except _Skip as exc:
            self._skip(job, exc.code)
        except _Stopped:
            self._release(job, self.now(), "stopped", refund=True)
        except _Halt as exc:
            self._release(job, self.now() + HALT_PAUSE, exc.code, refund=True)
            raise
        except _Unverified:
            log.warning("couldn't check whether outbox row %s went out; leaving it", job.id)
        else:
            self._finish(job, channel, ts)

    def _target(self, job: _Job) -> str:
        """The conversation to post into: the channel, or the (group) DM, opened if need be."""
        if job.channel_id:
            return job.channel_id
        if job.sent_channel:
            return job.sent_channel
        try:
            return self._open(job.user_ids)
        except _Permanent as exc:
            if not exc.user_gone:  # conversations.open refused one of the people: find who
                raise
            gone = self._unreachable(job.user_ids)
            remaining = [u for u in job.user_ids if u not in gone]
            if not gone or len(remaining) < 2:
                raise _Permanent(exc.code, gone) from exc
            job.note = "sent without " + ", ".join(f"{u} ({why})" for u, why in gone.items())
            log.info("outbox row %s: %s", job.id, job.note)
            return self._open(remaining)

    def _open(self, users: list[str]) -> str:
        response = self._call(
            "conversations.open", lambda: self.api.conversations_open(users=users)
        )
        return str(response["channel"]["id"])

    def _unreachable(self, users: list[str]) -> dict[str, str]:
        """The people a DM can't include: deactivated, gone from the workspace, or bots."""
        gone: dict[str, str] = {}
        for user_id in users:
            self._pace("users.info")
            try:
                user = self.deps.slack.user(user_id, fresh=True)
            except NotFoundError:
                gone[user_id] = "user_not_found"
                continue
            except SlackError:
                continue  # can't tell: keep them
            if user.deleted:
                gone[user_id] = "user_disabled"
            elif user.is_bot:
                gone[user_id] = "cannot_dm_bot"
        return gone

    def _post(self, job: _Job, channel: str) -> str:
        if job.kind in UPLOADS:
            return self._upload(job, channel)
        content: dict[str, Any] = {"channel": channel, "text": job.text}
        if job.blocks:
            content["blocks"] = job.blocks
        if job.thread_ts:
            content["thread_ts"] = job.thread_ts
        if job.ephemeral_user:
            user = job.ephemeral_user
            try:
                response = self._call(
                    "chat.postEphemeral",
                    lambda: self.poster.chat_postEphemeral(user=user, **content),
                )
            except _Transient as exc:
                if exc.uncertain:  # at most once: there is no way to check, so no retry
                    raise _Skip(f"ephemeral_uncertain: {exc.code}") from exc
                raise
            return str(response["message_ts"])
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": job.key}}
        return self._post_checked(
            job,
            channel,
            "chat.postMessage",
            lambda: self.poster.chat_postMessage(metadata=metadata, **content),
            lambda response: str(response["ts"]),
        )

    def _upload(self, job: _Job, channel: str) -> str:
        """Upload the row's file (`UPLOADS`) into `channel`, with `job.text` as its comment.

        A file can't carry message metadata: it is found again by its name, unique per row
        (`_find_posted`). Slack returns no message ts for it at once, so the share's ts is
        recorded when Slack gives it, else the file's id."""
        with self.deps.sessions() as session:
            made = UPLOADS[job.kind](session, job.key, self.now())
        if made is None:
            raise _Skip("nothing_to_upload: its slot or group is gone")
        filename, data = made
        return self._post_checked(
            job,
            channel,
            UPLOAD,
            lambda: self.poster.files_upload_v2(
                channel=channel,
                content=data,
                filename=filename,
                title="Coffee chat",
                initial_comment=job.text,
            ),
            lambda response: _uploaded_ts(response, channel),
        )

    def _post_checked(
        self,
        job: _Job,
        channel: str,
        method: str,
        call: Callable[[], Any],
        ts_of: Callable[[Any], str],
    ) -> str:
        """The ts of the message the post `call` (of `method`) puts in `channel`, read from
        Slack's response by `ts_of`. A post that failed in a way that may have gone through all
        the same is looked up by its key; found, it counts as a duplicate avoided."""
        try:
            response = self._call(method, call, pace_channel=channel)
        except _Transient as exc:
            if not exc.uncertain:
                raise
            ts = self._find_posted(job, channel)
            if ts is None:
                raise
            self.report.duplicates_avoided += 1
            return ts
        return ts_of(response)

    def _find_posted(self, job: _Job, channel: str) -> str | None:
        """The ts of the message carrying `job.key` in `channel`, if it is there.

        Raises `_Permanent` when the conversation can't be read, `_Unverified` when the check
        could not be made now.
        """
        oldest = f"{(job.not_before - HISTORY_SLACK).timestamp():.6f}"
        upload_name = _upload_name(job)
        try:
            for message in self._history(channel, job.thread_ts, oldest):
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == job.key:
                    return str(message["ts"])
                if upload_name is not None and any(
                    f.get("name") == upload_name for f in message.get("files") or []
                ):
                    return str(message["ts"])
        except (_Transient, _RateLimited, _Halt, _Stopped) as exc:
            raise _Unverified(str(exc)) from exc
        return None

    def _history(self, channel: str, thread_ts: str | None, oldest: str) -> Iterator[Any]:
        cursor: str | None = None
        while True:
            response = self._history_page(channel, thread_ts, oldest, cursor)
            yield from response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return

    def _history_page(
        self, channel: str, thread_ts: str | None, oldest: str, cursor: str | None
    ) -> Any:
        args: dict[str, Any] = {
            "channel": channel,
            "oldest": oldest,
            "include_all_metadata": True,
            "limit": 200,
        }
        if cursor:
            args["cursor"] = cursor
        if thread_ts:
            return self._call(
                "conversations.replies",
                lambda: self.api.conversations_replies(ts=thread_ts, **args),
            )
        return self._call("conversations.history", lambda: self.api.conversations_history(**args))

    # -- Slack calls -------------------------------------------------------------------

    def _pace(self, method: str, channel: str | None = None) -> None:
        if not self.pacer.wait(method, channel, cancel=self.stop):
            raise _Stopped()

    def _call(
        self, method: str, call: Callable[[], Any], *, pace_channel: str | None = None
    ) -> Any:
        """Make the Web API call `call` (of `method`) after pacing; failures become
        `_Outcome`s."""
        self._pace(method, pace_channel)
        if method in POSTS or method == UPLOAD:
            self._start_post()
        try:
            with slack_errors(method):
                return call()
        except SlackError as exc:
            outcome = _outcome(exc, method, pace_channel)
        if isinstance(outcome, _RateLimited):
            self.report.rate_limited += 1
            self.pacer.backoff(method, outcome.retry_after, pace_channel)
        raise outcome

    # -- the row in hand, for a shutdown ------------------------------------------------

    def _hold(self, job: _Job | None) -> None:
        with self._guard:
            self._in_hand = job

    def _start_post(self) -> None:
        """From here on the row may be posted: it can't be released any more. A worker
        asked to stop starts no post."""
        with self._guard:
            if self.stopping:
                raise _Stopped()
            self._in_hand = None

    def release_in_hand(self) -> bool:
        """Give back the row this pass holds if nothing of it can have been posted (for a
        worker that did not stop in time): pending again at once, its attempt refunded. The
        pass's own later writes on it are fenced off. True when a row was released."""
        with self._guard:
            job, self._in_hand = self._in_hand, None
        if job is None:
            return False
        log.info("released outbox row %s (%s) on shutdown", job.id, job.key)
        return self._release(job, self.now(), "stopped", refund=True)

    # -- endings -----------------------------------------------------------------------

    def _finish(self, job: _Job, channel: str, ts: str) -> None:
        with self.deps.sessions.begin() as session:
            done = outbox.mark_sent(
                session, job.id, job.attempt, channel=channel, ts=ts, now=self.now(), note=job.note
            )
            after = AFTER_SENT.get(job.kind)
            row = outbox.get(session, job.id) if done and after is not None else None
            if after is not None and row is not None:
                after(session, row)
        if done:
            self.report.sent += 1
        else:
            log.error("outbox row %s was posted (%s) after another worker took it over", job.id, ts)

    def _skip(self, job: _Job, reason: str) -> None:
        log.warning("outbox row %s (%s) skipped: %s", job.id, job.key, reason)
        with self.deps.sessions.begin() as session:
            if outbox.mark_skipped(session, job.id, job.attempt, reason=reason):
                self.report.skipped += 1

    def _fail(self, job: _Job, exc: _Permanent) -> None:
        error = exc.code + (": " + ", ".join(exc.gone) if exc.gone else "")
        log.warning("outbox row %s (%s) failed: %s", job.id, job.key, error)
        told = self._admins_to_tell(job)  # Slack is asked before the transaction
        with self.deps.sessions.begin() as session:
            if not outbox.mark_failed(session, job.id, job.attempt, error=error):
                return
            for admin in told:
                outbox.enqueue(
                    session,
                    team_id=job.team_id,
                    key=outbox_keys.notice(job.key, admin if len(told) > 1 else None),
                    kind=OutboxKind.ADMIN_NOTICE,
                    text=undeliverable_notice(job, exc.code, exc.gone),
                    user_ids=[admin],
                    not_before=self.now(),
                )
        self.report.failed += 1

    def _admins_to_tell(self, job: _Job) -> list[str]:
        """The admin who set the failed message's feature up (`notify_user`); when nobody
        is named (nobody set it up, or they asked Mingle to forget them), the workspace's
        admins, for what an admin sets up."""
        if job.kind == OutboxKind.ADMIN_NOTICE:
            return []
        if job.notify_user:
            return [job.notify_user]
        if job.kind in SET_UP_BY_AN_ADMIN:
            return workspace_admins(self.deps)
        return []

    def _retry_or_fail(self, job: _Job, exc: _Outcome) -> None:
        if job.attempt >= self.max_attempts:
            self._fail(job, _Permanent(f"gave_up:{exc.code}"))
            return
        delay = min(RETRY_CAP, RETRY_BASE * 2 ** (job.attempt - 1))
        if self._release(job, self.now() + delay, exc.code):
            self.report.retried += 1

    def _rate_limited(self, job: _Job, exc: _RateLimited) -> None:
        delay = dt.timedelta(seconds=max(1.0, exc.retry_after))
        self._release(job, self.now() + delay, "ratelimited", refund=True)

    def _release(
        self, job: _Job, not_before: dt.datetime, error: str, *, refund: bool = False
    ) -> bool:
        with self.deps.sessions.begin() as session:
            return outbox.release(
                session,
                job.id,
                job.attempt,
                not_before=not_before,
                error=error,
                refund_attempt=refund,
            )


def deliver_pending(
    deps: Deps,
    *,
    pacer: Pacer | None = None,
    limit: int | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
    stop_event: threading.Event | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> DeliveryReport:
    """Take over rows left "sending" longer than `lease`, then send every due row.

    Sends at most `limit` due rows (all of them when None) and returns early when
    `stop_event` is set. Safe to run in several threads or processes at once. If the bot
    token is refused, the pass stops and the row waits a few minutes. Database errors
    propagate; a row caught half way stays "sending" and is recovered once its lease expires.

    In multi-workspace mode, an unbound `deps` delivers each workspace in turn, with that
    workspace's token (`Deps.for_team`).
    """
    if deps.workspaces is not None and deps.workspaces.multi and not deps.team_id:
        report = DeliveryReport()
        for team_id in deps.workspaces.teams():
            try:
                bound = deps.for_team(str(team_id))
            except SlackAuthError:
                continue  # uninstalled meanwhile: its pending rows were failed
            report.add(
                deliver_pending(
                    bound,
                    pacer=pacer,
                    limit=limit,
                    lease=lease,
                    stop_event=stop_event,
                    max_attempts=max_attempts,
                )
            )
        return report
    run = _Run(deps, pacer or deps.pacer, stop_event, max_attempts)
    _deliver(run, lease, limit)
    return run.report


def _deliver(run: _Run, lease: dt.timedelta, limit: int | None) -> None:
    key = (scope_of(run.deps), run.pacer.holder)
    if not LOCAL_PASSES.enter(key):
        return  # a pass of this process is under way: it goes round again for these rows
    again, stop = True, run.stop
    try:
        while again:
            # Only the holder of the workspace's delivery lease sends (shared pacing).
            with delivery_turn(run.deps, run.pacer.holder, stale_after=lease, stop=stop) as turn:
                if turn is None:
                    run.report.busy += 1
                    return
                run.stop = turn  # set when the worker stops or the lease is lost
                try:
                    run.recover(lease)
                    run.deliver_due(limit)
                except _Halt as exc:
                    log.error("Slack refused the bot token (%s): delivery paused", exc.code)
                    return
            again = LOCAL_PASSES.again(key)
    finally:
        if again:
            LOCAL_PASSES.leave(key)


def deliver_now(deps: Deps) -> None:
    """Send what was just enqueued: wake this process's worker if one runs.

    When the worker runs elsewhere (`MINGLE_WORKER=false` here: another instance's worker
    polls the outbox), nothing is sent from the caller's thread. Only a process that does
    no delivery of its own (`Delivery(inline=True)`: tests, the demo) delivers in place.
    """
    if deps.delivery.wake() or not deps.delivery.inline:
        return
    report = deliver_pending(deps)
    log.info("delivered in place: %s", report)


class DeliveryWorker:
    """A background thread that delivers the outbox as rows come due.

    Call `wake()` after enqueueing, so the rows go out at once rather than at the next poll
    (every `idle_wait` seconds: rows enqueued by another instance are found then, or at
    once while a backlog is being sent, since each row is asked for in priority order).
    `stop` ends the thread; a row it still holds that can't have been posted is released,
    so a restart (or another instance) sends it at once instead of after its lease.
    """

    def __init__(
        self,
        deps: Deps,
        *,
        pacer: Pacer | None = None,
        lease: dt.timedelta = DEFAULT_LEASE,
        idle_wait: float = IDLE_WAIT,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.deps = deps
        self.pacer = pacer or deps.pacer
        self.lease = lease
        self.idle_wait = idle_wait
        self.max_attempts = max_attempts
        self.totals = DeliveryReport()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._run: _Run | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mingle-delivery", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Deliver now: something was just enqueued."""
        self._wake.set()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop taking rows, let the one in hand finish (or give it back), end the thread.

        Waiting for pacing ends at once (the row goes back to pending); a post already
        under way gets `timeout` seconds. If the thread is still busy then (a slow Slack
        call before the post), its row is released from here.
        """
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the delivery worker did not stop within %.0f s", timeout)
            with self._lock:
                run = self._run
            if run is not None:
                run.release_in_hand()
        self._thread = None

    def run_once(self) -> DeliveryReport:
        run = _Run(self.deps, self.pacer, self._stop, self.max_attempts)
        with self._lock:
            self._run = run
        try:
            _deliver(run, self.lease, None)
        finally:
            with self._lock:
                self._run = None
                self.totals.add(run.report)
        return run.report

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                report = self.run_once()
                timeout = RETRY_EVERY if report.busy else self._until_next_due()
            except Exception:
                log.exception("delivery pass failed; trying again shortly")
                timeout = self.idle_wait
            self._wake.wait(timeout)

    def _until_next_due(self) -> float:
        with self.deps.sessions() as session:
            next_due = outbox.next_due_at(session, team_id=self.deps.team_id or None)
        if next_due is None:
            return self.idle_wait
        seconds = (next_due - self.deps.clock()).total_seconds()
        return min(self.idle_wait, max(0.05, seconds))


# -- helpers --------------------------------------------------------------------------


def undeliverable_notice(job: _Job, code: str, gone: dict[str, str]) -> str:
    """What to tell an admin about a message that can't be delivered, in plain words."""
    what = WHAT[job.kind]
    channel = job.channel_id or job.sent_channel or ""
    if channel and code in ("channel_not_found", "not_in_channel"):
        return (
            f"I was removed from {channel_link(channel)}, so I couldn't post {what} there: "
            "invite me back with `/invite @Mingle`."
        )
    if channel and code == "is_archived":
        return f"{channel_link(channel)} is archived, so I couldn't post {what} there."
    if job.user_ids:
        where = " to " + _people(job.user_ids)
    elif job.ephemeral_user:
        where = f" to {mention(job.ephemeral_user)} in {channel_link(channel)}"
    else:
        where = f" in {channel_link(channel)}"
    return f"Couldn't send {what}{where}: {_reason(code, gone, job)}."


def _reason(code: str, gone: dict[str, str], job: _Job) -> str:
    if gone:
        return "; ".join(_person_reason(user_id, why) for user_id, why in gone.items())
    if code in ("user_disabled", "account_inactive"):
        return "one of their accounts is deactivated"
    if code == "user_not_found":
        return "someone in it is no longer in this workspace"
    if code == "cannot_dm_bot":
        return "it was addressed to a bot, and I can't message bots"
    if code == "user_not_in_channel" and job.ephemeral_user:
        return f"{mention(job.ephemeral_user)} isn't in that channel any more"
    if code == "too_many_users":
        return "a group DM can have at most 8 people besides me"
    if code in ("invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text"):
        return f"Slack rejected the message itself ({code}), which is a bug in Mingle"
    if code.startswith("gave_up:"):
        return f"Slack kept failing ({code.split(':', 1)[1]}) after {job.attempt} tries"
    if code == "too_many_attempts":
        return f"it was interrupted {job.attempt - 1} times while sending"
    return f"Slack refused it ({code})"


def _person_reason(user_id: str, why: str) -> str:
    if why == "user_not_found":
        return f"{mention(user_id)} is no longer in this workspace"
    if why == "cannot_dm_bot":
        return f"{mention(user_id)} is a bot, and I can't message bots"
    return f"{mention(user_id)}'s account is deactivated"


def _people(user_ids: list[str]) -> str:
    names = [mention(u) for u in user_ids]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


# -- uploads -------------------------------------------------------------------------------

#: The pseudo-method of `files_upload_v2` (three calls: get a URL, send, complete), paced and
#: treated as a post: once started, the row can't simply be given back.
UPLOAD = "files.uploadV2"

#: A kind whose sending uploads a file: (session, row key, now) -> (file name, bytes), or
#: None when there is nothing to upload any more.
FileFor = Callable[[Session, str, dt.datetime], "tuple[str, bytes] | None"]


def _invite_for(session: Session, key: str, now: dt.datetime) -> tuple[str, bytes] | None:
    slot_id = outbox_keys.slot_invite_id_of(key)
    return None if slot_id is None else invite_file(session, slot_id, now)


UPLOADS: dict[OutboxKind, FileFor] = {OutboxKind.SLOT_INVITE: _invite_for}


def _upload_name(job: _Job) -> str | None:
    """The name of the file a row uploads (how `_find_posted` recognises it)."""
    if job.kind == OutboxKind.SLOT_INVITE:
        slot_id = outbox_keys.slot_invite_id_of(job.key)
        return invite_filename(slot_id) if slot_id is not None else None
    return None


def _uploaded_ts(response: Any, channel: str) -> str:
    files = response.get("files") or [{}]
    first = files[0] if isinstance(files[0], dict) else {}
    for shares in (first.get("shares") or {}).values():
        for entry in (shares or {}).get(channel) or []:
            if entry.get("ts"):
                return str(entry["ts"])
    return str(first.get("id") or "")


def _outcome(exc: SlackError, method: str, channel: str | None) -> _Outcome:
    """What a failed call means for the row, by the type of the gateway's error."""
    if isinstance(exc, SlackRateLimited):
        return _RateLimited(method, exc.retry_after, channel)
    if isinstance(exc, SlackAuthError):
        return _Halt(exc.code)
    if isinstance(exc, SlackTransientError):
        return _Transient(exc.code, uncertain=exc.uncertain)
    if exc.code not in PERMANENT_ERRORS:
        log.warning("%s: unexpected Slack error %r, not retrying", method, exc.code)
    return _Permanent(exc.code, user_gone=isinstance(exc, SlackUserGone))


def _rate_limit_retries(client: WebClient) -> int:
    for handler in client.retry_handlers:
        if isinstance(handler, RateLimitErrorRetryHandler):
            return int(handler.max_retry_count)
    return 0


def _clone_client(client: WebClient, retry_handlers: list[RetryHandler]) -> WebClient:
    """Another WebClient for the same workspace and server, with other retry handlers."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=retry_handlers,
    )
