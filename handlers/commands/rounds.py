"""`/mingle` subcommands for rounds (routes register on import)."""

from __future__ import annotations
