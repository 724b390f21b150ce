"""The one family of refusals in matching: every message is translatable and safe to show."""

from __future__ import annotations

from typing import Any

from contactpoint.refusals import Refusal


class MatchError(Refusal):
    """A refused match operation; ``field`` names the input at fault (for forms and the API).

    The message is translatable and safe to show to the user.
    """


class TransitionNotAllowed(MatchError):
    pass


class NotPermitted(MatchError):
    status_code = 403


class MatchingError(MatchError, ValueError):
    """A matching rule refused the action; ``message`` is translatable, ``code`` stable.

    A ``MatchError`` of the quantities (allocate, release, split): the lifecycle shows it
    as a field error on the input it came from.
    """

    def __init__(self, message: Any, code: str, *, field: str | None = "quantity") -> None:
        super().__init__(message, field=field)
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
