"""The `.ics` invitation for an agreed coffee-chat slot, made with `icalendar`.

One VEVENT: its UID is stable per group and slot (so adding it twice updates the same
event), DTSTART/DTEND in UTC, the summary "Coffee chat", and the group's reasons as the
description. Nothing private goes in: no names, no emails, no Slack IDs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icalendar import Calendar, Event

from bot.core.slots import SLOT

SUMMARY = "Coffee chat"
PRODID = "-//Mingle//Coffee chats//EN"
UID_DOMAIN = "mingle.invalid"


def invite_uid(team_id: str, match_id: int, slot_id: int) -> str:
    return f"coffee-chat-{team_id}-{match_id}-{slot_id}@{UID_DOMAIN}"


def description(reasons: Sequence[str]) -> str:
    lead = "A coffee chat arranged by Mingle. Say hi in your group DM."
    if not reasons:
        return lead
    return lead + "\n\nWhy you were put together:\n" + "\n".join(f"- {r}" for r in reasons)


def invite(
    *,
    uid: str,
    starts_at: dt.datetime,
    reasons: Sequence[str],
    stamp: dt.datetime,
    length: dt.timedelta = SLOT,
) -> bytes:
    """The `.ics` file's bytes."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    start = starts_at.astimezone(dt.UTC)
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", start + length)
    event.add("summary", SUMMARY)
    event.add("description", description(reasons))
    calendar.add_component(event)
    return bytes(calendar.to_ical())
