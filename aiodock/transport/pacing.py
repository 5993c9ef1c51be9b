"""Read pacing for streamed output (sans-IO: times and byte counts in, pauses out).

When the daemon streams many small writes (a frame per log line, a pipe's 4-32 KiB
writes), reading each as it arrives costs one event-loop wake-up per write: more than
the bytes are worth. :class:`ReadPacer` watches the reads of one connection and, once
they come back to back, says how long to stop reading so that the next read takes what
accumulated meanwhile. The pause is sized from the measured arrival rate to gather about
``READ_TARGET`` bytes, in whole milliseconds (the resolution of epoll's timeout) and at
most ``MAX_PAUSE``, so that the daemon's socket buffer (about 200 KiB on a unix socket for
large writes) does not fill and stall its writes. Where the rate would bring
``READ_TARGET`` in less than a millisecond, or a read already brings that much, reading
goes on unpaused: the reads are as large as pacing would make them. Where a paused read
brings less than half of ``READ_TARGET``, the writes are small or slow: the socket buffer
may hold only a few KiB of small writes (about 14 KiB of log lines), so a longer pause
would only stall the daemon, and pauses stay at one millisecond for the rest of the
burst.

Interactive output is not delayed: pacing starts only after ``STREAK`` reads in a row,
each within ``BACK_TO_BACK`` of the previous one (or of the end of a pause).
"""

from __future__ import annotations

__all__ = ["BACK_TO_BACK", "MAX_PAUSE", "READ_TARGET", "STREAK", "ReadPacer"]

READ_TARGET = 128 * 1024
"""What a paced read aims to take: about 60% of a unix socket's send buffer."""
MAX_PAUSE = 0.002
"""The longest pause: the added latency while output streams."""
BACK_TO_BACK = 0.001
"""Reads closer than this (beyond a pause taken) are a stream."""
STREAK = 4
"""Back-to-back reads before pacing starts."""

_TICK = 0.001  # epoll's timeout resolution: a shorter pause would last this long anyway
_MAX_TICKS = round(MAX_PAUSE / _TICK)


class ReadPacer:
    """Decides, read by read, how long to pause reading (see the module's docstring)."""

    __slots__ = ("_last", "_paused_for", "_short", "_streak")

    def __init__(self) -> None:
        self._last = -1.0
        self._streak = 0
        self._paused_for = 0.0
        self._short = False  # the last paused read brought under half of READ_TARGET

    def pause_after(self, now: float, nbytes: int) -> float:
        """Seconds to stop reading after a read of ``nbytes`` at ``now`` (monotonic
        seconds); 0.0 to read on at once."""
        elapsed = now - self._last
        self._last = now
        paused_for, self._paused_for = self._paused_for, 0.0
        if elapsed >= BACK_TO_BACK + paused_for:  # a new burst: what was learnt is stale
            self._streak = 0
            self._short = False
            return 0.0
        self._streak += 1
        if paused_for:
            self._short = nbytes < READ_TARGET // 2
        if self._streak < STREAK or not 0 < nbytes < READ_TARGET or elapsed <= 0.0:
            return 0.0
        # The time to gather READ_TARGET at this read's rate, rounded down to whole ticks.
        ticks = int(READ_TARGET * elapsed / (nbytes * _TICK))
        pause = min(ticks, 1 if self._short else _MAX_TICKS) * _TICK
        self._paused_for = pause
        return pause
