"""Demo step: an admin sets up coffee-chat rounds in #coffee-chats, previews and runs one;
people get their group DMs (with the reasons), the channel gets a summary, and one group
answers "Did you meet?"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from bot.core import ids
from bot.demo.context import DemoContext
from bot.services import round_followup
from bot.testing.sample import COFFEE_CHANNEL
from storage.models import Match, Round


def _matches(ctx: DemoContext) -> list[Match]:
    with ctx.app.deps.sessions() as session:
        return list(session.scalars(select(Match).order_by(Match.id)))


def _agree_on_a_time(ctx: DemoContext, matches: list[Match]) -> None:
    """Everyone in the first group with times presses "Works for me" on its first time;
    Mingle confirms it and uploads the .ics invitation."""
    emu = ctx.emu
    ctx.step('A time that suits everyone: each member presses "Works for me"')
    for match in matches:
        dm = match.conversation_id or ""
        intro = emu.messages(dm)[0] if dm and emu.messages(dm) else None
        values = [
            str(block["accessory"]["value"])
            for block in (intro or {}).get("blocks") or []
            if (block.get("accessory") or {}).get("action_id") == ids.ACTION_SLOT_PICK
        ]
        if intro is None or not values:
            continue
        for member in match.user_ids:
            ctx.driver.block_action(
                member, ids.ACTION_SLOT_PICK, values[0], channel_id=dm, message=intro
            )
            ctx.out(f"@{ctx.name(member)} clicks [Works for me] on the first time.")
        files = emu.wait_for(lambda dm=dm: emu.files(dm), timeout=30)
        done = emu.wait_for(
            lambda dm=dm: [m for m in emu.messages(dm) if "It's a date" in m.get("text", "")],
            timeout=30,
        )[0]
        ctx.show("The group", "their group DM", done.get("blocks"), done["text"])
        content = bytes(files[0]["content"] or b"").decode()
        start = next((line for line in content.splitlines() if line.startswith("DTSTART")), "")
        ctx.out(f"\nAttached to the group DM: {files[0]['filename']} ({start})")
        ctx.note(
            f"Meeting times: a group agreed on a time and got {files[0]['filename']} ({start})."
        )
        return
    ctx.out("\nNo group shares working time this week, so no time was agreed.")


def run(ctx: DemoContext) -> None:
    emu, sample = ctx.emu, ctx.sample
    admin = sample.admin_id
    someone = ctx.someone
    ctx.step("Rounds: an admin sets up coffee chats in #coffee-chats")
    ctx.command(admin, "admin setup weekly monday 10:00 Europe/Berlin size 2")
    ctx.command(someone, "admin run-now")
    ctx.command(admin, "admin setup weekly funday")

    ctx.step("Working hours, and someone you'd rather not meet")
    pair = [u for u in sample.coffee_members if u != admin][:2]
    ctx.command(pair[0], "hours 08:30-16:30 mon-thu")
    shown = ctx.command(pair[0], "hours")
    hours = "08:30–16:30 Mon–Thu" if "08:30–16:30 Mon–Thu" in str(shown) else "NOT saved!"
    ctx.command(pair[0], f"avoid <@{pair[1]}>")

    ctx.step("A dry run only the admin sees, then a round right now")
    ctx.command(admin, "admin preview")
    ctx.command(admin, "admin run-now")
    summary = emu.wait_for(lambda: emu.messages(COFFEE_CHANNEL), timeout=120)[-1]
    ctx.show("Everyone in #coffee-chats", "the channel", summary.get("blocks"), summary["text"])

    matches = _matches(ctx)
    together = [m for m in matches if set(pair) <= set(m.user_ids)]
    ctx.out(
        f"\n@{ctx.name(pair[0])} and @{ctx.name(pair[1])} are "
        + ("together: the avoid list was NOT honoured!" if together else "in different groups.")
    )
    ctx.note(
        f"Working hours: {hours} for @{ctx.name(pair[0])} (`/mingle hours`); "
        + (
            "the avoid list was NOT honoured!"
            if together
            else f"@{ctx.name(pair[1])} was kept apart by an avoid list in the round."
        )
    )
    for match in matches[:2]:
        dm = match.conversation_id or ""
        intro = emu.wait_for(lambda dm=dm: emu.messages(dm), timeout=30)[0]
        names = " and ".join("@" + ctx.name(u) for u in match.user_ids)
        ctx.show(names, "their group DM", intro.get("blocks"), intro["text"])
    _agree_on_a_time(ctx, matches)

    ctx.step('Halfway to the next round: "Did you meet?"')
    first = matches[0]
    deps = ctx.app.deps
    # Four days pass: the round's follow-up time comes, and the scheduler's job runs.
    with deps.sessions.begin() as session:
        for round_ in session.scalars(select(Round)):
            round_.followup_at = deps.clock() - dt.timedelta(seconds=1)
    round_followup.send_due_followups(deps)
    dm = first.conversation_id or ""

    def question() -> list[dict[str, Any]]:
        return [m for m in emu.messages(dm) if "Did you meet" in m.get("text", "")]

    asked = emu.wait_for(question, timeout=60)[0]
    ctx.show("The group", "their group DM", asked.get("blocks"), asked["text"])
    member = first.user_ids[0]
    ctx.driver.block_action(member, ids.ACTION_MET, str(first.id), channel_id=dm, message=asked)
    ctx.out(f"\n@{ctx.name(member)} clicks [We met].")
    answered = emu.wait_for(
        lambda: [m for m in emu.messages(dm) if m.get("ts") == asked["ts"] and m.get("edited")],
        timeout=15,
    )[0]
    ctx.show("The group", "their group DM, updated", answered.get("blocks"), answered["text"])
    ctx.note(
        f"Rounds: {len(matches)} groups in #coffee-chats, each told why they were matched; "
        "one group said they met."
    )
