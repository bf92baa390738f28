"""Answers and their search index (`answer_term`), on SQLite and PostgreSQL alike.

Every write of an answer's text rewrites its rows in `answer_term` (term, weight), so search
never scans the answers themselves: it reads the postings of the query's terms through the
(team_id, term) index, twice. Capture is idempotent on (team, channel, message_ts): saving
the same message again returns the answer already there. Repositories flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, case, delete, func, literal, select, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Session

from bot.core import search as core
from bot.core.text import normalize_interest
from storage.models import Answer, AnswerTerm, Interest
from storage.repositories.inserts import insert_if_new

#: Candidates read by words before the reaction bonus re-ranks them.
CANDIDATES = 100
CHUNK = 500


@dataclass(frozen=True)
class Hit:
    """A search result: the answer and its final score."""

    answer: Answer
    score: float


# --- capture -------------------------------------------------------------------------------


def get_answer(session: Session, team_id: str, channel_id: str, message_ts: str) -> Answer | None:
    return session.scalar(
        select(Answer).where(
            Answer.team_id == team_id,
            Answer.channel_id == channel_id,
            Answer.message_ts == message_ts,
        )
    )


def get_by_id(session: Session, team_id: str, answer_id: int) -> Answer | None:
    answer = session.get(Answer, answer_id)
    return answer if answer is not None and answer.team_id == team_id else None


def save_answer(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    message_ts: str,
    user_id: str,
    text: str,
    search_text: str,
    now: dt.datetime,
    source: str = "thread",
    permalink: str = "",
    prompt_id: int | None = None,
    topic: str = "",
    saved_by: str | None = None,
    created_at: dt.datetime | None = None,
) -> tuple[Answer, bool]:
    """Keep an answer and index it; `(answer, True)` when new, the existing one otherwise.

    `search_text` is the plain text that is indexed and excerpted (Slack markup resolved).
    """
    values: dict[str, Any] = {
        "team_id": team_id,
        "channel_id": channel_id,
        "message_ts": message_ts,
        "user_id": user_id,
        "text": text,
        "search_text": search_text,
        "source": source,
        "permalink": permalink,
        "prompt_id": prompt_id,
        "topic": topic,
        "saved_by": saved_by,
        "reaction_count": 0,
        "created_at": created_at or now,
        "updated_at": now,
    }
    row_id = insert_if_new(session, Answer, values, Answer.id)
    if row_id is None:
        existing = get_answer(session, team_id, channel_id, message_ts)
        assert existing is not None
        return existing, False
    answer = session.get(Answer, row_id)
    assert answer is not None
    index_answer(session, answer)
    return answer, True


def update_answer(
    session: Session,
    answer: Answer,
    *,
    now: dt.datetime,
    text: str | None = None,
    search_text: str | None = None,
    topic: str | None = None,
    message_ts: str | None = None,
    permalink: str | None = None,
) -> Answer:
    """Change an answer; its index is rebuilt when its words or topic change."""
    reindex = False
    if text is not None and search_text is not None:
        reindex = reindex or search_text != answer.search_text
        answer.text = text
        answer.search_text = search_text
    if topic is not None and topic != answer.topic:
        answer.topic = topic
        reindex = True
    if message_ts is not None:
        answer.message_ts = message_ts
    if permalink is not None:
        answer.permalink = permalink
    answer.updated_at = now
    session.flush()
    if reindex:
        index_answer(session, answer)
    return answer


def delete_answer(session: Session, team_id: str, channel_id: str, message_ts: str) -> bool:
    answer = get_answer(session, team_id, channel_id, message_ts)
    if answer is None:
        return False
    session.execute(delete(AnswerTerm).where(AnswerTerm.answer_id == answer.id))
    session.delete(answer)
    session.flush()
    return True


def index_answer(session: Session, answer: Answer) -> int:
    """Rewrite the answer's postings in `answer_term`; returns how many terms it has."""
    session.execute(delete(AnswerTerm).where(AnswerTerm.answer_id == answer.id))
    weights = core.term_weights(answer.search_text or answer.text, answer.topic)
    if weights:
        session.execute(
            sa_insert(AnswerTerm),
            [
                {"answer_id": answer.id, "term": term, "team_id": answer.team_id, "weight": w}
                for term, w in weights.items()
            ],
        )
    session.flush()
    return len(weights)


def adjust_reactions(
    session: Session, team_id: str, channel_id: str, message_ts: str, delta: int
) -> bool:
    """Add `delta` to an answer's reaction count (never below zero); False if no such answer."""
    new_count = Answer.reaction_count + delta
    result = session.execute(
        update(Answer)
        .where(
            Answer.team_id == team_id,
            Answer.channel_id == channel_id,
            Answer.message_ts == message_ts,
        )
        .values(reaction_count=case((new_count < 0, 0), else_=new_count))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))


# --- reading -------------------------------------------------------------------------------


def search(session: Session, team_id: str, terms: Sequence[str], limit: int = 5) -> list[Hit]:
    """The best answers for `terms` (from `bot.core.search.query_terms`), best first.

    One query counts each term's answers (and all answers, for idf). Then each pass of
    `bot.core.search.search_passes` reads, through the (team_id, term) index, the answers
    holding one of the pass's (rarest) terms, scores them on every term through the primary
    key, and keeps the best `CANDIDATES` by words; the reaction bonus and the recency
    tie-break re-rank those. A pass stops the search when `certified` (no answer it skipped
    can reach the top), so a rare word spares reading the postings of a common one.
    """
    if not terms or limit < 1:
        return []
    answers, frequencies = _frequencies(session, team_id, terms)
    if not frequencies:
        return []
    idfs = {term: core.idf(max(answers, df), df) for term, df in frequencies.items()}
    passes = core.search_passes(frequencies)
    for number, essential in enumerate(passes):
        last = number == len(passes) - 1
        found = _score(session, team_id, idfs, None if last else essential, limit)
        ranked = core.rank(
            (
                core.Candidate(a.id, s, a.reaction_count, a.created_at.timestamp())
                for a, s in found.values()
            ),
            limit,
        )
        skipped = [idfs[term] for term in idfs if term not in essential]
        if last or core.certified(ranked, limit, skipped):
            return [Hit(found[c.answer_id][0], c.score) for c in ranked]
    return []  # pragma: no cover - the last pass always returns


def _frequencies(
    session: Session, team_id: str, terms: Sequence[str]
) -> tuple[int, dict[str, int]]:
    """(answers in the workspace, {term: answers containing it}) for the terms that occur."""
    total = select(func.count()).select_from(Answer).where(Answer.team_id == team_id)
    rows = session.execute(
        select(AnswerTerm.term, func.count(), total.scalar_subquery())
        .where(AnswerTerm.team_id == team_id, AnswerTerm.term.in_(list(terms)))
        .group_by(AnswerTerm.term)
    )
    answers = 0
    frequencies: dict[str, int] = {}
    for term, count, all_answers in rows:
        frequencies[str(term)] = int(count)
        answers = int(all_answers)
    return answers, frequencies


def _score(
    session: Session,
    team_id: str,
    idfs: dict[str, float],
    essential: list[str] | None,
    limit: int,
) -> dict[int, tuple[Answer, float]]:
    """The best answers by words ({id: (answer, score)}), read from `essential`'s postings
    (scored on every term through the primary key), or from every term's when None."""
    weight = case(
        *((AnswerTerm.term == term, literal(value, Float)) for term, value in idfs.items()),
        else_=literal(0.0, Float),
    )
    score = func.sum(AnswerTerm.weight * weight).label("score")
    stmt = select(AnswerTerm.answer_id.label("answer_id"), score).where(
        AnswerTerm.term.in_(list(idfs))
    )
    if essential is None:
        stmt = stmt.where(AnswerTerm.team_id == team_id)
    else:
        holders = (
            select(AnswerTerm.answer_id)
            .where(AnswerTerm.team_id == team_id, AnswerTerm.term.in_(essential))
            .distinct()
            .subquery()
        )
        stmt = stmt.join(holders, holders.c.answer_id == AnswerTerm.answer_id)
    top = (
        stmt.group_by(AnswerTerm.answer_id)
        .order_by(score.desc(), AnswerTerm.answer_id.desc())
        .limit(max(CANDIDATES, limit * 10))
        .subquery()
    )
    rows = session.execute(select(Answer, top.c.score).join(top, Answer.id == top.c.answer_id))
    return {answer.id: (answer, float(text_score)) for answer, text_score in rows}


def answers_by_user(
    session: Session, team_id: str, user_id: str, limit: int = 10
) -> tuple[list[Answer], int]:
    """A person's answers, newest first, and how many they have in all."""
    where = (Answer.team_id == team_id, Answer.user_id == user_id)
    count = session.scalar(select(func.count()).select_from(Answer).where(*where)) or 0
    answers = list(
        session.scalars(
            select(Answer).where(*where).order_by(Answer.created_at.desc(), Answer.id.desc())
        ).fetchmany(limit)
    )
    return answers, int(count)


def prompt_answers(session: Session, prompt_id: int, top: int = 3) -> tuple[int, int, list[Answer]]:
    """For a prompt's digest: (people who answered, answers, the most reacted-to answers)."""
    people, count = session.execute(
        select(func.count(func.distinct(Answer.user_id)), func.count()).where(
            Answer.prompt_id == prompt_id
        )
    ).one()
    best = list(
        session.scalars(
            select(Answer)
            .where(Answer.prompt_id == prompt_id)
            .order_by(Answer.reaction_count.desc(), Answer.created_at, Answer.id)
            .limit(top)
        )
    )
    return int(people or 0), int(count or 0), best


# --- feeding matching ---------------------------------------------------------------------


def answered_topics(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, set[str]]:
    """What each person answered about: their answers' topics, and known topic names
    (the workspace's `Interest` names) that their answers' indexed terms contain.

    The rounds planner merges this into `Participant.can_help`, so people who asked about
    something and people who answered about it can meet. People without answers are absent.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    names = list(session.scalars(select(Interest.name).where(Interest.team_id == team_id)))
    finder = core.TopicFinder(names)
    found: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        terms: dict[int, set[str]] = defaultdict(set)
        owners: dict[int, str] = {}
        rows = session.execute(
            select(Answer.id, Answer.user_id, Answer.topic, AnswerTerm.term)
            .outerjoin(AnswerTerm, AnswerTerm.answer_id == Answer.id)
            .where(Answer.team_id == team_id, Answer.user_id.in_(chunk))
        )
        for answer_id, user_id, topic, term in rows:
            owners[answer_id] = user_id
            if term is not None:
                terms[answer_id].add(term)
            if topic:
                normalized = normalize_interest(topic)
                if normalized:
                    found[user_id].add(normalized)
        for answer_id, user_id in owners.items():
            found[user_id].update(finder.topics_in(terms[answer_id]))
    return {user: topics for user, topics in found.items() if topics}
