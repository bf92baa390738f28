"""Connect: introductions, finding people, reconnect nudges and the channel welcome.

Everything Mingle sends on its own goes through the delivery outbox (kinds "intro",
"nudge", "say_hi", "welcome"), then `deliver_now` wakes the delivery worker (or, when none
runs in this process, delivers in place before the reply); direct replies to commands come
back as `Reply`s.

- `introduce` (`/mingle intro`, the shortcut's modal) and `introduce_me` (the "Introduce
  me" button next to a find result) store an `Introduction` and queue a group DM.
- `find` lists active members matching words (fuzzy, see `bot.core.connect`); with no words
  it suggests the three people with the highest affinity (`bot.core.connect.rank_suggestions`)
  whom the asker has never been matched with.
- `set_reconnect` turns nudges on or off; `send_due_nudges(deps)` is the periodic job.
- `say_hi` answers the nudge's "Say hi" button; `welcome` answers member_joined_channel.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core import connect as rules
from bot.core import outbox_keys
from bot.core.blocks import Reply
from bot.core.hours import stored_hours
from bot.core.matching import Participant, PastGroup, Reason, common_ground
from bot.core.matching.hours import is_timezone
from bot.core.messages import connect as views
from bot.core.numbers import button_id
from bot.core.status import JOINED, MatchOutcome, MemberStatus, OutboxKind
from bot.errors import InvalidInputError, NotFoundError
from bot.services.delivery import deliver_now
from bot.services.deps import Deps
from bot.services.profiles import ProfileService
from storage.models import Member
from storage.repositories import avoid as avoid_repo
from storage.repositories import connect as repo
from storage.repositories import members as members_repo
from storage.repositories.outbox import enqueue

log = logging.getLogger(__name__)

SUGGESTIONS = 3
#: Find looks at this many top hits to fill a page after dropping deactivated accounts.
FIND_POOL = 30
#: How many people a nudge may skip (deactivated accounts) before giving up for today.
NUDGE_TRIES = 5
NUDGE_REASONS = ("learn_help", "shared_interests", "cross_team", "hours_overlap")


class IntroError(InvalidInputError):
    """An introduction that cannot be made; `field` is the modal input to blame."""

    def __init__(self, message: str, field: str = views.INTRO_REASON) -> None:
        super().__init__(message)
        self.field = field


# --- shared helpers -----------------------------------------------------------------------


def joined(member: Member | None) -> bool:
    return member is not None and member.status in JOINED


def participant_of(
    person: Member | repo.PersonProfile, avoid: frozenset[str] = frozenset()
) -> Participant:
    """A member as the matching core sees them (aliased topics under their usual name, so
    "ml" and "machine learning" are common ground), with their working hours and days and
    `avoid`: the people never to be suggested to them."""
    if isinstance(person, Member):
        person = repo.profile_of(person)
    hours = stored_hours(person.work_start, person.work_end, person.work_days)

    def topics(kind: str) -> frozenset[str]:
        return frozenset(rules.canonical_topic(t) for t in person.names(kind))

    return Participant(
        id=person.user_id,
        interests=topics("interest"),
        can_help=topics("can_help"),
        wants_to_learn=topics("learn"),
        team=person.team or None,
        tz=person.tz if is_timezone(person.tz) else "UTC",
        display_name=person.name or None,
        work_start=hours.start,
        work_end=hours.end,
        work_days=hours.days,
        avoid=avoid,
    )


def ground_texts(
    a: Member | repo.PersonProfile,
    b: Member | repo.PersonProfile,
    now: dt.datetime,
    history: Sequence[PastGroup] = (),
    kinds: Iterable[str] | None = None,
) -> list[str]:
    """What two members have in common, as plain sentences (the matching core's reasons)."""
    reasons: list[Reason] = common_ground(participant_of(a), participant_of(b), history, on=now)
    wanted = set(kinds) if kinds is not None else None
    return [r.text for r in reasons if wanted is None or r.kind in wanted]


def check_person(deps: Deps, user_id: str, field: str = views.INTRO_REASON) -> str:
    """The person's name, or a clear refusal for unknown users, bots and deactivated users."""
    try:
        user = deps.slack.user(user_id)
    except NotFoundError:
        raise IntroError(
            f"I can't find that person ({user_id}) in this workspace.", field
        ) from None
    if user.is_bot or user_id == deps.bot_user_id:
        raise IntroError(f"{user.label} is a bot: introductions are for people.", field)
    if user.deleted:
        raise IntroError(
            f"{user.label}'s account is deactivated, so I can't introduce them.", field
        )
    return user.label


def check_not_apart(
    deps: Deps, team_id: str, user_id: str, other: str, field: str = views.INTRO_REASON
) -> None:
    """Refuse an "Introduce me" between people when either has the other on their avoid
    list. The owner is told it is their list; the other person only that the suggestion is
    out of date, so a list is never revealed to the people on it."""
    with deps.sessions() as session:
        mine = other in avoid_repo.avoided_by(session, team_id, user_id)
        apart = mine or other in avoid_repo.apart_from(session, team_id, user_id)
    if mine:
        raise IntroError(
            "That person is on your avoid list (`/mingle avoid`), so Mingle won't introduce "
            "you. Take them off it with `/mingle unavoid` first.",
            field,
        )
    if apart:
        raise IntroError(
            "That suggestion is out of date: try `/mingle find` again for people to meet.", field
        )


def reachable(deps: Deps, user_id: str) -> bool:
    """True for a person Mingle can still message (not unknown, a bot or deactivated)."""
    try:
        user = deps.slack.user(user_id)
    except NotFoundError:
        return False
    return not (user.is_bot or user.deleted)


def _pair_history(session: Session, team_id: str, a: str, b: str) -> list[PastGroup]:
    return [
        PastGroup(everyone, at)
        for other, at, _, everyone in repo.encounters(session, team_id, a)
        if other == b
    ]


# --- introductions ------------------------------------------------------------------------


@dataclass(frozen=True)
class IntroRequest:
    team_id: str
    introducer: str
    a: str
    b: str
    reason: str = ""
    self_intro: bool = False


def validate_intro(deps: Deps, request: IntroRequest) -> str:
    """Check an introduction (raises `IntroError`); returns the cleaned reason."""
    if request.self_intro:
        if request.b == request.introducer:
            raise IntroError("That's you! Pick someone else to be introduced to.", views.INTRO_B)
        check_not_apart(deps, request.team_id, request.introducer, request.b, views.INTRO_B)
    else:
        field = views.INTRO_A if request.introducer == request.a else views.INTRO_B
        try:
            rules.check_intro(request.introducer, request.a, request.b, "")
        except InvalidInputError as exc:
            raise IntroError(exc.message, field) from None
    try:
        reason = rules.clean_reason(request.reason)
    except InvalidInputError as exc:
        raise IntroError(exc.message, views.INTRO_REASON) from None
    if not request.self_intro:
        check_person(deps, request.a, views.INTRO_A)
    check_person(deps, request.b, views.INTRO_B)
    return reason


def make_intro(deps: Deps, request: IntroRequest) -> Reply:
    """Validate, store and queue an introduction; returns the confirmation to show."""
    reason = validate_intro(deps, request)
    now = deps.clock()
    people = [request.introducer, request.a, request.b]
    with deps.sessions.begin() as session:
        found = members_repo.members_by_user(session, request.team_id, [request.a, request.b])
        a, b = found.get(request.a), found.get(request.b)
        ground: list[str] = []
        if a is not None and b is not None and joined(a) and joined(b):
            history = _pair_history(session, request.team_id, request.a, request.b)
            ground = ground_texts(a, b, now, history)
        intro = repo.add_introduction(
            session,
            team_id=request.team_id,
            introducer_id=request.introducer,
            a_user_id=request.a,
            b_user_id=request.b,
            reason=reason,
            at=now,
        )
        message = views.intro_message(
            request.introducer,
            request.a,
            request.b,
            reason_mrkdwn=rules.render_reason(reason),
            ground=ground,
            self_intro=request.self_intro,
        )
        enqueue(
            session,
            team_id=request.team_id,
            key=outbox_keys.intro(request.team_id, intro.id),
            kind=OutboxKind.INTRO,
            text=message.text,
            blocks=message.blocks,
            user_ids=list(dict.fromkeys(people)),
            notify_user=request.introducer,
            not_before=now,
        )
    deliver_now(deps)
    if request.self_intro:
        return views.self_intro_queued_reply(request.b)
    return views.intro_queued_reply(request.a, request.b)


def introduce(deps: Deps, team_id: str, introducer: str, a: str, b: str, reason: str) -> Reply:
    """`/mingle intro @a @b why` and the shortcut's modal."""
    return make_intro(deps, IntroRequest(team_id, introducer, a, b, reason))


def introduce_me(deps: Deps, team_id: str, user_id: str, other: str, note: str) -> Reply:
    """The "Introduce me" button's modal: introduce `user_id` to `other`."""
    return make_intro(deps, IntroRequest(team_id, user_id, user_id, other, note, True))


def open_intro_modal(deps: Deps, trigger_id: str) -> None:
    deps.slack.open_modal(trigger_id, views.intro_modal())


def open_self_intro_modal(deps: Deps, team_id: str, user_id: str, other: str, trigger: str) -> None:
    """Open the "Introduce me" modal, unless the person can't be introduced (raises)."""
    if other == user_id:
        raise InvalidInputError("That's you! Pick someone else to be introduced to.")
    check_not_apart(deps, team_id, user_id, other)
    check_person(deps, other)
    deps.slack.open_modal(trigger, views.self_intro_modal(other))


# --- find ---------------------------------------------------------------------------------


def _searchable(person: repo.PersonProfile) -> rules.Searchable:
    return rules.Searchable(
        user_id=person.user_id,
        interests=person.names("interest"),
        can_help=person.names("can_help"),
        bio=person.bio,
        name=person.name,
    )


def find(deps: Deps, team_id: str, user_id: str, words: str) -> Reply:
    """`/mingle find <words>`, or suggestions when `words` is empty."""
    if not rules.parse_query(words):
        return suggest(deps, team_id, user_id)
    now = deps.clock()
    with deps.sessions() as session:
        me = members_repo.get_member(session, team_id, user_id)
        viewer_joined = joined(me)
        mine = repo.profile_of(me) if me is not None and viewer_joined else None
        apart = avoid_repo.apart_from(session, team_id, user_id)
        others = [
            p
            for p in repo.active_profiles(session, team_id)
            if p.user_id != user_id and p.user_id not in apart
        ]
    by_id = {p.user_id: p for p in others}
    hits = rules.search_people(words, [_searchable(p) for p in others], limit=FIND_POOL)
    rows: list[views.PersonRow] = []
    for hit in hits:
        if len(rows) >= views.MAX_RESULTS:
            break
        if not reachable(deps, hit.user_id):
            continue
        ground = ground_texts(mine, by_id[hit.user_id], now) if mine is not None else []
        rows.append(views.PersonRow(hit.user_id, hit.found, tuple(ground)))
    return views.find_results(words, rows, viewer_joined=viewer_joined)


def suggest(deps: Deps, team_id: str, user_id: str) -> Reply:
    """Three active members the asker has never been matched with, highest affinity first."""
    now = deps.clock()
    with deps.sessions() as session:
        me = members_repo.get_member(session, team_id, user_id)
        if me is None or not joined(me):
            return views.join_first_reply()
        mine = repo.profile_of(me)
        met = repo.matched_with(session, team_id, user_id)
        apart = frozenset(avoid_repo.apart_from(session, team_id, user_id))
        others = [
            p
            for p in repo.active_profiles(session, team_id)
            if p.user_id != user_id and p.user_id not in met
        ]
    ranked = rules.rank_suggestions(
        participant_of(mine, apart), [participant_of(p) for p in others], now
    )
    by_id = {p.user_id: p for p in others}
    rows: list[views.PersonRow] = []
    for other in ranked:
        if not reachable(deps, other.id):
            continue
        ground = ground_texts(mine, by_id[other.id], now)
        rows.append(views.PersonRow(other.id, (), tuple(ground)))
        if len(rows) >= SUGGESTIONS:
            break
    return views.suggestions_reply(rows)


# --- keep in touch ------------------------------------------------------------------------


def set_reconnect(
    deps: Deps, team_id: str, user_id: str, enabled: bool, after_days: int | None
) -> Reply:
    """`/mingle reconnect on [days] | off`."""
    with deps.sessions.begin() as session:
        member = members_repo.get_member(session, team_id, user_id)
        if member is None or not joined(member):
            if not enabled:
                return views.reconnect_reply(False, rules.DEFAULT_AFTER_DAYS)
            raise InvalidInputError(
                "Reconnect nudges are about people you met through Mingle: join first with "
                "`/mingle join`."
            )
        member.reconnect_enabled = enabled
        if after_days is not None:
            member.reconnect_after_days = after_days
        days = member.reconnect_after_days
    ProfileService(deps).refresh_home(team_id, user_id)
    return views.reconnect_reply(enabled, days)


def send_due_nudges(deps: Deps) -> int:
    """The periodic job (run it daily): queue a reconnect nudge for every member who has
    nudges on, was not nudged in the last `rules.NUDGE_GAP_DAYS` days and has someone to be
    reminded of. Returns how many nudges were queued; the delivery worker sends them."""
    now = deps.clock()
    due_before = now - dt.timedelta(days=rules.NUDGE_GAP_DAYS)
    with deps.sessions() as session:
        due = repo.reconnect_members(session, due_before)
    sent = 0
    for team_id, user_id in due:
        try:  # each workspace's nudges with its own token (`Deps.for_team`)
            if nudge_member(deps.for_team(team_id), team_id, user_id, now):
                sent += 1
        except Exception:  # one member's problem must not stop the others
            log.exception("reconnect nudge for %s failed", user_id)
    if sent:
        deliver_now(deps)
    return sent


def run_reconnect_nudges(deps: Deps) -> None:
    """`send_due_nudges` as a scheduler job: register it in `bot.scheduler.PERIODIC_JOBS`."""
    sent = send_due_nudges(deps)
    if sent:
        log.info("queued %d reconnect nudges", sent)


def nudge_member(deps: Deps, team_id: str, user_id: str, now: dt.datetime) -> bool:
    """Queue one reconnect nudge for a member if one is due; True when queued."""
    with deps.sessions() as session:
        member = members_repo.get_member(session, team_id, user_id)
        if member is None or member.status != MemberStatus.ACTIVE or not member.reconnect_enabled:
            return False
        if not rules.nudge_due(member.last_nudge_at, now):
            return False
        previous = member.last_nudge_at
        rows = repo.encounters(session, team_id, user_id)
        people = members_repo.members_by_user(session, team_id, {row[0] for row in rows})
        nudges = repo.nudges_for(session, team_id, user_id)
        after_days = member.reconnect_after_days
        apart = avoid_repo.apart_from(session, team_id, user_id)
    found = [
        rules.Encounter(other, at, outcome == MatchOutcome.MET) for other, at, outcome, _ in rows
    ]
    unavailable = {other for other, *_ in rows if not joined(people.get(other))} | apart
    nudged_at: dict[str, dt.datetime] = {}
    for nudge in nudges:
        nudged_at.setdefault(nudge.other_user_id, nudge.sent_at)
    last = nudges[0].other_user_id if nudges else None
    chosen = None
    for _ in range(NUDGE_TRIES):
        candidate = rules.choose_reconnect(
            found,
            now=now,
            after_days=after_days,
            last_nudged=last,
            nudged_at=nudged_at,
            unavailable=unavailable,
        )
        if candidate is None or reachable(deps, candidate):
            chosen = candidate
            break
        unavailable.add(candidate)
    if chosen is None:
        return False
    with_them = [
        (at, outcome, everyone) for other, at, outcome, everyone in rows if other == chosen
    ]
    met_on = max(at for at, _, _ in with_them)
    met = any(outcome == MatchOutcome.MET for _, outcome, _ in with_them)
    history = [PastGroup(everyone, at) for at, _, everyone in with_them]
    with deps.sessions.begin() as session:
        member = members_repo.get_member(session, team_id, user_id)
        other = members_repo.get_member(session, team_id, chosen)
        if member is None or other is None:
            return False
        if not repo.claim_nudge(session, member, previous, now):
            return False  # another scheduler got there first
        nudge = repo.add_nudge(session, team_id, user_id, chosen, now)
        ground = ground_texts(member, other, now, history, NUDGE_REASONS)
        message = views.nudge_message(
            chosen, met_on=met_on.date(), ground=ground, nudge_id=nudge.id, met=met
        )
        enqueue(
            session,
            team_id=team_id,
            key=outbox_keys.nudge(team_id, nudge.id),
            kind=OutboxKind.NUDGE,
            text=message.text,
            blocks=message.blocks,
            user_ids=[user_id],
            not_before=now,
        )
    return True


def say_hi(deps: Deps, team_id: str, user_id: str, nudge_value: str) -> Reply:
    """The nudge's "Say hi" button: a group DM with that person and a friendly starter."""
    nudge_id = button_id(nudge_value)
    with deps.sessions() as session:
        nudge = repo.get_nudge(session, nudge_id)
        if nudge is None or nudge.team_id != team_id or nudge.user_id != user_id:
            raise InvalidInputError(
                "That person isn't on Mingle anymore, or this button isn't yours."
            )
        other = nudge.other_user_id
        other_member = members_repo.get_member(session, team_id, other)
    if not joined(other_member) or not reachable(deps, other):
        raise InvalidInputError("That person isn't on Mingle anymore, so I won't message them.")
    message = views.say_hi_message(user_id, other)
    with deps.sessions.begin() as session:
        enqueue(
            session,
            team_id=team_id,
            key=outbox_keys.say_hi(team_id, nudge_id),
            kind=OutboxKind.SAY_HI,
            text=message.text,
            blocks=message.blocks,
            user_ids=[user_id, other],
            not_before=deps.clock(),
        )
    deliver_now(deps)
    return views.say_hi_reply(other)


# --- welcome ------------------------------------------------------------------------------


def welcome(deps: Deps, team_id: str, channel_id: str, user_id: str, app_id: str = "") -> bool:
    """member_joined_channel: queue an ephemeral welcome to someone who joined a Mingle
    channel, once per person and channel. Bots, Mingle itself and people already taking
    part in Mingle get none. True when a welcome was queued."""
    if not user_id or user_id == deps.bot_user_id:
        return False
    with deps.sessions() as session:
        if not repo.is_mingle_channel(session, team_id, channel_id):
            return False
        if repo.was_welcomed(session, team_id, channel_id, user_id):
            return False
        if joined(members_repo.get_member(session, team_id, user_id)):
            return False
    if not reachable(deps, user_id):
        return False
    message = views.welcome_message(channel_id, team_id=team_id, app_id=app_id)
    now = deps.clock()
    with deps.sessions.begin() as session:
        if not repo.add_welcome(session, team_id, channel_id, user_id, now):
            return False
        enqueue(
            session,
            team_id=team_id,
            key=outbox_keys.welcome(team_id, channel_id, user_id),
            kind=OutboxKind.WELCOME,
            text=message.text,
            blocks=message.blocks,
            channel_id=channel_id,
            ephemeral_user=user_id,
            not_before=now,
        )
    deliver_now(deps)
    return True
