"""`/mingle` subcommands for reports (routes register on import)."""

from __future__ import annotations
