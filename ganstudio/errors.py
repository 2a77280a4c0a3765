"""The root of every error GAN Studio raises on purpose.

A :class:`GanStudioError` carries a message written for the person who asked: the web app shows it as it is,
and maps anything else (a bug, raw library text) to one generic sentence plus a line in the server log.
It derives from ``ValueError`` so that callers catching ``ValueError`` keep working.
"""

from __future__ import annotations


class GanStudioError(ValueError):
    """An error whose message is meant for the user (what went wrong and, where possible, what to do)."""

    __str__ = Exception.__str__  # plain message even when a subclass also derives from KeyError


class InputError(GanStudioError):
    """A value a user gave cannot be used (out of range, not finite, unknown name, too much work)."""


class LimitError(InputError):
    """A request asks for more work, memory or disk than the server allows; the message says the limit."""
