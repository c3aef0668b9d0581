"""Products and rate cards."""

from datetime import datetime
from typing import Any

from ..domain.aliases import AliasAssignment
from ..domain.audit import Change
from ..domain.base import Alias, ArchiveFilter, format_timestamp
from ..domain.catalog import ProductCreate, ProductUpdate, RateCardCreate, RateCardUpdate
from ..domain.catalog_view import present_product, present_rate_card, updated_rate_card
from ..domain.principal import Principal
from .audit import audited
from .kinds import PRODUCT, RATE_CARD
from .pages import list_records
from .records import (
    NewRecord,
    ReferenceCheck,
    StoredRecord,
    alias_append,
    alias_histories,
    append_update,
    archive_record,
    get_record,
    new_record_doc,
    put_record_guarded,
    record_key,
    record_updates,
)


def create_product(principal: Principal, request: ProductCreate, now: datetime, record_id: str | None = None) -> str:
    """`record_id` is for seeding known records (demo data); the API always lets the service choose.
    A composite product's components must exist, active, in the tenant: checked in the same transaction."""
    doc = new_record_doc(principal.token_name, request, now, record_id)
    components = _components(principal.tenant_id, request.composite_product_ids)
    entry = audited(principal, Change("product", doc["id"], "create", f"created product {request.name!r}"), now)
    return put_record_guarded(NewRecord(principal.tenant_id, PRODUCT, doc, references=components, audit=[entry]))


def _components(tenant: str, product_ids: list[str] | None) -> list[ReferenceCheck]:
    """A composite product's components must exist, active, in the tenant."""
    first_mention: dict[str, int] = {}
    for index, product_id in enumerate(product_ids or []):
        first_mention.setdefault(product_id, index)
    return [
        ReferenceCheck(record_key(tenant, PRODUCT, part), f"composite_product_ids[{index}]", f"product {part}")
        for part, index in first_mention.items()
    ]


def update_product(principal: Principal, request: ProductUpdate, now: datetime) -> None:
    """Append the update to the product's `updates` (its document stays as created): one transaction
    with the checks of any new components; an archived product cannot be updated."""
    tenant, product_id = principal.tenant_id, request.product_id
    update = {
        **request.model_dump(mode="json", exclude_none=True, exclude={"product_id"}),
        "starting_at": format_timestamp(request.starting_at),
        "created_at": format_timestamp(now),
        "created_by": principal.token_name,
    }
    references = _components(tenant, request.composite_product_ids)
    changed = ", ".join(sorted(set(update) - {"starting_at", "created_at", "created_by"}))
    description = f"updated product {product_id} ({changed}) from {update['starting_at']}"
    entry = audited(principal, Change("product", product_id, "update", description), now)
    append_update(tenant, PRODUCT, product_id, "product", update, entry, references)


def get_product(principal: Principal, product_id: str, now: datetime) -> dict[str, Any]:
    record = get_record(principal.tenant_id, PRODUCT, product_id, "product")
    return present_product(record.doc, record.archived_at, record_updates(record), now)


def list_products(
    principal: Principal, archive_filter: ArchiveFilter, limit: int, cursor: str | None, now: datetime
) -> tuple[list[dict[str, Any]], str | None]:
    records, next_page = list_records(principal.tenant_id, PRODUCT, archive_filter, limit, cursor)
    return [present_product(r.doc, r.archived_at, record_updates(r), now) for r in records], next_page


def archive_product(principal: Principal, product_id: str, now: datetime) -> None:
    entry = audited(principal, Change("product", product_id, "archive", f"archived product {product_id}"), now)
    archive_record(principal.tenant_id, PRODUCT, product_id, "product", now, entry)


def create_rate_card(principal: Principal, request: RateCardCreate, now: datetime, record_id: str | None = None) -> str:
    doc = new_record_doc(principal.token_name, request, now, record_id)
    aliases = [
        (alias.name, AliasAssignment(doc["id"], alias.starting_at, alias.ending_before))
        for alias in request.aliases or []
    ]
    description = f"created rate card {request.name!r}" + _alias_note(request.aliases)
    entry = audited(principal, Change("rate_card", doc["id"], "create", description), now)
    return put_record_guarded(NewRecord(principal.tenant_id, RATE_CARD, doc, aliases=aliases, audit=[entry]))


def _alias_note(aliases: list[Alias] | None) -> str:
    return f"; aliases {', '.join(repr(a.name) for a in aliases)} point at it" if aliases else ""


def update_rate_card(principal: Principal, request: RateCardUpdate, now: datetime) -> None:
    """One transaction: the update beside the rate card's document, and each new alias assignment
    appended to its alias's history (the alias points here from now on, for its window)."""
    tenant, rate_card_id = principal.tenant_id, request.rate_card_id
    update = {
        **request.model_dump(mode="json", exclude_none=True, exclude={"rate_card_id"}),
        "created_at": format_timestamp(now),
        "created_by": principal.token_name,
    }
    moves = [
        alias_append(
            tenant, RATE_CARD, alias.name, AliasAssignment(rate_card_id, alias.starting_at, alias.ending_before)
        )
        for alias in request.aliases or []
    ]
    changed = ", ".join(sorted(set(update) - {"created_at", "created_by"}))
    description = f"updated rate card {rate_card_id} ({changed})" + _alias_note(request.aliases)
    entry = audited(principal, Change("rate_card", rate_card_id, "update", description), now)
    append_update(tenant, RATE_CARD, rate_card_id, "rate card", update, entry, also=moves)


def _current(records: list[StoredRecord]) -> list[dict[str, Any]]:
    return [updated_rate_card(record.doc, record_updates(record)) for record in records]


def _alias_names(docs: list[dict[str, Any]]) -> set[str]:
    return {alias["name"] for doc in docs for alias in doc.get("aliases", [])}


def get_rate_card(principal: Principal, rate_card_id: str) -> dict[str, Any]:
    record = get_record(principal.tenant_id, RATE_CARD, rate_card_id, "rate card")
    [card] = _current([record])
    histories = alias_histories(principal.tenant_id, RATE_CARD, _alias_names([card]))
    return present_rate_card(card, histories, record.archived_at)


def list_rate_cards(
    principal: Principal, archive_filter: ArchiveFilter, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    records, next_page = list_records(principal.tenant_id, RATE_CARD, archive_filter, limit, cursor)
    cards = _current(records)
    histories = alias_histories(principal.tenant_id, RATE_CARD, _alias_names(cards))
    return [present_rate_card(c, histories, r.archived_at) for c, r in zip(cards, records, strict=True)], next_page


def archive_rate_card(principal: Principal, rate_card_id: str, now: datetime) -> None:
    description = f"archived rate card {rate_card_id}"
    entry = audited(principal, Change("rate_card", rate_card_id, "archive", description), now)
    archive_record(principal.tenant_id, RATE_CARD, rate_card_id, "rate card", now, entry)
