"""`mingle serve` in multi-workspace mode, in a real subprocess: at startup it says which
URL to open to install Mingle, and that page installs it into a workspace of the emulator
(`/slack/install`, the emulator's authorize page, `/slack/oauth_redirect`)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from bot.testing.cli import MINGLE, clean_environment, free_port
from bot.testing.emulator import SlackEmulator
from bot.testing.install import install_through_pages
from tests.e2e.test_shutdown import healthy


def test_serve_prints_the_install_url_and_the_page_installs_mingle(
    sqlite_url: str, tmp_path: Path
) -> None:
    with SlackEmulator(team_name="Acme Research") as emu:
        emu.add_user("U1", name="alice", is_admin=True)
        port = free_port()
        redirect = f"http://127.0.0.1:{port}/slack/oauth_redirect"
        emu.configure_oauth(redirect_urls=[redirect])
        env = clean_environment(
            SLACK_CLIENT_ID=emu.oauth.client_id,
            SLACK_CLIENT_SECRET=emu.oauth.client_secret,
            SLACK_SIGNING_SECRET="serve-install-test-secret",
            SLACK_REDIRECT_URI=redirect,
            SLACK_API_URL=emu.api_url,
            MINGLE_DATABASE_URL=sqlite_url,
            MINGLE_SCHEDULER="false",
        )
        command = [*MINGLE, "serve", "--host", "127.0.0.1", "--port", str(port)]
        log_path = tmp_path / "mingle.log"
        with log_path.open("w+") as log:
            server = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, env=env
            )
            try:
                emu.wait_for(lambda: healthy(port) or server.poll() is not None, timeout=30)
                assert server.poll() is None, log_path.read_text()
                output = log_path.read_text()
                install_url = f"http://127.0.0.1:{port}/slack/install"
                assert f"To install Mingle in a workspace, open {install_url}" in output, output
                page = install_through_pages(f"http://127.0.0.1:{port}", emu, emu.team_id)
                assert page.status == 200, page.text
                assert page.heading == "Mingle is installed in Acme Research"
                assert "invite @Mingle to a channel and run /mingle admin setup" in page.text
                server.send_signal(signal.SIGTERM)
                assert server.wait(timeout=15) == 0
            finally:
                if server.poll() is None:
                    server.kill()
                    server.wait()
        assert "Traceback" not in log_path.read_text()


def test_the_install_hint_also_names_the_public_address_slack_sends_people_back_to() -> None:
    from bot.cli import _install_hint
    from bot.config import load_settings

    settings = load_settings(
        slack_client_id="1111.2222",
        slack_client_secret="secret",
        slack_signing_secret="signing",
        slack_redirect_uri="https://mingle.example.com/slack/oauth_redirect",
        database_url="sqlite://",
    )
    assert _install_hint(settings, "0.0.0.0", 3000) == (
        "To install Mingle in a workspace, open http://0.0.0.0:3000/slack/install "
        "(from outside: https://mingle.example.com/slack/install)"
    )
