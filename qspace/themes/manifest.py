"""theme.toml: its schema, and parsing it into a Manifest that lists every problem by line."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from qspace.themes.limits import CHOICE_OPTION, MANIFEST_FILE, THEME_ID, VARIABLE_NAME, extension
from qspace.themes.problems import Problem
from qspace.themes.variables import VARIABLE_TYPES, ThemeVariable, check_value, pack_relative
from qspace.themes.versions import SEMVER, range_allows

REQUIRED: Final = ("id", "name", "version", "author", "license", "description", "qspace")
REQUIRED_ALL: Final = (*REQUIRED, "preview")
OPTIONAL: Final = ("homepage",)
MAX_CHARS: Final = {"name": 60, "author": 100, "license": 100, "description": 500, "label": 60}
MAX_VARIABLES: Final = 40
MAX_OPTIONS: Final = 20
PREVIEW_TYPES: Final = frozenset({"png", "jpg", "jpeg", "webp"})
# An SPDX license identifier, or an expression of them (`MIT OR Apache-2.0`); LicenseRef-x too.
_SPDX_ID = r"\(?[A-Za-z0-9][A-Za-z0-9.+-]*\)?"
_SPDX = re.compile(rf"{_SPDX_ID}(?: (?:AND|OR|WITH) {_SPDX_ID})*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Manifest:
    """The parsed, checked content of a theme.toml."""

    id: str
    name: str
    version: str
    author: str
    license: str
    description: str
    qspace: str
    preview: str
    homepage: str | None = None
    variables: dict[str, ThemeVariable] = field(default_factory=dict)


def line_of(text: str, table: str, key: str | None) -> int:
    """Best-effort 1-based line of `key = ...` inside `[table]` ("" is the top level), else 1.

    With `key` None, the line of the `[table]` header itself.
    """
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            current = re.sub(r"[\s\"']", "", line.strip("[]"))
            if key is None and current == table:
                return number
            continue
        if (
            key is not None
            and current == table
            and re.match(rf"[\"']?{re.escape(key)}[\"']?\s*=", line)
        ):
            return number
    return 1


def toml_error_line(error: tomllib.TOMLDecodeError) -> int:
    """The line number tomllib puts in its message ("... (at line 3, column 7)"), else 1."""
    lineno = getattr(error, "lineno", None)  # Python 3.14 has the attribute
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"at line (\d+)", str(error))
    return int(match.group(1)) if match else 1


@dataclass
class _Reader:
    text: str
    has_file: Callable[[str], bool]
    problems: list[Problem] = field(default_factory=list)

    def fail(self, table: str, key: str | None, reason: str) -> None:
        self.problems.append(Problem(MANIFEST_FILE, line_of(self.text, table, key), reason))

    def string(self, data: dict[str, Any], key: str, table: str = "") -> str | None:
        value = data.get(key)
        where = f"{table}.{key}" if table else key
        if value is None:
            self.fail(table, None if table else key, f"{where} is required")
            return None
        if not isinstance(value, str):
            self.fail(table, key, f"{where} must be a string")
            return None
        if _CONTROL.search(value):
            self.fail(table, key, f"{where} must not contain control characters")
            return None
        limit = MAX_CHARS.get(key)
        if limit is not None and not 0 < len(value.strip()) <= limit:
            self.fail(table, key, f"{where} must have 1 to {limit} characters")
            return None
        return value.strip()

    def top_level(self, data: dict[str, Any], current_version: str) -> dict[str, str | None]:
        for key in data:
            if key not in (*REQUIRED_ALL, *OPTIONAL, "variables"):
                self.fail("", key, f"unknown key {key!r}")
        values = {key: self.string(data, key) for key in REQUIRED_ALL}
        checks: list[tuple[str, Callable[[str], str | None]]] = [
            ("id", _id_problem),
            ("version", _version_problem),
            ("license", _license_problem),
            ("qspace", lambda value: _range_problem(value, current_version)),
            ("preview", self.preview_problem),
        ]
        for key, check in checks:
            value = values[key]
            if value is not None and (reason := check(value)):
                self.fail("", key, f"{key}: {reason}")
                values[key] = None
        homepage = data.get("homepage")
        values["homepage"] = None
        if homepage is not None:
            if isinstance(homepage, str) and _is_https_url(homepage):
                values["homepage"] = homepage
            else:
                self.fail("", "homepage", "homepage must be an https:// URL")
        return values

    def preview_problem(self, value: str) -> str | None:
        path = pack_relative(value)
        if path is None or extension(path) not in PREVIEW_TYPES:
            return "must be the path of a png, jpg or webp image inside the pack"
        if not self.has_file(path):
            return f"{value!r} is not a file of this pack"
        return None

    def variables(self, data: Any) -> dict[str, ThemeVariable]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.fail("", "variables", "variables must be a table of [variables.<name>] tables")
            return {}
        if len(data) > MAX_VARIABLES:
            self.fail("variables", None, f"at most {MAX_VARIABLES} variables")
        found = {}
        for name, spec in data.items():
            variable = self.variable(name, spec)
            if variable is not None:
                found[name] = variable
        return found

    def variable(self, name: str, spec: Any) -> ThemeVariable | None:
        table = f"variables.{name}"
        if not VARIABLE_NAME.fullmatch(name):
            self.fail(table, None, f"variable name {name!r} must match [a-z][a-z0-9-]{{0,31}}")
            return None
        if not isinstance(spec, dict):
            self.fail("variables", name, f"{table} must be a table")
            return None
        for key in spec:
            if key not in ("type", "default", "label", "options"):
                self.fail(table, key, f"{table}: unknown key {key!r}")
        kind = spec.get("type")
        if kind not in VARIABLE_TYPES:
            self.fail(table, "type", f"{table}.type must be one of {', '.join(VARIABLE_TYPES)}")
            return None
        label = self.string(spec, "label", table)
        default = self.string(spec, "default", table)
        options = self.options(spec.get("options"), table, kind)
        if label is None or default is None or options is None:
            return None
        variable = ThemeVariable(name, kind, default, label, options)
        try:
            checked = check_value(variable, default, self.has_file)
        except ValueError as exc:
            self.fail(table, "default", f"{table}.default: {exc}")
            return None
        return ThemeVariable(name, kind, checked, label, options)

    def options(self, value: Any, table: str, kind: str) -> tuple[str, ...] | None:
        if kind != "choice":
            if value is not None:
                self.fail(table, "options", f"{table}.options is only for choice variables")
                return None
            return ()
        if (
            not isinstance(value, list)
            or not 0 < len(value) <= MAX_OPTIONS
            or not all(isinstance(o, str) and CHOICE_OPTION.fullmatch(o) for o in value)
            or len(set(value)) != len(value)
        ):
            self.fail(
                table,
                "options",
                f"{table}.options must list 1 to {MAX_OPTIONS} distinct values "
                "matching [a-z0-9][a-z0-9-]*",
            )
            return None
        return tuple(value)


def _id_problem(value: str) -> str | None:
    return None if THEME_ID.fullmatch(value) else "must match [a-z0-9-]{1,40}"


def _version_problem(value: str) -> str | None:
    return None if SEMVER.fullmatch(value) else "must be a semantic version such as 1.0.0"


def _license_problem(value: str) -> str | None:
    if _SPDX.fullmatch(value):
        return None
    return "must be an SPDX license identifier (or expression) such as CC-BY-4.0"


def _range_problem(value: str, current_version: str) -> str | None:
    try:
        allowed = range_allows(value, current_version)
    except ValueError as exc:
        return str(exc)
    return None if allowed else f"{value!r} excludes this qspace version ({current_version})"


def _is_https_url(value: str) -> bool:
    if len(value) > 300 or _CONTROL.search(value) or " " in value:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def parse_manifest(
    text: str, has_file: Callable[[str], bool], *, current_version: str
) -> tuple[Manifest | None, list[Problem]]:
    """Parse and check theme.toml; return the Manifest (None if anything is wrong) and problems.

    `has_file(relative_path)` tells whether the pack contains a file (for preview, fonts, images).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(MANIFEST_FILE, toml_error_line(exc), f"invalid TOML: {exc}")]
    reader = _Reader(text, has_file)
    values = reader.top_level(data, current_version)
    variables = reader.variables(data.get("variables"))
    if reader.problems:
        return None, reader.problems
    manifest = Manifest(
        id=str(values["id"]),
        name=str(values["name"]),
        version=str(values["version"]),
        author=str(values["author"]),
        license=str(values["license"]),
        description=str(values["description"]),
        qspace=str(values["qspace"]),
        preview=str(pack_relative(str(values["preview"]))),
        homepage=values["homepage"],
        variables=variables,
    )
    return manifest, []
