"""Rendering Block Kit as readable plain text, for the demo and for test assertions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_mrkdwn(text: str, name_of: Callable[[str], str] = lambda uid: uid) -> str:
    text = _USER.sub(lambda m: "@" + name_of(m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return _unescape(text)


def _text(obj: Any, name_of: Callable[[str], str]) -> str:
    if not isinstance(obj, dict):
        return ""
    return render_mrkdwn(str(obj.get("text", "")), name_of)


def render_blocks(
    blocks: list[dict[str, Any]] | None,
    fallback: str = "",
    name_of: Callable[[str], str] = lambda uid: uid,
) -> str:
    """A plain-text picture of a message or view: sections, fields, context, buttons, inputs."""
    if not blocks:
        return render_mrkdwn(fallback, name_of)
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(_text(block.get("text"), name_of).upper())
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"], name_of))
            for field in block.get("fields", []):
                lines.append(_text(field, name_of).replace("\n", ": ", 1))
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                lines.append(f"[{_text(accessory.get('text'), name_of)}]")
        elif kind == "context":
            lines.append("  " + " ".join(_text(e, name_of) for e in block.get("elements", [])))
        elif kind == "actions":
            labels = [
                f"[{_text(e.get('text'), name_of)}]"
                for e in block.get("elements", [])
                if e.get("text")
            ]
            lines.append(" ".join(labels))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "input":
            lines.append(f"{_text(block.get('label'), name_of)}: ____")
        elif kind == "rich_text":
            lines.append(render_mrkdwn(fallback, name_of))
    return "\n".join(line for line in lines if line is not None)
