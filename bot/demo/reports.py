"""Demo step: an admin looks at the headline figures and gets the workbook in a DM."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from bot.demo.context import DemoContext


def run(ctx: DemoContext) -> None:
    emu, sample = ctx.emu, ctx.sample
    admin = sample.admin_id
    someone = ctx.someone
    ctx.step("Reports: how is Mingle doing?")
    ctx.command(someone, "admin stats")
    ctx.command(admin, "admin stats")

    ctx.step("The participation workbook, in the admin's DM")
    uploads = len(emu.files())
    result, key = ctx.driver.command(admin, "admin export")
    ctx.out(f"\n@{ctx.name(admin)} types: /mingle admin export")

    def finished() -> list[dict[str, Any]] | None:
        replies = emu.responses(key)
        return replies if len(replies) >= 2 or result.status != 200 else None

    for reply in emu.wait_for(finished, timeout=120):
        ctx.show(f"@{ctx.name(admin)}", "only visible to you", reply.get("blocks"), reply["text"])
    dm = emu.dm_channel(admin) or ""
    files = emu.wait_for(lambda: len(emu.files()) > uploads and emu.files(dm), timeout=30)
    upload = files[-1]
    ctx.out(f"\nIn @{ctx.name(admin)}'s DM with Mingle: {upload['initial_comment']}")
    ctx.out(f"  file: {upload['filename']} ({upload['size']:,} bytes)")
    book = openpyxl.load_workbook(io.BytesIO(upload["content"]))
    for ws in book.worksheets:
        if ws.title == "Summary":
            charts = len(ws._charts)
            ctx.out(f"  sheet Summary: headline figures, {charts} chart{'s' * (charts != 1)}")
        else:
            rows = ws.max_row - 1
            ctx.out(f"  sheet {ws.title}: {rows} row{'' if rows == 1 else 's'}")
    ctx.note(
        f"Reports: stats for admins only; {upload['filename']} ({upload['size'] // 1024} KB, "
        f"{len(book.sheetnames)} sheets) uploaded to the admin's DM."
    )
