"""Tests for federation.keys: generation, cached loading and SigningKey."""

import dataclasses
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from federation.keys import (
    SigningKey,
    generate_ed25519_keypair,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    public_key_to_pem,
)

DATA = Path(__file__).parent.parent / "data" / "signatures"


def test_generate_rsa_keypair_returns_matching_pkcs8_and_spki_pems() -> None:
    """Ensures an RSA pair is PKCS#8/SPKI PEM and the public half verifies the private half."""
    private_pem, public_pem = generate_rsa_keypair(bits=1024)

    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    private_key = load_private_key(private_pem)
    public_key = load_public_key(public_pem)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert private_key.key_size == 1024
    signature = private_key.sign(b"data", padding.PKCS1v15(), hashes.SHA256())
    public_key.verify(signature, b"data", padding.PKCS1v15(), hashes.SHA256())


def test_generate_rsa_keypair_defaults_to_2048_bits() -> None:
    """Ensures the default RSA size is the 2048 bits the fediverse expects."""
    private_pem, _ = generate_rsa_keypair()

    key = load_private_key(private_pem)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 2048


def test_generate_ed25519_keypair_returns_matching_pems() -> None:
    """Ensures an Ed25519 pair loads and the public half verifies the private half."""
    private_pem, public_pem = generate_ed25519_keypair()

    private_key = load_private_key(private_pem)
    public_key = load_public_key(public_pem)
    assert isinstance(private_key, ed25519.Ed25519PrivateKey)
    assert isinstance(public_key, ed25519.Ed25519PublicKey)
    public_key.verify(private_key.sign(b"data"), b"data")


def test_load_private_key_returns_cached_object_for_same_pem() -> None:
    """Ensures a PEM is parsed once and the same key object is returned afterwards."""
    private_pem, _ = generate_ed25519_keypair()
    hits_before = load_private_key.cache_info().hits

    first = load_private_key(private_pem)
    second = load_private_key(private_pem)

    assert first is second
    assert load_private_key.cache_info().hits == hits_before + 1


def test_key_caches_are_bounded() -> None:
    """Ensures both PEM caches have a maximum size, so distinct keys cannot grow memory forever."""
    assert load_private_key.cache_info().maxsize is not None
    assert load_public_key.cache_info().maxsize is not None


def test_load_public_key_returns_cached_object_for_same_pem() -> None:
    """Ensures public keys seen again (every inbox POST) are not parsed again."""
    public_pem = (DATA / "cavage12_test_key.pub.pem").read_text()

    assert load_public_key(public_pem) is load_public_key(public_pem)


def test_load_public_key_accepts_pkcs1_rsa_public_key() -> None:
    """Ensures an ``RSA PUBLIC KEY`` (PKCS#1) PEM, used by some servers, loads too."""
    spki_pem = (DATA / "cavage12_test_key.pub.pem").read_text()
    pkcs1_pem = (
        load_public_key(spki_pem)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        .decode()
    )

    key = load_public_key(pkcs1_pem)

    assert pkcs1_pem.startswith("-----BEGIN RSA PUBLIC KEY-----")
    assert public_key_to_pem(key) == public_key_to_pem(load_public_key(spki_pem))


def test_load_private_key_accepts_pkcs1_rsa_private_key() -> None:
    """Ensures an ``RSA PRIVATE KEY`` (PKCS#1) PEM such as draft-cavage's test key loads."""
    key = load_private_key((DATA / "cavage12_test_key.pem").read_text())

    assert isinstance(key, rsa.RSAPrivateKey)


@pytest.mark.parametrize("text", ["not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n"])
def test_load_public_key_rejects_garbage(text: str) -> None:
    """Ensures text that is not a PEM public key raises ValueError."""
    with pytest.raises(ValueError):
        load_public_key(text)


def test_load_keys_reject_unsupported_key_types() -> None:
    """Ensures EC keys, which no signature style here uses, are refused with ValueError."""
    ec_key = ec.generate_private_key(ec.SECP256R1())
    private_pem = ec_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        ec_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    with pytest.raises(ValueError, match="Unsupported"):
        load_private_key(private_pem)
    with pytest.raises(ValueError, match="Unsupported"):
        load_public_key(public_pem)


def test_signing_key_loads_private_key_once() -> None:
    """Ensures SigningKey.private_key is loaded on first use and then reused."""
    private_pem, _ = generate_ed25519_keypair()
    key = SigningKey("https://local.test/@alice#main-key", private_pem)

    assert key.private_key is key.private_key
    assert isinstance(key.private_key, ed25519.Ed25519PrivateKey)


def test_signing_key_is_frozen_and_hides_pem_from_repr() -> None:
    """Ensures SigningKey cannot be mutated and never prints the private key into logs."""
    private_pem, _ = generate_ed25519_keypair()
    key = SigningKey("https://local.test/@alice#main-key", private_pem)

    with pytest.raises(dataclasses.FrozenInstanceError):
        key.key_id = "other"  # type: ignore[misc]
    assert "PRIVATE" not in repr(key)
    assert "https://local.test/@alice#main-key" in repr(key)


def test_signing_key_with_bad_pem_raises_on_use() -> None:
    """Ensures a broken PEM is reported as ValueError when the key is first used."""
    key = SigningKey("https://local.test/@alice#main-key", "garbage")

    with pytest.raises(ValueError):
        _ = key.private_key
