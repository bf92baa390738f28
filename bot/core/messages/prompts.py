"""Messages and modals for answer-sharing prompts: the prompt with its digest, the two
answer modals, search results, and the admin replies.

Every piece of user text (prompts, answers, topics, names) is escaped here, in the blocks
and in the fallback text (Slack formats both, so an unescaped `<!channel>` in either would
ping); excerpts come from `bot.core.search`, which escapes them too. Authors are named, not
mentioned, in messages posted in a channel, so a digest never pings anyone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import ids
from bot.core.blocks import (
    MAX_MESSAGE_BLOCKS,
    Block,
    Reply,
    actions,
    button,
    channel_link,
    context,
    divider,
    escape,
    mention,
    plain,
    section,
    text_input,
    truncate,
)
from bot.core.numbers import MAX_ID
from bot.core.prompts import BUILTIN_PROMPTS, MAX_ANSWER_CHARS, MAX_TOPIC_CHARS
from bot.core.search import excerpt, plain_excerpt

MODAL_INPUT_LIMIT = 3000  # Block Kit's plain_text_input max_length
RESULTS_SHOWN = 5
USER_ANSWERS_SHOWN = 10
INVITE_ME = (
    "I'm not in this channel yet, so I can't post prompts here: invite me with "
    "`/invite @Mingle`, then try again."
)
ADMIN_USAGE = (
    "Use `/mingle admin prompts on [weekly|biweekly|monthly] [wednesday] [10:00] [timezone]`, "
    "`prompts off`, `prompts add <text>`, `prompts list` or `prompts remove <id>`."
)


@dataclass(frozen=True)
class AnswerView:
    """An answer as messages show it. `text` is plain text (Slack markup resolved)."""

    answer_id: int
    user_id: str
    author: str
    text: str
    permalink: str
    reactions: int
    topic: str
    created: dt.datetime
    source: str = "thread"


@dataclass(frozen=True)
class Digest:
    """The previous prompt in a channel and how it went."""

    prompt_text: str
    people: int
    answers: int
    top: tuple[AnswerView, ...]


@dataclass(frozen=True)
class TemplateView:
    template_id: int
    text: str


def _link(url: str, label: str) -> str:
    if not url or any(ch in url for ch in "<>| "):
        return ""
    return f"<{url}|{label}>"


def _reactions(count: int) -> str:
    if count <= 0:
        return ""
    return f":sparkles: {count} reaction" + ("" if count == 1 else "s")


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


# --- the prompt -------------------------------------------------------------------------------


def digest_blocks(digest: Digest) -> tuple[list[Block], str]:
    """The digest of the previous prompt: blocks, and a line for the fallback text."""
    asked = escape(truncate(" ".join(digest.prompt_text.split()), 200))
    if digest.answers == 0:
        line = "Nobody answered last time's prompt yet. You could be the first this time!"
        return [section(f":bar_chart: *Last time* we asked: _{asked}_\n{escape(line)}")], line
    summary = (
        f"{_people(digest.people)} shared {digest.answers} "
        f"answer{'' if digest.answers == 1 else 's'}"
    )
    lines = [f":bar_chart: *Last time* we asked: _{asked}_\n{summary}. Thank you!"]
    if digest.top:
        lines.append("*Most appreciated:*" if any(a.reactions for a in digest.top) else "*A few:*")
        for answer in digest.top:
            bits = [f"*{escape(answer.author)}*: “{plain_excerpt(answer.text, 140)}”"]
            extra = " · ".join(
                b for b in (_reactions(answer.reactions), _link(answer.permalink, "open")) if b
            )
            lines.append("• " + " ".join(bits) + (f" ({extra})" if extra else ""))
    return [section("\n".join(lines))], f"Last time: {summary}."


def prompt_message(prompt_id: int, text: str, digest: Digest | None) -> Reply:
    """The prompt as posted in the channel, led by the previous prompt's digest."""
    blocks: list[Block] = []
    fallback = []
    if digest is not None:
        digest_part, digest_line = digest_blocks(digest)
        blocks.extend(digest_part)
        blocks.append(divider())
        fallback.append(digest_line)
    blocks.append(section(f":speech_balloon: *Prompt*\n>{escape(text)}"))
    blocks.append(
        context(
            ":thread: Reply in the thread: Mingle keeps the replies so anyone can find them "
            "later with `/mingle answers <words>`. Prefer a form? Use the button."
        )
    )
    blocks.append(
        actions(
            button("Share an answer", ids.ACTION_SHARE_ANSWER, str(prompt_id), style="primary"),
            block_id="prompt_actions",
        )
    )
    fallback.insert(0, f"Prompt: {escape(text)}")
    fallback.append("Reply in the thread to share your answer.")
    return Reply(" ".join(fallback), blocks)


def modal_answer_post(author: str, text: str, topic: str) -> Reply:
    """What Mingle posts in the prompt's thread for an answer shared through the modal."""
    about = f" (about _{escape(topic)}_)" if topic else ""
    head = f":speech_balloon: *{escape(author)}* shared an answer{about}:"
    body = escape(truncate(text, 2900))
    return Reply(
        f"{escape(author)} shared an answer: {escape(truncate(text, 2000))}",
        [section(head), section(body)],
    )


# --- modals -----------------------------------------------------------------------------------


def topic_input(initial: str = "") -> Block:
    """The optional topic an answer is filed under, in the share and save-as-answer modals."""
    return text_input(
        "topic",
        "Topic (optional)",
        multiline=False,
        max_length=MAX_TOPIC_CHARS,
        optional=True,
        placeholder="e.g. kubernetes, hiring, expenses",
        initial=initial,
    )


def share_answer_modal(prompt_id: int, prompt_text: str) -> dict[str, Any]:
    """The "Share an answer" modal for a prompt; `private_metadata` is the prompt id."""
    return {
        "type": "modal",
        "callback_id": ids.VIEW_SHARE_ANSWER,
        "title": plain("Share an answer", 24),
        "submit": plain("Share", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"prompt": prompt_id}),
        "blocks": [
            section(f"*Prompt*\n>{escape(truncate(prompt_text, 2800))}"),
            text_input(
                "answer",
                "Your answer",
                multiline=True,
                max_length=min(MAX_ANSWER_CHARS, MODAL_INPUT_LIMIT),
                placeholder="What would you tell a teammate?",
            ),
            topic_input(),
            context(
                "Mingle posts your answer in the prompt's thread, and anyone in the workspace "
                "can find it with `/mingle answers`."
            ),
        ],
    }


def saved_answer_modal(
    answer_id: int, author_id: str, text: str, topic: str, new: bool
) -> dict[str, Any]:
    """After "Save as answer": what was kept, and an optional topic to add."""
    state = "Saved as an answer." if new else "This message was already saved as an answer."
    return {
        "type": "modal",
        "callback_id": ids.VIEW_SAVE_ANSWER,
        "title": plain("Save as answer", 24),
        "submit": plain("Save topic", 24),
        "close": plain("Done", 24),
        "private_metadata": json.dumps({"answer": answer_id}),
        "blocks": [
            section(
                f":bookmark: {state} Anyone in the workspace can find it with `/mingle answers`."
            ),
            section(f"{mention(author_id)} wrote:\n>{plain_excerpt(text, 600)}"),
            topic_input(topic),
        ],
    }


def metadata_id(private_metadata: str, key: str) -> int | None:
    """The id stored under `key` in a modal's `private_metadata`, if well formed."""
    try:
        value = json.loads(private_metadata or "{}").get(key)
    except (ValueError, AttributeError):
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if 1 <= value <= MAX_ID else None


# --- search ---------------------------------------------------------------------------------


def _answer_line(answer: AnswerView, body: str) -> Block:
    meta = [mention(answer.user_id), f"{answer.created.day} {answer.created:%b %Y}"]
    if answer.topic:
        meta.append(f"_{escape(answer.topic)}_")
    if answer.reactions:
        meta.append(_reactions(answer.reactions))
    link = _link(answer.permalink, "Open in Slack")
    if link:
        meta.append(link)
    return section(" · ".join(meta) + "\n" + body)


def search_reply(query: str, results: Sequence[AnswerView], terms: Sequence[str]) -> Reply:
    shown = escape(truncate(" ".join(query.split()), 100))
    if not results:
        text = (
            f"No answers match “{shown}” yet. Try other or fewer words, or ask in a prompt "
            "thread: someone may know."
        )
        return Reply(f"No answers match “{shown}” yet.", [section(f":mag: {text}")])
    count = len(results)
    blocks = [
        section(f":mag: *Best {'answer' if count == 1 else f'{count} answers'} for “{shown}”*")
    ]
    for answer in results[:RESULTS_SHOWN]:
        blocks.append(_answer_line(answer, excerpt(answer.text, terms, 280)))
    blocks.append(
        context("Share yours in a prompt thread, or keep any message with *Save as answer*.")
    )
    fallback = f"{count} answer{'s' if count != 1 else ''} for “{shown}”"
    return Reply(fallback, blocks[:MAX_MESSAGE_BLOCKS])


def user_answers_reply(user_id: str, answers: Sequence[AnswerView], total: int) -> Reply:
    if not answers:
        return Reply(
            "No answers yet.",
            [section(f":mag: {mention(user_id)} hasn't shared any answers yet.")],
        )
    blocks = [section(f":bookmark: *Answers by {mention(user_id)}* ({total})")]
    for answer in answers[:USER_ANSWERS_SHOWN]:
        blocks.append(_answer_line(answer, plain_excerpt(answer.text, 240)))
    if total > len(answers):
        blocks.append(
            context(
                f"Showing the {len(answers)} newest. Search their words with `/mingle answers`."
            )
        )
    return Reply(f"{total} answers by this person.", blocks)


# --- admin ----------------------------------------------------------------------------------


def prompts_on_reply(channel_id: str, describe: str, first: str, already: bool) -> Reply:
    verb = "are now" if not already else "are still"
    text = (
        f":speech_balloon: Answer-sharing prompts {verb} on in {channel_link(channel_id)}: "
        f"{escape(describe)}. The first prompt comes {escape(first)}.\n"
        "Add your own with `/mingle admin prompts add <text>`; see the bank with "
        "`/mingle admin prompts list`."
    )
    return Reply(f"Prompts are on: {describe}. First prompt {first}.", [section(text)])


def prompts_off_reply(channel_id: str, was_on: bool) -> Reply:
    if not was_on:
        text = f"Prompts weren't on in {channel_link(channel_id)}, so nothing changed."
        return Reply("Prompts weren't on here.", [section(text)])
    text = (
        f":no_bell: Prompts are off in {channel_link(channel_id)}. Answers already shared stay "
        "searchable; `/mingle admin prompts on` starts them again."
    )
    return Reply("Prompts are off.", [section(text)])


def template_added_reply(template: TemplateView, total: int) -> Reply:
    text = (
        f":heavy_plus_sign: Added prompt `#{template.template_id}`:\n>{escape(template.text)}\n"
        f"This channel has {total} prompt{'s' if total != 1 else ''} of its own. A channel's "
        "own prompts are posted before the built-in ones, and nothing repeats until every "
        "prompt has been used."
    )
    return Reply(f"Added prompt #{template.template_id}: {escape(template.text)}", [section(text)])


def template_removed_reply(template: TemplateView) -> Reply:
    text = f":wastebasket: Removed prompt `#{template.template_id}`: _{escape(template.text)}_"
    return Reply(f"Removed prompt #{template.template_id}.", [section(text)])


def templates_reply(
    channel_id: str, templates: Sequence[TemplateView], status: str, next_text: str | None
) -> Reply:
    head = f"*Prompts in {channel_link(channel_id)}:* {escape(status)}"
    if next_text:
        head += f"\n*Next prompt:* _{escape(next_text)}_"
    blocks: list[Block] = [section(head)]
    if templates:
        lines = [f"`#{t.template_id}` {escape(t.text)}" for t in templates]
        body = "*This channel's own prompts* (remove one with `/mingle admin prompts remove <id>`):"
        chunk: list[str] = [body]
        for line in lines:
            if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
                blocks.append(section("\n".join(chunk)))
                chunk = []
            chunk.append("• " + line)
        blocks.append(section("\n".join(chunk)))
    else:
        blocks.append(
            section(
                "This channel has no prompts of its own yet: add one with "
                "`/mingle admin prompts add <text>`."
            )
        )
    blocks.append(
        context(f"Plus {len(BUILTIN_PROMPTS)} built-in prompts about sharing what you know.")
    )
    return Reply(
        f"Prompts here: {status}. {len(templates)} of the channel's own.",
        blocks[: MAX_MESSAGE_BLOCKS - 1] + blocks[-1:],
    )
