"""Working hours and the private avoid list: `/mingle hours`, `/mingle avoid`, `unavoid`,
and the Home tab's avoid-list modal.

Hours are stored on the member (local times in their Slack timezone; NULL is the default
09:00-17:00, Monday to Friday). The avoid list lives in the `avoid` table and is shown
only to its owner: nothing here tells the people on it, and no other surface shows it.
Slack lookups (who is a person, a bot or unknown) happen before any transaction opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.blocks import Reply
from bot.core.hours import WorkingHours, check_range, days_mask, parse_hours, stored_hours
from bot.core.messages import preferences as views
from bot.errors import InvalidInputError, NotFoundError
from bot.services.deps import Deps
from bot.services.profiles import ProfileService
from storage.models import Member
from storage.repositories import avoid as repo
from storage.repositories import members as members_repo


def hours_of(member: Member | None) -> WorkingHours:
    """A member's working hours (the defaults for someone without a profile)."""
    if member is None:
        return WorkingHours()
    return stored_hours(member.work_start, member.work_end, member.work_days)


def store_hours(member: Member, hours: WorkingHours) -> None:
    member.work_start = hours.start
    member.work_end = hours.end
    member.work_days = days_mask(hours.days)


# --- working hours ------------------------------------------------------------------------


def hours(deps: Deps, team_id: str, user_id: str, spec: str) -> Reply:
    """`/mingle hours` shows them; `/mingle hours 08:30-16:30 mon-thu` sets them."""
    parsed = parse_hours(spec)
    profiles = ProfileService(deps)
    if parsed.empty:
        with deps.sessions() as session:
            member = members_repo.get_member(session, team_id, user_id)
            current, tz = hours_of(member), member.tz if member else None
            is_default = member is None or member.work_start is None
        if tz is None:
            tz = deps.slack.user_timezone(user_id)
        return views.hours_reply(current, tz, saved=False, is_default=is_default)
    newcomer = profiles.newcomer(team_id, user_id)
    with deps.sessions.begin() as session:
        member = profiles.member_for_edit(session, team_id, user_id, newcomer)
        updated = parsed.applied_to(hours_of(member))
        check_range(updated.start, updated.end)  # new times with the kept ones
        store_hours(member, updated)
        tz = member.tz
    profiles.refresh_home(team_id, user_id)
    return views.hours_reply(updated, tz, saved=True)


# --- the avoid list -----------------------------------------------------------------------


def check_avoidable(deps: Deps, user_id: str, other: str) -> None:
    """Refuse yourself, Mingle, bots, deactivated and unknown accounts (friendly errors)."""
    if other == user_id:
        raise InvalidInputError("That's you! Your avoid list is for other people.")
    if other == deps.bot_user_id:
        raise InvalidInputError("That's Mingle itself: it never joins a coffee chat.")
    try:
        person = deps.slack.user(other)
    except NotFoundError:
        raise InvalidInputError(f"I can't find that person ({other}) in this workspace.") from None
    if person.is_bot:
        raise InvalidInputError(f"{person.label} is a bot: bots are never in coffee chats.")
    if person.deleted:
        raise InvalidInputError(
            f"{person.label}'s account is deactivated, so Mingle won't match them anyway."
        )


def avoid_list(deps: Deps, team_id: str, user_id: str) -> Reply:
    """`/mingle avoid`: the owner's list, only to them."""
    with deps.sessions() as session:
        people = repo.avoided_by(session, team_id, user_id)
    return views.avoid_list_reply(people)


def avoid(deps: Deps, team_id: str, user_id: str, others: Sequence[str]) -> Reply:
    """`/mingle avoid @someone`: add people to the list (checked first, all or none)."""
    for other in others:
        check_avoidable(deps, user_id, other)
    now = deps.clock()
    with deps.sessions.begin() as session:
        current = repo.avoided_by(session, team_id, user_id)
        new = [o for o in others if o not in current]
        if len(current) + len(new) > repo.MAX_AVOID:
            raise InvalidInputError(
                f"Your avoid list can hold {repo.MAX_AVOID} people; it has {len(current)}."
            )
        added = repo.add(session, team_id, user_id, new, now)
    ProfileService(deps).refresh_home(team_id, user_id)
    return views.avoid_added_reply(added, [o for o in others if o not in added])


def unavoid(deps: Deps, team_id: str, user_id: str, others: Sequence[str]) -> Reply:
    """`/mingle unavoid @someone`: take people off the list."""
    with deps.sessions.begin() as session:
        removed = repo.remove(session, team_id, user_id, others)
    if removed:
        ProfileService(deps).refresh_home(team_id, user_id)
    return views.avoid_removed_reply(removed, [o for o in others if o not in removed])


def open_avoid_modal(deps: Deps, team_id: str, user_id: str, trigger_id: str) -> None:
    """The Home tab's "Avoid list" button: a modal with the list in a user picker."""
    with deps.sessions() as session:
        people = repo.avoided_by(session, team_id, user_id)
    deps.slack.open_modal(trigger_id, views.avoid_modal(people))


def check_avoid_list(deps: Deps, team_id: str, user_id: str, chosen: Sequence[str]) -> list[str]:
    """Validate the modal's choice (raises a friendly `InvalidInputError`); people already on
    the list are not looked up again."""
    people = list(dict.fromkeys(chosen))
    if len(people) > repo.MAX_AVOID:
        raise InvalidInputError(f"Pick at most {repo.MAX_AVOID} people.")
    with deps.sessions() as session:
        current = set(repo.avoided_by(session, team_id, user_id))
    for other in people:
        if other not in current or other == user_id:
            check_avoidable(deps, user_id, other)
    return people


def save_avoid_list(deps: Deps, team_id: str, user_id: str, people: Sequence[str]) -> None:
    """Replace the owner's list with `people` (already checked)."""
    now = deps.clock()
    with deps.sessions.begin() as session:
        current = repo.avoided_by(session, team_id, user_id)
        repo.remove(session, team_id, user_id, [p for p in current if p not in people])
        repo.add(session, team_id, user_id, people, now)
    ProfileService(deps).refresh_home(team_id, user_id)


def picked_people(values: dict[str, Any]) -> list[str]:
    """The user IDs picked in the avoid-list modal (strings only)."""
    picked = values.get(views.AVOID_FIELD) or []
    return [str(p) for p in picked if isinstance(p, str)][: repo.MAX_AVOID + 1]
