"""Mingle installed in several workspaces, end to end over HTTP (multi-workspace mode).

Each workspace is installed the way a person does it: `GET /slack/install` (the page sets
Bolt's state cookie), the emulator's authorize page, then `GET /slack/oauth_redirect` with
that cookie. The cookie is handled by hand, as a browser would send it to 127.0.0.1
(`http.cookiejar` would drop it: it is `Secure`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from bot import cli
from bot.services.connect import send_due_nudges
from bot.services.delivery import deliver_pending
from bot.services.profiles import ProfileService
from bot.services.workspaces import InstalledWorkspaces
from bot.testing.app_runner import RunningApp
from bot.testing.driver import SlackDriver
from bot.testing.emulator import SlackEmulator
from bot.testing.sample import SampleWorkspace, build_sample_workspace
from storage.models import (
    Match,
    MatchMember,
    Member,
    OutboundMessage,
    Round,
    Schedule,
    Workspace,
)
from storage.repositories import channels as channels_repo
from tests.conftest import run_at_once
from tests.e2e.conftest import reply_text

ACME, GLOBEX = "T0001", "T0002"
_SERIES = itertools.count(1)


def _driver(app: RunningApp, team: str, **options: Any) -> SlackDriver:
    """A driver whose request keys no other driver uses (the emulator files responses by
    key, across workspaces)."""
    driver = app.driver(team, **options)
    driver._ids = itertools.count(100_000 * next(_SERIES))
    return driver


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _get(url: str, cookie: str = "") -> tuple[int, dict[str, list[str]], str]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=10) as response:
            headers = {k.lower(): response.headers.get_all(k) for k in response.headers}
            return response.status, headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        headers = {k.lower(): exc.headers.get_all(k) for k in exc.headers}
        body = exc.read().decode()
        exc.close()
        return exc.code, headers, body


def install(app: RunningApp, emu: SlackEmulator, team: str | None, **consent: Any) -> str:
    """Install through the pages; returns the success page."""
    status, headers, page = _get(app.url + "/slack/install")
    assert status == 200
    href = re.search(r'id="add-to-slack" href="([^"]+)"', page)
    assert href is not None
    cookie = headers["set-cookie"][0].split(";")[0]
    emu.set_consent(team, **consent)
    status, headers, _ = _get(href.group(1).replace("&amp;", "&"))
    assert status in (302, 303), status
    location = headers["location"][0]
    assert urlsplit(location).path == "/slack/oauth_redirect"
    status, _, page = _get(location, cookie)
    assert status == 200, page
    return page


@pytest.fixture
def two(
    database_url: str,
) -> Iterator[tuple[SlackEmulator, RunningApp, SampleWorkspace, SampleWorkspace]]:
    with SlackEmulator() as emu:
        acme = build_sample_workspace(emu)
        globex_view = emu.add_workspace(GLOBEX, "Globex")
        globex = build_sample_workspace(
            globex_view, user_prefix="U0G", coffee_channel="C0GCOFFEE", share_channel="C0GSHARE"
        )
        with RunningApp(emu, database_url, multi_workspace=True) as app:
            yield emu, app, acme, globex
        app.engine.dispose()


def _command(
    emu: SlackEmulator, driver: SlackDriver, user: str, text: str, channel: str
) -> dict[str, Any]:
    result, key = driver.command(user, text, channel_id=channel)
    assert result.status == 200, result
    return emu.wait_for(lambda: emu.responses(key), timeout=15)[-1]


def _join(app: RunningApp, team: str, sample: SampleWorkspace, people: list[str]) -> None:
    profiles = ProfileService(app.deps.for_team(team))
    for user_id in people:
        profiles.join(team, user_id)
        profiles.add_interests(team, user_id, tuple(sample.interests[user_id]))


def _run_round(
    emu: SlackEmulator, app: RunningApp, team: str, sample: SampleWorkspace, channel: str
) -> SlackDriver:
    driver = _driver(app, team)
    people = [u for u in sample.coffee_members if not sample.person(u).is_admin][:6]
    _join(app, team, sample, people)
    setup = _command(emu, driver, sample.admin_id, "admin setup weekly monday 10:00 UTC", channel)
    assert "set up" in reply_text(setup)
    started = _command(emu, driver, sample.admin_id, "admin run-now", channel)
    assert "Round started" in reply_text(started), reply_text(started)
    view = emu.workspace(team)
    emu.wait_for(lambda: any("groups this round" in m["text"] for m in view.messages(channel)), 20)
    return driver


def _assert_own_tokens(emu: SlackEmulator, *teams: str) -> None:
    for team in teams:
        own = emu.tokens_of(team)
        # oauth.v2.access authenticates with the app's client ID and secret, not a token.
        calls = [c for c in emu.calls_in(team) if c.method != "oauth.v2.access"]
        assert calls, team
        strays = [(c.method, c.token) for c in calls if c.token not in own]
        assert not strays, (team, strays[:5])


def test_two_workspaces_each_use_their_own_token_and_nothing_crosses(two: Any) -> None:
    emu, app, acme, globex = two
    assert "Acme" in install(app, emu, ACME) or ACME
    page = install(app, emu, GLOBEX)
    assert "Globex" in page and "/mingle admin setup" in page
    _run_round(emu, app, ACME, acme, "C0COFFEE")
    globex_driver = _run_round(emu, app, GLOBEX, globex, "C0GCOFFEE")
    _assert_own_tokens(emu, ACME, GLOBEX)
    # Each workspace's rows hold only its own people.
    with app.deps.sessions() as session:
        for team, prefix in ((ACME, "U0S"), (GLOBEX, "U0G")):
            ids = session.scalars(select(Member.user_id).where(Member.team_id == team)).all()
            assert ids and all(i.startswith(prefix) for i in ids)
    # find, suggestions, stats, search and export from Globex never show Acme's people.
    user = next(u for u in globex.coffee_members if not globex.person(u).is_admin)
    for text in ("find design", "suggestions", "search coffee", "admin stats", "admin export"):
        who = globex.admin_id if text.startswith("admin") else user
        reply = reply_text(_command(emu, globex_driver, who, text, "C0GCOFFEE"))
        assert "U0S" not in reply, (text, reply[:300])
    for upload in [c for c in emu.calls_in(GLOBEX) if c.method.startswith("files.")]:
        assert upload.token in emu.tokens_of(GLOBEX)
    _assert_own_tokens(emu, ACME, GLOBEX)


def test_an_org_install_serves_a_workspace_without_its_own(database_url: str) -> None:
    with SlackEmulator() as emu:
        emu.add_enterprise("E0001", "Initech")
        grid = emu.add_workspace("T0003", "Initech East", enterprise_id="E0001")
        sample = build_sample_workspace(grid, user_prefix="U0I", coffee_channel="C0ICOFFEE")
        with RunningApp(emu, database_url, multi_workspace=True) as app:
            install(app, emu, "T0003", org_wide=True, user_id=sample.admin_id)
            driver = _driver(app, "T0003", enterprise_id="E0001")
            reply = _command(emu, driver, sample.admin_id, "admin setup weekly", "C0ICOFFEE")
            assert "set up" in reply_text(reply)
            org_tokens = emu.tokens_of(None, "E0001")
            calls = emu.calls_in("T0003")
            assert calls and all(c.token in org_tokens for c in calls)
            with app.deps.sessions() as session:
                row = session.get(Workspace, "T0003")
            assert row is not None and row.enterprise_id == "E0001"
        app.engine.dispose()


def test_uninstall_stops_a_workspace_and_purge_deletes_it(
    two: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emu, app, acme, globex = two
    install(app, emu, ACME)
    install(app, emu, GLOBEX)
    _run_round(emu, app, ACME, acme, "C0COFFEE")
    driver = _run_round(emu, app, GLOBEX, globex, "C0GCOFFEE")
    with app.deps.sessions.begin() as session:  # a message still waiting to go out
        session.add(
            OutboundMessage(team_id=GLOBEX, key="pending:1", kind="welcome", user_ids=["U0G001"])
        )
    revoked = emu.uninstall(GLOBEX)
    assert driver.tokens_revoked(revoked).status == 200  # either order
    assert driver.app_uninstalled().status == 200
    store = app.deps.workspaces.store
    emu.wait_for(lambda: store.find_installation(enterprise_id=None, team_id=GLOBEX) is None, 10)
    assert store.find_bot(enterprise_id=None, team_id=GLOBEX) is None
    with app.deps.sessions() as session:
        teams = {s.team_id for s in channels_repo.all_schedules(session)}
        assert GLOBEX not in teams and ACME in teams
        statuses = session.scalars(
            select(OutboundMessage.status).where(
                OutboundMessage.team_id == GLOBEX, OutboundMessage.key == "pending:1"
            )
        ).all()
        assert statuses == ["failed"]
        uninstalled_at = session.get(Workspace, GLOBEX).uninstalled_at
        assert uninstalled_at is not None
    # Requests from Globex are now ignored: an empty 200, and no answer.
    result, key = driver.command(globex.admin_id, "admin stats", channel_id="C0GCOFFEE")
    assert result.status == 200
    assert not emu.responses(key)
    # Acme carries on.
    reply = _command(emu, _driver(app, ACME), acme.admin_id, "admin stats", "C0COFFEE")
    assert reply_text(reply)
    # mingle purge --team T0002 --yes deletes every row of Globex now.
    monkeypatch.setenv("MINGLE_DATABASE_URL", app.settings.database_url)
    monkeypatch.setenv("SLACK_CLIENT_ID", emu.oauth.client_id)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", emu.oauth.client_secret)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", app.signing_secret)
    assert cli.main(["purge", "--team", GLOBEX, "--yes"]) == 0
    assert "rows of workspace T0002" in capsys.readouterr().out
    with app.deps.sessions() as session:
        for model in (Member, Schedule, OutboundMessage, Workspace):
            left = session.scalar(
                select(func.count()).select_from(model).where(model.team_id == GLOBEX)
            )
            assert left == 0, model
        assert session.scalar(
            select(func.count()).select_from(Member).where(Member.team_id == ACME)
        )
    assert cli.main(["purge", "--team", GLOBEX, "--yes"]) == 1
    assert "holds nothing for workspace" in capsys.readouterr().err


def test_rotating_tokens_refresh_before_expiry_once_across_instances(two: Any) -> None:
    emu, app, acme, _globex = two
    emu.configure_oauth(token_rotation=True, token_lifetime=3)
    workspaces = app.deps.workspaces
    assert isinstance(workspaces, InstalledWorkspaces)
    workspaces.refresh_before = dt.timedelta(seconds=2)
    install(app, emu, ACME)
    driver = _driver(app, ACME)
    user = acme.coffee_members[0]
    requests, started = 0, time.monotonic()
    while time.monotonic() - started < 4.0:
        reply = _command(emu, driver, user, "help", "C0COFFEE")
        assert reply_text(reply)
        requests += 1
    refreshes = [
        c
        for c in emu.calls
        if c.method == "oauth.v2.access" and c.args.get("grant_type") == "refresh_token"
    ]
    print(
        f"\n{requests} requests in 4 s with 3 s tokens refreshed 1 s before expiry: "
        f"{len(refreshes)} refreshes ({workspaces.refreshes} by this instance)"
    )
    assert 2 <= len(refreshes) <= 6 and all(
        c.status == 200 and c.response.get("ok") for c in refreshes
    )

    # Two instances find the token expiring at the same moment: one refreshes, the other
    # waits for the saved token; the refresh token is not lost.
    def instance(before: float = 2) -> InstalledWorkspaces:
        return InstalledWorkspaces(
            workspaces.store,
            app.deps.sessions,
            client_id=emu.oauth.client_id,
            client_secret=emu.oauth.client_secret,
            api_url=emu.api_url,
            clock=app.deps.clock,
            refresh_before=dt.timedelta(seconds=before),
        )

    first, second = instance(), instance()
    time.sleep(1.2)  # let the current token come within the refresh window
    # The token they get lives a minute: Slack's expiry is in whole seconds, so a 3 s token
    # can come back within the 2 s window at once, and the waiting instance would rightly
    # refresh it again (seen on PostgreSQL under load).
    emu.configure_oauth(token_lifetime=60)
    before = len([c for c in emu.calls if c.method == "oauth.v2.access"])
    barrier = threading.Barrier(2)
    tokens: list[str] = []

    def use(lookup: InstalledWorkspaces) -> None:
        barrier.wait()
        tokens.append(str(lookup.gateway(ACME).client.token))

    run_at_once([partial(use, w) for w in (first, second)], timeout=20)
    after = [c for c in emu.calls if c.method == "oauth.v2.access"][before:]
    print(
        f"two instances at once: {len(after)} refresh call(s), tokens equal: {len(set(tokens)) == 1}"
    )
    assert len(tokens) == 2 and len(set(tokens)) == 1
    assert len(after) == 1 and after[0].response.get("ok")
    # The saved refresh token still works: an instance that refreshes a minute ahead
    # refreshes it now, and the app goes on with the new token.
    assert str(instance(before=120).gateway(ACME).client.token) not in tokens
    last = [c for c in emu.calls if c.method == "oauth.v2.access"][-1]
    assert last.args.get("grant_type") == "refresh_token" and last.response.get("ok")
    assert _command(emu, driver, user, "help", "C0COFFEE")


def _past_match(
    app: RunningApp, team: str, channel: str, when: dt.datetime, users: list[str]
) -> None:
    with app.deps.sessions.begin() as session:
        round_ = Round(team_id=team, channel_id=channel, scheduled_for=when)
        session.add(round_)
        session.flush()
        session.add(
            Match(
                team_id=team,
                round_id=round_.id,
                outcome="met",
                members=[MatchMember(user_id=u) for u in users],
            )
        )


def test_reconnect_nudges_go_out_in_each_workspace_with_its_own_token(two: Any) -> None:
    emu, app, acme, globex = two
    install(app, emu, ACME)
    install(app, emu, GLOBEX)
    met_long_ago = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    nudged: dict[str, str] = {}
    for team, sample, channel in ((ACME, acme, "C0COFFEE"), (GLOBEX, globex, "C0GCOFFEE")):
        me, other = [u for u in sample.coffee_members if not sample.person(u).is_admin][:2]
        _join(app, team, sample, [me, other])
        _past_match(app, team, channel, met_long_ago, [me, other])
        reply = _command(emu, _driver(app, team), me, "reconnect on", channel)
        assert "on" in reply_text(reply)
        nudged[team] = me
    emu.clear_calls()
    app.deps.clock = lambda: met_long_ago + dt.timedelta(days=200)
    assert send_due_nudges(app.deps) == 2  # one nudge due in each workspace
    deliver_pending(app.deps)
    for team, prefix, stranger in ((ACME, "U0S", "U0G"), (GLOBEX, "U0G", "U0S")):
        view = emu.workspace(team)
        me = nudged[team]
        channel = emu.wait_for(lambda view=view, me=me: view.dm_channel(me), timeout=15)
        nudge = emu.wait_for(lambda view=view, channel=channel: view.messages(channel), 15)[0]
        text = reply_text(nudge)
        mentioned = set(re.findall(r"<@(U[0-9A-Z]+)", text + str(nudge.get("blocks"))))
        assert mentioned and all(u.startswith(prefix) for u in mentioned), (team, mentioned)
        assert stranger not in text
        # The DM went out (and the person was looked up) with this workspace's token.
        sends = [c for c in emu.calls_in(team) if c.method in ("chat.postMessage", "users.info")]
        assert sends and all(c.token in emu.tokens_of(team) for c in sends), team
    _assert_own_tokens(emu, ACME, GLOBEX)
