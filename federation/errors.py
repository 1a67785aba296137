"""Exceptions raised by the federation library.

Every exception carries the HTTP ``status`` an endpoint should answer with and a short human
``reason`` safe to show to the remote server. Add new classes here, next to their siblings.
"""


class FederationError(Exception):
    """Base class: something about a federated exchange failed."""

    status: int = 500
    reason: str = "Federation error"

    def __init__(self, reason: str | None = None, *, status: int | None = None) -> None:
        """Create the error; ``reason`` and ``status`` override the class defaults."""
        if reason is not None:
            self.reason = reason
        if status is not None:
            self.status = status
        super().__init__(self.reason)


class SignatureMissing(FederationError):
    """The request carries no HTTP signature at all."""

    status = 401
    reason = "Request is not signed"


class SignatureInvalid(FederationError):
    """The signature is well formed but does not verify or does not cover enough."""

    status = 401
    reason = "Signature does not verify"


class SignatureMalformed(FederationError):
    """A signature header cannot be parsed or lacks a required parameter."""

    status = 400
    reason = "Signature header is malformed"


class DigestMismatch(FederationError):
    """The body digest header is missing, unusable or does not match the body."""

    status = 401
    reason = "Digest does not match body"


class DateOutOfWindow(FederationError):
    """The signature's date lies too far in the past or the future."""

    status = 401
    reason = "Date is outside the accepted window"


class KeyUnavailable(FederationError):
    """The signer's public key could not be obtained (yet); the sender may retry."""

    status = 503
    reason = "Signing key is unavailable"
