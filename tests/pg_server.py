"""A throwaway PostgreSQL server on loopback for the tests: Debian's server binaries, a fresh cluster in a temp dir."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager


class Unavailable(RuntimeError):
    """Why no server could be started (the tests that need one are skipped with this message)."""


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server():
    """Yield the URL of a new, empty database on a server started for this test session; stop it afterwards."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise Unavailable("PostgreSQL server binaries not found (scripts/test.sh installs Debian's postgresql)")
    as_user: list[str] = []
    base = tempfile.mkdtemp(prefix="dateline-pg-")
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres account
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no 'postgres' account to run the server as")
        os.chown(base, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
        user = "postgres"
    else:
        user = pwd.getpwuid(os.getuid()).pw_name
    data, port = os.path.join(base, "data"), _free_port()

    def run(*cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run(as_user + list(cmd), capture_output=True, text=True, timeout=120)

    done = run(initdb, "-D", data, "-A", "trust", "-U", user, "-E", "UTF8", "--no-sync")
    if done.returncode:
        shutil.rmtree(base, ignore_errors=True)
        raise Unavailable(f"initdb failed: {done.stderr.strip()[-500:]}")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c full_page_writes=off"
    done = run(pg_ctl, "-D", data, "-o", options, "-l", os.path.join(base, "log"), "-w", "-t", "60", "start")
    if done.returncode:
        log = open(os.path.join(base, "log")).read()[-800:] if os.path.exists(os.path.join(base, "log")) else ""
        shutil.rmtree(base, ignore_errors=True)
        raise Unavailable(f"the server did not start: {done.stderr.strip()[-300:]} {log}")
    try:
        import psycopg

        url = f"postgresql://{user}@127.0.0.1:{port}/postgres"
        for _ in range(50):
            try:
                psycopg.connect(url, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.1)
        yield url
    finally:
        run(pg_ctl, "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(url: str, name: str) -> str:
    """Create an empty database on the server at `url` and return its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name
