"""How media, choices, progress and errors look in a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from savevid.errors import ErrorCode, SavevidError
from savevid.models import Media, Result, Stage
from savevid.models import Progress as ItemProgress


def human_size(size: int | None, approximate: bool = False) -> str:
    """``12.3 MB``-style size, ``~`` when approximate, ``?`` when unknown."""
    if size is None:
        return "?"
    value, unit = float(size), "B"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    text = f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
    return f"~{text}" if approximate else text


def human_duration(seconds: float | None) -> str:
    """``1:02:03`` or ``2:03``; ``?`` when unknown."""
    if seconds is None:
        return "?"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def media_view(media: Media) -> Table:
    """A two-column summary of a media item, followed by its choices or entries."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Title", Text(media.title))
    grid.add_row("Site", Text(media.site))
    if media.uploader:
        grid.add_row("Uploader", Text(media.uploader))
    if not media.is_playlist:
        grid.add_row("Duration", human_duration(media.duration))
    if media.thumbnail:
        grid.add_row("Thumbnail", Text(media.thumbnail))
    grid.add_row("Link", Text(media.url))
    return grid


def choices_table(media: Media) -> Table:
    """The choices of an item: the -q / --audio-only value to pass, what it is, its size."""
    table = Table(title="Choices", title_justify="left", show_edge=False)
    for name in ("Choose with", "What", "Type", "Size"):
        table.add_column(name)
    for option in media.choices:
        flag = (
            f"--audio-only --audio-format {option.choice.audio_format.value}"
            if option.choice.audio_only
            else f"-q {option.choice.quality.value}"
        )
        table.add_row(flag, option.label, option.ext or "?", human_size(option.size, option.size_approximate))
    return table


def entries_table(media: Media) -> Table:
    """The entries of a playlist."""
    table = Table(title=f"{len(media.entries)} items", title_justify="left", show_edge=False)
    for name in ("#", "Title", "Duration", "Link"):
        table.add_column(name)
    for number, entry in enumerate(media.entries, 1):
        table.add_row(
            str(number), Text(entry.title or entry.id or "?"), human_duration(entry.duration), Text(entry.url)
        )
    return table


# What the command line can do about a reason (the API's callers have no such options).
COMMAND_HINTS: dict[ErrorCode, str] = {
    ErrorCode.LOGIN_REQUIRED: "Try --cookies FILE or --cookies-from-browser NAME.",
    ErrorCode.AGE_RESTRICTED: "Try --cookies FILE or --cookies-from-browser NAME.",
    ErrorCode.PRIVATE: "If you have access, try --cookies-from-browser NAME.",
    ErrorCode.FORMAT_UNAVAILABLE: "Run 'savevid info URL' to see what is offered.",
}


def error_line(error: SavevidError, subject: str | None = None) -> Text:
    """One line: ``error: <subject>: <message> <hint>``, or the operator's detail when there is one."""
    line = Text("error: ", style="bold red")
    if subject:
        line.append(f"{subject}: ")
    line.append(error.for_operator)
    if not error.hint and not error.detail and error.code in COMMAND_HINTS:
        line.append(f" {COMMAND_HINTS[error.code]}")
    return line


def saved_line(result: Result) -> Text:
    """One line naming a finished file."""
    line = Text("saved: ", style="bold green")
    line.append(str(result.path))
    line.append(f" ({human_size(result.size)})", style="dim")
    return line


class ProgressBars:
    """One Rich progress bar per item, on stderr, only when stderr is a terminal."""

    def __init__(self, console: Console) -> None:
        self.bars = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            TextColumn("{task.fields[stage]}", markup=False),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
        )

    def __enter__(self) -> ProgressBars:
        self.bars.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.__exit__(None, None, None)

    def add(self, title: str) -> TaskID:
        """A new bar for an item, labelled with its (shortened) title."""
        label = title if len(title) <= 40 else f"{title[:39]}…"
        return self.bars.add_task(label, total=None, stage=Stage.RESOLVING.value)

    def update(self, task: TaskID, progress: ItemProgress) -> None:
        """Move a bar to the given progress."""
        self.bars.update(
            task, completed=progress.downloaded, total=progress.total, stage=progress.stage.value
        )
