"""Installations in Mingle's database, through slack_sdk's stores, on SQLite and PostgreSQL.

The tables come from Mingle's migrations (the `engine` fixture is migrated); the stores
never create them.
"""

from __future__ import annotations

import datetime as dt

from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import Engine

from storage.installations import InstallationStore, oauth_state_store

CLIENT_ID = "1111.2222"


def _install(
    team_id: str | None, *, enterprise_id: str | None = None, token: str = "xoxb-1"
) -> Installation:
    return Installation(
        app_id="A0001",
        enterprise_id=enterprise_id,
        enterprise_name="Initech" if enterprise_id else None,
        team_id=team_id,
        team_name=f"Team {team_id}" if team_id else None,
        bot_token=token,
        bot_id=f"B{team_id or enterprise_id}",
        bot_user_id=f"U{team_id or enterprise_id}BOT",
        bot_scopes="commands,chat:write",
        bot_refresh_token="xoxe-1-refresh",
        bot_token_expires_at=int(dt.datetime(2030, 1, 1, tzinfo=dt.UTC).timestamp()),
        user_id="U1",
        is_enterprise_install=team_id is None,
    )


def test_bot_install_is_saved_found_and_deleted(engine: Engine) -> None:
    store = InstallationStore(CLIENT_ID, engine)
    store.save(_install("T0001", token="xoxb-acme"))
    store.save(_install("T0002", token="xoxb-globex"))

    bot = store.find_bot(enterprise_id=None, team_id="T0002")
    assert bot is not None and bot.bot_token == "xoxb-globex" and bot.bot_user_id == "UT0002BOT"
    assert bot.bot_refresh_token == "xoxe-1-refresh" and bot.bot_token_expires_at is not None
    found = store.find_installation(enterprise_id=None, team_id="T0001")
    assert found is not None and found.bot_token == "xoxb-acme" and found.user_id == "U1"
    assert store.find_bot(enterprise_id=None, team_id="T0404") is None

    store.delete_installation(enterprise_id=None, team_id="T0002")
    store.delete_bot(enterprise_id=None, team_id="T0002")
    assert store.find_bot(enterprise_id=None, team_id="T0002") is None
    assert store.find_installation(enterprise_id=None, team_id="T0002") is None
    assert store.find_bot(enterprise_id=None, team_id="T0001") is not None


def test_org_wide_install_serves_a_team_without_its_own(engine: Engine) -> None:
    store = InstallationStore(CLIENT_ID, engine)
    store.save(_install(None, enterprise_id="E0001", token="xoxb-org"))
    store.save(_install("T0102", enterprise_id="E0001", token="xoxb-own"))

    org = store.find_bot(enterprise_id="E0001", team_id=None, is_enterprise_install=True)
    assert org is not None and org.is_enterprise_install and org.bot_token == "xoxb-org"
    sales = store.find_bot(enterprise_id="E0001", team_id="T0101")
    assert sales is not None and sales.bot_token == "xoxb-org"
    installed = store.find_installation(enterprise_id="E0001", team_id="T0101")
    assert installed is not None and installed.is_enterprise_install
    own = store.find_bot(enterprise_id="E0001", team_id="T0102")
    assert own is not None and own.bot_token == "xoxb-own"
    assert store.find_bot(enterprise_id="E0404", team_id="T0101") is None
    assert store.find_bot(enterprise_id=None, team_id="T0101") is None

    store.delete_bot(enterprise_id="E0001", team_id=None)
    store.delete_installation(enterprise_id="E0001", team_id=None)
    assert store.find_bot(enterprise_id="E0001", team_id="T0101") is None
    assert store.find_bot(enterprise_id="E0001", team_id="T0102") is not None


def test_oauth_state_is_single_use_and_expires(engine: Engine) -> None:
    states = oauth_state_store(engine)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("forged") is False
    expired = oauth_state_store(engine, expiration_seconds=-1).issue()
    assert states.consume(expired) is False
