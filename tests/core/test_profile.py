from __future__ import annotations

from bot.core.blocks import escape
from bot.core.profile import validate_profile


def test_normalises_case_whitespace_and_merges_duplicates() -> None:
    edit = validate_profile(
        {"interest": ["  Machine   LEARNING ", "machine learning", "Rust", "", "   "]},
        bio="",
        links="",
        team="",
    )
    assert edit.ok
    assert edit.topics["interest"] == ["machine learning", "rust"]


def test_rejects_more_than_twenty_and_names_the_field() -> None:
    edit = validate_profile({"can_help": [f"topic {i}" for i in range(21)]}, "", "", "")
    assert not edit.ok
    assert "at most 20" in edit.errors["can_help"]
    assert "interest" not in edit.errors


def test_twenty_distinct_after_merging_is_fine() -> None:
    topics = [f"Topic {i}" for i in range(20)] + [f"topic {i}" for i in range(20)]
    assert validate_profile({"interest": topics}, "", "", "").ok


def test_rejects_topics_over_forty_characters() -> None:
    edit = validate_profile({"learn": ["x" * 41]}, "", "", "")
    assert "40 characters" in edit.errors["learn"]
    assert validate_profile({"learn": ["x" * 40]}, "", "", "").ok


def test_bio_limit_and_unicode() -> None:
    assert "300" in validate_profile({}, "é" * 301, "", "").errors["bio"]
    edit = validate_profile({"interest": ["Café ☕", "CAFÉ ☕"]}, "Ünïcødé bio", "", "")
    assert edit.ok and edit.topics["interest"] == ["café ☕"]


def test_escape_neutralises_mentions_and_markup() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_error_and_help_replies_escape_user_text_in_the_fallback_too() -> None:
    from bot.core.messages.help import error_reply, help_reply

    for reply in (error_reply("I don't know `<!channel>`"), help_reply("", "bad <@U1> & co")):
        assert "<!channel>" not in reply.text and "<@U1>" not in reply.text
        assert "&lt;" in reply.text
