"""Demo step: people join, describe themselves, and look at profiles."""

from __future__ import annotations

from bot.core import ids
from bot.demo.context import DemoContext
from bot.testing.driver import multi_select, text_input


def run(ctx: DemoContext) -> None:
    sample = ctx.sample
    people = sample.user_ids
    first, second = people[0], people[1]
    ctx.step("Profiles: joining and describing yourself")
    ctx.command(first, "help")
    ctx.command(first, "join")
    ctx.command(first, "interests add " + ", ".join(sample.interests[first][:3]))
    ctx.command(first, "interests")

    # Everyone else joins quietly, with their interests, through the real app.
    for user_id in people[1:]:
        ctx.driver.command(user_id, "join")
        ctx.driver.command(user_id, "interests add " + ", ".join(sample.interests[user_id]))
    ctx.emu.wait_for(lambda: len(ctx.emu.responses()) >= 4 + 2 * (len(people) - 1), timeout=60)
    ctx.out(f"\n({len(people) - 1} more people joined and added their interests.)")

    ctx.step("The Home tab and the profile editor")
    ctx.open_home(second)
    ctx.driver.block_action(second, ids.ACTION_EDIT_PROFILE)
    modal = ctx.emu.wait_for(lambda: ctx.emu.open_views(), timeout=15)[-1]
    ctx.show(f"@{ctx.name(second)}", "the Edit profile modal", modal["blocks"])
    interests = sample.interests[second]
    values = {
        "interest": {ids.ACTION_INTEREST_SELECT: multi_select(interests)},
        "can_help": {ids.ACTION_CAN_HELP_SELECT: multi_select(interests[:1])},
        "learn": {ids.ACTION_LEARN_SELECT: multi_select(["public speaking"])},
        "team": {"team": text_input(sample.teams[second])},
        "bio": {
            "bio": text_input("Coffee first, then code. Ask me about <anything> & everything.")
        },
        "links": {"links": text_input("https://example.com/~" + ctx.name(second))},
    }
    ctx.driver.view_submission(second, modal, values)
    ctx.out(f"\n@{ctx.name(second)} saves the profile.")
    ctx.open_home(second)

    ctx.step("Looking at someone's profile, and a typo")
    ctx.command(first, f"profile <@{second}|{ctx.name(second)}>")
    ctx.command(first, "pause forever")
    ctx.command(first, "pause 2 weeks")
    ctx.command(first, "resume")
    ctx.note(f"{len(people)} people joined Mingle; profiles, Home tab and the editor work.")
