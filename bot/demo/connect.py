"""Demo step: finding people (with aliases), suggestions, and an introduction."""

from __future__ import annotations

from bot.demo.context import DemoContext


def run(ctx: DemoContext) -> None:
    people = ctx.sample.user_ids
    me, ana, bo = people[0], people[2], people[3]
    ctx.step("Connect: finding people and introducing them")

    # Two people describe their work with different spellings of the same topics.
    _, first = ctx.driver.command(ana, "interests add machine learning, kubernetes")
    _, second = ctx.driver.command(bo, "interests add ML, k8s")
    ctx.emu.wait_for(lambda: ctx.emu.responses(first) and ctx.emu.responses(second), timeout=15)
    ctx.out(
        f"\n(@{ctx.name(ana)} added “machine learning, kubernetes”; "
        f"@{ctx.name(bo)} added “ML, k8s”.)"
    )

    ctx.command(me, "find ML")
    ctx.command(me, "find")

    ctx.command(
        me,
        f"intro <@{ana}|{ctx.name(ana)}> <@{bo}|{ctx.name(bo)}> You both train models "
        "& run them on k8s <!channel>",
    )
    channel = ctx.emu.dm_channel(me, ana, bo)
    messages = ctx.emu.messages(channel) if channel else []
    if messages:
        names = ", ".join(f"@{ctx.name(u)}" for u in (me, ana, bo))
        ctx.show(names, "a new group DM", messages[-1].get("blocks"), messages[-1]["text"])

    ctx.command(me, f"intro <@{me}|{ctx.name(me)}> <@{ana}|{ctx.name(ana)}>")
    ctx.note(
        "Connect: `find ML` found both “ML” and “machine learning”, `find` suggested people "
        "never met, and an introduction opened a group DM (no @channel ping)."
    )
