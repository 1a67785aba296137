"""RFC 9421 HTTP Message Signatures over requests: ``Signature-Input`` and ``Signature``.

Supports the algorithms the fediverse uses or is moving to (``rsa-v1_5-sha256``,
``rsa-pss-sha512``, ``ed25519``), the request-derived components of RFC 9421 section 2.2
(``@method @target-uri @authority @scheme @request-target @path @query @query-param``) and
plain header fields. Field parameters (``sf``, ``key``, ``bs``, ``req``, ``tr``) and responses
are not supported: nothing in ActivityPub signs them.
"""

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from federation.digests import verify_content_digest
from federation.errors import SignatureInvalid, SignatureMalformed
from federation.http_message import PendingVerification, RequestMessage
from federation.keys import PrivateKey, PublicKey, SigningKey
from federation.structured_fields import (
    InnerList,
    Item,
    Params,
    StructuredFieldError,
    parse_dictionary,
    parse_item,
    serialize_dictionary,
    serialize_inner_list,
    serialize_item,
)

ALGORITHMS = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519")
DEFAULT_LABEL = "sig1"
# What qspace signs. Mastodon requires @method and @target-uri, and Content-Digest on POST.
POST_COMPONENTS = ("@method", "@target-uri", "content-type", "content-digest")
GET_COMPONENTS = ("@method", "@target-uri")

# WHATWG application/x-www-form-urlencoded serializer keeps these bytes as they are.
_FORM_SAFE = frozenset((string.ascii_letters + string.digits + "*-._").encode("ascii"))
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)


class ComponentError(ValueError):
    """A covered component cannot be resolved in the message (RFC 9421 section 2.5)."""


@dataclass(frozen=True)
class MessageSignature:
    """One labelled signature: its covered components, parameters and signature bytes."""

    label: str
    components: tuple[Item, ...]
    params: Params
    signature: bytes


def component_id(component: str | Item) -> Item:
    """Turn ``"@path"``, ``'"@query-param";name="a"'`` or an ``Item`` into a component Item.

    Raises:
        ComponentError: a serialized identifier does not parse.
    """
    if isinstance(component, Item):
        return component
    if component.startswith('"'):
        try:
            return parse_item(component)
        except StructuredFieldError as exc:
            raise ComponentError(f"Invalid component identifier {component}") from exc
    return Item(component)


def component_value(message: RequestMessage, component: Item) -> str:
    """Resolve one covered component to its canonical value (RFC 9421 section 2).

    Args:
        message: the request.
        component: the identifier, a String Item with optional parameters.

    Raises:
        ComponentError: the component is unknown, malformed, unsupported or absent.
    """
    name = component.value
    # A Token or any other type is not a valid component name: names are sf-strings.
    if type(name) is not str or name != name.lower():
        raise ComponentError(f"Component name {name!r} must be a lowercase string")
    if name == "@query-param":
        if set(component.params) != {"name"} or not isinstance(component.params["name"], str):
            raise ComponentError("@query-param needs exactly one name parameter")
        return _query_param(message, component.params["name"])
    if component.params:
        raise ComponentError(f"Unsupported parameters on component {name}")
    if name.startswith("@"):
        return _derived_value(message, name)
    value = message.field_value(name)
    if value is None:
        raise ComponentError(f"Covered header {name} is missing")
    return value


def build_signature_base(
    message: RequestMessage, components: Sequence[Item], params: Params
) -> str:
    """Build the signature base (RFC 9421 section 2.5): one line per component, then params.

    Args:
        message: the request.
        components: the covered component identifiers, in order.
        params: signature parameters in their serialization order.

    Raises:
        ComponentError: a component repeats, cannot be resolved, or the base is not ASCII.
    """
    lines = []
    seen = set()
    for component in components:
        identity = (component.value, tuple(sorted(component.params.items())))
        if identity in seen:
            raise ComponentError(f"Component {serialize_item(component)} is covered twice")
        seen.add(identity)
        value = component_value(message, component)
        if "\n" in value or "\r" in value:
            raise ComponentError(f"Component {serialize_item(component)} contains a newline")
        lines.append(f"{serialize_item(component)}: {value}")
    signature_params = serialize_inner_list(InnerList(list(components), dict(params)))
    lines.append(f'"@signature-params": {signature_params}')
    base = "\n".join(lines)
    if not base.isascii():
        raise ComponentError("Signature base contains non-ASCII characters")
    return base


def sign_message(
    message: RequestMessage,
    key: SigningKey,
    components: Sequence[str | Item],
    *,
    created: int,
    expires: int | None = None,
    nonce: str | None = None,
    tag: str | None = None,
    algorithm: str | None = None,
    include_alg: bool = True,
    label: str = DEFAULT_LABEL,
) -> tuple[str, str]:
    """Sign a request and return the ``(Signature-Input, Signature)`` header values.

    Parameters are written in the order created, keyid, alg, expires, nonce, tag.

    Args:
        message: the request, already carrying every covered header.
        key: the signing key and its ``keyid``.
        components: covered components, e.g. ``POST_COMPONENTS``.
        created: Unix time of signing.
        expires: optional Unix time after which the signature is void.
        nonce: optional unique value for replay detection by the verifier.
        tag: optional application tag.
        algorithm: defaults to ``rsa-v1_5-sha256`` for RSA keys and ``ed25519`` for Ed25519.
        include_alg: write the ``alg`` parameter.
        label: the dictionary key of this signature.

    Raises:
        ComponentError: a covered component is missing from the message.
        ValueError: the algorithm is unknown or does not fit the key.
    """
    private_key = key.private_key
    algorithm = algorithm or _algorithm_for_key(private_key.public_key())
    if algorithm not in ALGORITHMS:
        raise ValueError(f"Unsupported algorithm {algorithm}")
    params: Params = {"created": created, "keyid": key.key_id}
    if include_alg:
        params["alg"] = algorithm
    for name, value in (("expires", expires), ("nonce", nonce), ("tag", tag)):
        if value is not None:
            params[name] = value
    items = [component_id(component) for component in components]
    base = build_signature_base(message, items, params)
    signature = _sign(private_key, algorithm, base.encode("ascii"))
    signature_input = serialize_dictionary({label: InnerList(items, params)})
    return signature_input, serialize_dictionary({label: Item(signature)})


def parse_signatures(message: RequestMessage) -> list[MessageSignature]:
    """Pair the members of ``Signature-Input`` and ``Signature`` by label, in input order.

    Args:
        message: the received request.

    Raises:
        SignatureMalformed: a header is missing or not a valid Dictionary, a member has the
            wrong shape, or no label appears in both headers.
    """
    try:
        inputs = parse_dictionary(message.field_value("signature-input") or "")
        values = parse_dictionary(message.field_value("signature") or "")
    except StructuredFieldError as exc:
        raise SignatureMalformed(f"Signature header is not a structured field: {exc}") from exc
    signatures = []
    for label, member in inputs.items():
        value = values.get(label)
        if value is None:
            continue
        if not isinstance(member, InnerList) or not (
            isinstance(value, Item) and isinstance(value.value, bytes)
        ):
            raise SignatureMalformed(f"Signature {label} is not an inner list and byte sequence")
        signatures.append(MessageSignature(label, tuple(member.items), member.params, value.value))
    if not signatures:
        raise SignatureMalformed("No signature matches a Signature-Input label")
    return signatures


def verify_signature(
    message: RequestMessage,
    signature: MessageSignature,
    public_key: PublicKey,
    *,
    algorithm: str | None = None,
) -> bool:
    """Return whether ``signature`` verifies over ``message`` with the key.

    The algorithm is, in order: the ``algorithm`` argument (known out of band), the signed
    ``alg`` parameter, or the one implied by the key (RSA: rsa-v1_5-sha256, the fediverse's).

    Args:
        message: the received request.
        signature: one parsed signature.
        public_key: the signer's public key.
        algorithm: an algorithm fixed by the application, overriding the other sources.

    Raises:
        ComponentError: a covered component cannot be resolved.
    """
    base = build_signature_base(message, signature.components, signature.params)
    alg = algorithm or signature.params.get("alg")
    return _verify(public_key, alg if isinstance(alg, str) else None, base, signature.signature)


def prepare_verification(message: RequestMessage) -> PendingVerification:
    """Pick the request's first signature with a ``keyid`` and check what needs no key.

    Checks, after Mastodon: a supported ``alg`` if given; a ``created`` parameter; ``@method``
    and ``@target-uri`` covered; on POST, or whenever there is a body, ``content-digest``
    covered and matching the body.

    Args:
        message: the received request, with ``Signature-Input`` and ``Signature`` headers.

    Raises:
        SignatureMalformed: the headers cannot be parsed or a parameter has the wrong type.
        SignatureInvalid: unsupported algorithm, missing ``created``, too little coverage, or
            an unresolvable component.
        DigestMismatch: Content-Digest is missing or does not match the body.
    """
    signatures = parse_signatures(message)
    signature = next((s for s in signatures if isinstance(s.params.get("keyid"), str)), None)
    if signature is None:
        raise SignatureMalformed("Signature-Input lacks a keyid")
    alg = signature.params.get("alg")
    if alg is not None and alg not in ALGORITHMS:
        raise SignatureInvalid(f"Unsupported signature algorithm {alg}")
    if "created" not in signature.params:
        raise SignatureInvalid("Signature must include created")
    created = _timestamp(signature.params["created"], "created")
    expires = _timestamp(signature.params.get("expires"), "expires")
    names = {component.value for component in signature.components}
    if not {"@method", "@target-uri"} <= names:
        raise SignatureInvalid("Signature must cover @method and @target-uri")
    if message.method.upper() == "POST" or message.body or "content-digest" in names:
        verify_content_digest(message.field_value("content-digest"), message.body)
        if "content-digest" not in names:
            raise SignatureInvalid("Signature must cover Content-Digest")
    try:
        base = build_signature_base(message, signature.components, signature.params)
    except ComponentError as exc:
        raise SignatureInvalid(str(exc)) from exc

    def check(public_key: PublicKey) -> bool:
        return _verify(public_key, alg if isinstance(alg, str) else None, base, signature.signature)

    return PendingVerification(str(signature.params["keyid"]), created, expires, check)


def _derived_value(message: RequestMessage, name: str) -> str:
    if name == "@method":
        return message.method
    if name == "@target-uri":
        return f"{message.scheme}://{message.authority}{message.target}"
    if name == "@authority":
        return message.authority
    if name == "@scheme":
        return message.scheme
    if name in ("@request-target", "@path"):
        return message.target if name == "@request-target" else message.path
    if name == "@query":
        return f"?{message.query or ''}"
    raise ComponentError(f"Unsupported derived component {name}")


def _query_param(message: RequestMessage, encoded_name: str) -> str:
    # RFC 9421 2.2.8: parse as x-www-form-urlencoded, then compare and output re-encoded values.
    pairs = parse_qsl(message.query or "", keep_blank_values=True)
    values = [value for name, value in pairs if _form_encode(name) == encoded_name]
    if len(values) != 1:
        raise ComponentError(f"Query parameter {encoded_name} is absent or repeated")
    return _form_encode(values[0])


def _form_encode(text: str) -> str:
    # The RFC's examples encode spaces as %20, not the "+" that WHATWG's serializer writes.
    return "".join(chr(byte) if byte in _FORM_SAFE else f"%{byte:02X}" for byte in text.encode())


def _timestamp(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    if type(value) is not int:
        raise SignatureMalformed(f"Signature parameter {name} must be an integer")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureMalformed(f"Signature parameter {name} is out of range") from exc


def _algorithm_for_key(public_key: PublicKey) -> str:
    return "ed25519" if isinstance(public_key, ed25519.Ed25519PublicKey) else "rsa-v1_5-sha256"


def _sign(private_key: PrivateKey, algorithm: str, data: bytes) -> bytes:
    if isinstance(private_key, ed25519.Ed25519PrivateKey) and algorithm == "ed25519":
        return private_key.sign(data)
    if isinstance(private_key, rsa.RSAPrivateKey) and algorithm == "rsa-v1_5-sha256":
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(private_key, rsa.RSAPrivateKey) and algorithm == "rsa-pss-sha512":
        return private_key.sign(data, _PSS, hashes.SHA512())
    raise ValueError(f"Cannot sign {algorithm} with a {type(private_key).__name__}")


def _verify(public_key: PublicKey, algorithm: str | None, base: str, signature: bytes) -> bool:
    algorithm = algorithm or _algorithm_for_key(public_key)
    data = base.encode("ascii")
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey) and algorithm == "ed25519":
            public_key.verify(signature, data)
            return True
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsa-v1_5-sha256":
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            return True
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsa-pss-sha512":
            public_key.verify(signature, data, _PSS, hashes.SHA512())
            return True
    except InvalidSignature:
        return False
    return False
