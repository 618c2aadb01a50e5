"""The ``gateway`` command: serve, run a simulator alone, manage vault keys, print the spec."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import importlib.metadata
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx
import msgspec
import uvicorn

from adapters.registry import VENDORS
from gateway.audit import AuditAction, AuditLog
from gateway.bootstrap import ensure_operator_key, retire_generated_operator_keys
from gateway.logs import configure_logging
from gateway.metrics_workers import shared_by_workers
from gateway.sandbox import Sandbox, SandboxVendor, run_simulator, start_sandbox
from gateway.sandbox_guide import instructions, standalone
from gateway.services import open_database, open_stores
from gateway.settings import Settings, SettingsError
from gateway.startup import StartupError, base_url, check_port_free, check_redis, summary
from policies.sql import DatabaseUnavailable, SchemaMismatch, check_schema, upgrade
from policies.sql.engine import EMBEDDED_DATABASE
from policies.sql.migrate import current_revision

SHUTDOWN_GRACE_SECONDS = 10
"""How long ``serve`` lets requests in flight finish after SIGTERM (orchestrators wait ~30 s)."""
log = logging.getLogger("gateway")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="The caller-ID and telephony gateway: serve it, run a vendor simulator "
        "alone, manage vault keys and the database, print the OpenAPI document.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument("--host", help="interface to bind (GATEWAY_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (GATEWAY_PORT, default 8080)")
    serve.add_argument("--workers", type=int, help="worker processes (GATEWAY_WORKERS, default 1)")
    serve.add_argument(
        "--sandbox", action="store_true", help="start the vendor simulators and a demo tenant"
    )

    sandbox = commands.add_parser("sandbox", help="run one vendor simulator in the foreground")
    sandbox.add_argument(
        "vendor",
        help="vendor name: " + ", ".join(v.name for v in VENDORS if v.declaration.simulator),
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="interface to bind")
    sandbox.add_argument("--port", type=int, required=True, help="port to listen on")
    sandbox.add_argument(
        "--gateway-url",
        default="http://127.0.0.1:8080",
        help="the gateway you will point at it, for the printed commands (%(default)s)",
    )

    vault = commands.add_parser("vault", help="credential vault maintenance")
    vault_commands = vault.add_subparsers(dest="vault_command", required=True)
    generate = vault_commands.add_parser("generate-key", help="print a new master key entry")
    generate.add_argument("--version", type=int, default=1, help="version number of the new key")
    vault_commands.add_parser(
        "rotate", help="re-wrap every record under the newest key in GATEWAY_VAULT_KEYS"
    )

    health = commands.add_parser(
        "healthcheck", help="exit 0 when the running gateway answers /healthz (Docker HEALTHCHECK)"
    )
    health.add_argument(
        "--pid", type=int, default=1, help="process of `gateway serve` whose port to ask (1)"
    )

    db = commands.add_parser("db", help="the system of record (GATEWAY_DATABASE_URL)")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the schema migrations (before new replicas)")
    db_commands.add_parser("check", help="say whether the schema is the one this gateway needs")

    listen = commands.add_parser(
        "listen", help="print (and forward) the tenant's events as they are delivered"
    )
    listen.add_argument(
        "--gateway", default="http://127.0.0.1:8080", help="the gateway's URL (%(default)s)"
    )
    listen.add_argument("--key", help="a tenant key with events:write (default: $GW_KEY)")
    listen.add_argument(
        "--events", nargs="+", default=["*"], metavar="TYPE", help="types or prefixes (*)"
    )
    listen.add_argument("--forward-to", metavar="URL", help="POST each verified delivery here")
    listen.add_argument("--port", type=int, default=0, help="receiver port on 127.0.0.1 (free)")
    listen.add_argument("--json", action="store_true", help="print each whole event as JSON")

    spec = commands.add_parser("openapi", help="print the OpenAPI document")
    spec.add_argument("--output", type=Path, help="write to this file instead of stdout")
    return parser


def _version() -> str:
    try:
        return importlib.metadata.version("caller-gateway")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def _settings_for_serve(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env(os.environ)
    overrides = {"host": args.host, "port": args.port, "workers": args.workers}
    server = dataclasses.replace(
        settings.server, **{k: v for k, v in overrides.items() if v is not None}
    )
    return settings.replace(server=server, sandbox=settings.sandbox or args.sandbox)


def _export_for_workers(settings: Settings) -> None:
    """Workers build their app from the environment; hand them what start-up decided."""
    os.environ["GATEWAY_DATA_DIR"] = str(settings.stores.data_dir)
    for vendor in VENDORS:
        http = settings.vendors.get(vendor.name)
        if http is not None:
            os.environ[vendor.declaration.settings_prefix + "BASE_URL"] = http.base_url
    if settings.stores.vault_keys is not None:
        os.environ["GATEWAY_VAULT_KEYS"] = settings.stores.vault_keys.to_spec()
    os.environ["GATEWAY_SANDBOX"] = "true" if settings.sandbox else "false"
    os.environ["GATEWAY_VERIFICATION_ENDPOINTS"] = ",".join(settings.verification_endpoints)
    os.environ["GATEWAY_WEBHOOK_ALLOW_HTTP"] = str(settings.policies.webhook_allow_http).lower()
    os.environ["GATEWAY_WEBHOOK_ALLOWED_NETWORKS"] = ",".join(
        settings.policies.webhook_allowed_networks
    )


async def _prepare(settings: Settings) -> tuple[Settings, str | None, Sandbox | None]:
    """Everything that can refuse a start, before anything is printed: settings, the port,
    Redis, the database; then the sandbox and the operator key."""
    settings.check_ready_to_serve()
    check_port_free(settings.server.host, settings.server.port)
    await check_redis(settings)
    sandbox = None
    if settings.sandbox:
        sandbox = await start_sandbox(settings)
        settings = sandbox.settings
    stores = await open_stores(settings)
    try:
        if settings.stores.admin_key is None:
            return settings, await ensure_operator_key(stores.tenants), sandbox
        retired = await retire_generated_operator_keys(stores.tenants)
        if retired:
            log.warning("GATEWAY_ADMIN_KEY is set: revoked the generated operator key")
        return settings, None, sandbox
    finally:
        await stores.close()


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(args: argparse.Namespace) -> int:
    settings = _settings_for_serve(args)
    configure_logging(settings.server.log_level, settings.server.log_format)
    with contextlib.ExitStack() as on_exit:
        if settings.sandbox and "GATEWAY_DATA_DIR" not in os.environ:
            scratch = on_exit.enter_context(tempfile.TemporaryDirectory(prefix="gateway-sandbox-"))
            settings = settings.with_stores(data_dir=Path(scratch))
        settings, operator_key, sandbox = asyncio.run(_prepare(settings))
        print(summary(settings), flush=True)
        if sandbox is not None:
            print(instructions(sandbox, base_url(settings), operator_key), flush=True)
        elif operator_key:
            print(f"\nOperator (admin) key, shown once: {operator_key}\n", flush=True)
        _export_for_workers(settings)
        on_exit.enter_context(shared_by_workers(settings.server.workers))
        # uvicorn re-raises the SIGTERM it handled once it has shut down; exit through Python
        # then, so the scratch directory above is removed.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        uvicorn.run(
            "gateway.app:app_from_environment",
            factory=True,
            host=settings.server.host,
            port=settings.server.port,
            workers=settings.server.workers,
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    def announce(vendors: list[SandboxVendor]) -> None:
        print(standalone(vendors, args.gateway_url.rstrip("/")), flush=True)

    run_simulator(args.vendor, args.host, args.port, announce)
    return 0


def _served_args(pid: int) -> argparse.Namespace:
    """The arguments process ``pid`` was started with, when it is ``gateway serve`` (a
    container's main process); otherwise those of a bare ``gateway serve``."""
    try:
        argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]
    except OSError:
        argv = []
    served = argv[argv.index("serve") :] if "serve" in argv else ["serve"]
    return _parser().parse_args(served)


def _healthcheck(args: argparse.Namespace) -> int:
    url = base_url(_settings_for_serve(_served_args(args.pid))) + "/healthz"
    try:
        status = httpx.get(url, timeout=2).status_code
    except httpx.HTTPError as exc:
        print(f"gateway: {url} did not answer: {type(exc).__name__}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"gateway: {url} answered {status}", file=sys.stderr)
        return 1
    return 0


def _vault(args: argparse.Namespace) -> int:
    from gateway.vault_rotation import rotate_master_key
    from policies.vault import generate_key_spec

    if args.vault_command == "generate-key":
        print(generate_key_spec(args.version))
        return 0
    settings = Settings.from_env(os.environ)
    configure_logging(settings.server.log_level, settings.server.log_format)
    settings.replace(sandbox=False).check_ready_to_serve()

    async def rotate() -> dict[str, object]:
        _require_existing_database(settings)
        stores = await open_stores(settings, migrate=False)
        try:
            report = await rotate_master_key(stores.database, stores.vault)
            sealed = report.sealed_values.values()
            await AuditLog(stores.database).record(
                None,
                AuditAction.MASTER_KEY_ROTATED,
                tenant_id=None,
                detail={
                    "active_version": str(report.active_version),
                    "rewrapped": str(report.rewrapped),
                    "failed": str(len(report.failed)),
                    "resealed": str(sum(count.resealed for count in sealed)),
                    "reseal_failed": str(sum(count.failed for count in sealed)),
                },
            )
        finally:
            await stores.close()
        return {
            "active_version": report.active_version,
            "rewrapped": report.rewrapped,
            "already_current": report.already_current,
            "skipped_concurrent": report.skipped_concurrent,
            "failed": [{"tenant_id": t, "vendor": v} for t, v in report.failed],
            "sealed_values": msgspec.to_builtins(report.sealed_values),
            "any_failed": report.any_failed,
        }

    outcome = asyncio.run(rotate())
    print(json.dumps(outcome, indent=2))
    return 1 if outcome["any_failed"] else 0


def _require_existing_database(settings: Settings) -> None:
    """Refuse to work on an embedded database that does not exist: opening it would create an
    empty one, and a wrong directory would look like a gateway with no data (``gateway serve``
    creates and migrates the embedded database itself)."""
    if settings.stores.database_url is None:
        path = settings.stores.data_dir / EMBEDDED_DATABASE
        if not path.exists():
            raise SettingsError(
                f"no gateway database at {path.resolve()}: run this where the gateway keeps its "
                "data (GATEWAY_DATA_DIR) or set GATEWAY_DATABASE_URL"
            )


def _db(args: argparse.Namespace) -> int:
    settings = Settings.from_env(os.environ)
    configure_logging(settings.server.log_level, settings.server.log_format)

    async def run() -> str:
        _require_existing_database(settings)
        database = open_database(settings)
        try:
            if args.db_command == "upgrade":
                await upgrade(database)
            await check_schema(database)
            return f"{database.describe()} is at schema {await current_revision(database)}"
        finally:
            await database.close()

    print(asyncio.run(run()))
    return 0


def _listen(args: argparse.Namespace) -> int:
    from gateway.listen import ListenError, ListenOptions, key_from, listen

    try:
        options = ListenOptions(
            gateway=args.gateway,
            key=key_from(args.key, os.environ),
            types=tuple(args.events),
            forward_to=args.forward_to,
            port=args.port,
            as_json=args.json,
        )
        return listen(options)
    except ListenError as exc:
        print(f"gateway listen: {exc}", file=sys.stderr)
        return 2


def _openapi(args: argparse.Namespace) -> int:
    from gateway.app import create_app

    app = create_app(Settings())
    document = json.dumps(app.openapi_schema.to_schema(), indent=2, sort_keys=True) + "\n"
    if args.output:
        args.output.write_text(document)
    else:
        sys.stdout.write(document)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gateway`` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "sandbox":
            return _sandbox(args)
        if args.command == "healthcheck":
            return _healthcheck(args)
        if args.command == "vault":
            return _vault(args)
        if args.command == "db":
            return _db(args)
        if args.command == "listen":
            return _listen(args)
        return _openapi(args)
    except (SettingsError, StartupError, SchemaMismatch, DatabaseUnavailable, ValueError) as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
