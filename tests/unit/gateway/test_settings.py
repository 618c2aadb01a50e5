"""Settings from GATEWAY_* variables: defaults, overrides, every problem reported at once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gateway.settings import (
    ConsoleSettings,
    PolicySettings,
    ServerSettings,
    Settings,
    SettingsError,
    StoreSettings,
    VendorHttpDefaults,
    VendorHttpSettings,
)
from policies.vault import generate_key_spec

ADMIN_KEY = "gw_" + "k" * 40


def settings_error(environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(environ)
    return str(raised.value)


def test_empty_environment_gives_the_documented_defaults() -> None:
    settings = Settings.from_env({})

    assert settings.server.host == "127.0.0.1"
    assert settings.server.port == 8080
    assert settings.server.workers == 1
    assert settings.stores.data_dir == Path(".gateway-data")
    assert settings.sandbox is False
    assert settings.stores.admin_key is None
    assert settings.stores.vault_keys is None
    assert settings.server.log_level == "INFO"
    assert settings.server.log_format == "auto"
    assert settings.vendors == {
        name: VendorHttpSettings(
            base_url=url, connect_timeout=3.0, read_timeout=10.0, max_connections=50
        )
        for name, url in {
            "trustcaller": "https://trustcaller.net/api/v1",
            "topcalls": "https://api.topcalls.ai",
            "truecaller": "https://enterprise-portal-noneu.truecaller.com",
            "truecaller_profile": "https://profile4-noneu.truecaller.com",
        }.items()
    }
    assert settings.verification_endpoints == ("https://*.truecaller.com",)


def test_from_env_matches_the_directly_built_defaults() -> None:
    assert Settings.from_env({}) == Settings()


def test_unrelated_and_blank_variables_are_ignored() -> None:
    settings = Settings.from_env({"PATH": "/bin", "GATEWAY_PORT": "  ", "GATEWAY_HOST": ""})

    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8080)


def test_every_variable_overrides_its_setting(tmp_path: Path) -> None:
    spec = generate_key_spec(1)

    settings = Settings.from_env(
        {
            "GATEWAY_HOST": "10.1.2.3",
            "GATEWAY_PORT": "9090",
            "GATEWAY_WORKERS": "4",
            "GATEWAY_DATA_DIR": str(tmp_path),
            "GATEWAY_SANDBOX": "yes",
            "GATEWAY_ADMIN_KEY": ADMIN_KEY,
            "GATEWAY_VAULT_KEYS": spec,
            "GATEWAY_LOG_LEVEL": "debug",
            "GATEWAY_LOG_FORMAT": "JSON",
            "GATEWAY_TRUSTCALLER_BASE_URL": "http://127.0.0.1:9000/api/v1/",
            "GATEWAY_VENDOR_CONNECT_TIMEOUT": "1.5",
            "GATEWAY_VENDOR_READ_TIMEOUT": "20",
            "GATEWAY_VENDOR_MAX_CONNECTIONS": "7",
            "GATEWAY_CONSOLE_SESSION_SECONDS": "600",
            "GATEWAY_CONSOLE_SIGN_IN_PER_MINUTE": "3",
        }
    )

    assert (settings.server.host, settings.server.port, settings.server.workers) == (
        "10.1.2.3",
        9090,
        4,
    )
    assert settings.stores.data_dir == tmp_path
    assert settings.sandbox is True
    assert settings.stores.admin_key == ADMIN_KEY
    assert settings.stores.vault_keys is not None
    assert settings.stores.vault_keys.to_spec() == spec
    assert (settings.server.log_level, settings.server.log_format) == ("DEBUG", "json")
    assert (settings.console.session_seconds, settings.console.sign_in_per_minute) == (600.0, 3)
    assert settings.vendors["trustcaller"] == VendorHttpSettings(
        base_url="http://127.0.0.1:9000/api/v1",
        connect_timeout=1.5,
        read_timeout=20.0,
        max_connections=7,
    )


@pytest.mark.parametrize(
    ("raw", "sandbox"),
    [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False), ("off", False)],
)
def test_sandbox_flag_reads_common_booleans(raw: str, sandbox: bool) -> None:
    assert Settings.from_env({"GATEWAY_SANDBOX": raw}).sandbox is sandbox


def test_several_invalid_variables_are_reported_together() -> None:
    message = settings_error(
        {
            "GATEWAY_PORT": "http",
            "GATEWAY_WORKERS": "0",
            "GATEWAY_SANDBOX": "maybe",
            "GATEWAY_LOG_FORMAT": "xml",
            "GATEWAY_LOG_LEVEL": "LOUD",
            "GATEWAY_TRUSTCALLER_BASE_URL": "trustcaller.net/api/v1",
            "GATEWAY_VENDOR_READ_TIMEOUT": "-1",
        }
    )

    for name in (
        "GATEWAY_PORT",
        "GATEWAY_WORKERS",
        "GATEWAY_SANDBOX",
        "GATEWAY_LOG_FORMAT",
        "GATEWAY_LOG_LEVEL",
        "GATEWAY_TRUSTCALLER_BASE_URL",
        "GATEWAY_VENDOR_READ_TIMEOUT",
    ):
        assert f"{name}: " in message
    assert "'xml'" in message
    assert "json" in message


@pytest.mark.parametrize("port", ["-1", "65536"])
def test_port_out_of_range_is_refused(port: str) -> None:
    assert "GATEWAY_PORT: must be a port number" in settings_error({"GATEWAY_PORT": port})


@pytest.mark.parametrize("raw", ["0", "-2", "nan", "inf"])
def test_vendor_timeout_must_be_a_positive_finite_number(raw: str) -> None:
    message = settings_error({"GATEWAY_VENDOR_CONNECT_TIMEOUT": raw})

    assert "GATEWAY_VENDOR_CONNECT_TIMEOUT" in message


@pytest.mark.parametrize(
    "admin_key",
    ["gw_tooshort-secret", "sk_" + "s3cretvalue" * 4, "x" * 50],
    ids=["short", "wrong-prefix", "no-prefix"],
)
def test_invalid_admin_key_is_reported_without_its_value(admin_key: str) -> None:
    message = settings_error({"GATEWAY_ADMIN_KEY": admin_key})

    assert "GATEWAY_ADMIN_KEY" in message
    assert admin_key not in message
    assert admin_key[3:13] not in message


@pytest.mark.parametrize(
    "spec",
    [
        "1:c2VjcmV0LW1hdGVyaWFsLWJ1dC1zaG9ydA",
        "1:not!base64!secret!material!here!!!!!!!!!!!",
        "topsecretkeymaterialwithoutversion",
    ],
    ids=["short-key", "not-base64", "no-version"],
)
def test_invalid_vault_keys_are_reported_without_their_value(spec: str) -> None:
    message = settings_error({"GATEWAY_VAULT_KEYS": spec})

    assert "GATEWAY_VAULT_KEYS" in message
    secret_part = spec.partition(":")[2] or spec
    assert secret_part not in message
    assert secret_part[:12] not in message


def test_settings_repr_hides_the_admin_key() -> None:
    settings = Settings.from_env({"GATEWAY_ADMIN_KEY": ADMIN_KEY})

    assert ADMIN_KEY not in repr(settings)


def test_check_ready_to_serve_refuses_without_vault_keys_outside_sandbox() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings().check_ready_to_serve()

    message = str(raised.value)
    assert "GATEWAY_VAULT_KEYS" in message
    assert "gateway vault generate-key" in message
    assert "--sandbox" in message


def test_check_ready_to_serve_accepts_vault_keys_or_sandbox() -> None:
    with_keys = Settings.from_env({"GATEWAY_VAULT_KEYS": generate_key_spec(1)})

    assert with_keys.check_ready_to_serve() is None
    assert Settings(sandbox=True).check_ready_to_serve() is None


def test_with_vendor_base_url_points_one_vendor_elsewhere() -> None:
    settings = Settings()

    moved = settings.with_vendor_base_url("trustcaller", "http://127.0.0.1:8123/api/v1/")

    assert moved.vendors["trustcaller"].base_url == "http://127.0.0.1:8123/api/v1"
    assert moved.vendors["trustcaller"].read_timeout == settings.vendors["trustcaller"].read_timeout
    assert settings.vendors["trustcaller"].base_url == "https://trustcaller.net/api/v1"


def test_verification_endpoints_are_a_list_of_origins() -> None:
    settings = Settings.from_env(
        {"GATEWAY_VERIFICATION_ENDPOINTS": "https://*.truecaller.com, http://127.0.0.1:9000"}
    )

    assert settings.verification_endpoints == (
        "https://*.truecaller.com",
        "http://127.0.0.1:9000",
    )


@pytest.mark.parametrize(
    "raw",
    [",", "ftp://example.com", "https://", "https://a.example/path", "https://u:p@a.example"],
)
def test_a_verification_endpoint_that_is_not_an_origin_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="GATEWAY_VERIFICATION_ENDPOINTS"):
        Settings.from_env({"GATEWAY_VERIFICATION_ENDPOINTS": raw})


def test_settings_repr_hides_the_vault_keys_and_the_redis_url() -> None:
    spec = generate_key_spec(1)
    settings = Settings.from_env(
        {"GATEWAY_VAULT_KEYS": spec, "GATEWAY_REDIS_URL": "redis://:hunter2pass@cache:6379/0"}
    )

    shown = repr(settings)
    assert spec.partition(":")[2] not in shown
    assert "hunter2pass" not in shown


def test_several_workers_without_shared_stores_are_refused_at_start() -> None:
    settings = Settings.from_env(
        {"GATEWAY_WORKERS": "3", "GATEWAY_VAULT_KEYS": generate_key_spec(1)}
    )

    with pytest.raises(SettingsError) as raised:
        settings.check_ready_to_serve()

    message = str(raised.value)
    assert "GATEWAY_WORKERS=3" in message
    assert "GATEWAY_DATABASE_URL" in message


def test_redis_without_a_shared_database_is_refused_at_start() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_REDIS_URL": "redis://127.0.0.1:6379/0",
            "GATEWAY_VAULT_KEYS": generate_key_spec(1),
        }
    )

    with pytest.raises(SettingsError, match="GATEWAY_DATABASE_URL=postgresql://"):
        settings.check_ready_to_serve()


def test_several_workers_on_a_shared_database_may_start() -> None:
    settings = Settings.from_env(
        {
            "GATEWAY_WORKERS": "3",
            "GATEWAY_VAULT_KEYS": generate_key_spec(1),
            "GATEWAY_DATABASE_URL": "postgresql://gw:secret-pw@db:5432/gateway",
            "GATEWAY_REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )

    assert settings.check_ready_to_serve() is None
    assert "secret-pw" not in repr(settings)


@pytest.mark.parametrize("raw", ["mysql://u:p@h/db", "sqlite:///x.db", "db.example:5432"])
def test_the_database_url_must_be_postgresql_and_is_never_echoed(raw: str) -> None:
    message = settings_error({"GATEWAY_DATABASE_URL": raw})

    assert "GATEWAY_DATABASE_URL" in message
    assert raw not in message


def test_every_setting_names_its_variable_once() -> None:
    """Defaults are written once: each field of each group declares its own variable."""
    groups = [ServerSettings, StoreSettings, PolicySettings, ConsoleSettings, VendorHttpDefaults]
    variables = [f.metadata["variable"] for g in groups for f in dataclasses.fields(g)]

    assert len(variables) == len(set(variables))
    assert all(v.startswith("GATEWAY_") for v in variables)


PYTHON_INTERNALS = ("invalid literal", "could not convert", "base 10", "Traceback")


def _every_variable() -> list[str]:
    groups = [
        ServerSettings,
        StoreSettings,
        PolicySettings,
        ConsoleSettings,
        VendorHttpDefaults,
        Settings,
    ]
    return [
        f.metadata["variable"]
        for g in groups
        for f in dataclasses.fields(g)  # type: ignore[arg-type]
        if "variable" in f.metadata
    ]


@pytest.mark.parametrize("variable", _every_variable())
@pytest.mark.parametrize("raw", ["abc", "1.5.2", "0x10"])
def test_a_wrong_value_is_explained_in_words_not_by_the_parser(variable: str, raw: str) -> None:
    try:
        Settings.from_env({variable: raw})
    except SettingsError as exc:
        (line,) = [line for line in str(exc).splitlines() if variable in line]
        assert not any(internal in line for internal in PYTHON_INTERNALS), line
    else:
        assert variable in ("GATEWAY_HOST", "GATEWAY_DATA_DIR"), f"{variable}={raw} was accepted"
