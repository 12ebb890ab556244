"""Settings: declared once, layered (default < file < env < explicit), checked, documented."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import cocreate.cli
from cocreate.errors import InputError
from cocreate.media import FileMediaStore, MemoryMediaStore
from cocreate.settings import (
    CONFIG_ENV,
    SETTINGS,
    Settings,
    SettingsError,
    Source,
    config_file,
    load_settings,
)
from cocreate.studio import Studio, default_media, default_url

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


@pytest.fixture(autouse=True)
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No COCREATE_* from the person running the tests; their config and data dirs out of reach."""
    for s in SETTINGS.values():
        for var in (s.env, *s.aliases):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# -- layers -----------------------------------------------------------------------------
def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    s = load_settings()
    assert s.db == f"sqlite:///{tmp_path / 'data' / 'cocreate' / 'studio.db'}"
    assert s.media == tmp_path / "data" / "cocreate" / "studio-media"
    assert s.keys is None
    assert (s.host, s.port, s.allow_hosts) == ("127.0.0.1", 8000, ())
    assert (s.text_backend, s.embeddings, s.blas_threads) == ("builtin", "auto", 1)
    assert s.nudges is True and s.accounts == "off"
    assert all(s.source(name) == Source("default") for name in SETTINGS)
    assert s.file == tmp_path / "config" / "cocreate" / "settings.toml" and not s.file_found


def test_the_file_the_environment_and_explicit_values_each_win_over_the_one_before(
    tmp_path: Path,
) -> None:
    file = write(
        tmp_path / "config" / "cocreate" / "settings.toml",
        'port = 1111\nhost = "0.0.0.0"\nembeddings = "off"\nnudges = false\n',
    )
    env = {"COCREATE_PORT": "2222", "COCREATE_HOST": "::1"}
    s = load_settings(env=env, port=3333)
    assert (s.port, s.host, s.embeddings, s.nudges) == (3333, "::1", "off", False)
    assert s.source("port") == Source("argument", "port")
    assert s.source("host") == Source("env", "COCREATE_HOST")
    assert s.source("embeddings") == Source("file", str(file), "embeddings")
    assert str(s.source("embeddings")) == f"file {file}, key embeddings"
    assert s.source("blas_threads") == Source("default") and s.file_found
    assert str(load_settings(origin="flag", port=1).source("port")) == "flag --port"
    assert load_settings(env=env, port=None).port == 2222  # None: not given
    assert load_settings(env={}).port == 1111


def test_config_names_another_file_which_must_then_exist(tmp_path: Path) -> None:
    other = write(tmp_path / "elsewhere.toml", "blas_threads = 4\n")
    assert config_file({CONFIG_ENV: str(other)}) == other
    assert load_settings(env={CONFIG_ENV: str(other)}).blas_threads == 4
    assert load_settings(file=other).source("blas_threads").where == str(other)
    with pytest.raises(SettingsError, match=r"nowhere\.toml does not exist.*COCREATE_CONFIG"):
        load_settings(env={CONFIG_ENV: str(tmp_path / "nowhere.toml")})
    assert load_settings(env={CONFIG_ENV: os.devnull}).port == 8000  # an empty file


def test_settings_never_change_and_name_only_settings() -> None:
    s = load_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.port = 1  # type: ignore[misc]
    with pytest.raises(SettingsError, match=r"'prot' is not a setting.*did you mean 'port'"):
        load_settings(prot=1)
    with pytest.raises(SettingsError, match="'nope' is not a setting"):
        s.source("nope")


# -- bad values, named with their source ----------------------------------------------------
def test_a_bad_value_in_the_file_names_the_file_and_key(tmp_path: Path) -> None:
    file = write(tmp_path / "s.toml", 'port = "eighty"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(file=file)
    message = str(caught.value)
    assert f"file {file}, key port" in message and "'eighty'" in message
    assert "expected a whole number from 0 to 65535" in message
    assert caught.value.name == "port" and caught.value.source == Source("file", str(file), "port")
    assert isinstance(caught.value, InputError) and isinstance(caught.value, ValueError)


def test_a_bad_value_in_the_environment_names_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"'nudges' from env \$COCREATE_NUDGES is 'maybe'"):
        load_settings(env={"COCREATE_NUDGES": "maybe"})
    with pytest.raises(SettingsError, match=r"env \$COCREATE_DB is 'mysql://x'.*storage URL"):
        load_settings(env={"COCREATE_DB": "mysql://x"})


def test_a_bad_explicit_value_names_the_flag_or_argument() -> None:
    with pytest.raises(SettingsError, match="'port' from argument port is 70000"):
        load_settings(port=70000)
    with pytest.raises(SettingsError, match="from flag --allow-host is"):
        load_settings(origin="flag", allow_hosts=["a b"])
    with pytest.raises(SettingsError, match="from flag --blas-threads is 0"):
        load_settings(origin="flag", blas_threads=0)


def test_only_the_value_that_wins_is_checked(tmp_path: Path) -> None:
    file = write(tmp_path / "s.toml", 'port = "eighty"\n')
    assert load_settings(file=file, env={"COCREATE_PORT": "81"}).port == 81
    assert load_settings(env={"COCREATE_DB": "nonsense"}, db="memory://").db == "memory://"


def test_an_unknown_key_in_the_file_is_named(tmp_path: Path) -> None:
    file = write(tmp_path / "s.toml", "port = 1\nblas_thread = 2\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(file=file)
    assert str(file) in str(caught.value)
    assert "'blas_thread' is not a setting (did you mean 'blas_threads'?)" in str(caught.value)


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    file = write(tmp_path / "s.toml", "port = = 1\n")
    with pytest.raises(SettingsError, match=rf"{re.escape(str(file))} is not valid TOML"):
        load_settings(file=file)


# -- each kind of value -------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "builtin",
        "http://localhost:8080/v1",
        "https://models.example.org",
        "ollama://gpu:11434/llama3",
    ],
)
def test_text_backends_of_every_form(value: str) -> None:
    assert load_settings(env={"COCREATE_TEXT_BACKEND": value}).text_backend == value


@pytest.mark.parametrize(
    "value", ["gpt", "ftp://x", "http://", "http://host:port/", "ollama://gpu:11434", "ollama:///m"]
)
def test_text_backends_of_no_known_form(value: str) -> None:
    with pytest.raises(SettingsError, match="'text_backend' from env"):
        load_settings(env={"COCREATE_TEXT_BACKEND": value})


def test_allowed_hosts_from_a_list_or_commas(tmp_path: Path) -> None:
    file = write(tmp_path / "s.toml", 'allow_hosts = ["studio.local", "box:8443"]\n')
    assert load_settings(file=file).allow_hosts == ("studio.local", "box:8443")
    env = {"COCREATE_ALLOW_HOSTS": "a.example, b.example,a.example"}
    assert load_settings(env=env).allow_hosts == ("a.example", "b.example")
    with pytest.raises(SettingsError, match="'x/y' is not a host name"):
        load_settings(env={"COCREATE_ALLOW_HOSTS": "x/y"})


@pytest.mark.parametrize(("text", "value"), [("1", True), ("Yes", True), ("off", False)])
def test_booleans_from_words(text: str, value: bool) -> None:
    assert load_settings(env={"COCREATE_NUDGES": text}).nudges is value


def test_accounts_are_off_until_teams_and_embeddings_name_a_package() -> None:
    with pytest.raises(SettingsError, match=r"'accounts'.*expected off"):
        load_settings(accounts="on")
    assert load_settings(embeddings="sentence-transformers").embeddings == "sentence-transformers"
    with pytest.raises(SettingsError, match="'embeddings'"):
        load_settings(embeddings="not a package")


def test_a_whole_number_is_not_a_bool_or_a_float(tmp_path: Path) -> None:
    for text in ("port = true", "port = 80.0"):
        with pytest.raises(SettingsError, match="'port' from file"):
            load_settings(file=write(tmp_path / "s.toml", text))


# -- what worked before still works --------------------------------------------------------
def test_cocreate_db_and_media_work_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCREATE_DB", "memory://")
    assert default_url() == "memory://"
    assert isinstance(default_media("memory://"), MemoryMediaStore)
    beside = default_media(f"sqlite:///{tmp_path / 'art.db'}")
    assert isinstance(beside, FileMediaStore) and beside.root == tmp_path / "art-media"
    postgres = default_media("postgresql://me@host/db")
    assert isinstance(postgres, FileMediaStore)
    assert postgres.root == tmp_path / "data" / "cocreate" / "media"
    monkeypatch.setenv("COCREATE_MEDIA", str(tmp_path / "media"))
    with Studio() as studio:
        assert studio.url == "memory://"
        assert isinstance(studio.media, FileMediaStore)
        assert studio.media.root == tmp_path / "media"
    monkeypatch.setenv("COCREATE_DB", "")  # empty: unset, as before
    assert default_url() == f"sqlite:///{tmp_path / 'data' / 'cocreate' / 'studio.db'}"


def test_the_media_setting_from_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = write(tmp_path / "s.toml", f'media = "{tmp_path / "m"}"\n')
    monkeypatch.setenv(CONFIG_ENV, str(file))
    assert default_media("memory://").root == tmp_path / "m"  # type: ignore[attr-defined]


def test_keys_read_the_older_credentials_variable(tmp_path: Path) -> None:
    s = load_settings(env={"COCREATE_CREDENTIALS": str(tmp_path / "c")})
    assert s.keys == tmp_path / "c" and s.source("keys") == Source("env", "COCREATE_CREDENTIALS")
    both = {"COCREATE_CREDENTIALS": str(tmp_path / "c"), "COCREATE_KEYS": str(tmp_path / "k")}
    assert load_settings(env=both).keys == tmp_path / "k"


# -- the command ---------------------------------------------------------------------------
def test_cocreate_settings_shows_every_value_and_its_source_in_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cocreate.cli, "out", Console(width=80))
    write(tmp_path / "config" / "cocreate" / "settings.toml", "blas_threads = 3\n")
    monkeypatch.setenv("COCREATE_NUDGES", "off")
    result = runner.invoke(cocreate.cli.app, ["--db", "memory://", "settings"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    flat = " ".join(result.stdout.split())
    for name in SETTINGS:
        assert re.search(rf"│ {name} +│", result.stdout), name
    assert "flag --db" in flat and "env $COCREATE_NUDGES" in flat and "key blas_threads" in flat


def test_cocreate_settings_json(tmp_path: Path) -> None:
    result = runner.invoke(
        cocreate.cli.app, ["settings", "--json"], env={"COCREATE_PORT": "0", "COCREATE_DB": ""}
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert list(shown["settings"]) == list(SETTINGS)
    assert shown["settings"]["port"] == {
        "value": 0,
        "source": "env $COCREATE_PORT",
        "env": "COCREATE_PORT",
        "help": SETTINGS["port"].help,
    }
    assert shown["settings"]["allow_hosts"]["value"] == []
    assert shown["file"] == str(tmp_path / "config" / "cocreate" / "settings.toml")


def test_a_bad_setting_ends_a_command_with_its_source() -> None:
    result = runner.invoke(cocreate.cli.app, ["settings"], env={"COCREATE_PORT": "x"})
    assert result.exit_code == 2
    assert "$COCREATE_PORT" in " ".join(result.stderr.split())


def test_the_studio_binds_where_the_settings_say(monkeypatch: pytest.MonkeyPatch) -> None:
    import cocreate.web

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(cocreate.web, "serve", lambda url, **kw: calls.append(kw))
    env = {"COCREATE_HOST": "::1", "COCREATE_PORT": "8123"}
    assert runner.invoke(cocreate.cli.app, ["studio"], env=env).exit_code == 0
    assert runner.invoke(cocreate.cli.app, ["studio", "--port", "0"], env=env).exit_code == 0
    assert runner.invoke(cocreate.cli.app, [], env=env).exit_code == 0  # the default command
    assert [(c["host"], c["port"]) for c in calls] == [("::1", 8123), ("::1", 0), ("::1", 8123)]


# -- documented, every one ------------------------------------------------------------------
def readme_settings() -> tuple[dict[str, list[str]], str]:
    """The README's Settings table (name -> the other cells) and its TOML example."""
    text = README.read_text()
    found = re.search(r"^## Settings\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert found, "the README has a ## Settings section"
    section = found.group(1)
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and (m := re.fullmatch(r"`([a-z_]+)`", cells[0])):
            rows[m.group(1)] = cells[1:]
    example = re.search(r"```toml\n(.*?)```", section, flags=re.S)
    assert example, "the Settings section shows a settings.toml"
    return rows, example.group(1)


def test_every_setting_is_in_the_readme_and_every_row_is_a_setting() -> None:
    rows, _ = readme_settings()
    missing = sorted(set(SETTINGS) - set(rows))
    unknown = sorted(set(rows) - set(SETTINGS))
    assert not missing, f"settings missing from README's Settings table: {missing}"
    assert not unknown, f"README's Settings table names no such settings: {unknown}"
    for name, cells in rows.items():
        assert cells[0] == f"`{SETTINGS[name].env}`", name
        assert len(cells) == 3 and all(cells), f"{name}: env var, default and meaning"


def test_every_setting_has_a_help_text_and_the_readme_example_loads(tmp_path: Path) -> None:
    assert all(s.help.strip() for s in SETTINGS.values())
    assert [f.name for f in dataclasses.fields(Settings) if not f.name.startswith("_")] == list(
        SETTINGS
    )
    _, example = readme_settings()
    s = load_settings(file=write(tmp_path / "settings.toml", example))
    assert all(s.source(name).layer == "file" for name in re.findall(r"^(\w+) =", example, re.M))
