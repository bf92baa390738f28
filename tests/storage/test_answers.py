"""Answers, their search index and prompts in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core import search as core
from storage.models import Answer, AnswerTerm, Interest, Prompt
from storage.repositories import answers as repo
from storage.repositories import prompts as prompts_repo

TEAM = "T1"
NOW = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)


def save(session: Session, ts: str, text: str, **extra: Any) -> Answer:
    values: dict[str, Any] = {
        "team_id": TEAM,
        "channel_id": "C1",
        "message_ts": ts,
        "user_id": "U1",
        "text": text,
        "search_text": text,
        "now": NOW,
    }
    values.update(extra)
    answer, _ = repo.save_answer(session, **values)
    return answer


def postings(session: Session, answer_id: int) -> dict[str, float]:
    rows = session.execute(
        select(AnswerTerm.term, AnswerTerm.weight).where(AnswerTerm.answer_id == answer_id)
    )
    return {term: weight for term, weight in rows}


# --- capture and the index ------------------------------------------------------------------


def test_saving_indexes_and_is_idempotent(session: Session) -> None:
    answer = save(session, "1.1", "Kubernetes upgrades: drain nodes first", topic="ops")
    assert postings(session, answer.id) == pytest.approx(
        core.term_weights("Kubernetes upgrades: drain nodes first", "ops")
    )
    again, created = repo.save_answer(
        session,
        team_id=TEAM,
        channel_id="C1",
        message_ts="1.1",
        user_id="U2",
        text="something else",
        search_text="something else",
        now=NOW,
    )
    assert not created and again.id == answer.id and again.text.startswith("Kubernetes")
    assert session.scalar(select(func.count()).select_from(Answer)) == 1
    # The same ts in another channel or team is another answer.
    save(session, "1.1", "other channel", channel_id="C2")
    save(session, "1.1", "other team", team_id="T2")
    assert session.scalar(select(func.count()).select_from(Answer)) == 3


def test_updates_reindex_and_deletes_remove_postings(session: Session) -> None:
    answer = save(session, "1.1", "Terraform plan first")
    repo.update_answer(
        session, answer, now=NOW, text="Grafana dashboards", search_text="Grafana dashboards"
    )
    assert set(postings(session, answer.id)) == {"grafana", "dashboard"}
    repo.update_answer(session, answer, now=NOW, topic="Monitoring")
    assert postings(session, answer.id)["monitor"] == pytest.approx(core.TOPIC_BOOST)
    repo.update_answer(session, answer, now=NOW, message_ts="9.9", permalink="https://x")
    assert repo.get_answer(session, TEAM, "C1", "9.9") is not None
    assert repo.delete_answer(session, TEAM, "C1", "9.9")
    assert not repo.delete_answer(session, TEAM, "C1", "9.9")
    assert session.scalar(select(func.count()).select_from(AnswerTerm)) == 0


def test_reaction_counts_never_go_below_zero(session: Session) -> None:
    save(session, "1.1", "an answer")
    assert repo.adjust_reactions(session, TEAM, "C1", "1.1", +1)
    assert repo.adjust_reactions(session, TEAM, "C1", "1.1", -1)
    assert repo.adjust_reactions(session, TEAM, "C1", "1.1", -1)
    assert not repo.adjust_reactions(session, TEAM, "C1", "404.1", +1)
    answer = repo.get_answer(session, TEAM, "C1", "1.1")
    assert answer is not None
    session.refresh(answer)
    assert answer.reaction_count == 0


def test_answers_by_user_newest_first(session: Session) -> None:
    for i in range(4):
        save(session, f"1.{i}", f"tip {i}", user_id="UA", created_at=NOW + dt.timedelta(hours=i))
    save(session, "2.0", "not theirs", user_id="UB")
    found, total = repo.answers_by_user(session, TEAM, "UA", limit=3)
    assert total == 4 and [a.text for a in found] == ["tip 3", "tip 2", "tip 1"]
    assert repo.answers_by_user(session, TEAM, "UZ") == ([], 0)


# --- search -------------------------------------------------------------------------------------


def test_search_finds_ranks_and_stays_within_the_team(session: Session) -> None:
    save(session, "1.1", "Kubernetes upgrade: drain nodes one at a time")
    save(session, "1.2", "Kubernetes has a nice CLI")
    save(session, "1.3", "Sourdough needs feeding")
    save(session, "1.4", "Kubernetes upgrade secrets", team_id="T2")
    hits = repo.search(session, TEAM, core.query_terms("kubernetes upgrades"))
    assert [h.answer.message_ts for h in hits] == ["1.1", "1.2"]
    assert hits[0].score > hits[1].score > 0
    assert repo.search(session, TEAM, core.query_terms("quantum")) == []
    assert repo.search(session, TEAM, []) == []
    assert repo.search(session, TEAM, ["kubernet"], limit=0) == []


def brute_force(session: Session, terms: list[str], limit: int) -> list[int]:
    """Mingle's ranking computed the slow way, from the answers themselves."""
    answers = list(session.scalars(select(Answer).where(Answer.team_id == TEAM)))
    weights = {a.id: core.term_weights(a.search_text, a.topic) for a in answers}
    df = {t: sum(1 for w in weights.values() if t in w) for t in terms}
    idfs = {t: core.idf(len(answers), n) for t, n in df.items() if n}
    scores = {a.id: sum(weights[a.id].get(t, 0.0) * v for t, v in idfs.items()) for a in answers}
    by_words = sorted((i for i in scores if scores[i] > 0), key=lambda i: (-scores[i], -i))
    top = by_words[: max(repo.CANDIDATES, limit * 10)]
    by_id = {a.id: a for a in answers}
    ranked = core.rank(
        (
            core.Candidate(i, scores[i], by_id[i].reaction_count, by_id[i].created_at.timestamp())
            for i in top
        ),
        limit,
    )
    return [c.answer_id for c in ranked]


def test_search_matches_the_brute_force_ranking_with_and_without_pruning(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    words = [f"w{i}" for i in range(400)]
    popularity = [1 / (r + 1) for r in range(len(words))]
    for i in range(400):
        text = " ".join(rng.choices(words, popularity, k=rng.randint(5, 30)))
        save(
            session,
            f"3.{i:04d}",
            text,
            topic=rng.choice(["", "", "w1", "w300"]),
            created_at=NOW - dt.timedelta(minutes=i),
        )
        if rng.random() < 0.3:
            repo.adjust_reactions(session, TEAM, "C1", f"3.{i:04d}", rng.randint(1, 9))
    session.expire_all()
    monkeypatch.setattr(core, "RARE_POSTINGS", 15)
    passes: list[bool] = []
    real_score = repo._score

    def spy(*args: Any) -> Any:
        passes.append(args[3] is None)
        return real_score(*args)

    monkeypatch.setattr(repo, "_score", spy)
    queries = [["w0"], ["w0", "w350"], ["w1", "w2", "w390"], ["w5", "w6"], ["w399", "w0", "w3"]]
    queries += [rng.sample(words, rng.randint(1, 3)) for _ in range(25)]
    for terms in queries:
        stems = core.query_terms(" ".join(terms))
        got = [h.answer.id for h in repo.search(session, TEAM, stems, limit=5)]
        assert got == brute_force(session, stems, 5), terms
    assert False in passes  # some searches ended after the pruned pass…
    assert True in passes  # …and some needed the full one


# --- prompts and digests ------------------------------------------------------------------------


def claim(session: Session, slot: dt.datetime, key: str = "builtin:0") -> Prompt | None:
    return prompts_repo.claim_prompt(
        session,
        team_id=TEAM,
        channel_id="C1",
        scheduled_for=slot,
        bank_key=key,
        text="What did you learn?",
        now=NOW,
    )


def test_a_prompt_slot_is_claimed_once(session: Session) -> None:
    first = claim(session, NOW)
    assert first is not None
    assert claim(session, NOW, "builtin:1") is None
    second = claim(session, NOW + dt.timedelta(days=7), "custom:3")
    assert second is not None
    assert prompts_repo.used_keys(session, TEAM, "C1") == ["builtin:0", "custom:3"]
    assert prompts_repo.previous_prompt(session, TEAM, "C1", second) == first
    assert prompts_repo.previous_prompt(session, TEAM, "C1", first) is None
    assert prompts_repo.latest_prompt(session, TEAM, "C1") == second


def test_a_prompts_thread_is_known_once_its_message_is_recorded(session: Session) -> None:
    prompt = claim(session, NOW)
    assert prompt is not None
    assert prompts_repo.prompt_for_thread(session, TEAM, "C1", "1700000000.000100") is None
    prompts_repo.record_message(session, prompt.id, "1700000000.000100", NOW)
    found = prompts_repo.prompt_for_thread(session, TEAM, "C1", "1700000000.000100")
    assert found is not None and found.id == prompt.id
    assert found.message_ts == "1700000000.000100" and found.posted_at == NOW
    assert prompts_repo.prompt_for_thread(session, TEAM, "C2", "1700000000.000100") is None


def test_templates_are_added_listed_and_removed(session: Session) -> None:
    a = prompts_repo.add_template(session, TEAM, "C1", "Ours?", "UADMIN", NOW)
    b = prompts_repo.add_template(session, TEAM, "C1", "Also ours?", "UADMIN", NOW)
    prompts_repo.add_template(session, TEAM, "C2", "Elsewhere?", "UADMIN", NOW)
    assert [t.id for t in prompts_repo.templates(session, TEAM, "C1")] == [a.id, b.id]
    assert prompts_repo.remove_template(session, TEAM, "C2", a.id, NOW) is None
    assert prompts_repo.remove_template(session, TEAM, "C1", a.id, NOW) is not None
    assert prompts_repo.remove_template(session, TEAM, "C1", a.id, NOW) is None
    assert [t.id for t in prompts_repo.templates(session, TEAM, "C1")] == [b.id]


def test_prompt_answers_for_the_digest(session: Session) -> None:
    prompt = claim(session, NOW)
    assert prompt is not None
    for i, (user, reactions) in enumerate([("UA", 1), ("UB", 5), ("UA", 0), ("UC", 5)]):
        save(
            session,
            f"5.{i}",
            f"answer {i}",
            user_id=user,
            prompt_id=prompt.id,
            created_at=NOW + dt.timedelta(minutes=i),
        )
        repo.adjust_reactions(session, TEAM, "C1", f"5.{i}", reactions)
    save(session, "6.0", "another prompt's", user_id="UD")
    session.expire_all()
    people, count, best = repo.prompt_answers(session, prompt.id, 3)
    assert (people, count) == (3, 4)
    assert [a.text for a in best] == ["answer 1", "answer 3", "answer 0"]


# --- feeding matching ---------------------------------------------------------------------------


def test_answered_topics_come_from_topics_and_known_interest_names(session: Session) -> None:
    for name in ("python", "board games", "kubernetes"):
        session.add(Interest(team_id=TEAM, name=name))
    session.add(Interest(team_id="T2", name="sourdough"))
    save(session, "7.1", "I package Python apps and play board games", user_id="UA")
    save(session, "7.2", "Sourdough starters need love", user_id="UB", topic="Baking")
    save(session, "7.3", "Just a board meeting", user_id="UC")
    save(session, "7.4", "Kubernetes too", user_id="UA", team_id="T2")
    topics = repo.answered_topics(session, TEAM, ["UA", "UB", "UC", "UZ"])
    assert topics == {"UA": {"python", "board games"}, "UB": {"baking"}}
    assert repo.answered_topics(session, TEAM, []) == {}
