"""Packages: one transaction to create (record, uniqueness guard, alias moves, reference checks),
at most two calls to read (the record, then its products and alias rows in one batch)."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from ..domain.aliases import AliasAssignment
from ..domain.audit import Change
from ..domain.base import ArchiveFilter
from ..domain.package import PackageCreate, referenced_products
from ..domain.package_view import named_product_ids, new_package_document, present_package
from ..domain.principal import Principal
from .audit import audited
from .dynamo import batch_get
from .kinds import PACKAGE, PRODUCT, RATE_CARD
from .pages import list_records
from .records import (
    NewRecord,
    ReferenceCheck,
    StoredRecord,
    alias_key,
    alias_name,
    archive_record,
    current_product_name,
    get_record,
    history_from_item,
    put_record_guarded,
    record_from_item,
    record_key,
)


def create_package(principal: Principal, request: PackageCreate, now: datetime, record_id: str | None = None) -> str:
    tenant = principal.tenant_id
    doc = new_package_document(request, record_id or str(uuid4()), now, principal.token_name)
    references = [
        ReferenceCheck(record_key(tenant, PRODUCT, product_id), path, f"product {product_id}")
        for product_id, path in referenced_products(request).items()
    ]
    if request.rate_card_id:
        references.append(
            ReferenceCheck(
                record_key(tenant, RATE_CARD, request.rate_card_id),
                "rate_card_id",
                f"rate card {request.rate_card_id}",
            )
        )
    if request.rate_card_alias:
        references.append(
            ReferenceCheck(
                alias_key(tenant, RATE_CARD, request.rate_card_alias),
                "rate_card_alias",
                f"rate card alias {request.rate_card_alias!r}",
                must_be_active=False,
            )
        )
    products = ",".join(sorted(named_product_ids(doc)))  # "" for none; None only in rows older than this
    aliases = [
        (
            alias.name,
            AliasAssignment(doc["id"], alias.starting_at, alias.ending_before, request.rate_card_alias, products),
        )
        for alias in request.aliases or []
    ]
    description = f"created package {request.name!r}" + (
        f"; aliases {', '.join(repr(name) for name, _ in aliases)} point at it" if aliases else ""
    )
    entry = audited(principal, Change("package", doc["id"], "create", description), now)
    return put_record_guarded(
        NewRecord(
            tenant,
            PACKAGE,
            doc,
            uniqueness_key=request.uniqueness_key,
            aliases=aliases,
            references=references,
            audit=[entry],
        )
    )


def _present(tenant: str, records: list[StoredRecord]) -> list[dict[str, Any]]:
    """Expand products and alias schedules for a set of packages with one batch read."""
    product_ids = set().union(*(named_product_ids(r.doc) for r in records)) if records else set()
    alias_names = {a["name"] for r in records for a in r.doc.get("aliases", [])}
    keys = [record_key(tenant, PRODUCT, pid) for pid in sorted(product_ids)]
    keys += [alias_key(tenant, PACKAGE, name) for name in sorted(alias_names)]
    names: dict[str, str] = {}
    histories: dict[str, list[AliasAssignment]] = {}
    now = datetime.now(UTC)
    for item in batch_get(keys):
        if (name := alias_name(tenant, PACKAGE, item)) is not None:
            histories[name] = history_from_item(item)
        else:
            product = record_from_item(item)
            names[product.id] = current_product_name(product, now)
    return [present_package(r.doc, names, histories, r.archived_at) for r in records]


def product_names(tenant: str, product_ids: set[str]) -> dict[str, str]:
    """Each product's name as of now."""
    now = datetime.now(UTC)
    records = map(record_from_item, batch_get([record_key(tenant, PRODUCT, p) for p in sorted(product_ids)]))
    return {record.id: current_product_name(record, now) for record in records}


def get_package(principal: Principal, package_id: str) -> dict[str, Any]:
    record = get_record(principal.tenant_id, PACKAGE, package_id, "package")
    return _present(principal.tenant_id, [record])[0]


def list_packages(
    principal: Principal, archive_filter: ArchiveFilter, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    records, next_page = list_records(principal.tenant_id, PACKAGE, archive_filter, limit, cursor)
    return _present(principal.tenant_id, records), next_page


def archive_package(principal: Principal, package_id: str, now: datetime) -> None:
    entry = audited(principal, Change("package", package_id, "archive", f"archived package {package_id}"), now)
    archive_record(principal.tenant_id, PACKAGE, package_id, "package", now, entry)
