"""The shape of a refusal the portal shows: the apps' exception families derive from it."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A refused operation: ``message`` is translatable and safe to show to the user,
    ``field`` names the input at fault (for forms and the API), ``status_code`` is the API's
    answer."""

    status_code = 400

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
