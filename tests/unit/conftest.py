"""Decoder tests run twice: with the C hot loops (aiodock._speedups) and without."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from aiodock import decoders

PURE_PYTHON = {
    "_chunk_pieces": decoders._chunk_pieces_py,
    "_frames_from": decoders._frames_from_py,
}


@pytest.fixture(scope="module", params=["python", "c"])
def implementation(request: pytest.FixtureRequest) -> Iterator[str]:
    """Which decoder loops the module's tests use (module scope: hypothesis-safe)."""
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "python":
            for name, function in PURE_PYTHON.items():
                patch.setattr(decoders, name, function)
        elif not decoders.SPEEDUPS:
            if os.environ.get("AIODOCK_NO_SPEEDUPS"):
                pytest.skip("AIODOCK_NO_SPEEDUPS is set")
            pytest.fail("aiodock._speedups is not built (pip install -e . compiles it)")
        yield str(request.param)
