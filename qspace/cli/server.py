"""Server commands: init, serve, worker, migrate, check."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import secrets
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn

from qspace.app import VERSION, build_services, create_app
from qspace.cli.common import CommandError, read_secret_file, run_async, settings_from
from qspace.db import database
from qspace.logs import setup_logging
from qspace.migrate import apply_migrations, pending_migrations
from qspace.services import items, spaces
from qspace.settings import Settings, load_settings, replace
from qspace.urls import Urls

CONFIG_TEMPLATE = """\
# qspace configuration. Every setting, with its default, is documented in config.example.toml.
# Environment variables QSPACE_<SECTION>_<KEY> override what is written here.

[server]
domain = "{domain}"
scheme = "{scheme}"
host = "127.0.0.1"
port = {port}

[database]
# Empty: SQLite in this folder (qspace.db). For PostgreSQL: postgres://user:pass@host:5432/db
url = "{database_url}"

[security]
secret_key = "{secret}"

[accounts]
registration = "closed"

[federation]
# Plain http and loopback peers: {allow_http_note}
allow_http = {allow_http}
"""


def register(commands: Any) -> None:
    init = commands.add_parser("init", help="create a data folder with a config and database")
    init.add_argument("--data-dir", required=True, type=Path)
    init.add_argument("--domain", required=True, help="public HOST[:PORT]")
    init.add_argument("--scheme", choices=("http", "https"), default="https")
    init.add_argument("--database-url", default="", help="default: SQLite in the data folder")
    init.add_argument("--admin", metavar="NAME", help="create this admin account and its space")
    init.add_argument("--password-file", metavar="F", help="the admin's password ('-': stdin)")
    init.add_argument("--demo", action="store_true", help="also create a demo space with posts")
    init.set_defaults(handler=cmd_init)

    serve = commands.add_parser("serve", help="serve HTTP (and run the job runner)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-worker", action="store_true", help="do not run jobs in this process")
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", help="run background jobs (deliveries, inbox)")
    worker.set_defaults(handler=cmd_worker)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(handler=cmd_migrate)

    check = commands.add_parser("check", help="validate the config and the database")
    check.set_defaults(handler=cmd_check)


def cmd_init(args: argparse.Namespace) -> int:
    data_dir: Path = args.data_dir.resolve()
    config_path = data_dir / "config.toml"
    if config_path.exists():
        raise CommandError(f"{config_path} exists already; not overwriting it", 1)
    if args.password_file and not (args.admin or args.demo):
        raise CommandError("--password-file needs --admin NAME", 2)
    password = read_secret_file(args.password_file) if args.password_file else None
    domain: str = args.domain
    port = int(domain.rsplit(":", 1)[1]) if ":" in domain else 8000
    allow_http = args.scheme == "http"
    text = CONFIG_TEMPLATE.format(
        domain=domain,
        scheme=args.scheme,
        port=port,
        database_url=args.database_url,
        secret=secrets.token_urlsafe(48),
        allow_http="true" if allow_http else "false",
        allow_http_note="on because this server uses http (development)"
        if allow_http
        else "never in production",
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    # Write the config only once it is known to be valid, and readable by its owner only.
    fd, tmp_name = _private_temp(data_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    try:
        settings = load_settings(tmp_name, {})
    except Exception:
        os.unlink(tmp_name)
        raise
    os.replace(tmp_name, config_path)
    settings = load_settings(config_path, {})
    print(f"wrote {config_path}")
    run_async(_init_database(settings, args, password))
    return 0


def _private_temp(folder: Path) -> tuple[int, str]:
    name = folder / f".config.toml.{secrets.token_hex(4)}"
    return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), str(name)


async def _init_database(
    settings: Settings, args: argparse.Namespace, password: str | None
) -> None:
    applied = await apply_migrations(settings)
    print(f"database ready ({len(applied)} migrations applied)")
    urls = Urls(settings.base_url)
    minimum = settings.security.min_password_length
    async with database(settings):
        if args.admin:
            shown = password is None
            password = password or secrets.token_urlsafe(12)
            admin, space = await spaces.create_account_with_space(
                urls,
                username=args.admin,
                password=password,
                min_password_length=minimum,
                is_admin=True,
            )
            print(f"admin account {admin.username!r} with space {urls.space(space.name)}")
            if shown:
                print(f"admin password: {password}")
        if args.demo:
            await _create_demo(settings, urls, password if not args.admin else None)


async def _create_demo(settings: Settings, urls: Urls, password: str | None) -> None:
    data_dir = settings.data_path
    password = password or secrets.token_urlsafe(12)
    _owner, space = await spaces.create_account_with_space(
        urls,
        username="demo",
        password=password,
        min_password_length=settings.security.min_password_length,
        is_admin=True,
        display_name="Demo Space",
    )
    await items.publish_status(
        urls, space, text="Hello from my new space! #qspace", audience="public", mood="happy"
    )
    await items.publish_blog_post(
        urls,
        space,
        title="Welcome to qspace",
        markdown="This is a **blog post** written in Markdown.\n\n- a list\n- of things\n",
        audience="public",
        tags=["welcome"],
    )
    password_file = data_dir / "demo-password.txt"
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    print(f"demo space {urls.space('demo')}; log in as demo (password in {password_file})")


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a busy port is a clear message, not a traceback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}", 1) from None
    family, socktype, proto, _name, address = infos[0]
    sock = socket.socket(family, socktype, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CommandError(
                f"cannot listen on {host}:{port}: the address is already in use "
                "(is another server running? choose another one with --port)",
                1,
            ) from None
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}", 1) from None
    sock.set_inheritable(True)
    return sock


async def _require_current_schema(settings: Settings) -> None:
    try:
        pending = await pending_migrations(settings)
    except Exception as exc:
        raise CommandError(f"cannot open the database {settings.database_url}: {exc}", 2) from None
    if pending:
        raise CommandError(
            f"the database needs {len(pending)} migration(s): run `qspace migrate` first", 2
        )


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    changes: dict[str, Any] = {}
    if args.host:
        changes["host"] = args.host
    if args.port:
        changes["port"] = args.port
    if args.no_worker:
        changes["run_worker"] = False
    if changes:
        settings = replace(settings, server=changes)
    setup_logging(settings.log.level)
    host, port = settings.server.host, settings.server.port
    sock = _bind(host, port)
    run_async(_require_current_schema(settings))
    print(f"qspace {VERSION}: serving {settings.base_url}/ on http://{host}:{port}/", flush=True)
    config = uvicorn.Config(
        create_app(settings),
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.server.forwarded_allow_ips,
        timeout_graceful_shutdown=settings.server.shutdown_timeout,
    )
    server = uvicorn.Server(config)
    # uvicorn handles SIGTERM/SIGINT with a graceful shutdown, then re-raises the signal to the
    # handler that was installed before it; a no-op one lets a clean shutdown exit with 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    run_async(server.serve(sockets=[sock]))
    return 0 if server.started else 1


def cmd_worker(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    setup_logging(settings.log.level)
    run_async(_work(settings))
    return 0


async def _work(settings: Settings) -> None:
    await _require_current_schema(settings)
    async with database(settings) as ctx:
        services = build_services(settings, database=ctx)
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        print(f"qspace {VERSION}: worker running for {settings.base_url}", flush=True)
        services.runner.start()
        await stopping.wait()
        print("stopping: finishing the current jobs", flush=True)
        await services.runner.stop(timeout=settings.server.shutdown_timeout)
        await services.http.aclose()


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        applied = run_async(apply_migrations(settings))
    except OSError as exc:
        raise CommandError(f"cannot reach the database: {exc}", 2) from None
    if applied:
        for name in applied:
            print(f"applied {name}")
    else:
        print("the database is up to date")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    print(f"config {settings.config_path}: ok")
    problems = run_async(_check(settings))
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        return 2
    print("database: ok")
    print("media folder: ok")
    return 0


async def _check(settings: Settings) -> list[str]:
    problems: list[str] = []
    try:
        pending = await pending_migrations(settings)
    except Exception as exc:
        return [f"cannot open the database {settings.database_url}: {exc}"]
    if pending:
        problems.append(f"{len(pending)} migration(s) not applied: run `qspace migrate`")
    media = settings.media_path
    with contextlib.suppress(OSError):
        media.mkdir(parents=True, exist_ok=True)
    if not os.access(media, os.W_OK):
        problems.append(f"media folder {media} is not writable")
    return problems
