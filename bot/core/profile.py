"""Profiles: the data a member shows, and validation of what they submit.

Topics (interests, can-help-with, want-to-learn) are normalised (`normalize_interest`),
1-40 characters each, at most 20 per list, duplicates merged (first spelling kept in order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.hours import WorkingHours, validate_hours_form
from bot.core.text import normalize_interest, strip_controls

MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 40
MAX_BIO = 300
MAX_LINKS = 500
MAX_TEAM = 60
TOPIC_KINDS = ("interest", "can_help", "learn")
TOPIC_LABELS = {
    "interest": "Interests",
    "can_help": "Can help with",
    "learn": "Wants to learn",
}


@dataclass(frozen=True)
class Profile:
    """What Mingle knows about a member, as shown on Home and by `/mingle profile`."""

    user_id: str
    display_name: str = ""
    tz: str = "UTC"
    team: str = ""
    bio: str = ""
    links: str = ""
    status: str = "active"  # active | paused | left | none (never joined)
    paused_until: dt.date | None = None
    interests: tuple[str, ...] = ()
    can_help: tuple[str, ...] = ()
    learn: tuple[str, ...] = ()
    reconnect_enabled: bool = False
    hours: WorkingHours = WorkingHours()

    def topics(self, kind: str) -> tuple[str, ...]:
        return {"interest": self.interests, "can_help": self.can_help, "learn": self.learn}[kind]


@dataclass
class ProfileEdit:
    """A validated profile submission, or the errors to show next to each field."""

    topics: dict[str, list[str]] = field(default_factory=dict)
    bio: str = ""
    links: str = ""
    team: str = ""
    hours: WorkingHours | None = None  # None: unchanged
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_topics(raw: Iterable[str]) -> tuple[list[str], str | None]:
    """Normalise topics; return them (deduplicated, in order) and an error message or None."""
    seen: dict[str, None] = {}
    for item in raw:
        name = normalize_interest(strip_controls(item))
        if not name:
            continue
        if len(name) > MAX_TOPIC_LENGTH:
            return (
                [],
                f"“{name[:20]}…” is too long: keep each one to {MAX_TOPIC_LENGTH} characters.",
            )
        seen.setdefault(name, None)
    names = list(seen)
    if len(names) > MAX_TOPICS:
        return [], f"Pick at most {MAX_TOPICS} (you have {len(names)})."
    return names, None


def validate_profile(
    topics: dict[str, Iterable[str]],
    bio: str,
    links: str,
    team: str,
    hours: tuple[str | None, str | None, list[str] | None] | None = None,
) -> ProfileEdit:
    """Validate a profile submission; field errors are keyed by the field name. `hours` is
    (start, end, weekday keys) from the form, None when the form had no hours fields."""
    edit = ProfileEdit()
    if hours is not None:
        edit.hours, errors = validate_hours_form(*hours)
        edit.errors.update(errors)
    for kind in TOPIC_KINDS:
        names, error = clean_topics(topics.get(kind, ()))
        if error:
            edit.errors[kind] = error
        edit.topics[kind] = names
    edit.bio = strip_controls(bio)
    if len(edit.bio) > MAX_BIO:
        edit.errors["bio"] = f"Keep your bio to {MAX_BIO} characters (it is {len(edit.bio)})."
    edit.links = strip_controls(links)
    if len(edit.links) > MAX_LINKS:
        edit.errors["links"] = f"Keep links to {MAX_LINKS} characters."
    edit.team = strip_controls(team)
    if len(edit.team) > MAX_TEAM:
        edit.errors["team"] = f"Keep the team name to {MAX_TEAM} characters."
    return edit


def merge_topics(current: Iterable[str], added: Iterable[str]) -> tuple[list[str], str | None]:
    """Add topics to a list, enforcing the same rules as the profile form."""
    return clean_topics([*current, *added])
