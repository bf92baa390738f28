"""Messages and the setup modal for coffee-chat rounds.

Reason texts come from the matching core and may contain people's names and interests, so
they are escaped here like any other user text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import ids
from bot.core.blocks import (
    MAX_MESSAGE_BLOCKS,
    Block,
    Reply,
    actions,
    bullet_list,
    button,
    channel_link,
    context,
    escape,
    header,
    mention,
    plain,
    section,
    truncate,
)
from bot.core.rounds import RoundSetup, skip_value
from bot.core.schedule import CADENCE_TEXT, WEEKDAYS
from bot.core.status import MatchOutcome

OUTCOME_TEXT: dict[str, str] = {
    MatchOutcome.MET: ":tada: You met. Lovely! Thanks for letting me know.",
    MatchOutcome.NOT_YET: (
        ":hourglass_flowing_sand: Not yet: no rush. I'll ask again in a few days."
    ),
    MatchOutcome.COULD_NOT: (
        ":handshake: Couldn't make it this time. No worries: you'll get a head start "
        "in the next round."
    ),
}
NO_REASONS = "You haven't been matched before: a fine reason to say hi."


@dataclass(frozen=True)
class GroupView:
    """A group as messages show it: member ids and their reasons as plain text."""

    members: tuple[str, ...]
    reasons: tuple[str, ...]


def names(user_ids: Sequence[str]) -> str:
    """`<@A>, <@B> and <@C>`."""
    mentions = [mention(u) for u in user_ids]
    if len(mentions) <= 1:
        return "".join(mentions)
    return ", ".join(mentions[:-1]) + " and " + mentions[-1]


def when_text(slot: dt.datetime, tz: str) -> str:
    """`Monday 5 January, 10:00 (Europe/Berlin)`."""
    local = slot.astimezone(ZoneInfo(tz))
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M} ({tz})"


def reason_lines(reasons: Sequence[str]) -> list[str]:
    return [escape(r) for r in reasons] or [escape(NO_REASONS)]


# --- setup ----------------------------------------------------------------------------------


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def _select(block_id: str, label: str, options: list[dict[str, Any]], initial: str) -> Block:
    chosen = next((o for o in options if o["value"] == initial), options[0])
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {
            "type": "static_select",
            "action_id": block_id,
            "options": options,
            "initial_option": chosen,
        },
    }


def setup_modal(channel_id: str, current: RoundSetup) -> dict[str, Any]:
    """The `/mingle admin setup` form; `private_metadata` carries the channel."""
    cadences = [_option(text.capitalize(), kind) for kind, text in CADENCE_TEXT.items()]
    weekdays = [_option(day.capitalize(), day) for day in WEEKDAYS]
    sizes = [_option("Pairs (2)", "2"), _option("Groups of 3", "3"), _option("Groups of 4", "4")]
    blocks: list[Block] = [
        section(f"Coffee-chat rounds in {channel_link(channel_id)}: when, and how many per group."),
        _select("cadence", "How often", cadences, current.cadence),
        _select("weekday", "On which day", weekdays, WEEKDAYS[current.weekday]),
        {
            "type": "input",
            "block_id": "time",
            "label": plain("At what time"),
            "element": {
                "type": "timepicker",
                "action_id": "time",
                "initial_time": f"{current.at:%H:%M}",
            },
        },
        {
            "type": "input",
            "block_id": "timezone",
            "label": plain("Timezone"),
            "hint": plain("An IANA timezone such as Europe/Berlin or America/New_York."),
            "element": {
                "type": "plain_text_input",
                "action_id": "timezone",
                "initial_value": current.tz,
                "max_length": 64,
            },
        },
        _select("group_size", "People per group", sizes, str(current.group_size)),
    ]
    return {
        "type": "modal",
        "callback_id": ids.VIEW_ADMIN_SETUP,
        "private_metadata": channel_id,
        "title": plain("Coffee-chat rounds", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def setup_saved(channel_id: str, setup: RoundSetup, next_round: dt.datetime) -> Reply:
    where = channel_link(channel_id)
    text = (
        f":white_check_mark: Coffee-chat rounds are set up in {where}: "
        f"{escape(setup.describe())}.\nThe first round is on "
        f"*{escape(when_text(next_round, setup.tz))}*; everyone gets a heads-up the day before."
    )
    hint = (
        "Members opt in with `/mingle join`. Try `/mingle admin preview` for a dry run, "
        "or `/mingle admin run-now` to start a round straight away."
    )
    fallback = f"Coffee-chat rounds are set up: {setup.describe()}."
    return Reply(fallback, [section(text), context(hint)])


#: Plain-text errors (they are escaped on the way out, so they name no channel link).
NOT_SET_UP = (
    "Coffee-chat rounds aren't set up in this channel yet: start with `/mingle admin setup`."
)
INVITE_ME = "I'm not in this channel yet: invite me with `/invite @Mingle`, then try again."


def paused_reply(channel_id: str) -> Reply:
    return Reply(
        "Rounds are paused.",
        [
            section(
                f":double_vertical_bar: Rounds in {channel_link(channel_id)} are paused. "
                "`/mingle admin resume` starts them again."
            )
        ],
    )


def resumed_reply(channel_id: str, next_round: dt.datetime, tz: str) -> Reply:
    return Reply(
        "Rounds are back on.",
        [
            section(
                f":arrow_forward: Rounds in {channel_link(channel_id)} are back on. "
                f"The next one is on *{escape(when_text(next_round, tz))}*."
            )
        ],
    )


def skip_next_reply(channel_id: str, skipped: dt.datetime, after: dt.datetime, tz: str) -> Reply:
    return Reply(
        "The next round will be skipped.",
        [
            section(
                f":fast_forward: The round on *{escape(when_text(skipped, tz))}* in "
                f"{channel_link(channel_id)} will be skipped. The one after is on "
                f"*{escape(when_text(after, tz))}*."
            )
        ],
    )


# --- preview and run-now ------------------------------------------------------------------


def _group_line(group: GroupView) -> str:
    reasons = "; ".join(escape(r) for r in group.reasons) or escape(NO_REASONS)
    return f"{names(group.members)}: {reasons}"


def _group_sections(groups: Sequence[GroupView], room: int) -> list[Block]:
    """The groups as bulleted sections, as many per section as fit, within `room` blocks."""
    blocks: list[Block] = []
    chunk: list[str] = []
    used = 0
    for line in (_group_line(g) for g in groups):
        line = truncate(line, 900)
        if chunk and used + len(line) > 2700:
            blocks.append(section(bullet_list(chunk)))
            chunk, used = [], 0
        chunk.append(line)
        used += len(line) + 3
    if chunk:
        blocks.append(section(bullet_list(chunk)))
    if len(blocks) > room:
        hidden = len(blocks) - room + 1
        blocks = blocks[: room - 1] + [context(f"…and {hidden} more sections of groups.")]
    return blocks


def preview_reply(
    channel_id: str,
    groups: Sequence[GroupView],
    alone: Sequence[str],
    participants: int,
    *,
    group_size: int,
) -> Reply:
    """`/mingle admin preview`: the groups a round would make now, only for the admin."""
    where = channel_link(channel_id)
    if participants == 0:
        text = (
            f"Nobody in {where} could be matched right now: members take part once they "
            "`/mingle join` (and aren't paused)."
        )
        return Reply("Preview: nobody to match yet.", [section(f":eyes: {text}")])
    size = "pairs" if group_size == 2 else f"groups of {group_size}"
    intro = (
        f":eyes: *Preview for {where}* (a dry run: nothing is stored or sent). "
        f"{participants} people would be matched into {len(groups)} {size}:"
    )
    blocks: list[Block] = [section(intro)]
    blocks.extend(_group_sections(groups, MAX_MESSAGE_BLOCKS - 3))
    if alone:
        blocks.append(section(f"{names(alone)} would be alone: nobody to match with."))
    blocks.append(context("Groups may differ when the round runs: people join, pause or skip."))
    return Reply(f"Preview: {len(groups)} groups from {participants} people.", blocks)


def round_started_reply(channel_id: str, groups: int, people: int, alone: bool) -> Reply:
    where = channel_link(channel_id)
    if people == 0:
        return Reply(
            "Nobody to match.",
            [section(f"Nobody in {where} could be matched: no one has joined, or all paused.")],
        )
    extra = " One person was alone, and I told them." if alone else ""
    text = (
        f":rocket: Round started in {where}: {people} people in {groups} groups. "
        f"The introductions are on their way.{extra}"
    )
    return Reply(f"Round started: {groups} groups.", [section(text)])


def already_planned_reply(channel_id: str) -> Reply:
    return Reply(
        "That round was already planned.",
        [section(f"A round for this time in {channel_link(channel_id)} was already planned.")],
    )


# --- messages Mingle sends --------------------------------------------------------------------


def intro_message(
    members: Sequence[str],
    channel_id: str,
    reasons: Sequence[str],
    icebreaker: str,
    *,
    times: Sequence[Block] = (),
    times_text: str = "",
) -> Reply:
    """The group DM that introduces a match: why them, a question to start with, and (when
    given) the meeting times offered (`bot.core.messages.slots`: `times` blocks and their
    plain `times_text`)."""
    who = names(members)
    where = channel_link(channel_id)
    why = bullet_list(reason_lines(reasons), 2900)
    blocks: list[Block] = [
        header(":coffee: Time for a coffee chat!"),
        section(f"Hi {who}! You're matched for a coffee chat this round in {where}."),
        section(f"*Why you were put together*\n{why}"),
        section(f"*An icebreaker, if you need one*\n{escape(icebreaker)}"),
    ]
    if times:
        blocks.extend(times)
        blocks.append(context("Say hi here. Halfway to the next round I'll ask how it went."))
    else:
        blocks.append(
            context(
                "Find 30 minutes that suit everyone (mind the timezones) and say hi here. "
                "Halfway to the next round I'll ask how it went."
            )
        )
    fallback = (
        f"Hi {who}! You're matched for a coffee chat this round in {where}. Why: "
        + escape("; ".join(reasons or [NO_REASONS]))
        + f". Icebreaker: {escape(icebreaker)}"
        + (f" {escape(times_text)}" if times_text else "")
    )
    return Reply(fallback, blocks)


def alone_message(user_id: str, channel_id: str) -> Reply:
    text = (
        f"Hi {mention(user_id)}! There was nobody else to match in "
        f"{channel_link(channel_id)} this round, so no coffee chat this time. "
        "You'll be first in line next round."
    )
    return Reply(text, [section(f":wave: {text}")])


def match_gone_message(user_id: str, channel_id: str) -> Reply:
    """To someone whose only match asked Mingle to forget them before the intro went out
    (never naming that person)."""
    text = (
        f"Hi {mention(user_id)}! Your match in {channel_link(channel_id)} is no longer on "
        "Mingle, so this round's chat with them is off. You'll be matched next round."
    )
    return Reply(text, [section(f":wave: {text}")])


def summary_message(groups: int, people: int) -> Reply:
    noun = "group" if groups == 1 else "groups"
    text = f":coffee: {groups} {noun} this round! {people} people were matched: check your DMs."
    hint = "Not taking part yet? `/mingle join`. Need a break? `/mingle pause 2 weeks`."
    return Reply(f"{groups} {noun} this round!", [section(text), context(hint)])


def heads_up_message(channel_id: str, slot: dt.datetime, tz: str) -> Reply:
    where = channel_link(channel_id)
    text = (
        f":alarm_clock: Heads-up: the next coffee-chat round in {where} starts "
        f"*{escape(when_text(slot, tz))}*. You'll get a group DM with your match."
    )
    skip = button("Skip this round", ids.ACTION_SKIP_ROUND, skip_value(channel_id, slot))
    return Reply(
        f"Heads-up: a coffee-chat round in {where} starts tomorrow.",
        [section(text), actions(skip, block_id="round_heads_up"), context("Busy? Skip it.")],
    )


def skipped_message(channel_id: str) -> Reply:
    text = (
        f":ok_hand: You're skipping this round in {channel_link(channel_id)}. "
        "See you in the next one!"
    )
    return Reply("You're skipping this round.", [section(text)])


def followup_message(match_id: int, members: Sequence[str], *, again: bool = False) -> Reply:
    """ "Did you meet?" with three buttons; the value carries the match id."""
    value = str(match_id)
    question = "Did you manage to meet?" if again else "Did you meet?"
    lead = "Checking in once more" if again else "Halfway to the next round"
    text = f":wave: {lead}, {names(members)}: *{question}*"
    buttons = actions(
        button("We met", ids.ACTION_MET, value, style="primary"),
        button("Not yet", ids.ACTION_NOT_YET, value),
        button("Couldn't make it", ids.ACTION_COULD_NOT, value),
        block_id="round_followup",
    )
    return Reply(f"{lead}: {question}", [section(text), buttons])


def outcome_message(outcome: str, by_user: str, match_id: int | None = None) -> Reply:
    """The answer to "Did you meet?"; after "We met" (and given the match), a "Send a
    thank-you" button for everyone in the group."""
    text = OUTCOME_TEXT.get(outcome, outcome)
    blocks: list[Block] = [
        section(f"*Did you meet?* {text}"),
        context(f"Answered by {mention(by_user)}."),
    ]
    if outcome == MatchOutcome.MET and match_id is not None:
        blocks.append(
            actions(
                button("Send a thank-you", ids.ACTION_THANK_YOU, str(match_id)),
                block_id="round_thank_you",
            )
        )
        blocks.append(context("Anyone here can send the others a short thank-you note."))
    return Reply(text.split(": ", 1)[-1], blocks)


def problem_message(channel_id: str, problem: str) -> Reply:
    """To the admin who set the channel up: a round could not run."""
    text = f"I couldn't run the coffee-chat round in {channel_link(channel_id)}: {escape(problem)}"
    return Reply(text, [section(f":warning: {text}")])


# --- a scheduled slot that could not run, and run-now twice -----------------------------------

RUN_NOW = "`/mingle admin run-now`"
RUN_NOW_AGAIN = "`/mingle admin run-now again`"


def slot_fault_message(what: str, channel_id: str, when: str, problem: str, fix: str) -> Reply:
    """To an admin: a scheduled round or prompt (`what`) could not run, why in plain words
    (`problem`), and how to run it now (`fix`)."""
    text = f"I couldn't {what} in {channel_link(channel_id)} ({when}): {escape(problem)} {fix}"
    return Reply(text, [section(f":warning: {text}")])


def ago_text(seconds: float) -> str:
    """`just now`, `3 minutes ago`, `1 hour ago`."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    return f"{hours} hour{'s' if hours != 1 else ''} ago"


def round_running_reply(
    channel_id: str, started: dt.datetime, tz: str, now: dt.datetime, delivering: bool
) -> Reply:
    """A second run-now while a round is recent or still being delivered: when it started,
    and how to force another one."""
    local = started.astimezone(ZoneInfo(tz))
    same_day = local.date() == now.astimezone(ZoneInfo(tz)).date()
    at = f"{local:%H:%M}" if same_day else f"{local:%A} {local.day} {local:%B}, {local:%H:%M}"
    still = " Its introductions are still on their way." if delivering else ""
    text = (
        f"A round started here at {at} ({ago_text((now - started).total_seconds())}).{still} "
        f"To start another one anyway, use {RUN_NOW_AGAIN}."
    )
    return Reply(
        f"A round started here at {at}.",
        [section(f":hourglass_flowing_sand: {text}")],
    )
