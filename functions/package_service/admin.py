"""Token administration against whichever DynamoDB the settings and AWS configuration point at
(TABLE_NAME; the region and credentials resolve as for any AWS tool).

python -m package_service.admin tokens create --tenant acme [--name ci] [--token VALUE]
python -m package_service.admin tokens list --tenant acme
python -m package_service.admin tokens revoke TOKEN | --hash SHA256 | --tenant acme --name ci
python -m package_service.admin events republish --tenant acme --starting-on 2026-11-27T00:00:00Z
        [--ending-before ...]   (EVENT_BUS_NAME = output ChangeEventBusName)
"""

import argparse
import os
import sys
from datetime import datetime

from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

from .domain.audit import change_event, detail_type_of
from .domain.errors import DomainError, Unavailable
from .event_bus import PUT_EVENTS_LIMIT, put_events
from .store.audit import AuditQuery, list_entries
from .store.dynamo import get_client, table_name
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
    events = sub.add_parser("events").add_subparsers(dest="action", required=True)
    republish = events.add_parser(
        "republish", help="publish a tenant's change events again from its audit log (consumers de-duplicate by id)"
    )
    republish.add_argument("--tenant", required=True)
    republish.add_argument("--starting-on", required=True, type=_timestamp, help="RFC 3339, inclusive")
    republish.add_argument("--ending-before", type=_timestamp, help="RFC 3339, exclusive (default: now)")
    return parser


def _timestamp(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("give an offset, e.g. 2026-11-27T00:00:00Z")
    return parsed


def republish_events(tenant: str, starting_on: datetime, ending_before: datetime | None) -> int:
    """Every audit entry of the tenant in the range, published again in order; returns how many."""
    query, published = AuditQuery.first_page("date_asc", starting_on, ending_before, None, None), 0
    while True:
        entries, cursor = list_entries(tenant, query, PUT_EVENTS_LIMIT)
        if not entries or cursor is None:
            return published
        events = [
            change_event(entry, tenant, detail_type_of(entry["resource_type"], entry["action"])) for entry in entries
        ]
        refused = [event["Detail"]["event_id"] for event, ok in zip(events, put_events(events), strict=True) if not ok]
        if refused:
            raise Unavailable(f"EventBridge refused {', '.join(refused)} after {published} published; run again")
        published += len(entries)
        query = AuditQuery.from_cursor(cursor)


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


def _where() -> str:
    """The table and region this run acts on: an operator sees at once if they are not the stack's."""
    client = get_client()
    endpoint = client.meta.endpoint_url
    local = "" if endpoint.endswith(".amazonaws.com") else f" at {endpoint}"
    where = f"table {table_name()} in {client.meta.region_name}{local}"
    named = {name: os.environ.get(name) for name in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    if all(named.values()) and len(set(named.values())) == 2:  # the SAM CLI deploys to AWS_DEFAULT_REGION's
        where += f" (AWS_REGION={named['AWS_REGION']} wins over AWS_DEFAULT_REGION={named['AWS_DEFAULT_REGION']})"
    return where


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        print(f"using {_where()}", file=sys.stderr)
        if args.group == "events":
            count = republish_events(args.tenant, args.starting_on, args.ending_before)
            print(f"published {count} change events", file=sys.stderr)
        elif args.action == "create":
            print(create_token(args.tenant, args.name or args.tenant, args.token))
        elif args.action == "list":
            print("hash\tname\tcreated_at\trevoked_at\tactor_id")
            for t in list_tokens(args.tenant):
                print(f"{t.token_hash}\t{t.name}\t{t.created_at}\t{t.revoked_at or '-'}\t{t.actor_id}")
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
        print(
            f"error: {error} (configure AWS as for the AWS CLI: AWS_DEFAULT_REGION or the profile's region)",
            file=sys.stderr,
        )
        return 1
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        print(
            f"error: no {_where()}. Set TABLE_NAME to the stack's TableName output and the region to the "
            "stack's (AWS_DEFAULT_REGION, or AWS_REGION, which wins); see docs/deploy.md",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
