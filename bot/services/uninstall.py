"""Installing, uninstalling and deleting a workspace's data.

When Slack says Mingle was uninstalled from a workspace (`app_uninstalled`) or its bot
token was revoked (`tokens_revoked`), in either order, `uninstall`:

* marks the workspace uninstalled (`workspace.uninstalled_at`): its schedules stop and its
  requests are treated as coming from a workspace that is not installed;
* fails its pending outbox rows, without retries;
* deletes its installations and tokens from the installation store (Bolt's revocation
  listeners do too, after acknowledging; either may come first).

Its data stays for `MINGLE_UNINSTALL_RETENTION_DAYS` (a reinstall within that time finds
everything as it was), then `delete_expired` (a periodic job) deletes it; `mingle purge
--team T` (`purge_team`) deletes it at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from bot.errors import NotFoundError
from bot.services.deps import Deps
from storage.repositories import workspaces as repo

log = logging.getLogger("mingle.uninstall")

UNINSTALLED = "uninstalled: Mingle was removed from the workspace"
#: How often the scheduler looks for data past its retention period.
DELETE_EXPIRED_SECONDS = 3600


def installed(deps: Deps, installation: Any) -> None:
    """Bolt saved an installation (`GET /slack/oauth_redirect` succeeded)."""
    now = deps.clock()
    team_id = installation.team_id
    enterprise_id = installation.enterprise_id
    with deps.sessions.begin() as session:
        if installation.is_enterprise_install and enterprise_id:
            repo.record_org_install(session, enterprise_id, installation.enterprise_name or "", now)
        elif team_id:
            repo.record_install(session, team_id, enterprise_id, installation.team_name or "", now)
    if deps.workspaces is not None:
        deps.workspaces.forget(team_id, enterprise_id)
    log.info("installed in workspace %s (org %s)", str(team_id)[:40], str(enterprise_id)[:40])


def uninstall(
    deps: Deps, team_id: str | None, enterprise_id: str | None, *, org_wide: bool = False
) -> list[str]:
    """Stop serving a workspace (or, `org_wide`, every workspace of an org); returns the
    workspaces newly marked uninstalled. Safe to call twice."""
    now = deps.clock()
    team = None if org_wide else team_id
    with deps.sessions.begin() as session:
        teams = repo.mark_uninstalled(session, team, enterprise_id, now)
        failed = sum(repo.fail_pending(session, t, now, UNINSTALLED) for t in teams)
    store = getattr(deps.workspaces, "store", None)
    if store is not None:
        store.delete_all(enterprise_id=enterprise_id, team_id=team)
    if deps.workspaces is not None:
        deps.workspaces.forget(team, enterprise_id)
    if teams:
        log.info(
            "uninstalled from %s: schedules stopped, %d pending messages failed",
            ", ".join(t[:40] for t in teams),
            failed,
        )
    return teams


def purge_team(deps: Deps, team_id: str) -> dict[str, int]:
    """Delete every row of a workspace now (`mingle purge --team T`): rows deleted per
    table. Raises `NotFoundError` for a workspace the database does not know."""
    with deps.sessions.begin() as session:
        if not repo.knows_team(session, team_id):
            raise NotFoundError(f"The database holds nothing for workspace {team_id[:40]!r}.")
        deleted = repo.purge(session, team_id)
    if deps.workspaces is not None:
        deps.workspaces.forget(team_id)
    log.info("purged workspace %s: %d rows", team_id[:40], sum(deleted.values()))
    return deleted


def delete_expired(deps: Deps) -> list[str]:
    """The periodic job: delete the data of workspaces uninstalled longer ago than
    `MINGLE_UNINSTALL_RETENTION_DAYS`; returns them."""
    cutoff = deps.clock() - dt.timedelta(days=deps.settings.uninstall_retention_days)
    with deps.sessions() as session:
        teams = repo.uninstalled_before(session, cutoff)
    for team_id in teams:
        purge_team(deps, team_id)
    return teams


def run_delete_expired(deps: Deps) -> None:
    """`delete_expired` as a scheduler job (`bot.scheduler.PERIODIC_JOBS`)."""
    teams = delete_expired(deps)
    if teams:
        log.info("deleted the data of %d uninstalled workspaces", len(teams))
