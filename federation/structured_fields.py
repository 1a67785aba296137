"""The subset of RFC 8941 Structured Field Values that HTTP message signatures need.

Signature-Input, Signature and Content-Digest are Dictionaries whose members are Items or Inner
Lists carrying Parameters; values are Integers, Decimals, Strings, Tokens, Byte Sequences and
Booleans. The stdlib has no parser, and federation/ may depend only on the stdlib, cryptography
and httpx, so this module implements that subset directly from RFC 8941 sections 3 and 4.
Dates and Display Strings (RFC 9651) are not needed and not supported.
"""

import base64
import binascii
import re
import string
from dataclasses import dataclass, field


class StructuredFieldError(ValueError):
    """The text is not a valid structured field of the expected type."""


class Token(str):
    """An RFC 8941 Token: a bare word such as ``sha-256`` or ``application/json``."""

    __slots__ = ()


BareItem = int | float | str | Token | bytes | bool
Params = dict[str, BareItem]


@dataclass
class Item:
    """A bare value with its parameters."""

    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass
class InnerList:
    """A parenthesised list of Items with parameters of its own."""

    items: list[Item]
    params: Params = field(default_factory=dict)


Member = Item | InnerList

_KEY_START = set(string.ascii_lowercase + "*")
_DIGITS = set(string.digits)
_KEY_CHARS = _KEY_START | _DIGITS | set("_-.")
_TOKEN_START = set(string.ascii_letters + "*")
_TOKEN_CHARS = set(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~:/")
_BASE64_CHARS = set(string.ascii_letters + string.digits + "+/=")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse a Dictionary field value (RFC 8941 section 4.2.2); a repeated key keeps the last.

    Args:
        text: the field value; several field lines must first be joined with ``", "``.

    Raises:
        StructuredFieldError: the text is not a valid Dictionary.
    """
    parser = _Parser(text)
    members: dict[str, Member] = {}
    parser.skip_spaces()
    while not parser.at_end():
        key = parser.key()
        if parser.peek() == "=":
            parser.pos += 1
            members[key] = parser.member()
        else:
            members[key] = Item(True, parser.parameters())
        parser.skip_ows()
        if parser.at_end():
            break
        parser.expect(",")
        parser.skip_ows()
        if parser.at_end():
            raise StructuredFieldError("Trailing comma in dictionary")
    return members


def parse_item(text: str) -> Item:
    """Parse a single Item field value, e.g. a component identifier such as ``"@path"``.

    Args:
        text: the serialized item.

    Raises:
        StructuredFieldError: the text is not a valid Item.
    """
    parser = _Parser(text)
    parser.skip_spaces()
    item = parser.item()
    parser.skip_spaces()
    if not parser.at_end():
        raise StructuredFieldError("Unexpected characters after item")
    return item


def serialize_bare_item(value: BareItem) -> str:
    """Serialize a bare value using the strict rules of RFC 8941 section 4.1.3.

    Args:
        value: the value; ``Token`` instances serialize bare, other ``str`` values quoted.

    Raises:
        StructuredFieldError: the value cannot be represented.
    """
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > 999_999_999_999_999:
            raise StructuredFieldError("Integer out of range")
        return str(value)
    if isinstance(value, float):
        text = f"{round(value, 3):.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        if not value or value[0] not in _TOKEN_START or not set(value) <= _TOKEN_CHARS:
            raise StructuredFieldError(f"Invalid token {value!r}")
        return str(value)
    if any(not (" " <= char <= "~") for char in value):
        raise StructuredFieldError("Strings may only contain printable ASCII")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_params(params: Params) -> str:
    """Serialize parameters in their given order, e.g. ``;created=1;keyid="k"``.

    Args:
        params: parameter names (lowercase keys) and values; ``True`` serializes as a bare key.
    """
    parts = []
    for key, value in params.items():
        _check_key(key)
        parts.append(f";{key}" if value is True else f";{key}={serialize_bare_item(value)}")
    return "".join(parts)


def serialize_item(item: Item) -> str:
    """Serialize an Item with its parameters."""
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    """Serialize an Inner List, e.g. ``("@method" "@path");created=1``."""
    body = " ".join(serialize_item(item) for item in inner.items)
    return f"({body})" + serialize_params(inner.params)


def serialize_member(member: Member) -> str:
    """Serialize a Dictionary member value: an Item or an Inner List."""
    return serialize_inner_list(member) if isinstance(member, InnerList) else serialize_item(member)


def serialize_dictionary(members: dict[str, Member]) -> str:
    """Serialize a Dictionary; a member whose value is ``True`` is written as its bare key."""
    parts = []
    for key, member in members.items():
        _check_key(key)
        if isinstance(member, Item) and member.value is True:
            parts.append(key + serialize_params(member.params))
        else:
            parts.append(f"{key}={serialize_member(member)}")
    return ", ".join(parts)


def _check_key(key: str) -> None:
    if not key or key[0] not in _KEY_START or not set(key) <= _KEY_CHARS:
        raise StructuredFieldError(f"Invalid key {key!r}")


class _Parser:
    """A cursor over the field text implementing the RFC 8941 section 4.2 algorithms."""

    def __init__(self, text: str) -> None:
        self.text = text.rstrip(" ")
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        # "" at the end, which is in none of the character sets and equals no character.
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise StructuredFieldError(f"Expected {char!r} at position {self.pos}")
        self.pos += 1

    def skip_spaces(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.peek() in (" ", "\t"):
            self.pos += 1

    def key(self) -> str:
        if self.peek() not in _KEY_START:
            raise StructuredFieldError(f"Invalid key at position {self.pos}")
        start = self.pos
        while not self.at_end() and self.peek() in _KEY_CHARS:
            self.pos += 1
        return self.text[start : self.pos]

    def member(self) -> Member:
        return self.inner_list() if self.peek() == "(" else self.item()

    def item(self) -> Item:
        value = self.bare_item()
        return Item(value, self.parameters())

    def inner_list(self) -> InnerList:
        self.expect("(")
        items: list[Item] = []
        while True:
            self.skip_spaces()
            if self.peek() == ")":
                self.pos += 1
                return InnerList(items, self.parameters())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise StructuredFieldError(f"Malformed inner list at position {self.pos}")

    def parameters(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip_spaces()
            key = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[key] = value
        return params

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        if char == "-" or char in _DIGITS:
            return self.number()
        if char in _TOKEN_START:
            return self.token()
        raise StructuredFieldError(f"Unexpected {char!r} at position {self.pos}")

    def string(self) -> str:
        self.expect('"')
        chars = []
        while not self.at_end():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\"):
                    raise StructuredFieldError("Invalid escape in string")
                chars.append(escaped)
                self.pos += 1
            elif char == '"':
                return "".join(chars)
            elif not (" " <= char <= "~"):
                raise StructuredFieldError("Invalid character in string")
            else:
                chars.append(char)
        raise StructuredFieldError("Unterminated string")

    def token(self) -> Token:
        start = self.pos
        while not self.at_end() and self.peek() in _TOKEN_CHARS:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def byte_sequence(self) -> bytes:
        self.expect(":")
        end = self.text.find(":", self.pos)
        if end < 0:
            raise StructuredFieldError("Unterminated byte sequence")
        encoded = self.text[self.pos : end]
        if not set(encoded) <= _BASE64_CHARS:
            raise StructuredFieldError("Invalid base64 in byte sequence")
        self.pos = end + 1
        try:
            # RFC 8941 4.2.7: parsers SHOULD accept missing padding; add it back.
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as exc:
            raise StructuredFieldError("Invalid base64 in byte sequence") from exc

    def boolean(self) -> bool:
        self.expect("?")
        char = self.peek()
        if char not in ("0", "1"):
            raise StructuredFieldError("Invalid boolean")
        self.pos += 1
        return char == "1"

    def number(self) -> int | float:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            raise StructuredFieldError(f"Invalid number at position {self.pos}")
        text = match.group(0)
        digits = text.lstrip("-")
        if match.group(1):
            whole, fraction = digits.split(".")
            if len(whole) > 12 or len(fraction) > 3:
                raise StructuredFieldError("Decimal out of range")
            self.pos = match.end()
            return float(text)
        if len(digits) > 15:
            raise StructuredFieldError("Integer out of range")
        self.pos = match.end()
        return int(text)
