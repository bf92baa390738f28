"""`/mingle help`: one line for every subcommand, and friendly error replies."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.blocks import Reply, context, escape, section
from bot.core.commands import ADMIN_COMMANDS

# Every subcommand the parser knows, with its usage and one line of help (the admin ones
# are `bot.core.commands.ADMIN_COMMANDS`).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "help": ("/mingle help [topic]", "Show this help (try `/mingle help admin`)."),
    "join": ("/mingle join", "Opt in to coffee chats in the channels where Mingle runs."),
    "leave": ("/mingle leave [--forget]", "Opt out; `--forget` also deletes your profile."),
    "pause": (
        "/mingle pause 2 weeks | until 2026-12-24",
        "Take a break from rounds; you come back on your own.",
    ),
    "resume": ("/mingle resume", "End a pause now."),
    "interests": (
        "/mingle interests [add a, b | remove a]",
        "List, add or remove your interests.",
    ),
    "profile": ("/mingle profile [@someone]", "Show your profile, or someone else's."),
    "find": ("/mingle find [words]", "Find people by interest, or get three suggestions."),
    "intro": ("/mingle intro @a @b [why]", "Introduce two colleagues in a group DM."),
    "answers": ("/mingle answers <words> | @someone", "Search answers people have shared."),
    "reconnect": ("/mingle reconnect on [days] | off", "Get nudged to reconnect with people."),
    "hours": (
        "/mingle hours [08:30-16:30 mon-thu]",
        "Show or set your working hours and days (in your Slack timezone).",
    ),
    "avoid": (
        "/mingle avoid [@someone]",
        "Never be grouped with someone (a private list); no name shows the list.",
    ),
    "unavoid": ("/mingle unavoid @someone", "Take someone off your avoid list."),
}


def help_reply(topic: str = "", problem: str = "") -> Reply:
    """The help message; `problem` (already plain text) is shown first when given."""
    admin = topic == "admin"
    table: Mapping[str, tuple[str, str]] = ADMIN_COMMANDS if admin else SUBCOMMANDS
    if problem and topic in SUBCOMMANDS:
        table = {topic: SUBCOMMANDS[topic]}  # a typo: show just the command they meant
    lines = [f"`{usage}`  {text}" for usage, text in table.values()]
    title = "*Mingle admin commands*" if admin else "*Mingle commands*"
    blocks = []
    if problem:
        blocks.append(section(f":warning: {escape(problem)}"))
    blocks.append(section(title + "\n" + "\n".join(lines)))
    if not admin and len(table) > 1:
        blocks.append(
            context("Admins: `/mingle help admin`. Your profile lives in Mingle's Home tab.")
        )
    fallback = (escape(problem) + "\n" if problem else "") + "Mingle commands: " + ", ".join(table)
    return Reply(fallback, blocks)


def error_reply(message: str) -> Reply:
    """A friendly error: `message` is plain text and is escaped here."""
    return Reply(escape(message), [section(f":warning: {escape(message)}")])


def moved_on(what: str) -> str:
    """What a button from an old message is told (plain text): `what` ("that coffee chat",
    "that prompt") is no longer current. Slack does send such presses: a message stays in
    a conversation long after what it asked about is over."""
    return f"This has moved on: {what} is no longer current, so nothing was changed."


def info_reply(message_mrkdwn: str, fallback: str) -> Reply:
    """A short confirmation; `message_mrkdwn` must already be escaped."""
    return Reply(fallback, [section(message_mrkdwn)])
