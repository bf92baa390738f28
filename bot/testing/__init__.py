"""Local stand-ins for Slack, used by the test suite and by ``mingle demo``.

* :mod:`bot.testing.emulator` -- :class:`SlackEmulator`, a Web API emulator over HTTP.
* :mod:`bot.testing.sample` -- a realistic sample workspace to load into it.
"""

from __future__ import annotations

from bot.testing.emulator import Call, SlackEmulator

__all__ = ["Call", "SlackEmulator"]
