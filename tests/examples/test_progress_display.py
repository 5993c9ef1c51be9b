"""aiodock.progress on real daemon streams, as the quickstart uses it: a build's result is
returned, a failed build raises after its steps were shown."""

from __future__ import annotations

import io
import re

import pytest

from aiodock import BuildError, Docker
from aiodock.progress import show_progress
from tests.engines import own_labels


def step_shown(lines: list[str], instruction: str) -> bool:
    """Whether the classic builder's line for step 2 (of however many: each build label
    adds a LABEL step) was shown: Docker's ``Step 2/3 : RUN ...``, Buildah's (Podman's)
    ``STEP 2/3: RUN ...``."""
    step = re.compile(rf"^(Step 2/\d+ :|STEP 2/\d+:) {re.escape(instruction)}$")
    return any(step.match(line) for line in lines)


async def test_a_build_shows_its_steps_and_returns_the_image(
    docker: Docker, test_image: str, labels: dict[str, str]
) -> None:
    out = io.StringIO()
    image = await show_progress(
        docker.images.build(
            fileobj=f"FROM {test_image}\nRUN echo shown > /f\n",
            labels=labels,
            network_mode="none",
        ),
        mode="plain",
        file=out,
    )
    try:
        lines = out.getvalue().splitlines()
        assert step_shown(lines, "RUN echo shown > /f")
        assert f"Successfully built {image.short_id}" in lines
        assert own_labels(image.labels) == labels
    finally:
        await docker.images.remove(image.id, force=True)


async def test_a_failed_build_raises_after_showing_its_steps(
    docker: Docker, test_image: str, labels: dict[str, str]
) -> None:
    out = io.StringIO()
    build = docker.images.build(
        fileobj=f"FROM {test_image}\nRUN echo about to fail && exit 3\n",
        labels=labels,
        network_mode="none",
        forcerm=True,
    )
    # Docker: "... returned a non-zero code: 3"; Buildah: "... exit status 3"
    with pytest.raises(BuildError, match=r"returned a non-zero code: 3|exit status 3"):
        await show_progress(build, mode="plain", file=out)
    lines = out.getvalue().splitlines()
    assert step_shown(lines, "RUN echo about to fail && exit 3")
    assert "about to fail" in lines
