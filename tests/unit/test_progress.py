"""The progress renderer, fed progress objects recorded from Engine 20.10 (digests shortened,
the daemon's own ``progress`` bar strings dropped)."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from aiodock.buildkit import StatusResponse, Vertex, VertexLog, VertexStatus
from aiodock.errors import InvalidArgument
from aiodock.progress import (
    LayerProgress,
    PlainDisplay,
    ProgressTracker,
    RichDisplay,
    format_bytes,
    progress_display,
    rich_available,
)
from aiodock.progress import Message as ProgressMessage

# docker pull of a three-layer image from a local registry, the first layer already present.
PULL = """
{"status":"Pulling from rec/layers","id":"1"}
{"status":"Already exists","progressDetail":{},"id":"b79db6a60b50"}
{"status":"Pulling fs layer","progressDetail":{},"id":"ffd7e1fbd4f1"}
{"status":"Pulling fs layer","progressDetail":{},"id":"adba09e7aecf"}
{"status":"Downloading","progressDetail":{"current":108,"total":108},"id":"adba09e7aecf"}
{"status":"Verifying Checksum","progressDetail":{},"id":"adba09e7aecf"}
{"status":"Download complete","progressDetail":{},"id":"adba09e7aecf"}
{"status":"Downloading","progressDetail":{"current":36445,"total":3001131},"id":"ffd7e1fbd4f1"}
{"status":"Verifying Checksum","progressDetail":{},"id":"ffd7e1fbd4f1"}
{"status":"Download complete","progressDetail":{},"id":"ffd7e1fbd4f1"}
{"status":"Extracting","progressDetail":{"current":32768,"total":3001131},"id":"ffd7e1fbd4f1"}
{"status":"Extracting","progressDetail":{"current":3001131,"total":3001131},"id":"ffd7e1fbd4f1"}
{"status":"Pull complete","progressDetail":{},"id":"ffd7e1fbd4f1"}
{"status":"Extracting","progressDetail":{"current":108,"total":108},"id":"adba09e7aecf"}
{"status":"Extracting","progressDetail":{"current":108,"total":108},"id":"adba09e7aecf"}
{"status":"Pull complete","progressDetail":{},"id":"adba09e7aecf"}
{"status":"Digest: sha256:27813fc37271e4a3"}
{"status":"Status: Downloaded newer image for localhost:5871/rec/layers:1"}
"""

# docker push: the daemon reports more bytes pushed than the layer's size at the end.
PUSH = """
{"status":"The push refers to repository [localhost:5871/rec/busybox]"}
{"status":"Preparing","progressDetail":{},"id":"a76f78e322c5"}
{"status":"Pushing","progressDetail":{"current":19968,"total":1984241},"id":"a76f78e322c5"}
{"status":"Pushing","progressDetail":{"current":2129920,"total":1984241},"id":"a76f78e322c5"}
{"status":"Pushed","progressDetail":{},"id":"a76f78e322c5"}
{"status":"1: digest: sha256:3540dab606691e5d size: 527"}
{"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:3540dab606691e5d","Size":527}}
"""

# The classic builder: a step's title and its newline arrive as two objects.
BUILD = """
{"stream":"Step 1/2 : FROM aiodock-test/busybox:latest"}
{"stream":"\\n"}
{"stream":" ---\\u003e e30e7fca55c4\\n"}
{"stream":"Step 2/2 : RUN echo hi \\u003e /x"}
{"stream":"\\n"}
{"stream":" ---\\u003e Running in 65d86ab72617\\n"}
{"stream":"Removing intermediate container 65d86ab72617\\n"}
{"stream":" ---\\u003e 2939fa51c937\\n"}
{"aux":{"ID":"sha256:2939fa51c9375d0a"}}
{"stream":"Successfully built 2939fa51c937\\n"}
{"stream":"Successfully tagged aiodock-rec:1\\n"}
"""


def objects(recording: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in recording.strip().splitlines()]


def plain_output(recording: str, **kwargs: Any) -> list[str]:
    out = io.StringIO()
    with PlainDisplay(out, **kwargs) as display:
        for item in objects(recording):
            display.update(item)
    return out.getvalue().splitlines()


def test_tracker_follows_layers_in_order_of_appearance() -> None:
    tracker = ProgressTracker()
    messages = []
    for item in objects(PULL):
        messages += [c.text for c in tracker.update(item) if isinstance(c, ProgressMessage)]
    assert list(tracker.layers) == ["b79db6a60b50", "ffd7e1fbd4f1", "adba09e7aecf"]
    assert all(layer.done for layer in tracker.layers.values())
    assert messages == [
        "1: Pulling from rec/layers",
        "Digest: sha256:27813fc37271e4a3",
        "Status: Downloaded newer image for localhost:5871/rec/layers:1",
    ]


def test_tracker_resets_counts_when_a_new_phase_starts() -> None:
    tracker = ProgressTracker()
    for item in objects(PULL)[:11]:  # up to the first "Extracting" of the big layer
        tracker.update(item)
    layer = tracker.layers["ffd7e1fbd4f1"]
    assert (layer.status, layer.current, layer.total) == ("Extracting", 32768, 3001131)
    tracker.update({"status": "Verifying Checksum", "progressDetail": {}, "id": "ffd7e1fbd4f1"})
    assert (layer.current, layer.total, layer.fraction) == (None, None, None)


def test_plain_display_of_a_pull() -> None:
    lines = plain_output(PULL)
    assert lines[0] == "1: Pulling from rec/layers"
    assert "b79db6a60b50: Already exists" in lines
    assert "ffd7e1fbd4f1: Downloading   1% (36.4kB/3MB)" in lines
    assert "ffd7e1fbd4f1: Extracting 100% (3MB/3MB)" in lines
    assert lines[-1] == "Status: Downloaded newer image for localhost:5871/rec/layers:1"
    # Repeating the same status at the same step prints nothing new.
    assert lines.count("adba09e7aecf: Extracting 100% (108B/108B)") == 1
    assert sum(line.endswith("Pull complete") for line in lines) == 2


def test_plain_display_of_a_push_clamps_an_overshooting_count() -> None:
    assert plain_output(PUSH) == [
        "The push refers to repository [localhost:5871/rec/busybox]",
        "a76f78e322c5: Preparing",
        "a76f78e322c5: Pushing   1% (20kB/1.98MB)",
        "a76f78e322c5: Pushing 100% (2.13MB/1.98MB)",
        "a76f78e322c5: Pushed",
        "1: digest: sha256:3540dab606691e5d size: 527",
    ]


def test_plain_display_prints_each_quarter_of_a_transfer_once() -> None:
    total = 1000
    items = [
        {"status": "Downloading", "progressDetail": {"current": n, "total": total}, "id": "L"}
        for n in range(0, total + 1, 50)
    ]
    out = io.StringIO()
    with PlainDisplay(out) as display:
        for item in items:
            display.update(item)
    percents = [line.split()[2] for line in out.getvalue().splitlines()]
    assert percents == ["0%", "25%", "50%", "75%", "100%"]


def test_build_output_lines_are_joined_across_objects() -> None:
    assert plain_output(BUILD) == [
        "Step 1/2 : FROM aiodock-test/busybox:latest",
        " ---> e30e7fca55c4",
        "Step 2/2 : RUN echo hi > /x",
        " ---> Running in 65d86ab72617",
        "Removing intermediate container 65d86ab72617",
        " ---> 2939fa51c937",
        "Successfully built 2939fa51c937",
        "Successfully tagged aiodock-rec:1",
    ]


def test_unterminated_build_output_is_flushed_at_the_end() -> None:
    out = io.StringIO()
    with PlainDisplay(out) as display:
        display.update({"stream": "first\nsecond"})
        assert out.getvalue() == "first\n"
    assert out.getvalue() == "first\nsecond\n"


def test_an_error_object_is_shown_as_an_error() -> None:
    out = io.StringIO()
    with PlainDisplay(out) as display:
        display.update(
            {"errorDetail": {"message": "manifest unknown"}, "error": "manifest unknown"}
        )
    assert out.getvalue() == "error: manifest unknown\n"


def test_layer_progress_describe_and_fraction() -> None:
    layer = LayerProgress("abc", "Downloading", current=500, total=2000)
    assert layer.fraction == 0.25
    assert layer.describe() == "Downloading  25% (500B/2kB)"
    assert not layer.done
    assert LayerProgress("abc", "Waiting").describe() == "Waiting"
    assert LayerProgress("abc", "Mounted from library/busybox").done
    assert LayerProgress("abc", "Pushing", current=1, total=None).fraction is None


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0B"), (108, "108B"), (999, "999B"), (36445, "36.4kB"), (3001131, "3MB"),
     (1984241, "1.98MB"), (5 * 10**12, "5TB"), (12 * 10**15, "12000TB")],
)  # fmt: skip
def test_format_bytes(size: int, text: str) -> None:
    assert format_bytes(size) == text


@pytest.mark.skipif(not rich_available(), reason="rich is an optional extra")
def test_rich_display_draws_one_bar_per_layer() -> None:
    from rich.console import Console

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    display = RichDisplay(console)
    with display:
        for item in objects(PULL):
            display.update(item)
    text = out.getvalue()
    final = text[text.rfind("1: Pulling from") :]
    for layer in ("b79db6a60b50", "ffd7e1fbd4f1", "adba09e7aecf"):
        assert layer in final
    assert "Digest: sha256:27813fc37271e4a3" in text
    assert "Status: Downloaded newer image" in text
    assert text.count("Pull complete") >= 2
    assert display.progress.finished


def test_auto_mode_is_plain_when_the_output_is_not_a_terminal() -> None:
    out = io.StringIO()
    display = progress_display(file=out)
    assert isinstance(display, PlainDisplay)
    with display:
        display.update({"status": "hello"})
    assert out.getvalue() == "hello\n"


@pytest.mark.skipif(not rich_available(), reason="rich is an optional extra")
def test_auto_mode_draws_bars_on_a_terminal() -> None:
    from rich.console import Console

    console = Console(file=io.StringIO(), force_terminal=True)
    assert isinstance(progress_display(console=console), RichDisplay)
    assert isinstance(progress_display("rich", file=io.StringIO()), RichDisplay)


def test_without_rich_auto_mode_falls_back_to_plain_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)  # makes `import rich` fail
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    assert not rich_available()
    assert isinstance(progress_display(file=io.StringIO()), PlainDisplay)
    with pytest.raises(InvalidArgument, match="aiodock\\[rich\\]"):
        RichDisplay()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="mode"):
        progress_display("fancy")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="steps"):
        PlainDisplay(steps=0)


def buildkit_trace(**fields: Any) -> dict[str, Any]:
    """A ``moby.buildkit.trace`` object as :class:`~aiodock.images.BuildStream` yields it."""
    return {"id": "moby.buildkit.trace", "aux": StatusResponse(**fields)}


def test_buildkit_steps_transfers_and_output() -> None:
    t0 = datetime(2026, 11, 22, 14, 22, 58, tzinfo=timezone.utc)
    ctx = "sha256:f21a9160f7f6ce7d"
    run = "sha256:b3fe887e54c5d6ec"
    name = "[2/2] RUN echo built-by-kit && echo line2"
    items = [
        buildkit_trace(vertexes=[Vertex(ctx, name="[internal] load remote build context")]),
        buildkit_trace(
            vertexes=[Vertex(ctx, name="[internal] load remote build context", started=t0)]
        ),
        buildkit_trace(
            vertexes=[
                Vertex(
                    ctx,
                    name="[internal] load remote build context",
                    started=t0,
                    completed=t0 + timedelta(milliseconds=250),
                )
            ],
            statuses=[VertexStatus("transferring context:", ctx, current=512, total=2048)],
        ),
        buildkit_trace(vertexes=[Vertex(run, name=name, started=t0)]),
        buildkit_trace(logs=[VertexLog(run, stream=1, data=b"built-by-kit\nli")]),
        buildkit_trace(logs=[VertexLog(run, stream=1, data=b"ne2\n")]),
        buildkit_trace(vertexes=[Vertex(run, name=name, started=t0, error="exit code: 1")]),
        {"id": "moby.image.id", "aux": {"ID": "sha256:0123"}},
    ]
    tracker = ProgressTracker()
    changes = [change for item in items for change in tracker.update(item)]
    messages = [(c.text, c.error) for c in changes if isinstance(c, ProgressMessage)]
    assert messages == [
        ("[internal] load remote build context", False),
        ("[internal] load remote build context: DONE 0.2s", False),
        (name, False),
        ("  built-by-kit", False),
        ("  line2", False),
        (f"{name}: ERROR exit code: 1", True),
    ]
    transfer = tracker.layers["transferring context:"]
    assert (transfer.current, transfer.total, transfer.fraction) == (512, 2048, 0.25)


def test_buildkit_output_without_a_final_newline_is_flushed() -> None:
    out = io.StringIO()
    with PlainDisplay(out) as display:
        display.update(buildkit_trace(logs=[VertexLog("sha256:1", data=b"no newline")]))
    assert out.getvalue() == "  no newline\n"
