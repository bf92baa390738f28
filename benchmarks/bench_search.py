"""How fast is `/mingle answers <words>` with 100,000 answers, on SQLite and PostgreSQL?

Builds a workspace of synthetic answers (15-60 words each from a 20,000-word vocabulary
with Zipf popularity), indexes them exactly as Mingle does (`bot.core.search.term_weights`
into `answer_term`), then times the search the slash command runs
(`storage.repositories.answers.search`: every query and the re-ranking) for ~200 queries
of 1-3 words drawn from the same popularity, and prints p50 / p95 / max per database
(PostgreSQL after VACUUM ANALYZE, as autovacuum leaves a table after a bulk load).

    python benchmarks/bench_search.py [--answers 100000] [--queries 200] [--skew english]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

`--skew english` (the default) gives word r the weight 1/(r + 50): Zipf's law for English
text once its ~50 most common words, which Mingle drops as stopwords, are gone; the most
common word is then in about one answer in eight. `--skew harsh` (1/r^0.9 from the first
rank) is a stress test: the most common words are in 50-85% of all answers, so a query made
only of them has to read tens of thousands of postings.

PostgreSQL runs when `--postgres` or MINGLE_TEST_POSTGRES_URL names a server (the data
goes into a throwaway schema that is dropped afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, insert, text  # noqa: E402

from bot.core import search as core  # noqa: E402
from storage.db import make_engine, make_session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Answer, AnswerTerm  # noqa: E402
from storage.repositories import answers as repo  # noqa: E402

TEAM = "T0BENCH"
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SYLLABLES = "ka lo mi ren tu va sel dor pin gra ex fi no qua zu bel tor wen ash pyl".split()
TECH = (
    "kubernetes python postgres terraform deploy rollback incident oncall grafana alert "
    "review onboarding budget roadmap customer interview figma accessibility sql index "
    "migration release feature flag retro hiring interview docs runbook latency cache"
).split()


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words = list(TECH)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_weights(size: int, skew: str) -> list[float]:
    if skew == "harsh":
        return [1.0 / (rank + 1) ** 0.9 for rank in range(size)]
    return [1.0 / (rank + 1 + 50) for rank in range(size)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def make_answers(
    count: int, seed: int, skew: str = "english"
) -> tuple[list[str], list[float], list[dict], list[dict]]:
    rng = random.Random(seed)
    words = vocabulary(20_000, rng)
    weights = zipf_weights(len(words), skew)
    answers: list[dict] = []
    terms: list[dict] = []
    for answer_id in range(1, count + 1):
        body = " ".join(rng.choices(words, weights, k=rng.randint(15, 60)))
        topic = rng.choice(TECH) if rng.random() < 0.2 else ""
        answers.append(
            {
                "id": answer_id,
                "team_id": TEAM,
                "channel_id": "C0SHARE",
                "message_ts": f"{1_700_000_000 + answer_id}.000100",
                "user_id": f"U{answer_id % 3000:05d}",
                "text": body,
                "search_text": body,
                "topic": topic,
                "permalink": f"https://acme.slack.com/archives/C0SHARE/p{answer_id}",
                "source": "thread",
                "reaction_count": rng.choice((0, 0, 0, 1, 2, 5)),
                "created_at": NOW - dt.timedelta(minutes=answer_id),
                "updated_at": NOW,
            }
        )
        for term, weight in core.term_weights(body, topic).items():
            terms.append({"answer_id": answer_id, "term": term, "team_id": TEAM, "weight": weight})
    return words, weights, answers, terms


def load(engine: Engine, answers: list[dict], terms: list[dict]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(answers), 5000):
            connection.execute(insert(Answer), answers[start : start + 5000])
        if engine.dialect.name == "postgresql":
            raw = connection.connection.driver_connection
            buffer = io.StringIO()
            for row in terms:
                buffer.write(
                    f"{row['answer_id']}\t{row['term']}\t{row['team_id']}\t{row['weight']}\n"
                )
            with raw.cursor() as cursor:  # type: ignore[union-attr]
                with cursor.copy(
                    "COPY answer_term (answer_id, term, team_id, weight) FROM STDIN"
                ) as copy:
                    copy.write(buffer.getvalue())
        else:
            for start in range(0, len(terms), 50_000):
                connection.execute(insert(AnswerTerm), terms[start : start + 50_000])
            connection.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load: statistics, and the visibility map that
        # lets counts use index-only scans.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE answer"))
            connection.execute(text("VACUUM ANALYZE answer_term"))


def queries(words: list[str], weights: list[float], count: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    out = []
    for _ in range(count):
        size = rng.choices((1, 2, 3), (0.4, 0.4, 0.2))[0]
        out.append(" ".join(rng.choices(words, weights, k=size)))
    return out


def time_searches(engine: Engine, texts: list[str]) -> tuple[list[float], int]:
    sessions = make_session_factory(engine)
    timings: list[float] = []
    empty = 0
    with sessions() as session:  # warm up the caches once
        repo.search(session, TEAM, core.query_terms(texts[0]))
    for query in texts:
        with sessions() as session:
            started = time.perf_counter()
            hits = repo.search(session, TEAM, core.query_terms(query), limit=5)
            timings.append((time.perf_counter() - started) * 1000)
            empty += not hits
    return timings, empty


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="mingle-bench-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    schema = f"mingle_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skew", choices=("english", "harsh"), default="english")
    parser.add_argument("--postgres", default=os.environ.get("MINGLE_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()

    started = time.perf_counter()
    words, weights, answers, terms = make_answers(args.answers, args.seed, args.skew)
    texts = queries(words, weights, args.queries, args.seed)
    print(
        f"{len(answers):,} answers, {len(terms):,} index rows "
        f"(built in {time.perf_counter() - started:.1f}s); {len(texts)} queries of 1-3 words; "
        f"word popularity: {args.skew}"
    )
    databases = [("SQLite", sqlite_engine())]
    if args.postgres:
        databases.append(("PostgreSQL", postgres_engine(args.postgres)))
    rows = []
    for name, manager in databases:
        with manager as engine:
            began = time.perf_counter()
            load(engine, answers, terms)
            loaded = time.perf_counter() - began
            timings, empty = time_searches(engine, texts)
        rows.append((name, loaded, timings, empty))
    print()
    print(
        f"{'database':<12} {'load s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean ms':>8}"
    )
    for name, loaded, timings, empty in rows:
        print(
            f"{name:<12} {loaded:>7.1f} {percentile(timings, 50):>8.1f} "
            f"{percentile(timings, 95):>8.1f} {max(timings):>8.1f} "
            f"{statistics.fmean(timings):>8.1f}"
            + (f"   ({empty} queries found nothing)" if empty else "")
        )
    if not args.postgres:
        print("PostgreSQL: skipped (give --postgres URL or set MINGLE_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
