"""`mingle` in a real subprocess, for the tests and the benchmarks: its command line, an
environment that holds only the settings the caller gives (never the developer's own), and a
free local port to serve on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MINGLE = [sys.executable, "-m", "bot.cli"]


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any SLACK_* or MINGLE_* variable, plus `settings`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MINGLE_"))}
    environment.update(settings)
    return environment


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`mingle ARGS` run to its end with only the settings in `env`; output captured as text."""
    return subprocess.run(
        [*MINGLE, *args],
        capture_output=True,
        text=True,
        env=clean_environment(**(env or {})),
        timeout=timeout,
        cwd=ROOT,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
