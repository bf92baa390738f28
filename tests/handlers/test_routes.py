"""Every request the `/mingle` parser returns has a route, and every admin sub-command has a
route, a usage and a help line (the tables in `handlers.commands` and `bot.core.commands`)."""

from __future__ import annotations

import datetime as dt
from typing import get_args

from bot.core import commands as c
from bot.core.messages.help import help_reply
from handlers.commands import ROUTES
from handlers.commands.admin import ADMIN_ROUTES


def test_every_request_type_the_parser_returns_has_a_route() -> None:
    assert set(ROUTES) == set(get_args(c.Command))


def test_every_admin_sub_command_has_a_route_a_usage_and_a_help_line() -> None:
    assert set(ADMIN_ROUTES) == set(c.ADMIN_COMMANDS)
    for name, spec in c.ADMIN_COMMANDS.items():
        assert spec.usage.startswith(f"/mingle admin {name}"), name
        assert spec.help, name


def test_every_admin_sub_command_parses_and_shows_in_the_admin_help() -> None:
    shown = help_reply("admin").text + str(help_reply("admin").blocks)
    for name, spec in c.ADMIN_COMMANDS.items():
        assert c.parse_command(f"admin {name}", dt.date(2026, 11, 26)) == c.Admin(name)
        assert spec.usage in shown and spec.help in shown
