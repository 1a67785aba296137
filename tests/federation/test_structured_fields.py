"""Tests for federation.structured_fields, the RFC 8941 subset used by RFC 9421 and 9530."""

import pytest

from federation.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    parse_item,
    serialize_bare_item,
    serialize_dictionary,
    serialize_inner_list,
)


def test_parse_dictionary_reads_signature_input_member() -> None:
    """Ensures an inner list of strings with parameters parses into components and params."""
    members = parse_dictionary(
        'sig1=("@method" "@query-param";name="Pet");created=1618884473;keyid="k";alg="ed25519"'
    )

    member = members["sig1"]
    assert isinstance(member, InnerList)
    assert [item.value for item in member.items] == ["@method", "@query-param"]
    assert member.items[1].params == {"name": "Pet"}
    assert member.params == {"created": 1618884473, "keyid": "k", "alg": "ed25519"}


def test_parse_dictionary_reads_byte_sequences_tokens_booleans_and_numbers() -> None:
    """Ensures every bare item type of the subset is recognised with its Python type."""
    members = parse_dictionary("a=:aGVsbG8=:, b=tok/en, c, d=?0, e=-12, f=1.5;q")

    assert members["a"] == Item(b"hello")
    assert members["b"] == Item(Token("tok/en"))
    assert isinstance(members["b"], Item) and isinstance(members["b"].value, Token)
    assert members["c"] == Item(True)
    assert members["d"] == Item(False)
    assert members["e"] == Item(-12)
    assert members["f"] == Item(1.5, {"q": True})


def test_parse_dictionary_tolerates_optional_whitespace() -> None:
    """Ensures spaces and tabs around commas and at the ends are accepted (RFC 8941 4.2.2)."""
    members = parse_dictionary('  a=1 ,\tb=( "x"   "y" )  ')

    assert members["a"] == Item(1)
    assert members["b"] == InnerList([Item("x"), Item("y")])


def test_parse_dictionary_unescapes_strings() -> None:
    """Ensures backslash-escaped quotes and backslashes in strings are decoded."""
    assert parse_dictionary(r'a="say \"hi\" \\ bye"')["a"] == Item('say "hi" \\ bye')


def test_parse_item_reads_component_identifier() -> None:
    """Ensures a serialized component identifier parses to a String with parameters."""
    assert parse_item('"@query-param";name="Pet"') == Item("@query-param", {"name": "Pet"})


@pytest.mark.parametrize(
    "text",
    [
        "A=1",  # keys are lowercase
        "a=1,",  # trailing comma
        "a=(1 2",  # unterminated inner list
        'a="open',  # unterminated string
        r'a="bad \q escape"',
        "a=:not base64!:",
        "a=?2",
        "a=1234567890123456",  # more than 15 digits
        "a=1.2345",  # more than 3 decimals
        "a=1 b=2",  # missing comma
        "a=@",
    ],
)
def test_parse_dictionary_rejects_invalid_text(text: str) -> None:
    """Ensures malformed fields raise StructuredFieldError rather than parse loosely."""
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


def test_serialize_inner_list_matches_rfc9421_signature_params() -> None:
    """Ensures serialization reproduces the @signature-params form of RFC 9421 section 2.3."""
    inner = InnerList(
        [Item("@target-uri"), Item("@authority"), Item("date"), Item("cache-control")],
        {
            "keyid": "test-key-rsa-pss",
            "alg": "rsa-pss-sha512",
            "created": 1618884475,
            "expires": 1618884775,
        },
    )

    assert serialize_inner_list(inner) == (
        '("@target-uri" "@authority" "date" "cache-control")'
        ';keyid="test-key-rsa-pss";alg="rsa-pss-sha512";created=1618884475;expires=1618884775'
    )


def test_serialize_dictionary_round_trips_parsed_value() -> None:
    """Ensures parse then serialize gives the canonical text back."""
    text = 'sig1=("@method" "@path";req);created=1;nonce="n", sig2=:AQID:, flag;x=tok'

    assert serialize_dictionary(parse_dictionary(text)) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "?1"), (False, "?0"), (42, "42"), (1.5, "1.5"), (2.0, "2.0"), (b"\x01", ":AQ==:")],
)
def test_serialize_bare_item_follows_strict_rules(value: object, expected: str) -> None:
    """Ensures booleans, integers, decimals and bytes serialize per RFC 8941 section 4.1."""
    assert serialize_bare_item(value) == expected  # type: ignore[arg-type]


def test_serialize_bare_item_escapes_strings_and_refuses_non_ascii() -> None:
    """Ensures quotes are escaped and non-printable or non-ASCII strings are refused."""
    assert serialize_bare_item('a"b') == r'"a\"b"'
    with pytest.raises(StructuredFieldError):
        serialize_bare_item("caf\u00e9")
    with pytest.raises(StructuredFieldError):
        serialize_bare_item(Token("1abc"))
