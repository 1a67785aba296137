"""Errors a service raises for the web layer and the CLI to show; each carries an HTTP status."""


class ServiceError(Exception):
    """A request that cannot be carried out, with a reason a person can read."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    """The thing does not exist, or the viewer may not know that it exists."""

    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class TooManyRequests(ServiceError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
