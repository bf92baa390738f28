"""Block Kit limit checks, as Slack applies them when a message or view is sent.

The functions return a list of problems in Slack's own wording, e.g.
``"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``; an empty
list means the payload is acceptable. The checks cover the documented limits the app is
likely to hit (counts, text lengths, required fields, known types); they are not a full
schema of every Block Kit element.
"""

from __future__ import annotations

from typing import Any

JSONLike = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000

BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)

TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})

SELECT_TYPES = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)

ELEMENT_TYPES = SELECT_TYPES | frozenset(
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "file_input",
        "image",
        "number_input",
        "overflow",
        "plain_text_input",
        "radio_buttons",
        "rich_text_input",
        "timepicker",
        "url_text_input",
        "workflow_button",
    }
)

#: Elements that may be used inside an ``input`` block only.
INPUT_ONLY_ELEMENTS = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
        "datetimepicker",
    }
)


class _Checker:
    """Accumulates problems while walking a payload."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, message: str, pointer: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    # -- primitives -------------------------------------------------------------

    def max_len(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(f"must be less than {limit + 1} characters", pointer)

    def text_object(
        self,
        obj: Any,
        pointer: str,
        *,
        limit: int,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.add("missing required field: text", pointer.rsplit("/", 1)[0] or "/")
            return
        if not isinstance(obj, dict):
            self.add("must be an object", pointer)
            return
        kind = obj.get("type")
        if kind not in TEXT_TYPES:
            self.add("failed to match all allowed schemas", pointer)
            self.add("must be one of plain_text, mrkdwn", f"{pointer}/type")
            return
        if plain_only and kind != "plain_text":
            self.add("failed to match all allowed schemas", pointer)
            self.add("must be plain_text", f"{pointer}/type")
            return
        text = obj.get("text")
        if not isinstance(text, str):
            self.add("missing required field: text", pointer)
            return
        if text == "":
            self.add("must be more than 0 characters", f"{pointer}/text")
        self.max_len(text, limit, f"{pointer}/text")

    def confirm(self, obj: Any, pointer: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.add("must be an object", pointer)
            return
        self.text_object(obj.get("title"), f"{pointer}/title", limit=100, plain_only=True)
        self.text_object(obj.get("text"), f"{pointer}/text", limit=300)
        self.text_object(obj.get("confirm"), f"{pointer}/confirm", limit=30, plain_only=True)
        self.text_object(obj.get("deny"), f"{pointer}/deny", limit=30, plain_only=True)

    def option(self, obj: Any, pointer: str) -> None:
        if not isinstance(obj, dict):
            self.add("must be an object", pointer)
            return
        self.text_object(obj.get("text"), f"{pointer}/text", limit=75)
        value = obj.get("value")
        if value is not None:
            self.max_len(value, 150, f"{pointer}/value")
        if obj.get("description") is not None:
            self.text_object(obj.get("description"), f"{pointer}/description", limit=75)

    def options(self, opts: Any, pointer: str, maximum: int, minimum: int = 1) -> None:
        if opts is None:
            return
        if not isinstance(opts, list):
            self.add("must be an array", pointer)
            return
        if len(opts) > maximum:
            self.add(f"must provide no more than {maximum} items", pointer)
        if len(opts) < minimum:
            self.add(f"must provide at least {minimum} items", pointer)
        for i, opt in enumerate(opts):
            self.option(opt, f"{pointer}/{i}")

    # -- elements ---------------------------------------------------------------

    def element(self, el: Any, pointer: str, *, allow_input_only: bool = False) -> None:
        if not isinstance(el, dict):
            self.add("must be an object", pointer)
            return
        kind = el.get("type")
        if kind not in ELEMENT_TYPES:
            self.add(f"unsupported type: {kind}", f"{pointer}/type")
            return
        if kind in INPUT_ONLY_ELEMENTS and not allow_input_only:
            self.add(f"{kind} is only allowed in input blocks", f"{pointer}/type")
        if "action_id" in el:
            self.max_len(el["action_id"], 255, f"{pointer}/action_id")
        if kind == "image":
            self.image_fields(el, pointer)
            return
        if el.get("placeholder") is not None:
            self.text_object(
                el.get("placeholder"), f"{pointer}/placeholder", limit=150, plain_only=True
            )
        self.confirm(el.get("confirm"), f"{pointer}/confirm")
        if kind in {"button", "workflow_button"}:
            self.text_object(el.get("text"), f"{pointer}/text", limit=75, plain_only=True)
            if "value" in el:
                self.max_len(el["value"], 2000, f"{pointer}/value")
            if "url" in el:
                self.max_len(el["url"], 3000, f"{pointer}/url")
            style = el.get("style")
            if style is not None and style not in {"primary", "danger"}:
                self.add("must be one of primary, danger", f"{pointer}/style")
        elif kind in SELECT_TYPES:
            self.options(el.get("options"), f"{pointer}/options", 100)
            groups = el.get("option_groups")
            if isinstance(groups, list):
                if len(groups) > 100:
                    self.add("must provide no more than 100 items", f"{pointer}/option_groups")
                for i, group in enumerate(groups):
                    gp = f"{pointer}/option_groups/{i}"
                    if isinstance(group, dict):
                        self.text_object(group.get("label"), f"{gp}/label", limit=75)
                        self.options(group.get("options"), f"{gp}/options", 100)
        elif kind == "overflow":
            self.options(el.get("options"), f"{pointer}/options", 5)
        elif kind in {"checkboxes", "radio_buttons"}:
            self.options(el.get("options"), f"{pointer}/options", 10)
        elif kind == "plain_text_input":
            for key in ("min_length", "max_length"):
                value = el.get(key)
                if isinstance(value, int) and value > 3000:
                    self.add("must be less than 3001", f"{pointer}/{key}")

    def image_fields(self, obj: JSONLike, pointer: str) -> None:
        if obj.get("image_url") is None and obj.get("slack_file") is None:
            self.add("missing required field: image_url", pointer)
        self.max_len(obj.get("image_url"), 3000, f"{pointer}/image_url")
        alt = obj.get("alt_text")
        if not isinstance(alt, str):
            self.add("missing required field: alt_text", pointer)
        else:
            self.max_len(alt, 2000, f"{pointer}/alt_text")

    # -- blocks -----------------------------------------------------------------

    def blocks(self, blocks: list[Any], pointer: str, maximum: int) -> None:
        if len(blocks) > maximum:
            self.add(f"no more than {maximum} items allowed", pointer)
        seen: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}", seen)

    def block(self, block: Any, pointer: str, seen_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.add("must be an object", pointer)
            return
        kind = block.get("type")
        if kind is None:
            self.add("missing required field: type", pointer)
            return
        if kind not in BLOCK_TYPES:
            self.add(f"unsupported type: {kind}", f"{pointer}/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str):
                self.add("must be a string", f"{pointer}/block_id")
            else:
                self.max_len(block_id, 255, f"{pointer}/block_id")
                if block_id in seen_ids:
                    self.add(f"duplicate block_id: {block_id}", f"{pointer}/block_id")
                seen_ids.add(block_id)
        check = getattr(self, f"block_{kind}", None)
        if check is not None:
            check(block, pointer)

    def block_section(self, block: JSONLike, pointer: str) -> None:
        text, fields = block.get("text"), block.get("fields")
        if text is None and fields is None:
            self.add("must provide either text or fields", pointer)
        if text is not None:
            self.text_object(text, f"{pointer}/text", limit=3000)
        if fields is not None:
            if not isinstance(fields, list):
                self.add("must be an array", f"{pointer}/fields")
            else:
                if len(fields) > 10:
                    self.add("must provide no more than 10 items", f"{pointer}/fields")
                for i, field in enumerate(fields):
                    self.text_object(field, f"{pointer}/fields/{i}", limit=2000)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{pointer}/accessory")

    def block_header(self, block: JSONLike, pointer: str) -> None:
        self.text_object(block.get("text"), f"{pointer}/text", limit=150, plain_only=True)

    def block_image(self, block: JSONLike, pointer: str) -> None:
        self.image_fields(block, pointer)
        if block.get("title") is not None:
            self.text_object(block["title"], f"{pointer}/title", limit=2000, plain_only=True)

    def block_context(self, block: JSONLike, pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.add("missing required field: elements", pointer)
            return
        if len(elements) > 10:
            self.add("must provide no more than 10 items", f"{pointer}/elements")
        for i, el in enumerate(elements):
            ep = f"{pointer}/elements/{i}"
            if isinstance(el, dict) and el.get("type") == "image":
                self.image_fields(el, ep)
            else:
                self.text_object(el, ep, limit=3000)

    def block_actions(self, block: JSONLike, pointer: str) -> None:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            self.add("missing required field: elements", pointer)
            return
        if len(elements) > 25:
            self.add("must provide no more than 25 items", f"{pointer}/elements")
        for i, el in enumerate(elements):
            self.element(el, f"{pointer}/elements/{i}")

    def block_input(self, block: JSONLike, pointer: str) -> None:
        self.text_object(block.get("label"), f"{pointer}/label", limit=2000, plain_only=True)
        if block.get("hint") is not None:
            self.text_object(block["hint"], f"{pointer}/hint", limit=2000, plain_only=True)
        element = block.get("element")
        if element is None:
            self.add("missing required field: element", pointer)
        else:
            self.element(element, f"{pointer}/element", allow_input_only=True)

    def block_markdown(self, block: JSONLike, pointer: str) -> None:
        text = block.get("text")
        if not isinstance(text, str):
            self.add("missing required field: text", pointer)
        else:
            self.max_len(text, 12000, f"{pointer}/text")

    def block_rich_text(self, block: JSONLike, pointer: str) -> None:
        if not isinstance(block.get("elements"), list):
            self.add("missing required field: elements", pointer)


def readable_texts(node: Any) -> list[str]:
    """Every text in a block tree (blocks, a view, an element), in order: what a person reads."""
    texts: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            texts.append(node["text"])
        for value in node.values():
            texts.extend(readable_texts(value))
    elif isinstance(node, list):
        for item in node:
            texts.extend(readable_texts(item))
    return texts


def validate_blocks(blocks: Any, *, maximum: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Problems with a message's ``blocks`` array (pointer root ``/blocks``)."""
    checker = _Checker()
    if not isinstance(blocks, list):
        checker.add("must be an array", "/blocks")
        return checker.errors
    checker.blocks(blocks, "/blocks", maximum)
    return checker.errors


def validate_view(view: Any, *, expected_types: frozenset[str]) -> list[str]:
    """Problems with a modal or Home tab ``view`` (pointer root ``/view``)."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.add("must be an object", "/view")
        return checker.errors
    kind = view.get("type")
    if kind not in expected_types:
        allowed = ", ".join(sorted(expected_types))
        checker.add(f"must be one of {allowed}", "/view/type")
        return checker.errors
    if kind == "modal":
        checker.text_object(view.get("title"), "/view/title", limit=24, plain_only=True)
    elif view.get("title") is not None:
        checker.text_object(view.get("title"), "/view/title", limit=24, plain_only=True)
    for key in ("submit", "close"):
        if view.get(key) is not None:
            checker.text_object(view.get(key), f"/view/{key}", limit=24, plain_only=True)
    checker.max_len(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.max_len(view.get("callback_id"), 255, "/view/callback_id")
    checker.max_len(view.get("external_id"), 255, "/view/external_id")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        checker.add("missing required field: blocks", "/view")
        return checker.errors
    checker.blocks(blocks, "/view/blocks", MAX_VIEW_BLOCKS)
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if kind == "modal" and has_input and view.get("submit") is None:
        checker.add("must provide a submit property when using input blocks", "/view")
    return checker.errors
