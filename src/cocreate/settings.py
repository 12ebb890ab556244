"""Settings, declared once: each with a name, a type, a default and a help text.

Every part of cocreate that can be configured reads it here, so there is one
place to look and one way to set anything. Four layers, each later one winning:

1. the built-in default (declared below, beside the setting's help);
2. the settings file: ``settings.toml`` in the user config directory
   (``platformdirs.user_config_dir("cocreate")``), or the file ``$COCREATE_CONFIG``
   names; flat ``name = value`` keys, TOML types;
3. the environment: ``COCREATE_<NAME>`` (``COCREATE_DB``, ``COCREATE_PORT``, ...);
   an empty variable counts as unset;
4. explicit values: a command's flags, or keyword arguments to :func:`load_settings`.

The value that wins is checked against its type; a bad one raises
:class:`SettingsError`, naming the setting, where the value came from (the file
and key, the variable, the flag) and what was expected. A key in the file that
names no setting is refused the same way, so a typo is never silently ignored.
:meth:`Settings.source` tells where each value came from (``cocreate settings``
prints them all).

A setting is one field of :class:`Settings`, declared with :func:`_declare`;
:data:`SETTINGS` is the registry read from those fields. The README's Settings
table documents every one, and a test fails when the two disagree.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .errors import InputError

__all__ = [
    "CONFIG_ENV",
    "SETTINGS",
    "Setting",
    "Settings",
    "SettingsError",
    "Source",
    "config_file",
    "data_dir",
    "load_settings",
]

ENV_PREFIX = "COCREATE_"
CONFIG_ENV = "COCREATE_CONFIG"  # names another settings file
FILE_NAME = "settings.toml"


class SettingsError(InputError):
    """A setting's value, name or file that cannot be accepted.

    ``name`` is the setting (``None`` when the file itself is at fault) and
    ``source`` where the bad value came from.
    """

    def __init__(self, message: str, *, name: str | None = None, source: Source | None = None):
        super().__init__(message)
        self.name = name
        self.source = source


# -- where a value came from ----------------------------------------------------------
Layer = Literal["default", "file", "env", "flag", "argument"]


@dataclass(frozen=True)
class Source:
    """Where a setting's value came from: ``layer`` and, for all but the default, which one.

    ``where`` is the file's path, the environment variable, the flag (``--port``)
    or the keyword argument; ``key`` is the key inside the file.
    """

    layer: Layer
    where: str = ""
    key: str = ""

    def __str__(self) -> str:
        if self.layer == "file":
            return f"file {self.where}, key {self.key}"
        if self.layer == "env":
            return f"env ${self.where}"
        if self.layer in ("flag", "argument"):
            return f"{self.layer} {self.where}"
        return "default"


# -- the types a setting can have -------------------------------------------------------
class _Refused(ValueError):
    """A value does not fit; the optional message says why, beyond what was expected."""


@dataclass(frozen=True)
class Kind:
    """A setting's type: what it expects, in words, and how a raw value becomes one.

    ``parse`` takes what a layer holds (a string from the environment or a flag,
    a TOML value from the file, any Python value from an argument) and returns
    the typed value, or raises ``ValueError``/``TypeError``.
    """

    expected: str
    parse: Callable[[Any], Any]


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Refused()
    return value.strip()


def _integer(lo: int, hi: int | None = None) -> Kind:
    def parse(value: Any) -> int:
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Refused()
        if value < lo or (hi is not None and value > hi):
            raise _Refused()
        return value

    words = (
        f"a whole number from {lo} to {hi}" if hi is not None else f"a whole number, {lo} or more"
    )
    return Kind(words, parse)


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise _Refused()


def _path(value: Any) -> Path:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return Path(_string(value)).expanduser()


def _choice(*options: str) -> Kind:
    def parse(value: Any) -> str:
        if _string(value) not in options:
            raise _Refused()
        return value.strip()

    return Kind(" or ".join(options), parse)


_HOST = re.compile(r"[A-Za-z0-9._:%-]+")
_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.%]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?")


def _host(value: Any) -> str:
    value = _string(value)
    if not _HOST.fullmatch(value):
        raise _Refused()
    return value


def _host_names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # the environment, a flag, or a file's plain string
        items: list[Any] = [v for v in re.split(r"[\s,]+", value) if v]
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        raise _Refused()
    names: list[str] = []
    for item in items:
        name = _string(item)
        if not _HOST_PORT.fullmatch(name):
            raise _Refused(f"{name!r} is not a host name")
        if name not in names:
            names.append(name)
    return tuple(names)


_MEMORY_URLS = ("memory://", ":memory:", "memory")
_SQL_SCHEMES = ("sqlite", "postgresql", "postgres")


def _storage_url(value: Any) -> str:
    value = _string(value)
    if value in _MEMORY_URLS:
        return value
    scheme = value.split(":", 1)[0].split("+", 1)[0]
    if scheme not in _SQL_SCHEMES or "://" not in value:
        raise _Refused()
    return value


def _text_backend(value: Any) -> str:
    value = _string(value)
    if value == "builtin":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "ollama"):
        raise _Refused()
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise _Refused("its port is not a number") from None
    if not parts.hostname:
        raise _Refused("it names no host")
    if parts.scheme == "ollama" and not parts.path.strip("/"):
        raise _Refused("it names no model")
    return value


_PACKAGE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


def _embeddings(value: Any) -> str:
    value = _string(value)
    if not _PACKAGE.fullmatch(value):
        raise _Refused()
    return value


TEXT = Kind("a string", _string)
BOOLEAN = Kind("true or false", _boolean)
PATH = Kind("a path", _path)
HOST = Kind("a host name or address", _host)
HOST_NAMES = Kind("a list of host names (name or name:port)", _host_names)
STORAGE_URL = Kind("a storage URL: memory://, sqlite:///path.db or postgresql://...", _storage_url)
TEXT_BACKEND = Kind(
    "builtin, an OpenAI-compatible http(s)://host:port/... URL or ollama://host:port/model",
    _text_backend,
)
EMBEDDINGS = Kind("auto, off or the name of a Python package", _embeddings)


# -- the declaration ------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    """One setting, as declared: its name, type, default and help.

    ``default`` is a value, or a function of the settings resolved before it
    (``media`` is found beside ``db``); ``default_text`` says it in words where
    the value alone would not, and ``none_text`` what a value of ``None`` means.
    ``aliases`` are older environment variables still read; ``cli_flag`` the
    command-line flag, where it is not ``--`` and the name.
    """

    name: str
    kind: Kind
    default: Any
    help: str
    default_text: str = ""
    none_text: str = "none"
    aliases: tuple[str, ...] = ()
    cli_flag: str = ""

    @property
    def env(self) -> str:
        """The environment variable: ``COCREATE_`` and the name in capitals."""
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        """The command-line flag that sets it (``--port``)."""
        return self.cli_flag or "--" + self.name.replace("_", "-")

    def default_for(self, resolved: Mapping[str, Any]) -> Any:
        return self.default(resolved) if callable(self.default) else self.default

    def describe_default(self) -> str:
        """The default in words, as the README and ``cocreate settings`` say it."""
        return self.default_text or self.show(self.default)

    def show(self, value: Any) -> str:
        """A value as a person reads it (``true``, ``a, b``, or what ``None`` means)."""
        if value is None:
            return self.none_text
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple | list):
            return ", ".join(map(str, value)) or "none"
        return str(value)

    def parse(self, raw: Any, source: Source) -> Any:
        """``raw`` as this setting's type, or a :class:`SettingsError` naming ``source``."""
        try:
            return self.kind.parse(raw)
        except (ValueError, TypeError) as exc:
            why = f" ({exc})" if str(exc) else ""
            raise SettingsError(
                f"setting {self.name!r} from {source} is {raw!r}{why}: "
                f"expected {self.kind.expected}",
                name=self.name,
                source=source,
            ) from None


def _declare(
    kind: Kind,
    default: Any,
    help: str,
    *,
    default_text: str = "",
    none_text: str = "none",
    aliases: tuple[str, ...] = (),
    cli_flag: str = "",
) -> dict[str, Any]:
    """The metadata of a field of :class:`Settings` that is a setting (named by the field)."""
    declared = {
        "kind": kind,
        "default": default,
        "help": help,
        "default_text": default_text,
        "none_text": none_text,
        "aliases": aliases,
        "cli_flag": cli_flag,
    }
    return {"setting": declared}


def data_dir() -> Path:
    """The user data directory (``platformdirs.user_data_dir("cocreate")``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("cocreate"))


def _default_db(_: Mapping[str, Any]) -> str:
    return f"sqlite:///{data_dir() / 'studio.db'}"


def _media_beside(resolved: Mapping[str, Any]) -> Path | None:
    """Beside a SQLite file (``<name>-media``); none for memory storage; else the data dir."""
    url = resolved["db"]
    if url.startswith(("memory", ":memory:")):
        return None
    if url.startswith("sqlite:///"):
        db = Path(url[len("sqlite:///") :]).expanduser()
        return db.with_name(db.stem + "-media")
    return data_dir() / "media"


@dataclass(frozen=True)
class Settings:
    """The settings in force: one attribute per setting, and where each came from.

    Made by :func:`load_settings`; never changes. ``settings.port``,
    ``settings.source("port")``, ``settings.to_dict()``.
    """

    db: str = field(
        metadata=_declare(
            STORAGE_URL,
            _default_db,
            "Where the studio's record lives: sqlite:///path.db, postgresql://user@host/db "
            "(install cocreate[postgres]) or memory://.",
            default_text="a SQLite file, studio.db, in the user data dir",
        )
    )
    media: Path | None = field(
        metadata=_declare(
            PATH,
            _media_beside,
            "The folder of media files (content-addressed).",
            default_text="beside the SQLite file (<name>-media); in memory for memory://; "
            "else media in the user data dir",
            none_text="in memory",
        )
    )
    keys: Path | None = field(
        metadata=_declare(
            PATH,
            None,
            "Where the studio's identity and signing keys live.",
            default_text="credentials beside the media folder (in the user data dir by default)",
            none_text="credentials beside the media folder",
            aliases=("COCREATE_CREDENTIALS",),
        )
    )
    host: str = field(metadata=_declare(HOST, "127.0.0.1", "The address the web studio binds."))
    port: int = field(
        metadata=_declare(_integer(0, 65535), 8000, "The web studio's port; 0 picks a free one.")
    )
    allow_hosts: tuple[str, ...] = field(
        metadata=_declare(
            HOST_NAMES,
            (),
            "Extra Host names the studio answers to (name or name:port), besides "
            "127.0.0.1, localhost and [::1]; comma-separated in the environment.",
            cli_flag="--allow-host",
        )
    )
    text_backend: str = field(
        metadata=_declare(
            TEXT_BACKEND,
            "builtin",
            "The language model of the writing partner: builtin (offline), an "
            "OpenAI-compatible http(s):// server, or ollama://host:port/model.",
        )
    )
    embeddings: str = field(
        metadata=_declare(
            EMBEDDINGS,
            "auto",
            "Embeddings of text and images: auto (use what is installed), off, or the "
            "Python package to use.",
        )
    )
    blas_threads: int = field(
        metadata=_declare(
            _integer(1), 1, "How many BLAS threads model work (NumPy, taste models) uses."
        )
    )
    nudges: bool = field(
        metadata=_declare(BOOLEAN, True, "Whether the studio offers nudges while you work.")
    )
    accounts: str = field(
        metadata=_declare(
            _choice("off"),
            "off",
            "Sign-in and per-person accounts: off, the only value today (accounts come with teams).",
        )
    )

    # where each value came from, and the file consulted
    _sources: Mapping[str, Source] = field(default_factory=dict, repr=False, compare=False)
    _file: Path | None = field(default=None, repr=False, compare=False)
    _file_found: bool = field(default=False, repr=False, compare=False)

    def source(self, name: str) -> Source:
        """Where the setting ``name`` got its value (``Source("default")`` when nothing set it)."""
        _known(name)
        return self._sources.get(name, Source("default"))

    @property
    def file(self) -> Path | None:
        """The settings file consulted (whether or not it exists)."""
        return self._file

    @property
    def file_found(self) -> bool:
        return self._file_found

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the file, and each setting's value, source and environment variable."""
        return {
            "file": str(self._file) if self._file else None,
            "file_found": self._file_found,
            "settings": {
                name: {
                    "value": _jsonable(getattr(self, name)),
                    "source": str(self.source(name)),
                    "env": s.env,
                    "help": s.help,
                }
                for name, s in SETTINGS.items()
            },
        }


def _read_registry() -> dict[str, Setting]:
    registry = {}
    for f in dataclasses.fields(Settings):
        if "setting" in f.metadata:
            registry[f.name] = Setting(name=f.name, **f.metadata["setting"])
    return registry


SETTINGS: Mapping[str, Setting] = _read_registry()
"""Every setting, by name, in the order declared."""

_RESERVED = ("env", "file", "origin")  # load_settings's own keywords
assert not set(SETTINGS) & set(_RESERVED)


def _known(name: str, where: str = "") -> Setting:
    try:
        return SETTINGS[name]
    except KeyError:
        near = difflib.get_close_matches(name, SETTINGS, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise SettingsError(
            f"{where}{name!r} is not a setting{hint}; the settings are {', '.join(SETTINGS)}",
            name=name,
        ) from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


# -- loading ---------------------------------------------------------------------------
def config_file(env: Mapping[str, str] | None = None) -> Path:
    """The settings file: ``$COCREATE_CONFIG``, else ``settings.toml`` in the user config dir."""
    environ = os.environ if env is None else env
    named = environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("cocreate")) / FILE_NAME


def _read_file(path: Path, *, required: bool) -> dict[str, Any] | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise SettingsError(
                f"the settings file {path} does not exist (named by ${CONFIG_ENV})"
            ) from None
        return None
    except OSError as exc:
        raise SettingsError(f"cannot read the settings file {path}: {exc.strerror}") from None
    try:
        table = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"the settings file {path} is not valid TOML: {exc}") from None
    for key in table:
        _known(key, where=f"the settings file {path}: ")
    return table


def load_settings(
    *,
    env: Mapping[str, str] | None = None,
    file: str | os.PathLike[str] | None = None,
    origin: Literal["flag", "argument"] = "argument",
    **explicit: Any,
) -> Settings:
    """The settings in force: defaults < the settings file < the environment < ``explicit``.

    ``explicit`` are values given by name (``load_settings(port=0)``); a ``None``
    means not given, so a command passes its flags as they are. ``origin`` says
    what they were, for :meth:`Settings.source`: ``"flag"`` (shown as ``--port``)
    or ``"argument"``. ``env`` replaces ``os.environ`` and ``file`` the settings
    file (both for tests and embedding). Only the value that wins is checked;
    a bad one, an unknown name or an unreadable file raises :class:`SettingsError`.
    """
    environ = os.environ if env is None else env
    for name in explicit:
        _known(name, where=f"{origin} ")
    if file is not None:
        path, required = Path(file).expanduser(), True
    else:
        path, required = config_file(environ), bool(environ.get(CONFIG_ENV))
    table = _read_file(path, required=required)
    values: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for name, s in SETTINGS.items():
        raw, source = _winner(s, table, path, environ, explicit, origin)
        if source is None:
            values[name] = s.default_for(values)
            continue
        values[name] = s.parse(raw, source)
        sources[name] = source
    return Settings(**values, _sources=sources, _file=path, _file_found=table is not None)


def _winner(
    s: Setting,
    table: Mapping[str, Any] | None,
    path: Path,
    environ: Mapping[str, str],
    explicit: Mapping[str, Any],
    origin: Literal["flag", "argument"],
) -> tuple[Any, Source | None]:
    """The raw value of the highest layer that sets ``s``, and that layer."""
    if explicit.get(s.name) is not None:
        return explicit[s.name], Source(origin, s.flag if origin == "flag" else s.name)
    for var in (s.env, *s.aliases):
        if environ.get(var):
            return environ[var], Source("env", var)
    if table is not None and s.name in table:
        return table[s.name], Source("file", str(path), s.name)
    return None, None
