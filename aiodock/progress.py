"""Show pull, push, build and load progress on a terminal.

The daemon reports these operations as a stream of JSON objects: per-layer status and
byte counts (``{"id": "a3ed95caeb02", "status": "Downloading", "progressDetail":
{"current": 32768, "total": 2152262}}``), plain messages (``{"status": "Digest: ..."}``)
and build output (``{"stream": "Step 1/3 : FROM busybox\\n"}``).

:func:`show_progress` runs such a stream to its end while drawing one bar per layer and
returns the operation's result::

    image = await show_progress(docker.images.pull("busybox", tag="latest"))

With the optional ``rich`` extra (``pip install aiodock[rich]``) and a terminal, the bars
are live ``rich`` progress bars; otherwise (no ``rich``, output redirected to a file or a
CI log) they become plain lines, one per status change and per 25 % of a transfer.
:class:`ProgressTracker` is the display-free state machine underneath, for building
your own display.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Literal, TypeVar

from .buildkit import StatusResponse
from .errors import InvalidArgument

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from .streams import ProgressStream

__all__ = [
    "LayerProgress",
    "PlainDisplay",
    "ProgressDisplay",
    "ProgressTracker",
    "RichDisplay",
    "format_bytes",
    "progress_display",
    "rich_available",
    "show_progress",
]

R = TypeVar("R")
D = TypeVar("D", bound="ProgressDisplay")

Mode = Literal["auto", "rich", "plain"]

# Statuses after which a layer has nothing left to do.
_FINAL_STATUSES = frozenset(
    {
        "Pull complete",
        "Already exists",
        "Pushed",
        "done",
        "Layer already exists",
        "Loaded",
    }
)
_FINAL_PREFIXES = ("Mounted from", "Exists")


def format_bytes(size: float) -> str:
    """A byte count the way the docker CLI prints it: decimal units, three digits."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            if unit == "B":
                return f"{int(value)}B"
            return f"{value:.3g}{unit}" if abs(value) < 1000 else f"{value:.0f}{unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class LayerProgress:
    """What is known about one layer: its last status and transfer counts."""

    id: str
    status: str = ""
    current: int | None = None
    total: int | None = None

    @property
    def done(self) -> bool:
        """``True`` once the layer reached a final status (pulled, pushed, already there)."""
        return self.status in _FINAL_STATUSES or self.status.startswith(_FINAL_PREFIXES)

    @property
    def fraction(self) -> float | None:
        """How far the current transfer is, from 0 to 1 (``None`` when no size is known)."""
        if self.done:
            return 1.0
        if self.current is None or not self.total:
            return None
        return max(0.0, min(1.0, self.current / self.total))

    def describe(self) -> str:
        """``"Downloading 40% (861kB/2.15MB)"``: the status with its counts when it has any."""
        fraction = self.fraction
        if self.done or fraction is None or self.current is None or self.total is None:
            return self.status
        return (
            f"{self.status} {fraction:4.0%} "
            f"({format_bytes(self.current)}/{format_bytes(self.total)})"
        )


@dataclass(frozen=True)
class LayerUpdate:
    """A layer changed: ``new_status`` tells whether its status text changed too."""

    layer: LayerProgress
    new_status: bool


@dataclass(frozen=True)
class Message:
    """A line to show as it is (build output, ``Digest: ...``, ``Status: ...``)."""

    text: str
    error: bool = False


Update = LayerUpdate | Message


class ProgressTracker:
    """Turns progress objects into layer states and message lines, with no output of its own.

    Feed each object the daemon sent to :meth:`update`; it returns what changed.
    ``layers`` keeps every layer seen, in order of first appearance.
    """

    def __init__(self) -> None:
        self.layers: dict[str, LayerProgress] = {}
        self._partial = ""
        self._vertex_state: dict[str, str] = {}
        self._vertex_names: dict[str, str] = {}
        self._log_partial: dict[str, str] = {}

    def update(self, item: Mapping[str, Any]) -> list[Update]:
        """Apply one progress object; return the changes to show (possibly none)."""
        out: list[Update] = []
        if item.get("id") == "moby.buildkit.trace":
            aux = item.get("aux")
            return self._buildkit(aux) if isinstance(aux, StatusResponse) else out
        stream = item.get("stream")
        if isinstance(stream, str) and stream:
            out.extend(self._stream_text(stream))
        error = item.get("error") or (item.get("errorDetail") or {}).get("message")
        if error:
            out.append(Message(str(error).rstrip("\n"), error=True))
            return out
        status = item.get("status")
        ident = item.get("id")
        if not isinstance(status, str) or not status:
            return out
        if not isinstance(ident, str) or not ident or "progressDetail" not in item:
            # No layer: a message, possibly about a tag ("latest: Pulling from library/x").
            text = f"{ident}: {status}" if isinstance(ident, str) and ident else status
            out.append(Message(text))
            return out
        layer = self.layers.get(ident)
        if layer is None:
            layer = self.layers[ident] = LayerProgress(ident)
        new_status = status != layer.status
        detail = item.get("progressDetail") or {}
        current, total = detail.get("current"), detail.get("total")
        if isinstance(current, int) and not isinstance(current, bool):
            layer.current = current
            layer.total = total if isinstance(total, int) and total > 0 else None
        elif new_status:
            layer.current = layer.total = None
        layer.status = status
        out.append(LayerUpdate(layer, new_status))
        return out

    def _buildkit(self, status: StatusResponse) -> list[Update]:
        """A decoded BuildKit update: steps as messages when they start and end, transfers
        as layers, the steps' output as indented lines."""
        out: list[Update] = []
        for vertex in status.vertexes:
            self._vertex_names[vertex.digest] = vertex.name
            if vertex.error:
                state, text = "error", f"{vertex.name}: ERROR {vertex.error}"
            elif vertex.cached:
                state, text = "cached", f"{vertex.name}: CACHED"
            elif vertex.completed is not None:
                took = ""
                if vertex.started is not None:
                    took = f" {(vertex.completed - vertex.started).total_seconds():.1f}s"
                state, text = "done", f"{vertex.name}: DONE{took}"
            elif vertex.started is not None:
                state, text = "started", vertex.name
            else:
                continue
            if self._vertex_state.get(vertex.digest) != state:
                self._vertex_state[vertex.digest] = state
                out.append(Message(text, error=state == "error"))
        for task in status.statuses:
            layer = self.layers.get(task.id)
            if layer is None:
                layer = self.layers[task.id] = LayerProgress(task.id)
            text = "done" if task.completed is not None else (task.name or "working")
            new_status = text != layer.status
            layer.status = text
            layer.current = task.current
            layer.total = task.total or None
            out.append(LayerUpdate(layer, new_status))
        for log in status.logs:
            text = self._log_partial.pop(log.vertex, "") + log.data.decode("utf-8", "replace")
            *lines, rest = text.split("\n")
            if rest:
                self._log_partial[log.vertex] = rest
            out.extend(Message("  " + line.rstrip("\r")) for line in lines)
        return out

    def _stream_text(self, text: str) -> list[Update]:
        text = self._partial + text
        *lines, self._partial = text.split("\n")
        return [Message(line.rstrip("\r")) for line in lines]

    def flush(self) -> list[Update]:
        """The last build-output line when it did not end with a newline."""
        rest, self._partial = self._partial, ""
        out: list[Update] = [Message(rest)] if rest else []
        out.extend(Message("  " + text) for text in self._log_partial.values())
        self._log_partial.clear()
        return out


class ProgressDisplay:
    """Base of the displays: feed progress objects to :meth:`update` inside ``with``."""

    def __init__(self) -> None:
        self.tracker = ProgressTracker()

    def update(self, item: Mapping[str, Any]) -> None:
        """Show one progress object."""
        for change in self.tracker.update(item):
            self._show(change)

    def _show(self, change: Update) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Begin drawing (called by ``with``)."""

    def stop(self) -> None:
        """Finish drawing: flush pending text and leave the final state on screen."""
        for change in self.tracker.flush():
            self._show(change)

    def __enter__(self: D) -> D:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class PlainDisplay(ProgressDisplay):
    """Plain text lines: a message as it comes, a layer's status when it changes, and each
    quarter of a transfer (``a3ed95caeb02: Downloading  50% (1.08MB/2.15MB)``)."""

    def __init__(self, file: IO[str] | None = None, *, steps: int = 4) -> None:
        super().__init__()
        if steps < 1:
            raise InvalidArgument(f"steps must be at least 1, not {steps!r}")
        self.file = file
        self.steps = steps
        self._shown_step: dict[str, int] = {}

    def _write(self, line: str) -> None:
        file = self.file if self.file is not None else sys.stdout
        file.write(line + "\n")
        file.flush()

    def _show(self, change: Update) -> None:
        if isinstance(change, Message):
            self._write(f"error: {change.text}" if change.error else change.text)
            return
        layer = change.layer
        fraction = layer.fraction
        step = -1 if fraction is None or layer.done else int(fraction * self.steps)
        if change.new_status or step > self._shown_step.get(layer.id, -1):
            self._shown_step[layer.id] = step
            self._write(f"{layer.id}: {layer.describe()}")


class RichDisplay(ProgressDisplay):
    """Live per-layer bars drawn with ``rich`` (needs the ``rich`` extra)."""

    def __init__(self, console: Console | None = None) -> None:
        super().__init__()
        try:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TransferSpeedColumn,
            )
        except ImportError as exc:
            raise InvalidArgument(
                "the rich progress display needs rich: pip install 'aiodock[rich]'"
            ) from exc
        self.progress: Progress = Progress(
            TextColumn("{task.fields[layer]}", style="bold"),
            TextColumn("{task.description:<18}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
        )
        self._tasks: dict[str, TaskID] = {}

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        super().stop()
        self.progress.stop()

    def _show(self, change: Update) -> None:
        if isinstance(change, Message):
            style = "red" if change.error else None
            self.progress.console.print(change.text, style=style, markup=False, highlight=False)
            return
        layer = change.layer
        task = self._tasks.get(layer.id)
        if task is None:
            task = self._tasks[layer.id] = self.progress.add_task(
                layer.status, layer=layer.id, total=None
            )
        if layer.done:
            total = layer.total or 1
            self.progress.update(task, description=layer.status, total=total, completed=total)
        elif layer.current is not None and layer.total is not None:
            self.progress.update(
                task, description=layer.status, total=layer.total, completed=layer.current
            )
        else:
            self.progress.update(task, description=layer.status, total=None, completed=0)


def rich_available() -> bool:
    """Whether the optional ``rich`` package can be imported."""
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def progress_display(
    mode: Mode = "auto", *, file: IO[str] | None = None, console: Console | None = None
) -> ProgressDisplay:
    """A display for progress objects: ``rich`` bars in ``"auto"`` mode when ``rich`` is
    installed and the output is a terminal, plain lines otherwise.

    ``file`` is where plain lines go (standard output by default); ``console`` is the
    ``rich`` console to draw on.
    """
    if mode not in ("auto", "rich", "plain"):
        raise InvalidArgument(f"mode must be 'auto', 'rich' or 'plain', not {mode!r}")
    if mode == "plain":
        return PlainDisplay(file)
    if mode == "auto":
        if not rich_available():
            return PlainDisplay(file)
        if console is None:
            from rich.console import Console

            console = Console(file=file)
        if not console.is_terminal:
            return PlainDisplay(file if file is not None else console.file)
    elif console is None and file is not None:
        from rich.console import Console

        console = Console(file=file)
    return RichDisplay(console)


async def show_progress(
    stream: ProgressStream[R],
    *,
    mode: Mode = "auto",
    file: IO[str] | None = None,
    console: Console | None = None,
) -> R:
    """Run a progress stream (pull, push, build, load) to its end while showing it, and
    return the operation's result. Errors in the stream are raised as usual, after what
    came before them was shown."""
    display = progress_display(mode, file=file, console=console)
    with display:
        async with stream:
            async for item in stream:
                display.update(item)
    return await stream.result()
