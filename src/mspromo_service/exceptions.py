"""The service's own errors (input errors are `mspromo_engine.ValidationError`)."""

from __future__ import annotations

__all__ = ["Conflict", "DatabaseUnavailable", "NotFound", "ServiceError"]


class ServiceError(Exception):
    """Base class of the service's deliberate errors."""


class NotFound(ServiceError, LookupError):
    """The named promotion, link or store does not exist (-> 404)."""


class Conflict(ServiceError, ValueError):
    """The write clashes with stored data, e.g. a duplicate ``promo_id_retailer`` (-> 409)."""


class DatabaseUnavailable(ServiceError):
    """The database did not answer, timed out or refused the connection (-> 503)."""
