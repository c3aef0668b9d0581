"""Token administration against whichever DynamoDB the settings point at.

python -m package_service.admin tokens create --tenant acme [--name ci] [--token VALUE]
python -m package_service.admin tokens revoke TOKEN
"""

import argparse
import sys

from .store.tokens import create_token, revoke_token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m package_service.admin")
    sub = parser.add_subparsers(dest="group", required=True)
    tokens = sub.add_parser("tokens").add_subparsers(dest="action", required=True)
    create = tokens.add_parser("create", help="create a token for a tenant and print it once")
    create.add_argument("--tenant", required=True)
    create.add_argument("--name", help="shown as created_by on records (default: the tenant)")
    create.add_argument("--token", help="use this token value instead of generating one")
    revoke = tokens.add_parser("revoke", help="revoke a token; later calls with it get 401")
    revoke.add_argument("token")
    args = parser.parse_args(argv)
    if args.action == "create":
        print(create_token(args.tenant, args.name or args.tenant, args.token))
    else:
        revoke_token(args.token)
        print("revoked", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
