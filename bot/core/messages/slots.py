"""Meeting times in a group DM: the slots offered ("Works for me", "None of these work"),
the answers to a press, the confirmation once everyone picked the same time, and the
comment on its `.ics` invitation.

Each time is written with Slack's date formatting (`bot.core.slots.slack_date`), so every
member reads it in their own timezone; fallback texts use the plain UTC form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core import ids
from bot.core.blocks import Block, Reply, actions, button, context, section
from bot.core.messages.rounds import names
from bot.core.slots import fallback_text, more_value, slack_date


@dataclass(frozen=True)
class SlotView:
    """A slot as messages show it: its id (the button's value) and start."""

    slot_id: int
    starts_at: dt.datetime


NO_TIME = (
    "I couldn't find a time inside everyone's working hours this week, so please agree on one here."
)
HOW = (
    "Press *Works for me* on every time that suits you (each shows in your own timezone). "
    "When everyone has picked the same one, I'll confirm it here with a calendar invitation."
)


def slot_blocks(match_id: int, batch: int, slots: Sequence[SlotView], *, lead: str) -> list[Block]:
    """A "which time?" part of a message: one section per slot with "Works for me", and
    "None of these work". With no slots, the kind words instead."""
    if not slots:
        return [section(f"*{lead}*\n{NO_TIME}")]
    blocks: list[Block] = [section(f"*{lead}*")]
    for slot in slots:
        blocks.append(
            section(
                f":calendar: {slack_date(slot.starts_at)} (30 minutes)",
                accessory=button("Works for me", ids.ACTION_SLOT_PICK, str(slot.slot_id)),
            )
        )
    blocks.append(
        actions(
            button("None of these work", ids.ACTION_SLOT_MORE, more_value(match_id, batch)),
            block_id=f"mingle_slots_{batch}",
        )
    )
    blocks.append(context(HOW))
    return blocks


def slots_fallback(slots: Sequence[SlotView]) -> str:
    """The times in plain words, for a message's fallback text."""
    if not slots:
        return "No shared working time found this week: agree on one in this DM."
    return "Times that suit everyone: " + "; ".join(fallback_text(s.starts_at) for s in slots) + "."


def more_slots_message(match_id: int, batch: int, slots: Sequence[SlotView], by_user: str) -> Reply:
    """Three more times, after someone pressed "None of these work"."""
    lead = f"Three more times, as {names([by_user])} asked"
    return Reply(
        f"More times for your coffee chat. {slots_fallback(slots)}",
        slot_blocks(match_id, batch, slots, lead=lead),
    )


def more_sent_reply() -> Reply:
    text = "Three more times are on their way to your group DM."
    return Reply(text, [section(f":calendar: {text}")])


def no_more_slots_reply() -> Reply:
    text = (
        "I've run out of times inside everyone's working hours this week. "
        "No worries: agree on one in your group DM, whatever suits you."
    )
    return Reply(text, [section(f":hourglass_flowing_sand: {text}")])


def more_on_the_way_reply() -> Reply:
    text = "New times were already offered in your group DM: have a look there."
    return Reply(text, [section(f":calendar: {text}")])


def picked_reply(starts_at: dt.datetime, user_ids: Sequence[str]) -> Reply:
    """ "Works for me" noted; `user_ids`: who has yet to pick that time."""
    when = slack_date(starts_at)
    if user_ids:
        text = (
            f":white_check_mark: Noted: {when} works for you. I'll confirm it once "
            f"{names(user_ids)} {'has' if len(user_ids) == 1 else 'have'} picked it too."
        )
    else:
        text = f":white_check_mark: Noted: {when} works for you."
    return Reply(f"Noted: {fallback_text(starts_at)} works for you.", [section(text)])


def already_agreed_reply(starts_at: dt.datetime) -> Reply:
    text = (
        f":calendar: Your group already agreed on {slack_date(starts_at)}; the calendar "
        "invitation is in your group DM. Need another time? Just say so there."
    )
    return Reply(f"Already agreed on {fallback_text(starts_at)}.", [section(text)])


def past_slot_reply() -> Reply:
    text = "That time has already passed. Pick a later one, or press *None of these work*."
    return Reply(text, [section(f":hourglass: {text}")])


def agreed_message(members: Sequence[str], starts_at: dt.datetime) -> Reply:
    """To the group: everyone picked the same time."""
    text = (
        f":tada: It's a date, {names(members)}! Everyone can make "
        f"*{slack_date(starts_at)}* (30 minutes). The calendar invitation follows: open it "
        "to add the chat to your calendar."
    )
    return Reply(
        f"It's a date: {fallback_text(starts_at)} (30 minutes). A calendar invitation follows.",
        [section(text)],
    )


def invite_comment(starts_at: dt.datetime) -> str:
    """The comment on the uploaded `.ics` (plain words: no Slack formatting needed)."""
    return f"Coffee chat on {fallback_text(starts_at)}: add it to your calendar."
