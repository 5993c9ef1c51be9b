"""``.dockerignore`` files: reading them and matching paths the way Docker does.

Semantics (docker CLI and moby's pattern matcher):

* one pattern a line; lines starting with ``#`` are comments; blank lines are skipped;
  surrounding spaces are trimmed, a UTF-8 BOM is dropped;
* each pattern is cleaned like Go's ``filepath.Clean`` and a leading ``/`` is dropped,
  so ``/a/../b/`` is ``b``;
* ``*`` matches any run of characters except ``/``, ``?`` one such character, ``[...]``
  a character class (``[^...]`` negated), ``\\`` escapes the next character, and ``**``
  matches any number of directories (zero included);
* a pattern matches a path when it matches the path itself or one of its parent
  directories (``logs`` excludes everything under ``logs/``);
* ``!pattern`` re-includes what earlier patterns excluded; the last pattern that matches
  decides.

When the context is walked, an excluded directory is skipped unless an exception pattern
starts with that directory's path (``!logs/important.log`` keeps ``logs/`` walked).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InvalidArgument

__all__ = ["PatternMatcher", "clean_path", "read_dockerignore"]


def clean_path(path: str) -> str:
    """Go's ``filepath.Clean`` on a ``/``-separated path: the shortest equivalent path."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def parse_dockerignore(text: str) -> list[str]:
    """The patterns of a ``.dockerignore`` file's text, normalised as the docker CLI does."""
    if text.startswith("\ufeff"):
        text = text[1:]
    patterns: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = clean_path(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append("!" + pattern if invert else pattern)
    return patterns


def read_dockerignore(context_dir: str | os.PathLike[str]) -> list[str]:
    """The patterns of ``.dockerignore`` in a build context directory (none if absent)."""
    try:
        with open(os.path.join(context_dir, ".dockerignore"), encoding="utf-8") as fh:
            return parse_dockerignore(fh.read())
    except FileNotFoundError:
        return []


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern."""

    text: str
    """The cleaned pattern, without ``!``."""
    exclusion: bool
    """Whether the pattern started with ``!`` (re-includes what it matches)."""
    regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        """Whether the pattern matches this path exactly (parents not considered)."""
        return self.regex.match(path) is not None


def _compile(pattern: str) -> re.Pattern[str]:
    """Translate a Docker ignore pattern into a regular expression."""
    out = ["^"]
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i >= n else "(?:.*/)?")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = _class_end(pattern, i)
            if end < 0:
                raise InvalidArgument(f".dockerignore: syntax error in pattern {pattern!r}")
            body = pattern[i + 1 : end]
            negate = body.startswith("^")
            if negate:
                body = body[1:]
            if not body:
                raise InvalidArgument(f".dockerignore: syntax error in pattern {pattern!r}")
            out.append("[" + ("^" if negate else "") + _class_body(body) + "]")
            i = end
        elif ch == "\\":
            if i + 1 < n:
                i += 1
                out.append(re.escape(pattern[i]))
            else:
                raise InvalidArgument(f".dockerignore: syntax error in pattern {pattern!r}")
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return re.compile("".join(out), re.DOTALL)


def _class_end(pattern: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``, or -1."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "]":
            return i
        i += 1
    return -1


def _class_body(body: str) -> str:
    """A Go character-class body (ranges, ``\\`` escapes) as a Python one."""
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(re.escape(body[i + 1]))
            i += 2
            continue
        if ch == "-" and out and i + 1 < len(body):
            out.append("-")
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


class PatternMatcher:
    """Decides which paths of a build context ``.dockerignore`` patterns exclude.

    Paths are relative to the context root and ``/``-separated.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns: list[Pattern] = []
        for raw in patterns:
            text = raw.strip()
            if not text:
                continue
            exclusion = text.startswith("!")
            if exclusion:
                text = text[1:]
                if not text:
                    raise InvalidArgument('.dockerignore: illegal exclusion pattern: "!"')
            text = clean_path(text)
            self.patterns.append(Pattern(text, exclusion, _compile(text)))
        self.has_exclusions = any(p.exclusion for p in self.patterns)

    def __repr__(self) -> str:
        shown = [("!" if p.exclusion else "") + p.text for p in self.patterns]
        return f"<PatternMatcher {shown!r}>"

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, path: str) -> bool:
        """Whether ``path`` is excluded: the last pattern matching it or a parent decides."""
        path = clean_path(path)
        parent = path.rpartition("/")[0]
        parents: list[str] = []
        if parent:
            pieces = parent.split("/")
            parents = ["/".join(pieces[: i + 1]) for i in range(len(pieces))]
        matched = False
        for pattern in self.patterns:
            # An inclusion cannot change a path already excluded, nor an exception one
            # that is not excluded.
            if pattern.exclusion != matched:
                continue
            hit = pattern.matches(path) or any(pattern.matches(p) for p in parents)
            if hit:
                matched = not pattern.exclusion
        return matched

    def must_walk(self, directory: str) -> bool:
        """Whether an excluded directory still has to be walked: an exception pattern
        starts with its path, so something inside may be re-included."""
        if not self.has_exclusions:
            return False
        prefix = clean_path(directory) + "/"
        return any(p.exclusion and (p.text + "/").startswith(prefix) for p in self.patterns)
