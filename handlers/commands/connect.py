"""`/mingle` subcommands for connect (routes register on import)."""

from __future__ import annotations
