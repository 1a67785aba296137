"""Settings: a frozen tree of dataclasses read from TOML, overridden by QSPACE_<SECTION>_<KEY>.

Nothing here is read at import time: `load_settings(path, environ)` is called by the CLI (or a
test) and the result is passed to `create_app(settings)`.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

REGISTRATION_MODES = ("closed", "invite", "open")
LOG_LEVELS = ("debug", "info", "warning", "error")
ENV_PREFIX = "QSPACE_"


class ConfigError(Exception):
    """A configuration problem, naming the file, the key and (when known) the line."""

    def __init__(
        self, path: Path | None, message: str, *, key: str | None = None, line: int | None = None
    ):
        self.path = path
        self.key = key
        self.line = line
        self.message = message
        where = str(path) if path else "<settings>"
        if line is not None:
            where += f":{line}"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ServerSettings:
    # Public host name (with :port when not 80/443) that appears in every URL and actor id.
    domain: str = "localhost:8000"
    scheme: Literal["http", "https"] = "https"
    host: str = "127.0.0.1"
    port: int = 8000
    # Where the database, media and installed themes live; relative paths are relative to the
    # config file's folder. Empty means "the config file's folder".
    data_dir: str = ""
    # Run the background job runner (deliveries, inbox processing) inside `qspace serve`.
    run_worker: bool = True
    # Seconds `serve` waits for in-flight requests and jobs on shutdown.
    shutdown_timeout: int = 20
    # Trust X-Forwarded-For/-Proto from these addresses (a reverse proxy in front of qspace).
    forwarded_allow_ips: str = "127.0.0.1"


@dataclass(frozen=True)
class DatabaseSettings:
    # sqlite://<path> or postgres://user:password@host:port/database. Empty means
    # sqlite://<data dir>/qspace.db.
    url: str = ""
    # SQLite only: "NORMAL" (default, safe with WAL against application crashes) or "FULL".
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    # SQLite only: milliseconds a writer waits for the lock before failing.
    sqlite_busy_timeout_ms: int = 5000
    # PostgreSQL only: connection pool size per process.
    pool_max_size: int = 10


@dataclass(frozen=True)
class MediaSettings:
    # Uploaded and cached media. Empty means <data dir>/media.
    dir: str = ""
    # Largest accepted upload body, in bytes (refused with 413 before it is read).
    max_upload_bytes: int = 25 * 1024 * 1024
    # Largest image accepted, in pixels (decompression-bomb guard).
    max_image_pixels: int = 40_000_000


@dataclass(frozen=True)
class SecuritySettings:
    # Signs session cookies and tokens. `qspace init` writes a random one; keep it secret.
    secret_key: str = ""
    # Days a session stays valid without use.
    session_days: int = 30
    # Minimum password length for new passwords.
    min_password_length: int = 10


@dataclass(frozen=True)
class AccountSettings:
    # closed: only the admin creates accounts; invite: single-use invite links; open: anyone.
    registration: Literal["closed", "invite", "open"] = "closed"
    # Hours an invite link stays valid.
    invite_hours: int = 72


@dataclass(frozen=True)
class RateLimitSettings:
    # Login attempts per minute, per client address and per account.
    login_per_minute: int = 5
    # Posts, comments and guestbook messages per minute, per account.
    writes_per_minute: int = 30


@dataclass(frozen=True)
class FederationSettings:
    # Allow plain http and loopback peers. For development and tests only: never in production.
    allow_http: bool = False
    # Accepted age and future skew of a signed request's Date, in seconds (as Mastodon).
    signature_max_age: int = 3900
    signature_max_future: int = 3600
    # Largest accepted inbox body in bytes (as Mastodon: 1 MiB).
    max_inbox_bytes: int = 1024 * 1024
    # Timeout in seconds for fetches and deliveries.
    http_timeout: float = 10.0
    # Concurrent deliveries in total and per remote host.
    delivery_concurrency: int = 32
    per_host_concurrency: int = 4
    # Domains whose activities are refused, comma separated.
    blocked_domains: str = ""


@dataclass(frozen=True)
class LogSettings:
    level: Literal["debug", "info", "warning", "error"] = "info"
    # Log one line per HTTP request (with its request id).
    access_log: bool = True


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    rate_limits: RateLimitSettings = field(default_factory=RateLimitSettings)
    federation: FederationSettings = field(default_factory=FederationSettings)
    log: LogSettings = field(default_factory=LogSettings)
    # The file these settings came from (None when built in code).
    config_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"{self.server.scheme}://{self.server.domain}"

    @property
    def data_path(self) -> Path:
        base = self.config_path.parent if self.config_path else Path.cwd()
        return (base / self.server.data_dir).resolve() if self.server.data_dir else base.resolve()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite://{self.data_path / 'qspace.db'}"

    @property
    def media_path(self) -> Path:
        if self.media.dir:
            return (self.data_path / self.media.dir).resolve()
        return self.data_path / "media"

    @property
    def themes_path(self) -> Path:
        """Where `qspace theme install` puts packs (bundled ones ship with the code)."""
        return self.data_path / "themes"


SECTIONS: dict[str, type] = {
    f.name: get_type_hints(Settings)[f.name]
    for f in dataclasses.fields(Settings)
    if f.name != "config_path"
}


def _coerce(value: Any, annotation: Any, *, from_env: bool) -> Any:
    """Check (and for env strings, convert) one value against its annotation; raise ValueError."""
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(map(str, choices))}, not {value!r}")
        return value
    if annotation is bool:
        if from_env and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {value!r}")
        return value
    if annotation is int:
        if from_env and isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise ValueError(f"must be an integer, not {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be an integer, not {value!r}")
        return value
    if annotation is float:
        if from_env and isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise ValueError(f"must be a number, not {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, not {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {value!r}")
    return value


def _line_of(text: str, section: str, key: str | None) -> int | None:
    """Best-effort line number of `[section]` / `key =` in the TOML text, for error messages."""
    in_section = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            in_section = line.strip("[] ") == section
            if in_section and key is None:
                return number
            continue
        if in_section and key and re.match(rf"{re.escape(key)}\s*=", line):
            return number
    return None


def _section_hints(section_type: type) -> dict[str, Any]:
    return get_type_hints(section_type)


def load_settings(path: Path | str | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file at `path` (optional), apply QSPACE_* overrides and validate.

    Raises ConfigError naming the file, key and line for every problem found first.
    """
    config_path = Path(path).resolve() if path else None
    environ = environ if environ is not None else {}
    raw: dict[str, Any] = {}
    text = ""
    if config_path is not None:
        try:
            text = config_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(config_path, "config file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(config_path, f"cannot read config file: {exc}") from None
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"at line (\d+)", str(exc))
            line = int(match.group(1)) if match else None
            raise ConfigError(config_path, f"invalid TOML: {exc}", line=line) from None

    values: dict[str, dict[str, Any]] = {}
    for section, table in raw.items():
        if section not in SECTIONS:
            raise ConfigError(
                config_path,
                f"unknown section (known: {', '.join(SECTIONS)})",
                key=f"[{section}]",
                line=_line_of(text, section, None),
            )
        if not isinstance(table, dict):
            raise ConfigError(config_path, "must be a table", key=section)
        hints = _section_hints(SECTIONS[section])
        for key, value in table.items():
            dotted = f"{section}.{key}"
            if key not in hints:
                raise ConfigError(
                    config_path,
                    "unknown setting",
                    key=dotted,
                    line=_line_of(text, section, key),
                )
            try:
                coerced = _coerce(value, hints[key], from_env=False)
            except ValueError as exc:
                raise ConfigError(
                    config_path, str(exc), key=dotted, line=_line_of(text, section, key)
                ) from None
            values.setdefault(section, {})[key] = coerced

    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == "QSPACE_CONFIG":
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section = next(
            (s for s in sorted(SECTIONS, key=len, reverse=True) if rest.startswith(s + "_")), None
        )
        if section is None:
            continue  # not a settings variable (e.g. QSPACE_TEST_DATABASE_URL)
        key = rest[len(section) + 1 :]
        hints = _section_hints(SECTIONS[section])
        if key not in hints:
            raise ConfigError(config_path, f"unknown setting in environment variable {name}")
        try:
            values.setdefault(section, {})[key] = _coerce(value, hints[key], from_env=True)
        except ValueError as exc:
            raise ConfigError(config_path, f"{exc} (from {name})", key=f"{section}.{key}") from None

    settings = Settings(
        **{s: SECTIONS[s](**values.get(s, {})) for s in SECTIONS}, config_path=config_path
    )
    validate(settings, text)
    return settings


def validate(settings: Settings, text: str = "") -> None:
    """Check cross-field rules that types alone can't express; raise ConfigError."""
    path = settings.config_path

    def fail(section: str, key: str, message: str) -> None:
        raise ConfigError(path, message, key=f"{section}.{key}", line=_line_of(text, section, key))

    domain = settings.server.domain
    if not re.fullmatch(r"[A-Za-z0-9.-]+(:\d{1,5})?", domain) or domain.startswith((".", "-")):
        fail("server", "domain", f"must be a host name with an optional :port, not {domain!r}")
    if not 0 < settings.server.port < 65536:
        fail("server", "port", "must be between 1 and 65535")
    secret = settings.security.secret_key
    if len(secret) < 32:
        fail(
            "security",
            "secret_key",
            "must be set to at least 32 random characters (`qspace init` writes one)",
        )
    url = settings.database.url
    if url:
        scheme = urlsplit(url).scheme
        if scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
            fail("database", "url", f"must start with sqlite:// or postgres://, not {scheme}://")
    for section, key, value, minimum in (
        ("media", "max_upload_bytes", settings.media.max_upload_bytes, 1024),
        ("media", "max_image_pixels", settings.media.max_image_pixels, 1),
        ("security", "session_days", settings.security.session_days, 1),
        ("security", "min_password_length", settings.security.min_password_length, 8),
        ("accounts", "invite_hours", settings.accounts.invite_hours, 1),
        ("rate_limits", "login_per_minute", settings.rate_limits.login_per_minute, 1),
        ("rate_limits", "writes_per_minute", settings.rate_limits.writes_per_minute, 1),
        ("federation", "max_inbox_bytes", settings.federation.max_inbox_bytes, 1024),
        ("federation", "delivery_concurrency", settings.federation.delivery_concurrency, 1),
        ("federation", "per_host_concurrency", settings.federation.per_host_concurrency, 1),
        ("database", "pool_max_size", settings.database.pool_max_size, 1),
    ):
        if value < minimum:
            fail(section, key, f"must be at least {minimum}")


def replace(settings: Settings, **sections: dict[str, Any]) -> Settings:
    """Return a copy with some keys of some sections changed (for tests and the CLI)."""
    changes = {
        name: dataclasses.replace(getattr(settings, name), **keys)
        for name, keys in sections.items()
    }
    return dataclasses.replace(settings, **changes)
