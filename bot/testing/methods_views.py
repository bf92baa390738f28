"""Emulated ``views.*`` methods: the Home tab and modals.

Trigger ids are accepted permissively (any non-empty string): the emulator cannot know which
interactions a test has simulated. Ids produced by ``SlackEmulator.issue_trigger_id(user)``
additionally tell the emulator which user the modal belongs to.
"""

from __future__ import annotations

import copy

from bot.testing.api import JSON, ApiRequest, SlackApiError, method
from bot.testing.blockkit import validate_view
from bot.testing.methods_chat import assign_block_ids
from bot.testing.state import View, Workspace

MAX_MODAL_STACK = 3
_MODAL = frozenset({"modal"})
_HOME = frozenset({"home"})


def _submitted_view(req: ApiRequest, expected: frozenset[str]) -> JSON:
    view = req.json_arg("view")
    if view is None:
        raise SlackApiError("invalid_arguments", messages=["[ERROR] missing required field: view"])
    problems = validate_view(view, expected_types=expected)
    if problems:
        raise SlackApiError("invalid_arguments", messages=problems)
    view = copy.deepcopy(view)
    view["blocks"] = assign_block_ids(view["blocks"])
    return dict(view)


def _trigger(req: ApiRequest) -> str:
    trigger = req.str_arg("trigger_id") or req.str_arg("interactivity_pointer")
    if not trigger:
        raise SlackApiError("invalid_trigger_id")
    return trigger


def _check_external_id(ws: Workspace, view: JSON, own_id: str | None = None) -> str | None:
    external_id = view.get("external_id") or None
    if external_id is None:
        return None
    for other in ws.views.values():
        if other.external_id == external_id and other.id != own_id:
            raise SlackApiError("duplicate_external_id")
    return str(external_id)


def _log(ws: Workspace, view: View, method_name: str) -> JSON:
    rendered = ws.render_view(view)
    ws.view_log.append(
        {
            **copy.deepcopy(rendered),
            "view_id": view.id,
            "user": view.user,
            "trigger": view.trigger_id,
            "method": method_name,
        }
    )
    return rendered


@method("views.publish")
def views_publish(ws: Workspace, req: ApiRequest) -> JSON:
    user = ws.get_user(req.str_arg("user_id"))
    submitted = _submitted_view(req, _HOME)
    current = ws.home.get(user.id)
    expected_hash = req.str_arg("hash")
    if current is not None and expected_hash and expected_hash != current.hash:
        raise SlackApiError("hash_conflict")
    external_id = _check_external_id(ws, submitted, current.id if current else None)
    view_id = current.id if current is not None else ws.new_id("V")
    view = View(
        id=view_id,
        view=submitted,
        hash=ws.new_hash(),
        user=user.id,
        trigger_id=None,
        root_view_id=view_id,
        previous_view_id=None,
        external_id=external_id,
    )
    ws.home[user.id] = view
    ws.views[view_id] = view
    return {"view": ws.render_view(view)}


def _stack_modal(ws: Workspace, req: ApiRequest, method: str, *, on_top: bool) -> JSON:
    """A new modal for the trigger's user: the first of a fresh stack (`views.open`) or on
    top of the open ones (`views.push`)."""
    trigger = _trigger(req)
    submitted = _submitted_view(req, _MODAL)
    external_id = _check_external_id(ws, submitted)
    user = ws.triggers.get(trigger)
    stack = ws.modal_stacks.setdefault(user, []) if on_top else []
    if len(stack) >= MAX_MODAL_STACK:
        raise SlackApiError("push_limit_reached")
    view_id = ws.new_id("V")
    view = View(
        id=view_id,
        view=submitted,
        hash=ws.new_hash(),
        user=user,
        trigger_id=trigger,
        root_view_id=stack[0] if stack else view_id,
        previous_view_id=stack[-1] if stack else None,
        external_id=external_id,
    )
    stack.append(view_id)
    ws.modal_stacks[user] = stack
    ws.views[view_id] = view
    return {"view": _log(ws, view, method)}


@method("views.open")
def views_open(ws: Workspace, req: ApiRequest) -> JSON:
    return _stack_modal(ws, req, "views.open", on_top=False)


@method("views.push")
def views_push(ws: Workspace, req: ApiRequest) -> JSON:
    return _stack_modal(ws, req, "views.push", on_top=True)


@method("views.update")
def views_update(ws: Workspace, req: ApiRequest) -> JSON:
    view_id = req.str_arg("view_id")
    external_id = req.str_arg("external_id")
    if not view_id and not external_id:
        raise SlackApiError(
            "invalid_arguments", messages=["[ERROR] view_id or external_id is required"]
        )
    target: View | None = None
    if view_id:
        target = ws.views.get(view_id)
    else:
        target = next((v for v in ws.views.values() if v.external_id == external_id), None)
    if target is None:
        raise SlackApiError("not_found")
    expected_hash = req.str_arg("hash")
    if expected_hash and expected_hash != target.hash:
        raise SlackApiError("hash_conflict")
    kind = str(target.view.get("type"))
    submitted = _submitted_view(req, frozenset({kind}))
    new_external = _check_external_id(ws, submitted, target.id)
    target.view = submitted
    target.hash = ws.new_hash()
    if new_external is not None:
        target.external_id = new_external
    return {"view": _log(ws, target, "views.update")}
