"""Small conversions shared by the resource managers: query values, filters, sizes, times."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .errors import InvalidArgument

QueryValue = str | int | float | bool | None | Mapping[str, Any] | Iterable[Any]
Filters = Mapping[str, str | int | bool | Iterable[str | int | bool]]
TimeSpec = datetime | timedelta | int | float | str


def query(params: Mapping[str, QueryValue]) -> list[tuple[str, str]]:
    """Encode query parameters the way the daemon reads them.

    ``None`` is dropped, booleans become ``1``/``0``, mappings become JSON, and
    lists repeat the key.
    """
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out.append((key, "1" if value else "0"))
        elif isinstance(value, (str, int, float)):
            out.append((key, str(value)))
        elif isinstance(value, Mapping):
            out.append((key, json.dumps(value, separators=(",", ":"))))
        else:
            out.extend((key, str(item)) for item in value)
    return out


def encode_filters(filters: Filters | None, *, allowed: Iterable[str] | None = None) -> str | None:
    """Turn ``{"label": "a=b", "status": ["running"]}`` into the daemon's JSON filter form.

    With ``allowed``, an unknown filter name raises ``InvalidArgument`` naming it.
    """
    if not filters:
        return None
    if not isinstance(filters, Mapping):
        raise InvalidArgument(f"filters must be a mapping, not {type(filters).__name__}")
    allowed_set = set(allowed) if allowed is not None else None
    encoded: dict[str, list[str]] = {}
    for name, value in filters.items():
        if allowed_set is not None and name not in allowed_set:
            raise InvalidArgument(
                f"unknown filter {name!r}; expected one of {', '.join(sorted(allowed_set))}"
            )
        items: Iterable[Any] = [value] if isinstance(value, (str, int, bool)) else value
        values: list[str] = []
        for item in items:
            if isinstance(item, bool):
                values.append("true" if item else "false")
            elif isinstance(item, (str, int)):
                values.append(str(item))
            else:
                raise InvalidArgument(f"filter {name!r}: value {item!r} is not a string")
        encoded[name] = values
    return json.dumps(encoded, separators=(",", ":"))


@overload
def string_map(value: None, name: str) -> None: ...


@overload
def string_map(value: Mapping[str, Any], name: str) -> dict[str, str]: ...


def string_map(value: Mapping[str, Any] | None, name: str) -> dict[str, str] | None:
    """The one rule for string maps (labels, driver and log options, build args, sysctls):
    string keys and string values, a number written as a string (``1`` -> ``"1"``, as
    docker-py does for sysctls). Anything else (``True``, ``None``, a list, a non-string
    key, a value that is not a mapping) raises :class:`InvalidArgument` naming ``name``
    and the key. ``None`` stays ``None``."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"{name}: expected a dict of strings, got {value!r}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidArgument(f"{name}: the key {key!r} is not a string")
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise InvalidArgument(f"{name}: {key!r}: expected a string value, got {item!r}")
        out[key] = item if isinstance(item, str) else str(item)
    return out


def console_size(value: Any, name: str = "console_size") -> list[int]:
    """``(height, width)`` of a TTY as the API's ``[height, width]``."""
    if (
        isinstance(value, (str, bytes, Mapping))
        or not isinstance(value, Iterable)
        or len(items := list(value)) != 2
        or not all(isinstance(item, int) and not isinstance(item, bool) for item in items)
        or min(items) < 0
    ):
        raise InvalidArgument(f"{name}: expected (height, width) in characters, got {value!r}")
    return items


def platform_json(value: str | Mapping[str, str], name: str = "platform") -> str:
    """``"linux/arm64/v8"`` or ``{"os": ..., "architecture": ..., "variant": ...}`` as the
    JSON-encoded OCI platform the image endpoints take."""
    if isinstance(value, str):
        parts = value.split("/")
        if not 2 <= len(parts) <= 3 or not all(parts):
            raise InvalidArgument(f"{name}: {value!r} is not like linux/amd64 or linux/arm64/v8")
        value = dict(zip(("os", "architecture", "variant"), parts, strict=False))
    if not isinstance(value, Mapping) or not {"os", "architecture"} <= set(value):
        raise InvalidArgument(f"{name}: expected 'os/arch[/variant]' or a dict, got {value!r}")
    return json.dumps(
        {str(key): str(item) for key, item in value.items() if item}, separators=(",", ":")
    )


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def parse_bytes(value: int | str, *, name: str = "size") -> int:
    """``"512m"``, ``"1g"``, ``"64k"``, ``"100"`` or an int, in bytes (binary units, as docker)."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{name}: expected a size, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise InvalidArgument(f"{name}: a size cannot be negative ({value})")
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    raise InvalidArgument(f"{name}: {value!r} is not a size like 512m, 1g or 1048576")


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """A Go-style duration such as ``"1h30m"`` or ``"10s"``, in seconds."""
    pos = 0
    total = 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise InvalidArgument(f"{text!r} is not a duration like 10s, 5m or 1h30m")
    return total


def to_timestamp(value: TimeSpec, *, name: str = "time", now: float | None = None) -> str:
    """A point in time for ``since``/``until`` parameters, as the daemon's ``seconds.nanos`` text.

    Accepts a datetime (naive means UTC), a Unix timestamp, a timedelta or duration string
    (that long ago), or an RFC 3339 string.
    """
    current = time.time() if now is None else now
    if isinstance(value, bool):
        raise InvalidArgument(f"{name}: expected a time, got {value!r}")
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        seconds = dt.timestamp()
    elif isinstance(value, timedelta):
        seconds = current - value.total_seconds()
    elif isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = current - parse_duration(value)
        except InvalidArgument:
            try:
                seconds = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                raise InvalidArgument(
                    f"{name}: {value!r} is neither a duration (10m) nor an RFC 3339 time"
                ) from None
    else:
        raise InvalidArgument(f"{name}: expected a datetime, timestamp or duration, got {value!r}")
    return f"{seconds:.9f}".rstrip("0").rstrip(".")


_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def parse_datetime(text: str) -> datetime:
    """An RFC 3339 time as daemons write it, whatever the engine: nanoseconds or fewer
    digits or none (Podman), ``Z`` or an offset (none: UTC). Raises
    :class:`InvalidArgument` for anything else."""
    match = _RFC3339.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise InvalidArgument(f"{text!r} is not an RFC 3339 time")
    seconds, fraction, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z") else zone
    micros = (fraction or ".")[1:7].ljust(6, "0")  # Python 3.10 wants six digits
    return datetime.fromisoformat(f"{seconds}.{micros}{zone}")


def version_tuple(version: str) -> tuple[int, ...]:
    """``"1.41"`` as ``(1, 41)`` for comparisons."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        raise InvalidArgument(f"{version!r} is not an API version like 1.41") from None


def retrieve_exception(future: asyncio.Future[Any]) -> None:
    """A done callback marking a future's failure as seen, where it is raised to whoever
    awaits it or never needed (no "exception was never retrieved" warning)."""
    if not future.cancelled():
        future.exception()


def timeout_after(delay: float | None) -> AbstractAsyncContextManager[None]:
    """``async with timeout_after(seconds):`` raises ``asyncio.TimeoutError`` when the block takes
    longer; ``None`` means no limit.

    Used instead of ``asyncio.wait_for``, which on Python 3.10 and 3.11 can swallow a
    cancellation that arrives just as the awaited operation completes.
    """
    if sys.version_info >= (3, 11):
        return asyncio.timeout(delay)
    return _timeout_fallback(delay)  # pragma: no cover - Python 3.10


@asynccontextmanager
async def _timeout_fallback(delay: float | None) -> AsyncIterator[None]:  # pragma: no cover
    if delay is None:
        yield
        return
    task = asyncio.current_task()
    assert task is not None
    fired = False

    def fire() -> None:
        nonlocal fired
        fired = True
        task.cancel()

    handle = asyncio.get_running_loop().call_later(delay, fire)
    try:
        yield
    except asyncio.CancelledError:
        if fired:
            raise asyncio.TimeoutError from None  # not the builtin: an OSError on 3.10
        raise
    finally:
        handle.cancel()


_T = TypeVar("_T")

INSPECT_CONCURRENCY = 16
"""How many inspect requests a listing that inspects each entry has under way at once."""


async def inspect_each(
    get: Callable[[str], Awaitable[_T]],
    ids: Iterable[str],
    *,
    missing: type[Exception],
    skip_missing: bool,
    limit: int = INSPECT_CONCURRENCY,
) -> list[_T]:
    """``await get(id)`` for each id, in order, at most ``limit`` at once. An id whose
    ``get`` raises ``missing`` (removed since it was listed) is left out with
    ``skip_missing``, else that error is raised; the first error cancels the rest."""
    semaphore = asyncio.Semaphore(limit)

    async def one(item: str) -> _T | None:
        async with semaphore:
            try:
                return await get(item)
            except missing:
                if skip_missing:
                    return None
                raise

    tasks = [asyncio.ensure_future(one(item)) for item in ids]
    try:
        found = await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return [item for item in found if item is not None]


_Closing = TypeVar("_Closing", bound="AsyncClosing")


class AsyncClosing:
    """Mixin of objects used with ``async with``: the block returns the object itself and
    its ``close()`` is awaited on the way out."""

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self: _Closing) -> _Closing:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


# docker-py's public helpers (``docker.utils``), under their names: they live in
# dockerpy_utils (its ``__all__`` lists them), loaded on first use because they are built
# on the modules that import the helpers above.
if TYPE_CHECKING:
    from .dockerpy_utils import *  # noqa: F403


def __getattr__(name: str) -> Any:
    if name == "__all__" or not name.startswith("_"):  # not what the import system probes
        from . import dockerpy_utils

        if name == "__all__":
            return ["parse_bytes", *dockerpy_utils.__all__]
        if name in dockerpy_utils.__all__:
            return getattr(dockerpy_utils, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
