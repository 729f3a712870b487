"""Settings: sources in order, clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.config import env_variable_names, load_settings
from controller.errors import SettingsError


@pytest.fixture(autouse=True)
def _no_system_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An installed controller's /etc file must not leak into these tests.
    monkeypatch.setattr("controller.config.DEFAULT_CONFIG_FILE", tmp_path / "absent.toml")


def test_defaults_without_any_source() -> None:
    settings = load_settings(environ={})
    assert settings.ami.port == 5038
    assert settings.ami.secret is None  # no default password
    assert settings.effective_database_url.startswith("sqlite:///")


def test_default_file_may_be_absent_but_named_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read settings file"):
        load_settings(config_file=tmp_path / "missing.toml", environ={})


def test_sources_override_in_order(tmp_path: Path) -> None:
    toml = tmp_path / "controller.toml"
    toml.write_text(
        'data_dir = "/srv/pbx"\nlog_level = "debug"\n[ami]\nport = 5039\nusername = "file"\n'
    )
    environ = {"PBXCTL_AMI_PORT": "5040", "PBXCTL_DATA_DIR": "/env/pbx"}
    settings = load_settings({"data_dir": "/cli/pbx"}, config_file=toml, environ=environ)
    assert settings.ami.port == 5040  # env beats file
    assert settings.ami.username == "file"  # file beats default
    assert settings.data_dir == Path("/cli/pbx")  # CLI beats env
    assert settings.log_level == "debug"
    assert settings.effective_database_url == "sqlite:////cli/pbx/pbx.sqlite3"


def test_config_path_from_environment(tmp_path: Path) -> None:
    toml = tmp_path / "other.toml"
    toml.write_text("[agi]\nport = 4600\n")
    assert load_settings(environ={"PBXCTL_CONFIG": str(toml)}).agi.port == 4600


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"PBXCTL_AMI_PORT": "abc"},
            "setting ami.port (from environment variable PBXCTL_AMI_PORT): "
            "expected an integer, got 'abc'",
        ),
        (
            {"PBXCTL_AMI_PORT": "70000"},
            "setting ami.port (from environment variable PBXCTL_AMI_PORT): out of range",
        ),
        (
            {"PBXCTL_LOG_LEVEL": "loud"},
            "setting log_level (from environment variable PBXCTL_LOG_LEVEL): expected one of",
        ),
        ({"PBXCTL_DATABSE_URL": "x"}, "did you mean PBXCTL_DATABASE_URL?"),
    ],
)
def test_bad_environment_values_name_key_and_source(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ=environ)
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_unknown_key_in_file_names_the_file(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("[ami]\nprot = 1\n")
    with pytest.raises(SettingsError, match=r"setting ami.prot \(from settings file .*\): unknown"):
        load_settings(config_file=toml, environ={})


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("[ami\n")
    with pytest.raises(SettingsError, match="is not valid TOML"):
        load_settings(config_file=toml, environ={})


def test_settings_are_frozen() -> None:
    settings = load_settings(environ={})
    with pytest.raises(Exception, match="frozen"):
        settings.ami.port = 1  # type: ignore[misc]


def test_every_field_has_an_environment_variable() -> None:
    names = env_variable_names()
    assert names["PBXCTL_DATABASE_URL"] == ("database_url",)
    assert names["PBXCTL_DATA_DIR"] == ("data_dir",)
    assert names["PBXCTL_AMI_SECRET"] == ("ami", "secret")


def test_settings_round_trip_through_the_environment(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from controller.config import settings_environment

    original = load_settings(
        {"data_dir": str(tmp_path), "ami.secret": "s3cret-value", "api.port": 9001}, environ={}
    )
    env = settings_environment(original)
    assert env["PBXCTL_AMI_SECRET"] == "s3cret-value"
    assert "PBXCTL_DATABASE_URL" not in env  # None stays unset
    again = load_settings(environ=env)
    assert again == original
    assert isinstance(again.ami.secret, SecretStr)
