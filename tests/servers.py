"""Throwaway PostgreSQL servers and the headless Chromium for the tests.

Nothing here downloads anything: PostgreSQL and Chromium come from the system
(``apt-get install postgresql chromium`` on Debian). When one is missing, the
tests that need it are skipped on a workstation and *fail* on CI (``CI`` set, or
``COCREATE_REQUIRE_SERVERS=1``), so a broken CI image cannot pass silently.

Used from ``tests/conftest.py`` as ``from servers import ...`` (pytest puts
``tests/`` on ``sys.path`` since it has no ``__init__.py``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NoReturn

import pytest

INSTALL_HINT = "install it with `apt-get install postgresql chromium` (Debian/Ubuntu)"

#: Flags for launching the system Chromium headless, offline and as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

_CHROMIUM_CANDIDATES = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
]
_CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

# Settings for a disposable cluster: durability is worthless here, speed is not.
_PG_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "max_wal_size": "1GB",
    "logging_collector": "off",
    "log_min_messages": "warning",
    "timezone": "'UTC'",
}


_UNSAFE_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")

# --------------------------------------------------------------------------- policy


def servers_required() -> bool:
    """True on CI (``CI`` set to anything but a false-ish value) or with COCREATE_REQUIRE_SERVERS=1."""
    if os.environ.get("COCREATE_REQUIRE_SERVERS", "").strip() not in ("", "0"):
        return True
    ci = os.environ.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no", "off")


def require(what: str) -> NoReturn:
    """Report that ``what`` is missing: ``pytest.fail`` on CI, ``pytest.skip`` elsewhere."""
    message = f"{what} is not available; {INSTALL_HINT}"
    if servers_required():
        pytest.fail(
            f"{message}. (Required because CI or COCREATE_REQUIRE_SERVERS=1 is set.)",
            pytrace=False,
        )
    pytest.skip(message)


def need_postgres() -> Path:
    """The directory with ``initdb``/``pg_ctl`` (and a usable psycopg), or fail/skip."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        require("PostgreSQL (initdb, pg_ctl)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        require('psycopg (pip install -e ".[test]" or "psycopg[binary]")')
    return bin_dir


def need_chromium() -> str:
    """The path of a Chromium/Chrome binary, or fail/skip."""
    path = chromium_path()
    if path is None:
        require("Chromium")
    return path


# --------------------------------------------------------------------------- discovery


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def postgres_bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` live: $COCREATE_PG_BIN, the newest
    ``/usr/lib/postgresql/*/bin``, then ``pg_config --bindir``, then $PATH."""
    candidates: list[Path] = []
    env = os.environ.get("COCREATE_PG_BIN")
    if env:
        candidates.append(Path(env))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for d in candidates:
        if all(os.access(d / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def postgres_available() -> bool:
    return postgres_bin_dir() is not None


def chromium_path() -> str | None:
    """$COCREATE_CHROMIUM, else a system Chromium/Chrome; never Playwright's own download."""
    env = os.environ.get("COCREATE_CHROMIUM")
    if env and os.access(env, os.X_OK):
        return env
    for path in _CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as when we are root (it refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(
        "running as root and there is no 'postgres' or 'nobody' user to run PostgreSQL as"
    )


def _reachable_by_others(path: Path) -> bool:
    """Whether every ancestor of ``path`` can be traversed by any user."""
    path = path.resolve()
    for p in (path, *path.parents):
        try:
            if not os.stat(p).st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty server log)"


class PostgresServer:
    """A running throwaway cluster; ``url`` points at its ``postgres`` database."""

    user = "postgres"
    host = "127.0.0.1"

    def __init__(self, bin_dir: Path, root: Path, base_dir: Path, owner: pwd.struct_passwd | None):
        self.durable = False  # True keeps fsync and synchronous commits (benchmarks)
        self.bin_dir = bin_dir
        self.root = root  # everything of the cluster lives (and dies) here
        self.base_dir = base_dir  # the caller's folder: the log is copied here on stop
        self.data_dir = root / "data"
        self.log_path = root / "postgres.log"
        self.port = 0
        self._owner = owner
        self._running = False

    # -- urls

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, dbname: str) -> str:
        """SQLAlchemy URL of database ``dbname`` on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq connection string (for ``psycopg.connect``)."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    # -- process control

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        if self._owner is not None:
            kwargs.update(user=self._owner.pw_uid, group=self._owner.pw_gid, extra_groups=[])
            env.update(HOME=str(self.root), USER=self._owner.pw_name, LOGNAME=self._owner.pw_name)
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )

    def _fail(self, what: str, proc: subprocess.CompletedProcess[str] | None = None) -> NoReturn:
        out = ""
        if proc is not None:
            out = (
                f"\n--- output (exit {proc.returncode}) ---\n{(proc.stdout + proc.stderr).strip()}"
            )
        log = _tail(self.log_path)
        self.stop()
        raise RuntimeError(
            f"PostgreSQL {what} (in {self.root}){out}\n--- server log tail ---\n{log}"
        )

    def _init(self) -> None:
        proc = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            timeout=120,
        )
        if proc.returncode != 0:
            self._fail("initdb failed", proc)
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write("\n# cocreate tests\n")
            settings = dict(_PG_SETTINGS)
            if self.durable:  # benchmarks: keep PostgreSQL's own durability defaults
                for key in _UNSAFE_SETTINGS:
                    settings.pop(key)
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())

    def _start(self, timeout: float) -> None:
        for attempt in range(5):
            self.port = free_port()
            proc = self._run(
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-o",
                f"-p {self.port}",
                "-w",
                "-t",
                str(int(timeout)),
                "-s",
                "start",
                timeout=timeout + 10,
            )
            if proc.returncode == 0:
                self._running = True
                return
            if attempt < 4 and "could not bind" in _tail(self.log_path, 10):
                continue  # somebody took the port in between: try another one
            self._running = True  # a half-started postmaster must still be stopped
            self._fail("did not start", proc)

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.conninfo(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    self._fail(f"does not accept connections on port {self.port}: {exc}")
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server at once (``-m immediate``) and delete the cluster. Idempotent."""
        if self._running:
            self._running = False
            proc = None
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                proc = self._run(
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "immediate",
                    "-w",
                    "-s",
                    "stop",
                    timeout=30,
                )
            if proc is None or proc.returncode != 0:
                self._kill_postmaster()
        if self.root.exists():
            if self.log_path.exists() and self.base_dir != self.root:
                with contextlib.suppress(OSError):
                    shutil.copyfile(self.log_path, self.base_dir / "postgres.log")
            shutil.rmtree(self.root, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"<PostgresServer {self.host}:{self.port} {state} in {self.root}>"


def start_postgres(base_dir: Path, *, timeout: float = 60, durable: bool = False) -> PostgresServer:
    """Create and start a throwaway PostgreSQL cluster on a free loopback port.

    The cluster lives in a fresh folder under ``base_dir`` (or, when the server
    has to run as another user who cannot reach ``base_dir``, under the system
    temp folder); ``stop()`` removes it and leaves ``postgres.log`` in
    ``base_dir``. Raises ``RuntimeError`` with the server log's tail on failure.
    """
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL is not installed; {INSTALL_HINT}")
    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    owner = _server_user()
    parent = base_dir
    if owner is not None and not _reachable_by_others(base_dir):
        # pytest's tmp dirs are 0700 when we are root: the server user cannot get in.
        parent = next(
            (
                Path(p)
                for p in (tempfile.gettempdir(), "/tmp", "/var/tmp")
                if _reachable_by_others(Path(p))
            ),
            base_dir,
        )
    root = Path(tempfile.mkdtemp(prefix="cocreate-pg-", dir=parent))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = PostgresServer(bin_dir, root, base_dir, owner)
    server.durable = durable
    atexit.register(server.stop)  # in case the caller never gets to stop it
    try:
        server._init()
        server._start(timeout)
        server._wait_ready(timeout)
    except BaseException:
        server.stop()
        raise
    return server


_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def create_database(server: PostgresServer, name: str) -> str:
    """Create an empty database ``name`` (dropping any old one) and return its SQLAlchemy URL."""
    import psycopg
    from psycopg import sql

    if not _DB_NAME.match(name):
        raise ValueError(f"bad database name {name!r}")
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.url_for(name)
