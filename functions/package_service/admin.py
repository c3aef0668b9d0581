"""Token administration against whichever DynamoDB the settings and AWS configuration point at
(TABLE_NAME; the region and credentials resolve as for any AWS tool).

python -m package_service.admin tokens create --tenant acme [--name ci] [--token VALUE]
python -m package_service.admin tokens list --tenant acme
python -m package_service.admin tokens revoke TOKEN | --hash SHA256 | --tenant acme --name ci
"""

import argparse
import sys

from botocore.exceptions import NoCredentialsError, NoRegionError

from .domain.errors import DomainError
from .store.tokens import create_token, list_tokens, revoke_token, revoke_token_hash, revoke_token_named


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m package_service.admin")
    sub = parser.add_subparsers(dest="group", required=True)
    tokens = sub.add_parser("tokens").add_subparsers(dest="action", required=True)
    create = tokens.add_parser("create", help="create a token for a tenant and print it once")
    create.add_argument("--tenant", required=True)
    create.add_argument("--name", help="shown as created_by on records (default: the tenant)")
    create.add_argument("--token", help="use this token value instead of generating one (never overwrites)")
    listing = tokens.add_parser("list", help="a tenant's tokens: hash, name, created, revoked")
    listing.add_argument("--tenant", required=True)
    revoke = tokens.add_parser(
        "revoke", help="revoke a token (by the token, its hash, or tenant and name); later calls get 401"
    )
    revoke.add_argument("token", nargs="?", help="the token itself, if you hold it")
    revoke.add_argument("--hash", help="the token's SHA-256, as `tokens list` shows it")
    revoke.add_argument("--tenant", help="with --name: the tenant's one active token of that name")
    revoke.add_argument("--name")
    return parser


def _revoke(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    chosen = [bool(args.token), bool(args.hash), bool(args.tenant or args.name)]
    if sum(chosen) != 1 or (chosen[2] and not (args.tenant and args.name)):
        parser.error("revoke takes exactly one of: TOKEN, --hash SHA256, or --tenant T --name N")
    if args.token:
        revoke_token(args.token)
        return "revoked"
    if args.hash:
        revoke_token_hash(args.hash.lower())
        return f"revoked {args.hash.lower()}"
    return f"revoked {revoke_token_named(args.tenant, args.name)}"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.action == "create":
            print(create_token(args.tenant, args.name or args.tenant, args.token))
        elif args.action == "list":
            print("hash\tname\tcreated_at\trevoked_at")
            for token in list_tokens(args.tenant):
                print(f"{token.token_hash}\t{token.name}\t{token.created_at}\t{token.revoked_at or '-'}")
        else:
            print(_revoke(parser, args), file=sys.stderr)
            print(
                "API Gateway may accept it for up to 300 s more (its authorizer cache): see docs/operations.md",
                file=sys.stderr,
            )
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except (NoRegionError, NoCredentialsError) as error:
        print(f"error: {error} (configure AWS as for the AWS CLI: AWS_REGION / AWS_PROFILE)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
