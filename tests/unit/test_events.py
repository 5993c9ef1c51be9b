"""Pure parts of the event stream: filter validation, timestamps, backoff, and the
de-duplication that lets a reconnecting watcher deliver each event once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiodock.errors import InvalidArgument
from aiodock.events import (
    EVENT_FILTERS,
    Event,
    EventDeduplicator,
    backoff_delay,
    encode_event_filters,
    format_since,
    parse_timestamp,
)

SECOND = 1_000_000_000


def _event(
    nano: int, action: str = "create", ident: str = "c1", **attributes: str
) -> dict[str, Any]:
    return {
        "Type": "container",
        "Action": action,
        "Actor": {"ID": ident, "Attributes": attributes},
        "scope": "local",
        "time": nano // SECOND,
        "timeNano": nano,
    }


def test_filters_are_validated_and_encoded() -> None:
    encoded = encode_event_filters({"type": ["container", "network"], "label": "a=b"})
    assert encoded is not None
    assert json.loads(encoded) == {"type": ["container", "network"], "label": ["a=b"]}
    assert encode_event_filters(None) is None
    assert encode_event_filters({}) is None
    assert {"container", "type", "event", "scope", "daemon"} <= EVENT_FILTERS


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"colour": "red"}, "unknown filter 'colour'"),
        ({"type": "containers"}, "filter 'type': unknown value 'containers'"),
        ({"type": ["image", "box"]}, "unknown value 'box'"),
        ({"scope": "global"}, "filter 'scope': unknown value 'global'"),
        ({"container": [object()]}, "is not a string"),
    ],
)
def test_bad_filters_raise(filters: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        encode_event_filters(filters)


def test_since_text_round_trips_nanoseconds() -> None:
    nano = 1_700_000_000_000_000_123
    assert format_since(nano) == "1700000000.000000123"
    assert parse_timestamp(format_since(nano)) == nano
    assert parse_timestamp("1700000000") == 1_700_000_000 * SECOND
    assert parse_timestamp("1700000000.5") == 1_700_000_000 * SECOND + SECOND // 2
    with pytest.raises(InvalidArgument):
        parse_timestamp("soon")


def test_backoff_doubles_and_is_capped() -> None:
    delays = [backoff_delay(n, 0.1, 2.0) for n in range(8)]
    assert delays == [0.0, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    assert backoff_delay(10_000, 0.1, 2.0) == 2.0


def test_event_from_current_and_legacy_dicts() -> None:
    event = Event.from_dict(_event(1_700_000_000_123_456_789, name="web"))
    assert event.type == "container" and event.action == "create"
    assert event.actor.id == "c1" and event.actor.attributes == {"name": "web"}
    assert event.scope == "local" and event.time_nano == 1_700_000_000_123_456_789
    assert event.time.timestamp() == pytest.approx(1_700_000_000.123457)
    legacy = Event.from_dict({"status": "die", "id": "abc", "time": 1_600_000_000})
    assert (legacy.action, legacy.actor.id, legacy.time_nano) == (
        "die",
        "abc",
        1_600_000_000 * SECOND,
    )


def test_events_sharing_one_timestamp_are_all_delivered_once() -> None:
    dedupe = EventDeduplicator()
    t = 1_700_000_000 * SECOND
    first = [_event(t, "create", "a"), _event(t, "create", "b"), _event(t, "start", "a")]
    assert dedupe.fresh(first) == first
    # The replay after a reconnect repeats them, with one more at the same nanosecond.
    replay = [*first, _event(t, "create", "c")]
    assert dedupe.fresh(replay) == [_event(t, "create", "c")]
    assert dedupe.latest == t
    assert dedupe.resume_from() == t - dedupe.window_ns


def test_replay_window_covers_out_of_order_events_and_forgets_old_ones() -> None:
    dedupe = EventDeduplicator(window_ns=SECOND)
    t = 1_700_000_000 * SECOND
    live = [_event(t + 500, ident="late"), _event(t + 100, ident="early")]  # logged out of order
    assert dedupe.fresh(live) == live
    assert dedupe.resume_from() == t + 500 - SECOND
    # The daemon replays in its own order from resume_from(): both are known.
    assert dedupe.fresh(list(reversed(live))) == []
    # Much later events push the old ones out of memory.
    assert dedupe.fresh([_event(t + 5 * SECOND, ident="new")]) != []
    assert len(dedupe) == 1
    assert dedupe.resume_from() == t + 4 * SECOND


def test_same_action_on_different_objects_or_attributes_is_not_a_duplicate() -> None:
    dedupe = EventDeduplicator()
    t = 1_700_000_000 * SECOND
    items = [
        _event(t, "exec_start", "a", execID="1"),
        _event(t, "exec_start", "a", execID="2"),
        _event(t, "exec_start", "b", execID="1"),
    ]
    assert dedupe.fresh(items) == items
    assert dedupe.fresh(items) == []


def test_no_events_yet_means_no_resume_point() -> None:
    dedupe = EventDeduplicator()
    assert dedupe.resume_from() is None
    assert dedupe.fresh([]) == []
    assert dedupe.fresh(["not a dict"]) == ["not a dict"]
