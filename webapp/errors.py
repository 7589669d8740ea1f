"""Domain exceptions raised by services, and the one place that maps them to HTTP."""


class DomainError(Exception):
    """Base class: a message safe to show to the person who asked."""

    status_code = 400


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class InvalidInput(DomainError):
    """The request was understood but the data breaks a rule; nothing was changed."""

    status_code = 400

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field_errors = field_errors or {}


class Conflict(DomainError):
    """Someone else changed the record first."""

    status_code = 409
