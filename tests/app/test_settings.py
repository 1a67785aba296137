"""Settings: TOML, environment overrides, and precise errors for broken configs."""

import dataclasses
import tomllib
from pathlib import Path

import pytest

from qspace.settings import SECTIONS, ConfigError, Settings, load_settings

SECRET = "s" * 40
ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_when_the_file_sets_only_the_secret(tmp_path):
    """Ensures unspecified settings take their documented defaults."""
    path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\n')
    settings = load_settings(path, {})
    assert settings.server.port == 8000
    assert settings.accounts.registration == "closed"
    assert settings.federation.allow_http is False
    assert settings.database_url == f"sqlite://{tmp_path.resolve() / 'qspace.db'}"
    assert settings.media_path == tmp_path.resolve() / "media"


def test_environment_overrides_the_file(tmp_path):
    """Ensures QSPACE_<SECTION>_<KEY> wins over the TOML value, with type conversion."""
    path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\n[server]\nport = 9000\n')
    env = {
        "QSPACE_SERVER_PORT": "9100",
        "QSPACE_FEDERATION_ALLOW_HTTP": "true",
        "QSPACE_RATE_LIMITS_LOGIN_PER_MINUTE": "3",
        "QSPACE_TEST_DATABASE_URL": "ignored: not a settings variable",
    }
    settings = load_settings(path, env)
    assert settings.server.port == 9100
    assert settings.federation.allow_http is True
    assert settings.rate_limits.login_per_minute == 3


def test_toml_syntax_error_names_file_and_line(tmp_path):
    """Ensures a TOML syntax error reports the file and the line number."""
    path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\n[server]\nport = = 3\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert info.value.line == 4
    assert str(path) in str(info.value)
    assert ":4" in str(info.value)


def test_wrong_type_names_the_key_and_line(tmp_path):
    """Ensures a value of the wrong type names section.key and its line."""
    path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\n\n[server]\nport = "eighty"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert info.value.key == "server.port"
    assert info.value.line == 5
    assert "integer" in str(info.value)


def test_unknown_key_is_refused(tmp_path):
    """Ensures a misspelt setting is an error instead of being silently ignored."""
    path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\nsecert = 1\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert info.value.key == "security.secert"
    assert info.value.line == 3


def test_unknown_section_is_refused(tmp_path):
    """Ensures an unknown [section] is reported with its line."""
    path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\n[sever]\nport = 1\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert info.value.line == 3


def test_invalid_choice_lists_the_options(tmp_path):
    """Ensures a value outside its choices names the allowed ones."""
    path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\n[accounts]\nregistration = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert info.value.key == "accounts.registration"
    assert "closed, invite, open" in str(info.value)


def test_missing_secret_is_refused(tmp_path):
    """Ensures a server never starts with an empty or short secret key."""
    path = write(tmp_path, '[server]\ndomain = "example.org"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert info.value.key == "security.secret_key"


def test_bad_environment_value_names_the_variable(tmp_path):
    """Ensures a malformed override names the environment variable."""
    path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, {"QSPACE_SERVER_PORT": "many"})
    assert "QSPACE_SERVER_PORT" in str(info.value)


def test_bad_domain_and_database_scheme_are_refused(tmp_path):
    """Ensures cross-field validation catches a bad domain and an unknown database."""
    for body, key in (
        ('[server]\ndomain = "https://x.org/"\n', "server.domain"),
        ('[database]\nurl = "mysql://localhost/db"\n', "database.url"),
    ):
        path = write(tmp_path, f'[security]\nsecret_key = "{SECRET}"\n' + body)
        with pytest.raises(ConfigError) as info:
            load_settings(path, {})
        assert info.value.key == key


def test_missing_file_is_reported(tmp_path):
    """Ensures a config path that does not exist is a clear error."""
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", {})


def test_example_config_documents_every_setting_with_its_default():
    """Ensures config.example.toml lists each setting, commented, with the code's default."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    # Uncomment `# key = value` lines so the documented defaults can be parsed.
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and "=" in stripped and not stripped.startswith("# "):
            lines.append(stripped.lstrip("#").strip())
        else:
            lines.append(line)
    documented = tomllib.loads("\n".join(lines))
    defaults = Settings()
    for section, section_type in SECTIONS.items():
        assert section in documented, f"[{section}] is not documented"
        for f in dataclasses.fields(section_type):
            assert f.name in documented[section], f"{section}.{f.name} is not documented"
            expected = getattr(getattr(defaults, section), f.name)
            assert documented[section][f.name] == expected, f"{section}.{f.name} default differs"
        extra = set(documented[section]) - {f.name for f in dataclasses.fields(section_type)}
        assert not extra, f"documented but unknown: {section}.{sorted(extra)}"
