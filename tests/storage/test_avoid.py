"""The avoid table: each owner's list and both directions (SQLite and PostgreSQL); forget me
is tested end to end in tests/e2e/test_remote_first.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from storage.models import Avoid
from storage.repositories import avoid as repo

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_lists_and_directions(engine: Engine) -> None:
    sessions = sessionmaker(engine)
    with sessions.begin() as s:
        assert repo.add(s, "T1", "U1", ["U2", "U3", "U2", "U1"], AT) == ["U2", "U3"]
        assert repo.add(s, "T1", "U1", ["U3", "U4"], AT + dt.timedelta(1)) == ["U4"]
        repo.add(s, "T1", "U5", ["U1"], AT)
        repo.add(s, "T2", "U1", ["U9"], AT)  # another workspace
    with sessions.begin() as s:
        assert repo.avoided_by(s, "T1", "U1") == ["U2", "U3", "U4"]
        assert repo.apart_from(s, "T1", "U1") == {"U2", "U3", "U4", "U5"}
        assert repo.apart_from(s, "T1", "U5") == {"U1"}
        assert repo.lists_of(s, "T1", ["U1", "U5", "U7"]) == {
            "U1": {"U2", "U3", "U4"},
            "U5": {"U1"},
        }
        assert repo.remove(s, "T1", "U1", ["U3", "U8"]) == ["U3"]
    with sessions() as s:
        rows = {(a.team_id, a.user_id, a.other_user_id) for a in s.scalars(select(Avoid))}
    assert rows == {
        ("T1", "U1", "U2"),
        ("T1", "U1", "U4"),
        ("T1", "U5", "U1"),
        ("T2", "U1", "U9"),
    }
