"""Where Slack installations live in multi-workspace mode: slack_sdk's SQLAlchemy stores.

Bolt's OAuth flow keeps each workspace's tokens in slack_sdk's ``SQLAlchemyInstallationStore``
(tables ``slack_installations`` and ``slack_bots``) and the ``state`` of each install
attempt in ``SQLAlchemyOAuthStateStore`` (``slack_oauth_states``). Mingle creates those
tables with its own Alembic migration, in its own database, so :func:`define_slack_tables`
puts exactly the stores' table definitions on Mingle's metadata (``storage.models``), and
the migration test compares them like every other table. The stores themselves are never
asked to ``create_tables()``.

:class:`InstallationStore` adds one rule to slack_sdk's store: a workspace of an Enterprise
Grid organisation that has no installation of its own uses the organisation-wide one.
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, Table

BOTS_TABLE = "slack_bots"
INSTALLATIONS_TABLE = "slack_installations"
OAUTH_STATES_TABLE = "slack_oauth_states"

#: How long an install attempt's ``state`` stays valid (Bolt's default).
STATE_EXPIRATION_SECONDS = 600

_log = logging.getLogger(__name__)


def define_slack_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    """Put the stores' tables on ``metadata``: ``(bots, installations, oauth_states)``."""
    return (
        SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE),
        SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES_TABLE),
    )


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy store, falling back to the org-wide install for a workspace
    of an Enterprise Grid organisation that was not installed on its own."""

    def __init__(self, client_id: str, engine: Engine) -> None:
        super().__init__(
            client_id=client_id,
            engine=engine,
            bots_table_name=BOTS_TABLE,
            installations_table_name=INSTALLATIONS_TABLE,
            logger=_log,
        )

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        bot = super().find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is None and _may_use_org_install(enterprise_id, team_id, is_enterprise_install):
            bot = super().find_bot(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        return bot

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = super().find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        if found is None and _may_use_org_install(enterprise_id, team_id, is_enterprise_install):
            found = super().find_installation(
                enterprise_id=enterprise_id,
                team_id=None,
                user_id=user_id,
                is_enterprise_install=True,
            )
        return found


def _may_use_org_install(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> bool:
    return enterprise_id is not None and team_id is not None and not is_enterprise_install


def oauth_state_store(
    engine: Engine, expiration_seconds: int = STATE_EXPIRATION_SECONDS
) -> SQLAlchemyOAuthStateStore:
    """The store of install attempts' ``state`` values (single use, expiring)."""
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=expiration_seconds,
        engine=engine,
        logger=_log,
        table_name=OAUTH_STATES_TABLE,
    )
