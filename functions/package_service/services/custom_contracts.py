"""Custom contracts: `/v1/contracts/create` without a package. Two calls: one batch read (the customer,
the products the terms name, the rate card alias, the contract transitioned from, the hierarchy parent),
then one transaction (the contract, its uniqueness guard, its audit entries, the end of the contract it
transitions from, and checks that the customer, products and rate card are still as read).

A custom contract has no package-index row; otherwise it is stored as a provisioned one is, so `get`,
`list` and transitions cannot tell them apart."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from ..domain.contract import ContractCreate, contract_products, custom_contract_document
from ..domain.errors import InvalidRequest
from ..domain.principal import Principal
from ..domain.provisioning import Resolved, matching_config
from ..store.batch_reads import Found, read_together
from ..store.customers import billing_configs
from ..store.kinds import CONTRACT, CUSTOMER, PRODUCT, RATE_CARD
from ..store.records import ReferenceCheck, StoredRecord, current_product_name, record_key
from .provisioning import ContractPlan, active_customer, alias_on, contract_record, transition_extras
from .transitions import check_transition


def plan_custom_contract(principal: Principal, request: ContractCreate, now: datetime) -> ContractPlan:
    tenant = principal.tenant_id
    products = contract_products(request)
    records = [(CUSTOMER, request.customer_id), *((PRODUCT, product_id) for product_id in sorted(products))]
    if request.transition:
        records.append((CONTRACT, request.transition.from_contract_id))
    parent = request.hierarchy_configuration.parent if request.hierarchy_configuration else None
    if parent and (not request.transition or parent.contract_id != request.transition.from_contract_id):
        records.append((CONTRACT, parent.contract_id))
    aliases = [(RATE_CARD, request.rate_card_alias)] if request.rate_card_alias else []
    found = read_together(tenant, records, aliases)

    customer = active_customer(found, request.customer_id)
    product_names = _active_products(found, products)
    rate_card_id = request.rate_card_id
    if request.rate_card_alias:
        alias = alias_on(found, RATE_CARD, request.rate_card_alias, request.starting_at, "rate_card_alias: ")
        rate_card_id = alias.holder_id
    previous = None
    if request.transition:
        previous = found.record(CONTRACT, request.transition.from_contract_id)
        check_transition(previous, request)
    if parent:
        _check_parent(found.record(CONTRACT, parent.contract_id), parent.contract_id, parent.customer_id)
    config = _billing_config(request, billing_configs(customer))

    contract_id = str(uuid4())
    doc = custom_contract_document(request, contract_id, rate_card_id, config, now, principal.token_name)
    references = [
        ReferenceCheck(record_key(tenant, PRODUCT, product_id), path, f"product {product_id}")
        for product_id, path in products.items()
    ]
    if request.rate_card_id:
        references.append(
            ReferenceCheck(
                record_key(tenant, RATE_CARD, request.rate_card_id), "rate_card_id", f"rate card {request.rate_card_id}"
            )
        )
    extras = transition_extras(tenant, request, previous, doc) if request.transition else []
    record = contract_record(tenant, doc, request, customer, references, extras)
    return ContractPlan(doc, Resolved(None, rate_card_id, config), record, product_names)


def _active_products(found: Found, products: dict[str, str]) -> dict[str, str]:
    """Each named product's name as of now; 400 naming the first field whose product is missing or archived."""
    now = datetime.now(UTC)
    names: dict[str, str] = {}
    for product_id, path in products.items():
        product = found.record(PRODUCT, product_id)
        if product is None or product.archived_at:
            raise InvalidRequest(f"{path}: product {product_id} does not exist or is archived")
        names[product_id] = current_product_name(product, now)
    return names


def _check_parent(parent: StoredRecord | None, contract_id: str, customer_id: str) -> None:
    field = "hierarchy_configuration.parent.contract_id"
    if parent is None or parent.doc["customer_id"] != customer_id:
        raise InvalidRequest(f"{field}: contract {contract_id} is not a contract of customer {customer_id}")
    if parent.archived_at:
        raise InvalidRequest(f"{field}: contract {contract_id} is archived")


def _billing_config(request: ContractCreate, configs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The customer's billing provider configuration the request names: by id (active), or the one active
    configuration with the named provider and delivery method."""
    wanted = request.billing_provider_configuration
    if wanted is None:
        return None
    field = "billing_provider_configuration"
    if wanted.billing_provider_configuration_id:
        config_id = wanted.billing_provider_configuration_id
        for config in configs:
            if config["id"] == config_id and "archived_at" not in config:
                return config
        raise InvalidRequest(
            f"{field}.billing_provider_configuration_id: customer {request.customer_id} has no active "
            f"billing provider configuration {config_id}"
        )
    assert wanted.billing_provider is not None  # the model requires provider and method without an id
    return matching_config(
        wanted.billing_provider, wanted.delivery_method, request.customer_id, configs, field=f"{field}.billing_provider"
    )
