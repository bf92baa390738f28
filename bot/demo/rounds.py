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


def run(ctx: DemoContext) -> None:
    emu, sample = ctx.emu, ctx.sample
    admin = sample.admin_id
    someone = next(p.user_id for p in sample.people if not p.is_admin)
    ctx.step("Rounds: an admin sets up coffee chats in #coffee-chats")
    ctx.command(admin, "admin setup weekly monday 10:00 Europe/Berlin size 2")
    ctx.command(someone, "admin run-now")
    ctx.command(admin, "admin setup weekly funday")

    ctx.step("A dry run only the admin sees, then a round right now")
    ctx.command(admin, "admin preview")
    ctx.command(admin, "admin run-now")
    summary = emu.wait_for(lambda: emu.messages(COFFEE_CHANNEL), timeout=120)[-1]
    ctx.show("Everyone in #coffee-chats", "the channel", summary.get("blocks"), summary["text"])

    matches = _matches(ctx)
    for match in matches[:2]:
        dm = match.conversation_id or ""
        intro = emu.wait_for(lambda dm=dm: emu.messages(dm), timeout=30)[0]
        names = " and ".join("@" + ctx.name(u) for u in match.user_ids)
        ctx.show(names, "their group DM", intro.get("blocks"), intro["text"])

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
