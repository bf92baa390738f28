"""Every message builder escapes what people typed, in its fallback text as in its blocks.

The builders are enumerated (every public function of `bot.core.messages` that returns a
`Reply`), and each free-text argument gets hostile text: a `<!channel>` that would ping a
whole channel, a forged mention and a raw `&`. IDs (people, channels) are Mingle's own,
checked before they get here, and become mentions on purpose; `*_mrkdwn` arguments are
escaped by the caller by contract (as is `info_reply`'s `fallback`: its callers pass
fixed sentences).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import bot.core.messages as messages
from bot.core.blocks import Reply
from bot.core.rounds import DEFAULT_CADENCE

HOSTILE = "<!channel> <@U0EVIL|boss> fish & chips"
RAW = ("<!channel>", "<@U0EVIL", "& chips")

#: Parameter (or field) names that hold Slack IDs or other values Mingle itself made.
IDS = {"a", "b", "other", "sender", "by_user", "introducer", "user_id", "channel_id", "member"}
#: Text Mingle itself made (a status word, a schedule's description, a file name, a fix).
MADE = {"status", "outcome", "describe", "first", "next_text", "filename", "what", "when", "fix"}
PEOPLE = {"members", "alone", "user_ids", "people_ids"}


def _builders() -> list[tuple[str, Callable[..., Any]]]:
    found: list[tuple[str, Callable[..., Any]]] = []
    for info in pkgutil.iter_modules(messages.__path__):
        module = importlib.import_module(f"{messages.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if typing.get_type_hints(function).get("return") is Reply:
                found.append((f"{info.name}.{name}", function))
    return found


def _value(name: str, kind: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return _value(name, options[0])
    if kind is str:
        if name in IDS or name.endswith("_id"):
            return "C0CHAN" if "channel" in name else "U0PERSON"
        if name == "tz":
            return "Europe/Berlin"
        if name.endswith("_mrkdwn") or name == "fallback":
            return "already *escaped*"
        if name in MADE:
            return "active"
        if name == "cadence":
            return DEFAULT_CADENCE
        return HOSTILE
    if kind is bool:
        return False
    if kind is int or kind is float:
        return 2
    if kind is dt.datetime:
        return dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    if kind is dt.time:
        return dt.time(9, 30)
    if kind is dt.date:
        return dt.date(2026, 12, 1)
    if origin is frozenset and typing.get_args(kind) == (int,):
        return frozenset({0, 1, 2, 3})  # weekdays
    if origin in (Sequence, list, tuple, typing.Sequence) or kind in (list, tuple):
        (item,) = typing.get_args(kind)[:1] or (str,)
        if item is str and name in PEOPLE:
            return ["U0PERSON", "U0OTHER"]
        return [_value(name, item)]
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind)
        fields = {f.name: _value(f.name, hints[f.name]) for f in dataclasses.fields(kind)}
        return kind(**fields)
    raise TypeError(f"no value for {name}: {kind}")


def _call(function: Callable[..., Any]) -> Reply:
    hints = typing.get_type_hints(function)
    arguments = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.default is not inspect.Parameter.empty and hints[parameter.name] is not str:
            continue
        arguments[parameter.name] = _value(parameter.name, hints[parameter.name])
    reply = function(**arguments)
    assert isinstance(reply, Reply)
    return reply


BUILDERS = _builders()


def test_the_builders_are_enumerated() -> None:
    names = {name for name, _ in BUILDERS}
    assert {"connect.find_results", "help.error_reply", "rounds.intro_message"} <= names
    assert len(BUILDERS) >= 30


@pytest.mark.parametrize("name", [name for name, _ in BUILDERS])
def test_fallback_text_and_blocks_escape_what_people_typed(name: str) -> None:
    function = dict(BUILDERS)[name]
    try:
        reply = _call(function)
    except TypeError as exc:  # an argument this test can't make: say so, don't pass quietly
        pytest.fail(f"{name}: {exc}")
    shown = [reply.text, repr(reply.blocks)]
    for text in shown:
        for raw in RAW:
            assert raw not in text, f"{name} shows {raw!r} raw: {text[:300]}"
