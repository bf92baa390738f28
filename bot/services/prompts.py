"""Answer-sharing prompts: turning them on and off, the channel's own bank, posting a prompt.

`/mingle admin prompts on` stores a `Schedule(kind="prompt")`; the scheduler calls
`post_scheduled_prompt` for each slot (registered in `bot.scheduler.SCHEDULED_KINDS` below).
Posting claims a `Prompt` row unique per (team, channel, slot), so a slot is posted at most
once however many schedulers or retries fire it; picks the next prompt of the bank (the
channel's own prompts, then the built-in ones, no repeats until all were used); builds the
message with the previous prompt's digest; and queues it in the delivery outbox (kind
"prompt", key `prompt:<id>`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.orm import Session

from bot.core import outbox_keys
from bot.core.blocks import Reply
from bot.core.messages import prompts as msg
from bot.core.messages.rounds import when_text
from bot.core.numbers import MAX_ID, read_id
from bot.core.prompts import (
    bank_for,
    next_prompt,
    parse_prompt_schedule,
    validate_prompt_text,
)
from bot.core.schedule import fortnight_anchor, next_run
from bot.core.status import OutboxKind
from bot.errors import InvalidInputError, NotFoundError
from bot.services import channels
from bot.services.channels import cadence_of
from bot.services.delivery import deliver_now
from bot.services.deps import Deps
from storage.models import Answer, Prompt, Schedule
from storage.repositories import answers as answers_repo
from storage.repositories import channels as channels_repo
from storage.repositories import members as members_repo
from storage.repositories import outbox
from storage.repositories import prompts as repo

log = logging.getLogger(__name__)

PROMPT = "prompt"
DIGEST_TOP = 3


def post_scheduled_prompt(deps: Deps, schedule: Schedule, slot: dt.datetime) -> None:
    """The scheduler's job for a prompt schedule's slot. Mingle must still be in the channel
    (checked first, so the admin hears why at once); a Slack error propagates, for the
    scheduler to try again or tell the admin (`bot.scheduler.run_slot`)."""
    check_bot_in_channel(deps, schedule.channel_id)
    PromptService(deps).post(schedule.team_id, schedule.channel_id, slot)


def post_prompt_now(deps: Deps, team_id: str, channel_id: str) -> int | None:
    """Post the channel's next prompt now (the demo, and admins testing); the prompt's id."""
    return PromptService(deps).post(team_id, channel_id, deps.clock().replace(microsecond=0))


class PromptService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    # admin ---------------------------------------------------------------------------------

    def admin(
        self, team_id: str, user_id: str, channel_id: str, args: Sequence[str], raw: str
    ) -> Reply:
        """`/mingle admin prompts on|off|add|list|remove …` (the caller is an admin)."""
        if not args:
            raise InvalidInputError(msg.ADMIN_USAGE)
        verb, rest = args[0].lower(), list(args[1:])
        if verb == "on":
            return self.turn_on(team_id, channel_id, user_id, rest)
        if verb == "off":
            return self.turn_off(team_id, channel_id)
        if verb == "add":
            return self.add(team_id, channel_id, user_id, raw.strip()[len(args[0]) :])
        if verb in ("list", "ls"):
            return self.list(team_id, channel_id)
        if verb in ("remove", "rm", "delete"):
            return self.remove(team_id, channel_id, rest)
        raise InvalidInputError(f"I don't know `prompts {args[0][:40]}`. {msg.ADMIN_USAGE}")

    def turn_on(self, team_id: str, channel_id: str, user_id: str, args: Sequence[str]) -> Reply:
        setting = parse_prompt_schedule(args, channels.admin_timezone(self.deps, user_id))
        check_bot_in_channel(self.deps, channel_id)
        now = self.deps.clock()
        cadence = setting.as_cadence(fortnight_anchor(setting.as_cadence(), now))
        with self.deps.sessions.begin() as session:
            existing = channels_repo.get_schedule(session, team_id, channel_id, PROMPT)
            already = existing is not None and existing.enabled
            channels_repo.save_schedule(
                session, team_id, channel_id, PROMPT, cadence, now=now, created_by=user_id
            )
        log.info("prompts on in %s/%s: %s", team_id, channel_id, cadence.describe())
        upcoming = when_text(next_run(cadence, now), setting.tz)
        return msg.prompts_on_reply(channel_id, cadence.describe(), "on " + upcoming, already)

    def turn_off(self, team_id: str, channel_id: str) -> Reply:
        with self.deps.sessions.begin() as session:
            schedule = channels_repo.get_schedule(session, team_id, channel_id, PROMPT)
            was_on = schedule is not None and schedule.enabled
            if schedule is not None and was_on:
                schedule.enabled = False
                schedule.updated_at = self.deps.clock()
        return msg.prompts_off_reply(channel_id, was_on)

    def add(self, team_id: str, channel_id: str, user_id: str, text: str) -> Reply:
        cleaned = validate_prompt_text(text)
        with self.deps.sessions.begin() as session:
            template = repo.add_template(
                session, team_id, channel_id, cleaned, user_id, self.deps.clock()
            )
            view = msg.TemplateView(template.id, template.text)
            total = len(repo.templates(session, team_id, channel_id))
        return msg.template_added_reply(view, total)

    def remove(self, team_id: str, channel_id: str, args: Sequence[str]) -> Reply:
        usage = "Say which one: `/mingle admin prompts remove 12` (ids are in `prompts list`)."
        if len(args) != 1:
            raise InvalidInputError(usage)
        template_id = read_id(args[0])
        if template_id is None:
            raise InvalidInputError(
                f"`{args[0][:20]}` is not a prompt id (ids go from 1 to {MAX_ID}). {usage}"
            )
        with self.deps.sessions.begin() as session:
            template = repo.remove_template(
                session, team_id, channel_id, template_id, self.deps.clock()
            )
            if template is None:
                raise NotFoundError(
                    f"This channel has no prompt #{template_id} of its own. "
                    "See them with `/mingle admin prompts list`."
                )
            view = msg.TemplateView(template.id, template.text)
        return msg.template_removed_reply(view)

    def list(self, team_id: str, channel_id: str) -> Reply:
        with self.deps.sessions() as session:
            schedule = channels_repo.get_schedule(session, team_id, channel_id, PROMPT)
            own = repo.templates(session, team_id, channel_id)
            bank = bank_for([(t.id, t.text) for t in own])
            upcoming = next_prompt(
                bank, repo.used_keys(session, team_id, channel_id), seed=channel_id
            )
        if schedule is not None and schedule.enabled:
            cadence = cadence_of(schedule)
            when = when_text(next_run(cadence, self.deps.clock()), cadence.tz)
            status = f"on, {cadence.describe()}; next on {when}"
        else:
            status = "off (turn them on with `/mingle admin prompts on`)"
        views = [msg.TemplateView(t.id, t.text) for t in own]
        return msg.templates_reply(channel_id, views, status, upcoming.text)

    # posting -------------------------------------------------------------------------------

    def post(self, team_id: str, channel_id: str, slot: dt.datetime) -> int | None:
        """Claim the slot, pick the next prompt and queue it; None if the slot was taken.

        The names the digest shows are looked up in Slack first: no Slack call is made while
        the transaction is open.
        """
        now = self.deps.clock()
        with self.deps.sessions() as session:
            before = repo.prompt_before(session, team_id, channel_id, slot)
            before_id = before.id if before is not None else None
        names = self.digest_names(team_id, before_id) if before_id is not None else {}
        with self.deps.sessions.begin() as session:
            own = repo.templates(session, team_id, channel_id)
            bank = bank_for([(t.id, t.text) for t in own])
            used = repo.used_keys(session, team_id, channel_id)
            entry = next_prompt(bank, used, seed=channel_id)
            prompt = repo.claim_prompt(
                session,
                team_id=team_id,
                channel_id=channel_id,
                scheduled_for=slot,
                bank_key=entry.key,
                text=entry.text,
                now=now,
            )
            if prompt is None:
                log.info("prompt slot %s in %s was already claimed", slot, channel_id)
                return None
            previous = repo.previous_prompt(session, team_id, channel_id, prompt)
            digest = self.digest(session, previous, names) if previous is not None else None
            reply = msg.prompt_message(prompt.id, prompt.text, digest)
            schedule = channels_repo.get_schedule(session, team_id, channel_id, PROMPT)
            outbox.enqueue(
                session,
                team_id=team_id,
                key=outbox_keys.prompt(prompt.id),
                kind=OutboxKind.PROMPT,
                text=reply.text,
                blocks=reply.blocks,
                channel_id=channel_id,
                notify_user=(schedule.created_by or None) if schedule else None,
            )
            prompt_id = prompt.id
        log.info("prompt %s queued for %s (%s)", prompt_id, channel_id, entry.key)
        deliver_now(self.deps)
        return prompt_id

    def digest(
        self, session: Session, prompt: Prompt, names: Mapping[str, str] | None = None
    ) -> msg.Digest:
        """How the prompt went: who answered, and the answers with the most reactions.

        `names` are the authors' names looked up beforehand (`digest_names`); Slack is not
        called here. Anyone without a name in Mingle or in `names` is "someone".
        """
        people, count, best = answers_repo.prompt_answers(session, prompt.id, DIGEST_TOP)
        stored = stored_names(session, prompt.team_id, (a.user_id for a in best))
        shown = {**(names or {}), **stored}
        top = tuple(answer_view(a, shown) for a in best)
        return msg.Digest(prompt.text, people, count, top)

    def digest_names(self, team_id: str, prompt_id: int) -> dict[str, str]:
        """The names the digest of prompt `prompt_id` shows (see `author_names`)."""
        with self.deps.sessions() as session:
            _, _, best = answers_repo.prompt_answers(session, prompt_id, DIGEST_TOP)
            authors = [a.user_id for a in best]
        return author_names(self.deps, team_id, authors)


def stored_names(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, str]:
    """Display names from Mingle's profiles (people without one are left out)."""
    names: dict[str, str] = {}
    for user_id, member in members_repo.members_by_user(session, team_id, set(user_ids)).items():
        if member.display_name or member.real_name:
            names[user_id] = member.display_name or member.real_name
    return names


def author_names(deps: Deps, team_id: str, user_ids: Iterable[str]) -> dict[str, str]:
    """Display names to show (never mentions) for people, from Mingle's profiles or Slack;
    "someone" for a person Slack doesn't know. Opens its own session and closes it before
    calling Slack."""
    wanted = set(user_ids)
    with deps.sessions() as session:
        names = stored_names(session, team_id, wanted)
    for user_id in wanted - set(names):
        names[user_id] = deps.slack.user_label(user_id, "someone")
    return names


def answer_view(answer: Answer, names: dict[str, str]) -> msg.AnswerView:
    return msg.AnswerView(
        answer_id=answer.id,
        user_id=answer.user_id,
        author=names.get(answer.user_id, "someone"),
        text=answer.search_text or answer.text,
        permalink=answer.permalink,
        reactions=answer.reaction_count,
        topic=answer.topic,
        created=answer.created_at,
        source=answer.source,
    )


def check_bot_in_channel(deps: Deps, channel_id: str) -> None:
    """Raise a friendly error unless Mingle can post prompts in `channel_id`."""
    channels.check_bot_in_channel(deps, channel_id, purpose="prompts", invite=msg.INVITE_ME)
