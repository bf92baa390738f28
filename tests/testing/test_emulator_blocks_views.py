"""Block Kit limits, views (Home tab and modals) and response_url recording."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.testing.blockkit import validate_blocks, validate_view
from bot.testing.emulator import SlackEmulator


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "Go", action_id: str = "go", value: str = "v") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }


def modal(title: str = "Profile", blocks: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks if blocks is not None else [section("hello")],
    }
    view.update(extra)
    return view


def home(blocks: list[Any] | None = None) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks if blocks is not None else [section("home")]}


# -- Block Kit validation (pure) -----------------------------------------------------

VALID_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Your coffee match"}},
    section("You and *Bob* both like hiking"),
    {"type": "divider"},
    {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"f{i}"} for i in range(10)],
        "accessory": button(),
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
    {"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(25)]},
    {
        "type": "input",
        "block_id": "interests",
        "label": {"type": "plain_text", "text": "Interests"},
        "element": {"type": "plain_text_input", "action_id": "value"},
    },
    {"type": "image", "image_url": "https://example.com/x.png", "alt_text": "x"},
    {"type": "rich_text", "elements": []},
]


def test_valid_blocks_pass() -> None:
    assert validate_blocks(VALID_BLOCKS) == []
    assert validate_blocks([section("x")] * 50) == []


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x")] * 51, "/blocks]"),
        ([section("x" * 3001)], "/blocks/0/text/text"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "text/text"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "/blocks/0/text/type"),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "/blocks/0/fields",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "/blocks/0/fields/0/text",
        ),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "elements"),
        ([{"type": "actions", "elements": [button()] * 26}], "/blocks/0/elements"),
        ([{"type": "actions", "elements": [button(text="b" * 76)]}], "elements/0/text/text"),
        ([{"type": "actions", "elements": [button(action_id="a" * 256)]}], "action_id"),
        ([{"type": "actions", "elements": [button(value="v" * 2001)]}], "elements/0/value"),
        ([{**section("x"), "block_id": "b" * 256}], "/blocks/0/block_id"),
        ([{**section("x"), "block_id": "same"}, {"type": "divider", "block_id": "same"}], "/1/"),
        ([{"type": "carousel"}], "/blocks/0/type"),
        ([{"text": "no type"}], "/blocks/0]"),
        ([{"type": "section", "text": {"type": "markdown", "text": "x"}}], "/blocks/0/text"),
        ([{"type": "section"}], "/blocks/0]"),
        ([section("")], "/blocks/0/text/text"),
        (
            [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "l" * 2001},
                    "element": {"type": "plain_text_input"},
                }
            ],
            "/blocks/0/label/text",
        ),
        ([{"type": "actions", "elements": [{"type": "plain_text_input"}]}], "elements/0/type"),
    ],
)
def test_block_limits(blocks: list[Any], pointer: str) -> None:
    problems = validate_blocks(blocks)
    assert problems, "expected a problem"
    assert all(p.startswith("[ERROR] ") for p in problems)
    assert any(pointer in p for p in problems), problems


def test_view_limits() -> None:
    assert validate_view(modal(), expected_types=frozenset({"modal"})) == []
    assert validate_view(home([section("x")] * 100), expected_types=frozenset({"home"})) == []
    too_many = validate_view(home([section("x")] * 101), expected_types=frozenset({"home"}))
    assert any("/view/blocks]" in p for p in too_many)
    title = validate_view(modal(title="t" * 25), expected_types=frozenset({"modal"}))
    assert any("/view/title/text" in p for p in title)
    submit = validate_view(
        modal(submit={"type": "plain_text", "text": "s" * 25}), expected_types=frozenset({"modal"})
    )
    assert any("/view/submit/text" in p for p in submit)
    inputs = [VALID_BLOCKS[6]]
    no_submit = validate_view(modal(blocks=inputs), expected_types=frozenset({"modal"}))
    assert any("submit" in p for p in no_submit)
    wrong_type = validate_view(home(), expected_types=frozenset({"modal"}))
    assert any("/view/type" in p for p in wrong_type)


# -- Block Kit validation through the API ---------------------------------------------


def test_invalid_blocks_answer(emu: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x", blocks=[section("x" * 3001)])
    response = err.value.response
    assert response["error"] == "invalid_blocks"
    assert response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert emu.messages("C1") == []
    assert emu.calls_to("chat.postMessage")[0].error == "invalid_blocks"


def test_invalid_blocks_format(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.postMessage", params={"channel": "C1", "text": "x", "blocks": "{"})
    assert err.value.response["error"] == "invalid_blocks_format"


def test_ephemeral_and_update_validate_blocks(client: WebClient) -> None:
    too_many = [section("x")] * 51
    with pytest.raises(SlackApiError) as err:
        client.chat_postEphemeral(channel="C1", user="U1", text="x", blocks=too_many)
    assert err.value.response["error"] == "invalid_blocks"
    ts = client.chat_postMessage(channel="C1", text="ok")["ts"]
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts=ts, text="x", blocks=too_many)
    assert err.value.response["error"] == "invalid_blocks"


# -- views ---------------------------------------------------------------------------


def test_views_publish_home(emu: SlackEmulator, client: WebClient) -> None:
    first = client.views_publish(user_id="U1", view=home())["view"]
    assert first["type"] == "home" and first["id"].startswith("V") and first["hash"]
    second = client.views_publish(user_id="U1", view=home([section("v2")]), hash=first["hash"])
    assert second["view"]["id"] == first["id"] and second["view"]["hash"] != first["hash"]
    stored = emu.home_view("U1")
    assert stored is not None and stored["blocks"][0]["text"]["text"] == "v2"
    assert emu.home_view("U2") is None
    with pytest.raises(SlackApiError) as err:
        client.views_publish(user_id="U1", view=home(), hash=first["hash"])
    assert err.value.response["error"] == "hash_conflict"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"user_id": "UNOPE", "view": home()}, "user_not_found"),
        ({"user_id": "U1", "view": modal()}, "invalid_arguments"),
        ({"user_id": "U1", "view": home([section("x")] * 101)}, "invalid_arguments"),
    ],
)
def test_views_publish_errors(client: WebClient, kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(SlackApiError) as err:
        client.views_publish(**kwargs)
    assert err.value.response["error"] == error


def test_views_open_push_update(emu: SlackEmulator, client: WebClient) -> None:
    trigger = emu.issue_trigger_id("U1")
    opened = client.views_open(trigger_id=trigger, view=modal(callback_id="profile"))["view"]
    assert opened["callback_id"] == "profile" and opened["root_view_id"] == opened["id"]
    pushed = client.views_push(trigger_id=trigger, view=modal(title="Step 2"))["view"]
    assert pushed["previous_view_id"] == opened["id"] and pushed["root_view_id"] == opened["id"]
    updated = client.views_update(view_id=opened["id"], view=modal(title="Edited"))["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    log = emu.open_views()
    assert [v["method"] for v in log] == ["views.open", "views.push", "views.update"]
    assert log[0]["user"] == "U1" and log[0]["trigger"] == trigger
    assert log[2]["title"]["text"] == "Edited" and log[2]["view_id"] == opened["id"]


def test_views_update_by_external_id_and_errors(client: WebClient) -> None:
    client.views_open(trigger_id="12345.98765.abcd", view=modal(external_id="ext-1"))
    updated = client.views_update(external_id="ext-1", view=modal(title="By external id"))
    assert updated["view"]["title"]["text"] == "By external id"
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id="12345.98765.abce", view=modal(external_id="ext-1"))
    assert err.value.response["error"] == "duplicate_external_id"
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id="VNOPE", view=modal())
    assert err.value.response["error"] == "not_found"
    with pytest.raises(SlackApiError) as err:
        client.views_update(external_id="ext-1", view=modal(), hash="stale")
    assert err.value.response["error"] == "hash_conflict"


@pytest.mark.parametrize(
    ("trigger", "view", "error", "pointer"),
    [
        ("", modal(), "invalid_trigger_id", None),
        ("1.2.3", modal(title="t" * 25), "invalid_arguments", "/view/title/text"),
        ("1.2.3", modal(blocks=[section("x")] * 101), "invalid_arguments", "/view/blocks"),
        ("1.2.3", home(), "invalid_arguments", "/view/type"),
    ],
)
def test_views_open_errors(
    client: WebClient, trigger: str, view: dict[str, Any], error: str, pointer: str | None
) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("views.open", json={"trigger_id": trigger, "view": view})
    assert err.value.response["error"] == error
    if pointer:
        assert any(pointer in m for m in err.value.response["response_metadata"]["messages"])


def test_modal_stack_limit(client: WebClient) -> None:
    client.views_open(trigger_id="t-1", view=modal())
    client.views_push(trigger_id="t-2", view=modal())
    client.views_push(trigger_id="t-3", view=modal())
    with pytest.raises(SlackApiError) as err:
        client.views_push(trigger_id="t-4", view=modal())
    assert err.value.response["error"] == "push_limit_reached"


# -- response_url --------------------------------------------------------------------


def test_response_url_records_posts(emu: SlackEmulator) -> None:
    webhook = WebhookClient(emu.response_url("cmd-1"))
    assert webhook.send(text="only you can see this").status_code == 200
    webhook.send(
        text="everyone",
        response_type="in_channel",
        replace_original=True,
        blocks=[section("hello")],
    )
    WebhookClient(emu.response_url("other")).send_dict({"delete_original": True})
    first, second = emu.responses("cmd-1")
    assert first["response_type"] == "ephemeral" and first["text"] == "only you can see this"
    assert first["replace_original"] is False and first["delete_original"] is False
    assert second["response_type"] == "in_channel" and second["replace_original"] is True
    assert second["blocks"][0]["text"]["text"] == "hello"
    assert [r["key"] for r in emu.responses()] == ["cmd-1", "cmd-1", "other"]
    assert emu.responses("other")[0]["delete_original"] is True


def test_response_url_rejects_invalid_blocks(emu: SlackEmulator) -> None:
    body = json.dumps({"text": "x", "blocks": [section("x" * 3001)]}).encode()
    request = urllib.request.Request(
        emu.response_url("bad"), data=body, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    assert err.value.code == 400
    assert json.loads(err.value.read())["error"] == "invalid_blocks"
    err.value.close()
    assert emu.responses("bad") == []
