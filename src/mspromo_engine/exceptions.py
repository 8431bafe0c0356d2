"""The engine's one flat set of exceptions.

Every input problem is collected as an :class:`ErrorDetail` (a field path and a reason)
and raised once, at the boundary, as :class:`ValidationError`. Nothing is evaluated when
input is invalid.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["MAX_ERRORS", "ErrorDetail", "MspromoError", "ValidationError"]

MAX_ERRORS = 100


@attrs.frozen
class ErrorDetail:
    """One problem with the input: where it is and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class MspromoError(Exception):
    """Base class of every error the engine raises on purpose."""


class ValidationError(MspromoError, ValueError):
    """Input that breaks the wire format or a promotion rule (SPEC §2, §6).

    ``errors`` lists every problem found, each with a path such as
    ``basket.items[3].mrp`` and a reason such as ``not a decimal``.
    """

    def __init__(
        self, errors: Iterable[ErrorDetail], title: str = "Invalid input", omitted: int = 0
    ) -> None:
        # An error body lists at most MAX_ERRORS problems; the rest are only counted
        # (SPEC §7.1), so a flood of bad input cannot make a huge answer.
        found = list(errors)
        self.errors: tuple[ErrorDetail, ...] = tuple(found[:MAX_ERRORS])
        self.omitted = omitted + max(0, len(found) - MAX_ERRORS)
        self.title = title
        super().__init__("; ".join(str(e) for e in self.errors) or title)

    def as_body(self) -> dict[str, object]:
        """The error body of SPEC §7: ``{title, description, errors: [{path, message}]}``,
        plus ``errors_omitted`` when more problems were found than are listed."""
        body: dict[str, object] = {
            "title": self.title,
            "description": str(self),
            "errors": [e.as_dict() for e in self.errors],
        }
        if self.omitted:
            body["errors_omitted"] = self.omitted
        return body
