"""The affinity matrix: how much two people would get out of meeting, for everyone at once.

For people i and j (all terms vectorised with numpy, built in row blocks so the peak stays
near one float32 N x N matrix):

    A[i, j] = (1 + boost_i + boost_j) * (
          shared_interest * cos_idf(i, j)          rarity-weighted cosine of their interests
        + learn_help * ([i learns what j helps] + [j learns what i helps])
        + hours_overlap * min(overlap_ij, full) / full     tie-breaker: best day's overlap
        + cross_team * [both teams known and different] )
        - cannot_meet * [overlap_ij < min_meeting_minutes]
        - penalty_ij                                repeat penalty, see below
        - AVOID * [i avoids j or j avoids i]        a hard rule, enforced after solving too

`overlap_ij` is the longest stretch of working time the two share on one day of the
round's cycle (`hours`), days and DST included.

Interest weights are smoothed IDF over the round's participants, log((N + 1) / df), so an
interest few people share ("bouldering") says more than one most people list ("coffee").
A pair that met in the r-th most recent round (r = 0, 1, ...) of the `recent_rounds` most
recent loses repeat_penalty * (recent_rounds - r) / recent_rounds; a pair that met earlier
loses `met_before`. The diagonal is 0.

The order this gives (each step outweighs everything below it in any exchange of a few
groups): nobody on anyone's avoid list; being able to meet (2,000); no recent repeat
(1,000 fading to 250); then common ground (at most about 25 points per pair, times boosts).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bot.core.hours import Availability
from bot.core.matching import hours
from bot.core.matching.model import (
    REFERENCE_DATE,
    MatchOptions,
    Participant,
    PastGroup,
    Weights,
)

Matrix = npt.NDArray[np.float32]
Index = npt.NDArray[np.intp]

#: Rows per block when building the matrix (keeps temporaries small).
BLOCK = 512
#: Above this many dense cells an interest/topic incidence matrix is kept sparse.
DENSE_CELLS = 40_000_000
#: Up to this many distinct working-time profiles, their overlaps are tabulated once.
PROFILE_TABLE_MAX = 2048
#: What putting two people together costs when either avoids the other.
AVOID = 100_000.0


def round_day(options: MatchOptions, history: Sequence[PastGroup]) -> dt.date:
    """The calendar day (UTC) whose working hours count for the round."""
    if options.now is not None:
        return _utc(options.now).date()
    if history:
        return max(_utc(g.at) for g in history).date()
    return REFERENCE_DATE.date()


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class Meeting:
    """When two people last met: the round's rank (0 = most recent round) and date."""

    rank: int
    on: dt.date


def meetings(ids: Sequence[str], history: Sequence[PastGroup]) -> dict[tuple[int, int], Meeting]:
    """The last meeting of each pair (i < j, indices into `ids`) found in the history.

    Rounds are the distinct UTC dates of the history; members not in `ids` are ignored.
    """
    index = {pid: i for i, pid in enumerate(ids)}
    days = sorted({_utc(g.at).date() for g in history}, reverse=True)
    rank = {day: r for r, day in enumerate(days)}
    last: dict[tuple[int, int], Meeting] = {}
    for group in history:
        members = sorted(index[m] for m in group.members if m in index)
        if len(members) < 2:
            continue
        day = _utc(group.at).date()
        meeting = Meeting(rank[day], day)
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                key = (members[a], members[b])
                seen = last.get(key)
                if seen is None or seen.rank > meeting.rank:
                    last[key] = meeting
    return last


def penalty(rank: int, recent_rounds: int, weights: Weights) -> float:
    """What meeting again costs a pair who last met in the round of this rank."""
    if rank < recent_rounds:
        return weights.repeat_penalty * (recent_rounds - rank) / recent_rounds
    return weights.met_before


def idf(participants: Sequence[Participant]) -> dict[str, float]:
    """Smoothed inverse document frequency of each interest among the participants."""
    df: dict[str, int] = {}
    for p in participants:
        for t in p.interests:
            df[t] = df.get(t, 0) + 1
    n = len(participants)
    return {t: math.log((n + 1) / c) for t, c in df.items()}


def _incidence(
    rows: Sequence[frozenset[str]], vocab: dict[str, int], values: Sequence[float] | None = None
) -> sparse.csr_matrix:
    indptr = [0]
    cols: list[int] = []
    for topics in rows:
        cols.extend(vocab[t] for t in topics if t in vocab)
        indptr.append(len(cols))
    data = (
        np.ones(len(cols), dtype=np.float32)
        if values is None
        else np.asarray(values, dtype=np.float32)[cols]
    )
    return sparse.csr_matrix(
        (data, np.asarray(cols, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(rows), max(len(vocab), 1)),
    )


def _columns(m: sparse.csr_matrix) -> sparse.csr_matrix | Matrix:
    """m.T, dense when that is small enough (sparse rows @ dense columns is fast)."""
    if m.shape[0] * m.shape[1] <= DENSE_CELLS:
        return np.ascontiguousarray(m.T.toarray(), dtype=np.float32)
    return sparse.csr_matrix(m.T)


def _product(rows: sparse.csr_matrix, columns: sparse.csr_matrix | Matrix) -> Matrix:
    """rows @ columns as a dense float32 block."""
    block = rows @ columns
    if sparse.issparse(block):
        block = block.toarray()
    return np.asarray(block, dtype=np.float32)


def avoid_pairs(participants: Sequence[Participant]) -> set[tuple[int, int]]:
    """Pairs (i < j) in which either avoids the other."""
    index = {p.id: i for i, p in enumerate(participants)}
    pairs: set[tuple[int, int]] = set()
    for i, p in enumerate(participants):
        for other in p.avoid:
            j = index.get(other)
            if j is not None and j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


@dataclass
class Hours:
    """Everyone's working time: distinct `profiles`, each person's profile (`kind`), the
    cycle, and the profiles' pairwise best-day overlaps (`table`, minutes; None when there
    are too many profiles to tabulate: then `overlap_rows` computes them)."""

    profiles: list[Availability]
    kind: Index
    first: dt.date
    cycle_days: int
    starts: Matrix
    ends: Matrix
    table: Matrix | None

    @classmethod
    def of(cls, participants: Sequence[Participant], first: dt.date, cycle_days: int) -> Hours:
        ids: dict[Availability, int] = {}
        kind = np.array([ids.setdefault(p.profile, len(ids)) for p in participants], dtype=np.intp)
        profiles = list(ids)
        starts, ends = hours.shift_arrays(profiles, first, cycle_days)
        table = None
        if len(profiles) <= PROFILE_TABLE_MAX:
            table = hours.best_overlap(starts, ends, starts, ends, cycle_days)
        return cls(profiles, kind, first, cycle_days, starts, ends, table)

    def overlap_rows(self, rows: Index) -> Matrix:
        """Best-day overlap minutes of the people `rows` with everyone (len(rows) x N)."""
        if self.table is not None:
            return np.take(self.table[self.kind[rows]], self.kind, axis=1)
        mine, back = np.unique(self.kind[rows], return_inverse=True)
        part = hours.best_overlap(
            self.starts[mine], self.ends[mine], self.starts, self.ends, self.cycle_days
        )
        return np.take(part[back.ravel()], self.kind, axis=1)

    def pair(self, i: int, j: int) -> float:
        """Best-day overlap minutes of two people."""
        return float(self.overlap_rows(np.array([i], dtype=np.intp))[0, j])


@dataclass
class Affinity:
    """The matrix (n + extra square; extra rows are filled by the solver), each person's
    `k` best partners (`top`, indices) with their affinities (`top_values`, sorted best
    first), and what the reasons reuse: the pairs' last meetings and interest rarity."""

    matrix: Matrix
    top: Index
    top_values: Matrix
    met: dict[tuple[int, int], Meeting]
    rarity: dict[str, float]
    hours: Hours
    avoid: set[tuple[int, int]]


def build(
    participants: Sequence[Participant],
    history: Sequence[PastGroup],
    options: MatchOptions,
    weights: Weights,
    *,
    extra: int = 0,
    k: int = 0,
) -> Affinity:
    """The affinity matrix with `extra` zero rows/columns appended, and top-`k` lists."""
    n = len(participants)
    size = n + extra
    matrix = np.zeros((size, size), dtype=np.float32)
    k = min(k, n - 1)
    top = np.zeros((n, max(k, 0)), dtype=np.intp)
    top_values = np.zeros((n, max(k, 0)), dtype=np.float32)
    met = meetings([p.id for p in participants], history)
    weights_by_topic = idf(participants)
    day = round_day(options, history)
    work = Hours.of(participants, day, options.cycle_days)
    avoid = avoid_pairs(participants)
    if n == 0:
        return Affinity(matrix, top, top_values, met, weights_by_topic, work, avoid)

    # Interests: rows of idf weights, normalised; only interests shared by 2+ can score.
    vocab_all = {t: i for i, t in enumerate(sorted(weights_by_topic))}
    values = [weights_by_topic[t] for t in sorted(weights_by_topic)]
    x = _incidence([p.interests for p in participants], vocab_all, values)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1), dtype=np.float64)).ravel()
    norms[norms == 0] = 1.0
    x = sparse.csr_matrix(sparse.diags(1.0 / norms) @ x, dtype=np.float32)
    shared_cols = np.flatnonzero(np.diff(x.tocsc().indptr) >= 2)
    interests = sparse.csr_matrix(x[:, shared_cols])
    interests_t = _columns(interests)

    # Learn/help: topics someone wants to learn and someone (else) can help with.
    wanted = set().union(*(p.wants_to_learn for p in participants))
    offered = set().union(*(p.can_help for p in participants))
    link_vocab = {t: i for i, t in enumerate(sorted(wanted & offered))}
    links: tuple[sparse.csr_matrix, Matrix | sparse.csr_matrix] | None = None
    links_back: tuple[sparse.csr_matrix, Matrix | sparse.csr_matrix] | None = None
    if link_vocab:
        learn = _incidence([p.wants_to_learn for p in participants], link_vocab)
        help_ = _incidence([p.can_help for p in participants], link_vocab)
        links, links_back = (learn, _columns(help_)), (help_, _columns(learn))

    team_names = {t: i for i, t in enumerate(sorted({p.team for p in participants if p.team}))}
    teams = np.array([team_names.get(p.team or "", -1) for p in participants], dtype=np.int64)
    known = teams >= 0
    boost = np.array([p.boost for p in participants], dtype=np.float32)
    boosted = bool(boost.any())
    full = np.float32(max(weights.full_overlap_hours, 1e-6) * 60.0)
    hour_points = np.float32(weights.hours_overlap) / full
    min_meeting = np.float32(options.min_meeting_minutes)

    pen_rows, pen_cols, pen_vals = _penalties(met, options, weights, avoid)

    def fill(r0: int) -> None:
        r1 = min(n, r0 + BLOCK)
        blk = matrix[r0:r1, :n]
        blk[...] = _product(interests[r0:r1], interests_t)
        blk *= np.float32(weights.shared_interest)
        for pair in (links, links_back):
            if pair is not None:
                hit = _product(pair[0][r0:r1], pair[1]) > 0
                blk += np.float32(weights.learn_help) * hit.astype(np.float32)
                del hit
        if weights.cross_team:
            cross = (teams[r0:r1, None] != teams[None, :]) & known[r0:r1, None] & known[None, :]
            blk += np.float32(weights.cross_team) * cross.astype(np.float32)
            del cross
        overlap = work.overlap_rows(np.arange(r0, r1))
        apart = overlap < min_meeting
        np.minimum(overlap, full, out=overlap)
        overlap *= hour_points
        blk += overlap
        del overlap
        if boosted:
            blk *= np.float32(1.0) + boost[r0:r1, None] + boost[None, :]
        if weights.cannot_meet:
            blk -= np.float32(weights.cannot_meet) * apart.astype(np.float32)
        del apart
        lo, hi = np.searchsorted(pen_rows, [r0, r1])
        if hi > lo:
            blk[pen_rows[lo:hi] - r0, pen_cols[lo:hi]] -= pen_vals[lo:hi]
        rows = np.arange(r1 - r0)
        blk[rows, rows + r0] = 0.0
        if k > 0:
            blk[rows, rows + r0] = -np.inf
            best = np.argpartition(blk, n - k, axis=1)[:, n - k :]
            vals = np.take_along_axis(blk, best, axis=1)
            order = np.argsort(-vals, axis=1, kind="stable")
            top[r0:r1] = np.take_along_axis(best, order, axis=1)
            top_values[r0:r1] = np.take_along_axis(vals, order, axis=1)
            blk[rows, rows + r0] = 0.0

    for r0 in range(0, n, BLOCK):
        fill(r0)
    return Affinity(matrix, top, top_values, met, weights_by_topic, work, avoid)


def _penalties(
    met: dict[tuple[int, int], Meeting],
    options: MatchOptions,
    weights: Weights,
    avoid: set[tuple[int, int]],
) -> tuple[Index, Index, Matrix]:
    """Repeat and avoid penalty entries (both triangles), sorted by row (duplicates add up)."""
    cost: dict[tuple[int, int], float] = {
        key: penalty(m.rank, options.recent_rounds, weights) for key, m in met.items()
    }
    for key in avoid:
        cost[key] = cost.get(key, 0.0) + AVOID
    if not cost:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0, dtype=np.float32)
    pairs = np.array(list(cost.keys()), dtype=np.intp).reshape(-1, 2)
    vals = np.array(list(cost.values()), dtype=np.float32)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    both = np.concatenate([vals, vals])
    order = np.argsort(rows, kind="stable")
    return rows[order], cols[order], both[order]


def affinity_matrix(
    participants: Sequence[Participant],
    history: Sequence[PastGroup],
    options: MatchOptions,
    weights: Weights | None = None,
) -> Matrix:
    """The N x N float32 affinity matrix (symmetric, diagonal 0) in the participants' order."""
    return build(participants, history, options, weights or Weights()).matrix
