"""`mingle demo --workspaces 2`: Mingle installed in two workspaces of the emulator.

The app runs in multi-workspace mode (the emulator app's client ID and secret, no bot
token). Each workspace is installed through the real pages, as a person would:
`/slack/install`, the emulator's authorize page, then `/slack/oauth_redirect`. Then a
round runs in each, the demo shows that every Web API call for a workspace used that
workspace's own token, and one workspace uninstalls Mingle.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bot.demo.context import DemoContext
from bot.services.workspaces import InstalledWorkspaces
from bot.testing.app_runner import RunningApp
from bot.testing.emulator import SlackEmulator
from bot.testing.install import install_through_pages
from bot.testing.sample import SampleWorkspace, build_sample_workspace
from storage.repositories import channels as channels_repo

ACME, GLOBEX = "T0001", "T0002"
PEOPLE = 12


class _Workspace:
    """One demo workspace: its sample people, channel and a demo context bound to it."""

    def __init__(
        self,
        team_id: str,
        name: str,
        sample: SampleWorkspace,
        channel: str,
        ctx: DemoContext,
    ) -> None:
        self.team_id = team_id
        self.name = name
        self.sample = sample
        self.channel = channel
        self.ctx = ctx


def _short(token: str) -> str:
    return token[:9] + "…" + token[-4:] if len(token) > 16 else token


def _install(ws: _Workspace, running: RunningApp, emu: SlackEmulator) -> None:
    ctx = ws.ctx
    ctx.out(
        f"\n@{ctx.name(ws.sample.admin_id)}, an admin of {ws.name}, opens the install page, "
        "clicks [Add to Slack] and approves on Slack's page."
    )
    page = install_through_pages(running.url, emu, ws.team_id, user_id=ws.sample.admin_id)
    if page.status != 200 or "is installed" not in page.heading:
        raise RuntimeError(f"installing in {ws.name} failed: {page.status} {page.heading}")
    ctx.out(f"The browser ends on {page.url.split('?')[0]}:")
    for line in (page.heading, page.text.removeprefix(page.heading).strip()):
        ctx.out("  | " + line)


def _round(ws: _Workspace, emu: SlackEmulator) -> int:
    ctx, sample = ws.ctx, ws.sample
    # A dozen people each: Slack's pace for opening group DMs (about 48 a minute) sets the
    # demo's length.
    people = [u for u in sample.coffee_members if not sample.person(u).is_admin][:PEOPLE]
    first = people[0]
    ctx.command(first, "join", ws.channel)
    before = len(emu.responses())
    for user_id in people[1:]:  # everyone else joins quietly, through the real app
        ctx.driver.command(user_id, "join", channel_id=ws.channel)
    emu.wait_for(lambda: len(emu.responses()) >= before + len(people) - 1, timeout=30)
    ctx.out(f"\n({len(people) - 1} more people in {ws.name} joined.)")
    ctx.command(sample.admin_id, "admin setup weekly monday 10:00 UTC", ws.channel)
    ctx.command(sample.admin_id, "admin run-now", ws.channel)
    view = emu.workspace(ws.team_id)

    def summary() -> list[dict[str, Any]]:
        return [m for m in view.messages(ws.channel) if "groups this round" in m["text"]]

    posted = emu.wait_for(summary, timeout=30)[-1]
    ctx.show(f"Everyone in {ws.name}'s #coffee-chats", "the channel", posted.get("blocks"))
    return len(people)


def _tokens(ws: _Workspace, emu: SlackEmulator) -> tuple[int, set[str], list[str]]:
    """How many calls acted on the workspace, the tokens they used, and the calls that used
    a token of another install (none, or the demo fails)."""
    own = emu.tokens_of(ws.team_id)
    # oauth.v2.access authenticates with the app's client ID and secret, not a token.
    calls = [c for c in emu.calls_in(ws.team_id) if c.method != "oauth.v2.access"]
    used = {str(c.token) for c in calls}
    strays = [c.method for c in calls if c.token not in own]
    return len(calls), used, strays


def _uninstall(ws: _Workspace, other: _Workspace, running: RunningApp, emu: SlackEmulator) -> None:
    ctx = ws.ctx
    ctx.out(f"\nAn admin removes Mingle from {ws.name}; Slack revokes its token and tells Mingle.")
    revoked = emu.uninstall(ws.team_id)
    ctx.driver.app_uninstalled()
    ctx.driver.tokens_revoked(revoked)
    lookup = running.deps.workspaces
    assert isinstance(lookup, InstalledWorkspaces)
    store = lookup.store
    emu.wait_for(
        lambda: store.find_installation(enterprise_id=None, team_id=ws.team_id) is None, 15
    )
    with running.deps.sessions() as session:
        teams = {s.team_id for s in channels_repo.all_schedules(session)}
    ctx.out(
        f"  | {ws.name}: token deleted, weekly rounds "
        f"{'still scheduled (!)' if ws.team_id in teams else 'stopped'}."
    )
    result, key = ctx.driver.command(ws.sample.admin_id, "admin stats", channel_id=ws.channel)
    ctx.out(f"\n@{ctx.name(ws.sample.admin_id)} types: /mingle admin stats (in {ws.name})")
    # Answered at once with an empty 200; checked again after the next workspace's answer.
    other.ctx.out(f"\nMeanwhile in {other.name}:")
    other.ctx.command(other.sample.admin_id, "admin stats", other.channel)
    silent = result.status == 200 and not emu.responses(key)
    ctx.out(
        f"\n  | {ws.name}'s request got {'no answer' if silent else 'an answer (!)'}: "
        f"Mingle treats it as a workspace that is not installed. {other.name} carries on."
    )
    if not silent or ws.team_id in teams:
        raise RuntimeError(f"{ws.name} still acts as installed after the uninstall")


def run_two_workspaces(*, quiet: bool = False) -> int:
    """The demo in multi-workspace mode; 0 when every step behaved."""
    with tempfile.TemporaryDirectory(prefix="mingle-demo-") as tmp:
        with SlackEmulator() as emu:
            acme = build_sample_workspace(emu)
            globex = build_sample_workspace(
                emu.add_workspace(GLOBEX, "Globex"),
                user_prefix="U0G",
                coffee_channel="C0GCOFFEE",
                share_channel="C0GSHARE",
            )
            url = f"sqlite:///{Path(tmp) / 'demo.db'}"
            with RunningApp(emu, url, multi_workspace=True) as running:
                spaces = []
                for index, (team, name, sample, channel) in enumerate(
                    ((ACME, "Acme", acme, "C0COFFEE"), (GLOBEX, "Globex", globex, "C0GCOFFEE"))
                ):
                    ctx = DemoContext(emu, running, sample, Path(tmp), quiet=quiet)
                    ctx.driver = running.driver(team, first_id=1 + 1_000_000 * index)
                    spaces.append(_Workspace(team, name, sample, channel, ctx))
                first, second = spaces
                first.ctx.banner(
                    "Mingle demo: two workspaces (Acme and Globex) in a local Slack emulator"
                )
                first.ctx.step("Installing Mingle in each workspace through its pages")
                first.ctx.out(
                    f"The operator starts Mingle in multi-workspace mode and shares "
                    f"{running.url}/slack/install"
                )
                for ws in spaces:
                    _install(ws, running, emu)
                first.ctx.note(
                    "Installed in Acme and Globex through /slack/install, Slack's authorize "
                    "page and /slack/oauth_redirect."
                )

                for ws in spaces:
                    ws.ctx.step(f"{ws.name}: a coffee-chat round in #coffee-chats")
                    joined = _round(ws, emu)
                    first.ctx.note(f"{ws.name}: {joined} people joined and a round ran.")

                first.ctx.step("Which token each Web API call used")
                used_by: dict[str, set[str]] = {}
                for ws in spaces:
                    calls, used, strays = _tokens(ws, emu)
                    used_by[ws.team_id] = used
                    tokens = ", ".join(sorted(_short(t) for t in used))
                    ws.ctx.out(
                        f"  | {ws.name}: {calls} calls, all with {ws.name}'s own token ({tokens})"
                        if not strays
                        else f"  | {ws.name}: {len(strays)} calls used another token: {strays[:5]}"
                    )
                    if strays:
                        return 1
                if used_by[ACME] & used_by[GLOBEX]:
                    return 1
                first.ctx.note("Every Web API call used its own workspace's token; none crossed.")

                second.ctx.step(f"Uninstalling Mingle from {second.name}")
                _uninstall(second, first, running, emu)
                first.ctx.note(
                    f"{second.name} uninstalled: token deleted, rounds stopped, requests "
                    f"ignored; {first.name} carries on."
                )
            running.engine.dispose()
            first.ctx.banner("Demo finished")
            first.ctx.summary()
    return 0
