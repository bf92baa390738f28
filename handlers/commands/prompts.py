"""`/mingle` subcommands for prompts (routes register on import)."""

from __future__ import annotations
