"""The `qspace` command line: `qspace --config PATH COMMAND ...`.

Every command is non-interactive when given its flags, prints what it did, and exits with 0 on
success, 1 when the request could not be carried out and 2 for a usage or configuration problem.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from qspace.cli import accounts, content, server, social, spaces, themes
from qspace.cli.common import CommandError, run_command
from qspace.settings import ConfigError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qspace", description="A self-hosted, federated personal-space server."
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default: $QSPACE_CONFIG, else ./config.toml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    server.register(commands)
    spaces.register(commands)
    accounts.register(commands)
    content.register(commands)
    social.register(commands)
    themes.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.config is None:
        args.config = Path(os.environ.get("QSPACE_CONFIG", "config.toml"))
    try:
        return run_command(args)
    except ConfigError as exc:
        print(f"qspace: configuration error: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"qspace: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
