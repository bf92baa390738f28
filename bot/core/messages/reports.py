"""Messages for admin reports: headline stats, the Home tab section, and export notices."""

from __future__ import annotations

from bot.core.blocks import (
    Block,
    Reply,
    channel_link,
    context,
    divider,
    escape,
    fields_section,
    header,
    section,
)
from bot.core.stats import Headline, percent


def _where(figures: Headline) -> str:
    return channel_link(figures.channel_id) if figures.channel_id else "all channels"


def headline_pairs(figures: Headline) -> list[tuple[str, str]]:
    """(label, value) for the headline figures, in the Summary sheet's order."""
    members = figures.members
    return [
        ("Members opted in", f"{members.opted_in:,}"),
        ("Active / paused / left", f"{members.active:,} / {members.paused:,} / {members.left:,}"),
        ("Rounds run", f"{figures.rounds_run:,}"),
        ("Groups made", f"{figures.groups_made:,}"),
        ("Groups that met", f"{figures.groups_met:,}"),
        ("Met rate", percent(figures.met_rate)),
        ("Prompts posted", f"{figures.prompts_posted:,}"),
        ("Answers shared", f"{figures.answers_shared:,}"),
        ("Introductions made", f"{figures.intros_made:,}"),
        ("Chat times agreed", f"{figures.times_agreed:,}"),
        ("Thank-you notes sent", f"{figures.thank_yous_sent:,}"),
    ]


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def summary_line(figures: Headline) -> str:
    """One line of plain text with the main figures (fallbacks, CLI, upload comment)."""
    members = figures.members
    return (
        f"{_count(members.opted_in, 'member')} opted in ({members.active:,} active, "
        f"{members.paused:,} paused, {members.left:,} left), "
        f"{_count(figures.rounds_run, 'round')}, {_count(figures.groups_made, 'group')}, "
        f"met rate {percent(figures.met_rate)}, {_count(figures.prompts_posted, 'prompt')}, "
        f"{_count(figures.answers_shared, 'answer')}"
    )


def _figure_blocks(figures: Headline) -> list[Block]:
    pairs = headline_pairs(figures)
    return [fields_section(pairs[:6]), fields_section(pairs[6:])]


def stats_reply(figures: Headline) -> Reply:
    """`/mingle admin stats`: the headline figures, only to the admin."""
    where = _where(figures)
    blocks = [
        section(f":bar_chart: *Mingle in {where}*, {escape(figures.period)}"),
        *_figure_blocks(figures),
        context(
            "Met rate counts groups that answered “Did you meet?”. "
            "The full workbook: `/mingle admin export`."
        ),
    ]
    text = f"Mingle in {'this channel' if figures.channel_id else 'all channels'}: " + (
        summary_line(figures)
    )
    return Reply(text, blocks)


def home_stats_blocks(figures: Headline) -> list[Block]:
    """The admin-only section of the Home tab."""
    return [
        divider(),
        header("Admin: how Mingle is doing"),
        context(f"All channels, {escape(figures.period)}. Only admins see this."),
        *_figure_blocks(figures),
        context("`/mingle admin stats #channel` for one channel, `/mingle admin export` for all."),
    ]


def export_started_reply(channel_id: str | None) -> Reply:
    """Shown at once, while the workbook is being built."""
    where = channel_link(channel_id) if channel_id else "all channels"
    return Reply(
        "Building your Mingle report; it will arrive in your DM with Mingle.",
        [
            section(
                f":hourglass_flowing_sand: Building the participation workbook for "
                f"{where}. It's on its way to your DM with Mingle."
            )
        ],
    )


def export_sent_reply(filename: str, size: int) -> Reply:
    kilobytes = max(1, round(size / 1024))
    return Reply(
        f"Your report {filename} is in your DM with Mingle.",
        [
            section(
                f":white_check_mark: Sent `{escape(filename)}` ({kilobytes:,} KB) to your DM "
                "with Mingle."
            )
        ],
    )


def upload_comment(figures: Headline) -> str:
    """The message that comes with the uploaded workbook."""
    return (
        f":bar_chart: Mingle participation report for {_where(figures)}, "
        f"{escape(figures.period)}: {escape(summary_line(figures))}."
    )
