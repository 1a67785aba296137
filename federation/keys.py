"""Key generation and cached PEM loading for RSA and Ed25519 signing keys."""

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

# Loading an RSA PEM costs tens of milliseconds (the private key is checked), and an inbox sees
# the same few remote keys over and over: cache by PEM text, bounded so a flood of distinct keys
# cannot grow memory without limit.
_PRIVATE_CACHE_SIZE = 64
_PUBLIC_CACHE_SIZE = 1024


def generate_rsa_keypair(bits: int = 2048) -> tuple[str, str]:
    """Generate an RSA key pair.

    Args:
        bits: modulus size; the fediverse expects 2048 or more.

    Returns:
        ``(private_pem, public_pem)``: PKCS#8 private key and SubjectPublicKeyInfo public key.
    """
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _private_pem(private_key), public_key_to_pem(private_key.public_key())


def generate_ed25519_keypair() -> tuple[str, str]:
    """Generate an Ed25519 key pair.

    Returns:
        ``(private_pem, public_pem)``: PKCS#8 private key and SubjectPublicKeyInfo public key.
    """
    private_key = ed25519.Ed25519PrivateKey.generate()
    return _private_pem(private_key), public_key_to_pem(private_key.public_key())


@lru_cache(maxsize=_PRIVATE_CACHE_SIZE)
def load_private_key(pem: str) -> PrivateKey:
    """Load an unencrypted RSA or Ed25519 private key from PEM (PKCS#8 or PKCS#1); cached.

    Args:
        pem: the PEM text.

    Raises:
        ValueError: the text is not a PEM private key, or the key is neither RSA nor Ed25519.
    """
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise ValueError("Not an unencrypted PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError(f"Unsupported private key type {type(key).__name__}")
    return key


@lru_cache(maxsize=_PUBLIC_CACHE_SIZE)
def load_public_key(pem: str) -> PublicKey:
    """Load an RSA or Ed25519 public key from PEM (SubjectPublicKeyInfo or PKCS#1); cached.

    Args:
        pem: the PEM text, e.g. an actor's ``publicKey.publicKeyPem``.

    Raises:
        ValueError: the text is not a PEM public key, or the key is neither RSA nor Ed25519.
    """
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise ValueError("Not a PEM public key") from exc
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise ValueError(f"Unsupported public key type {type(key).__name__}")
    return key


def public_key_to_pem(public_key: PublicKey) -> str:
    """Serialize a public key as SubjectPublicKeyInfo PEM, the form ActivityPub actors publish.

    Args:
        public_key: an RSA or Ed25519 public key.
    """
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _private_pem(private_key: PrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """A private key and the ``keyId`` URL under which its public half is published."""

    key_id: str
    private_key_pem: str = field(repr=False)

    @cached_property
    def private_key(self) -> PrivateKey:
        """The loaded private key, parsed on first use only.

        Raises:
            ValueError: ``private_key_pem`` is not a usable RSA or Ed25519 private key.
        """
        return load_private_key(self.private_key_pem)
