"""Profiles and membership: join, leave, forget, pause, interests, Home tab, edit modal."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.blocks import Reply, escape
from bot.core.commands import MAX_PAUSE_WEEKS
from bot.core.hours import days_mask, stored_hours
from bot.core.messages import profile as views
from bot.core.messages.help import error_reply, info_reply
from bot.core.numbers import read_number
from bot.core.profile import TOPIC_KINDS, Profile, ProfileEdit, merge_topics
from bot.core.status import MemberStatus
from bot.core.text import normalize_interest
from bot.errors import InvalidInputError, SlackError
from bot.services.deps import Deps
from bot.slack.gateway import SlackUser
from storage.models import Member
from storage.repositories import avoid as avoid_repo
from storage.repositories import members as repo

log = logging.getLogger(__name__)


def local_today(tz: str, now: dt.datetime) -> dt.date:
    try:
        return now.astimezone(ZoneInfo(tz)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def to_profile(member: Member | None, user_id: str) -> Profile:
    if member is None:
        return Profile(user_id=user_id, status="none")
    return Profile(
        user_id=member.user_id,
        display_name=member.display_name or member.real_name,
        tz=member.tz,
        team=member.team_name,
        bio=member.bio,
        links=member.links,
        status=member.status,
        paused_until=member.paused_until,
        interests=tuple(repo.topic_names(member, "interest")),
        can_help=tuple(repo.topic_names(member, "can_help")),
        learn=tuple(repo.topic_names(member, "learn")),
        reconnect_enabled=member.reconnect_enabled,
        hours=stored_hours(member.work_start, member.work_end, member.work_days),
    )


def apply_slack_user(member: Member, user: SlackUser) -> None:
    """Copy what Slack knows (names, timezone) onto the member."""
    member.display_name = user.display_name or user.real_name or user.name
    member.real_name = user.real_name
    member.tz = user.tz or "UTC"
    if not member.team_name and user.title:
        member.team_name = user.title[:60]


class ProfileService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    # membership ---------------------------------------------------------------------------

    def _human(self, user_id: str) -> SlackUser:
        user = self.deps.slack.user(user_id)
        if user.is_bot or user.deleted:
            raise InvalidInputError(
                "Mingle is for people: bots and deactivated accounts can't join."
            )
        return user

    def join(self, team_id: str, user_id: str) -> Reply:
        user = self._human(user_id)
        now = self.deps.clock()
        with self.deps.sessions.begin() as session:
            member, _ = repo.get_or_create_member(session, team_id, user_id)
            already = member.status == MemberStatus.ACTIVE
            apply_slack_user(member, user)
            member.status = MemberStatus.ACTIVE
            member.paused_until = None
            member.left_at = None
            member.last_active_at = now
            if not already:
                member.joined_at = now
        self.refresh_home(team_id, user_id)
        if already:
            return info_reply(
                "You're already in. :tada: See your profile in Mingle's *Home* tab.",
                "You're already in.",
            )
        return info_reply(
            ":wave: Welcome to Mingle! You'll be matched for coffee chats in the next rounds. "
            "Add your interests in Mingle's *Home* tab so your matches have something to talk "
            "about: `/mingle interests add climbing, rust`.",
            "Welcome to Mingle!",
        )

    def leave(self, team_id: str, user_id: str, *, forget: bool = False) -> Reply:
        if forget:
            return self.forget(team_id, user_id)
        with self.deps.sessions.begin() as session:
            member = repo.get_member(session, team_id, user_id)
            if member is None or member.status == MemberStatus.LEFT:
                return info_reply("You're not taking part in Mingle right now.", "Not taking part.")
            member.status = MemberStatus.LEFT
            member.paused_until = None
            member.left_at = self.deps.clock()
        self.refresh_home(team_id, user_id)
        return info_reply(
            "You've left Mingle: no more rounds for you. Your profile stays, so `/mingle join` "
            "brings you back; `/mingle leave --forget` deletes it.",
            "You've left Mingle.",
        )

    def forget(self, team_id: str, user_id: str) -> Reply:
        from bot.services.forget import forget_member  # forget uses connect, which uses us

        forget_member(self.deps, team_id, user_id)
        self.refresh_home(team_id, user_id)
        return info_reply(
            ":wastebasket: Done: Mingle deleted your profile, interests, answers and history. "
            "You can join again any time with `/mingle join`.",
            "Mingle deleted your data.",
        )

    def pause(self, team_id: str, user_id: str, until: dt.date) -> Reply:
        with self.deps.sessions.begin() as session:
            member = repo.get_member(session, team_id, user_id)
            if member is None or member.status == MemberStatus.LEFT:
                raise InvalidInputError("You haven't joined Mingle, so there's nothing to pause.")
            member.status = MemberStatus.PAUSED
            member.paused_until = until
        self.refresh_home(team_id, user_id)
        return info_reply(
            f":double_vertical_bar: Paused. You're back in the rounds from {until.isoformat()} "
            "(or `/mingle resume` sooner).",
            f"Paused until {until.isoformat()}.",
        )

    def pause_weeks(self, team_id: str, user_id: str, weeks: int) -> Reply:
        return self.pause(
            team_id, user_id, self.today_for(team_id, user_id) + dt.timedelta(weeks=weeks)
        )

    def pause_button(self, team_id: str, user_id: str, value: str) -> Reply:
        """The Home tab's "Pause" button, whose value is the weeks (1 to `MAX_PAUSE_WEEKS`).
        Any other value (a forged or mangled payload) changes nothing and is answered on
        the Home tab itself, where the button was."""
        weeks = read_number(value, 1, MAX_PAUSE_WEEKS)
        if weeks is not None:
            return self.pause_weeks(team_id, user_id, weeks)
        reply = error_reply(
            f"That button is out of date: a pause lasts 1 to {MAX_PAUSE_WEEKS} weeks, "
            "so nothing was changed. Try `/mingle pause 2 weeks`."
        )
        self.show_on_home(team_id, user_id, reply)
        return reply

    def show_on_home(self, team_id: str, user_id: str, reply: Reply) -> None:
        """Refresh the Home tab with `reply` on top: a Home button's answer."""
        view = self.home_view(team_id, user_id)
        view["blocks"] = [*view["blocks"][:1], *reply.blocks, *view["blocks"][1:]]
        try:
            self.deps.slack.publish_home(user_id, view)
        except SlackError:  # the Home tab refreshes again when it is opened
            log.warning("could not show a reply on the Home tab", exc_info=True)

    def resume(self, team_id: str, user_id: str) -> Reply:
        with self.deps.sessions.begin() as session:
            member = repo.get_member(session, team_id, user_id)
            if member is None or member.status == MemberStatus.LEFT:
                raise InvalidInputError("You haven't joined Mingle yet: `/mingle join`.")
            if member.status == MemberStatus.ACTIVE:
                return info_reply("You're not paused: you're in the next rounds.", "Not paused.")
            member.status = MemberStatus.ACTIVE
            member.paused_until = None
        self.refresh_home(team_id, user_id)
        return info_reply(":arrow_forward: Welcome back! You're in the next rounds.", "Resumed.")

    def today_for(self, team_id: str, user_id: str) -> dt.date:
        with self.deps.sessions() as session:
            member = repo.get_member(session, team_id, user_id)
            tz = member.tz if member else "UTC"
        return local_today(tz, self.deps.clock())

    # interests ----------------------------------------------------------------------------

    def list_interests(self, team_id: str, user_id: str) -> Reply:
        with self.deps.sessions() as session:
            profile = to_profile(repo.get_member(session, team_id, user_id), user_id)
        if not profile.interests:
            return info_reply(
                "You have no interests yet. Add some: `/mingle interests add climbing, rust`.",
                "No interests yet.",
            )
        return info_reply(
            "*Your interests:* " + views.topic_text(profile.interests),
            "Your interests: " + views.topic_text(profile.interests),
        )

    def add_interests(self, team_id: str, user_id: str, names: tuple[str, ...]) -> Reply:
        newcomer = self.newcomer(team_id, user_id)
        with self.deps.sessions.begin() as session:
            member = self.member_for_edit(session, team_id, user_id, newcomer)
            current = repo.topic_names(member, "interest")
            merged, error = merge_topics(current, names)
            if error:
                raise InvalidInputError(error)
            added = [name for name in merged if name not in current]
            repo.set_topics(session, member, "interest", merged)
        self.refresh_home(team_id, user_id)
        if not added:
            return info_reply("You already have those interests.", "Nothing new to add.")
        return info_reply(
            "Added: "
            + views.topic_text(tuple(added))
            + ". *Your interests:* "
            + views.topic_text(tuple(merged)),
            "Added: " + views.topic_text(tuple(added)),
        )

    def remove_interests(self, team_id: str, user_id: str, names: tuple[str, ...]) -> Reply:
        wanted = {normalize_interest(name) for name in names}
        with self.deps.sessions.begin() as session:
            member = repo.get_member(session, team_id, user_id)
            current = repo.topic_names(member, "interest") if member else []
            kept = [name for name in current if name not in wanted]
            removed = [name for name in current if name in wanted]
            if member is not None and removed:
                repo.set_topics(session, member, "interest", kept)
        if not removed:
            listed = ", ".join(escape(n) for n in sorted(wanted))
            return error_reply(f"You don't have {listed} in your interests.")
        self.refresh_home(team_id, user_id)
        return info_reply(
            "Removed: " + views.topic_text(tuple(removed)) + ".",
            "Removed: " + views.topic_text(tuple(removed)),
        )

    def newcomer(self, team_id: str, user_id: str) -> SlackUser | None:
        """Slack's record of someone who has no profile yet, looked up before the edit's
        transaction opens (None for a member); refuses bots and deactivated accounts."""
        with self.deps.sessions() as session:
            if repo.get_member(session, team_id, user_id) is not None:
                return None
        return self._human(user_id)

    def member_for_edit(
        self, session: Any, team_id: str, user_id: str, newcomer: SlackUser | None
    ) -> Member:
        member, created = repo.get_or_create_member(session, team_id, user_id)
        if created and newcomer is not None:
            apply_slack_user(member, newcomer)
        member.last_active_at = self.deps.clock()
        return member

    # profile ------------------------------------------------------------------------------

    def profile(self, team_id: str, user_id: str) -> Profile:
        with self.deps.sessions() as session:
            return to_profile(repo.get_member(session, team_id, user_id), user_id)

    def show_profile(self, team_id: str, viewer: str, target: str | None) -> Reply:
        if target is None or target == viewer:
            return views.profile_card(self.profile(team_id, viewer), own=True)
        self.deps.slack.user(target)  # raises NotFoundError for an unknown user
        profile = self.profile(team_id, target)
        if profile.status == "none":
            return views.not_joined_card(target)
        return views.profile_card(profile, own=False)

    def home_view(self, team_id: str, user_id: str) -> dict[str, Any]:
        with self.deps.sessions() as session:
            profile = to_profile(repo.get_member(session, team_id, user_id), user_id)
            avoiding = len(avoid_repo.avoided_by(session, team_id, user_id))
        extra = []
        for provider in self.deps.home_sections:
            try:
                extra.extend(provider(self.deps, team_id, user_id))
            except Exception:  # a broken extra section must not break the Home tab
                log.exception("home section failed")
        return views.home_view(profile, extra=extra, avoiding=avoiding)

    def refresh_home(self, team_id: str, user_id: str) -> None:
        try:
            self.deps.slack.publish_home(user_id, self.home_view(team_id, user_id))
        except Exception:  # the Home tab refreshes again when it is opened
            log.warning("could not refresh the Home tab", exc_info=True)

    def open_edit_modal(self, team_id: str, user_id: str, trigger_id: str) -> None:
        self.deps.slack.open_modal(
            trigger_id, views.edit_profile_modal(self.profile(team_id, user_id))
        )

    def save_profile(self, team_id: str, user_id: str, edit: ProfileEdit) -> None:
        """Store a validated profile edit (see `bot.core.profile.validate_profile`)."""
        if not edit.ok:
            raise InvalidInputError("; ".join(edit.errors.values()))
        newcomer = self.newcomer(team_id, user_id)
        with self.deps.sessions.begin() as session:
            member = self.member_for_edit(session, team_id, user_id, newcomer)
            for kind in TOPIC_KINDS:
                repo.set_topics(session, member, kind, edit.topics[kind])
            member.bio = edit.bio
            member.links = edit.links
            member.team_name = edit.team
            if edit.hours is not None:
                member.work_start = edit.hours.start
                member.work_end = edit.hours.end
                member.work_days = days_mask(edit.hours.days)
        self.refresh_home(team_id, user_id)

    def topic_options(self, team_id: str, query: str) -> list[dict[str, Any]]:
        normalized = normalize_interest(query)
        with self.deps.sessions() as session:
            known = repo.search_topics(session, team_id, normalized)
        return views.topic_options(query, known, normalized)
