"""When a scheduled round or prompt can't run: what went wrong in plain words, and who is told.

The scheduler (`bot.scheduler.run_slot`) tries a slot again while its failure may pass (a
`SlackTransientError`, a `SlackRateLimited`, an unexpected error) and it is inside its grace
period; when it gives up, or at once for a failure that waiting will not fix (a
`SlackPermanentError` or another `MingleError`), it calls `report_slot_fault`. The admin who
set the schedule up gets a DM (through the outbox, once per slot), or, when nobody is on
record, the workspace's admins and owners and `MINGLE_ADMINS`. Errors are told apart by
type, never by their text.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.core import outbox_keys
from bot.core.blocks import channel_link
from bot.core.messages import rounds as msg
from bot.core.status import OutboxKind
from bot.errors import (
    MingleError,
    SlackAuthError,
    SlackError,
    SlackNotInChannel,
    SlackRateLimited,
    SlackTransientError,
)
from bot.services.admins import MAX_TOLD, workspace_admins
from bot.services.deps import Deps
from storage.models import Schedule
from storage.repositories import channels as channels_repo
from storage.repositories import outbox

log = logging.getLogger(__name__)

#: Schedule.kind -> (what could not be done, how to do it now, the outbox kind).
WHAT: dict[str, tuple[str, str, OutboxKind]] = {
    "round": (
        "run the coffee-chat round",
        f"You can run it now with {msg.RUN_NOW} in that channel.",
        OutboxKind.ROUND_PROBLEM,
    ),
    "prompt": (
        "post the prompt",
        "It will be posted at the next scheduled time; check that I'm still in the channel.",
        OutboxKind.ADMIN_NOTICE,
    ),
}


def may_pass(exc: BaseException) -> bool:
    """Whether trying again later may fix `exc`: Slack's temporary failures and rate
    limits, and errors Mingle did not expect (a database hiccup); not a refusal."""
    if isinstance(exc, SlackTransientError):
        return True
    return not isinstance(exc, MingleError)


def describe(exc: BaseException, channel_id: str, attempts: int) -> str:
    """What went wrong, in plain words."""
    tries = f" (tried {attempts} times)" if attempts > 1 else ""
    if isinstance(exc, SlackRateLimited):
        return f"Slack kept asking me to slow down{tries}."
    if isinstance(exc, SlackTransientError):
        return f"Slack had a temporary problem ({exc.code or 'no answer'}){tries}."
    if isinstance(exc, SlackNotInChannel):
        return (
            f"Mingle isn't in {channel_link(channel_id)} any more (was it removed?): invite it "
            "back with `/invite @Mingle`."
        )
    if isinstance(exc, SlackAuthError):
        return f"Slack refused Mingle's token ({exc.code}); the app may need reinstalling."
    if isinstance(exc, SlackError):
        return f"Slack refused a call ({exc.method}: {exc.code})."
    if isinstance(exc, MingleError):
        return exc.message
    return f"something went wrong on Mingle's side ({type(exc).__name__}){tries}."


def recipients(deps: Deps, schedule: Schedule) -> list[str]:
    """Who to tell: the admin who set the schedule (or the channel) up; else the workspace's
    admins and owners (from Slack, when it answers) and `MINGLE_ADMINS`; else, when Slack
    can't say who they are (the outage that stopped the slot), the admins who set up the
    workspace's other channels."""
    with deps.sessions() as session:
        config = channels_repo.get_config(session, schedule.team_id, schedule.channel_id)
    who = schedule.created_by or (config.created_by if config is not None else "")
    if who:
        return [who]
    admins = workspace_admins(deps)
    if admins:
        return admins
    with deps.sessions() as session:
        return channels_repo.setup_admins(session, schedule.team_id)[:MAX_TOLD]


def report_slot_fault(
    deps: Deps, schedule: Schedule, slot: dt.datetime, exc: BaseException, attempts: int = 1
) -> int:
    """DM the admins (`recipients`) that `schedule`'s slot could not run and why; returns
    how many notes were queued (each admin gets one per slot, however often this runs)."""
    what, fix, kind = WHAT.get(schedule.kind, WHAT["round"])
    problem = describe(exc, schedule.channel_id, attempts)
    log.warning(
        "%s in %s/%s at %s could not run: %s",
        schedule.kind,
        schedule.team_id,
        schedule.channel_id,
        slot,
        problem,
    )
    people = recipients(deps, schedule)
    if not people:
        log.warning("nobody to tell: no admin on record and none found in Slack")
        return 0
    note = msg.slot_fault_message(
        what, schedule.channel_id, msg.when_text(slot, schedule.timezone), problem, fix
    )
    queued = 0
    with deps.sessions.begin() as session:
        for user_id in people:
            row = outbox.enqueue(
                session,
                team_id=schedule.team_id,
                not_before=deps.clock(),
                key=outbox_keys.slot_problem(
                    schedule.kind, schedule.team_id, schedule.channel_id, slot, user_id
                ),
                kind=kind,
                text=note.text,
                blocks=note.blocks,
                user_ids=[user_id],
            )
            queued += row is not None
    return queued
