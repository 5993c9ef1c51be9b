"""Handles and their URL path segments."""

from __future__ import annotations

import pytest

from aiodock.errors import InvalidArgument
from aiodock.resource import path_id


@pytest.mark.parametrize("value", ["", "  ", None, 3])
def test_empty_object_ids_are_refused(value: object) -> None:
    with pytest.raises(InvalidArgument, match="id or name is required"):
        path_id(value)  # type: ignore[arg-type]


def test_image_names_keep_their_slashes_and_tags() -> None:
    assert path_id("localhost:5000/team/app:1.0") == "localhost:5000/team/app:1.0"
    assert path_id("app@sha256:abc") == "app@sha256:abc"
    assert path_id("a b#c?d") == "a%20b%23c%3Fd"
