"""Every route of the API and the module that serves it (method, path, function name), so the API
registers all its routes at cold start without importing a route module: a module, with its request
models and services, loads on the first request for one of its routes (api_app.RouteLoadedOnFirstUse).

tests/unit/infra/test_route_table.py checks this table against what the modules declare: a route added to a
module fails that test until it is listed here (the test prints the line to add)."""

ROUTES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "packages": (
        ("POST", "/v1/packages/create", "create_package"),
        ("POST", "/v1/packages/get", "get_package"),
        ("POST", "/v1/packages/list", "list_packages"),
        ("POST", "/v1/packages/archive", "archive_package"),
    ),
    "catalog": (
        ("POST", "/v1/contract-pricing/products/create", "create_product"),
        ("POST", "/v1/contract-pricing/products/get", "get_product"),
        ("POST", "/v1/contract-pricing/products/list", "list_products"),
        ("POST", "/v1/contract-pricing/products/update", "update_product"),
        ("POST", "/v1/contract-pricing/products/archive", "archive_product"),
        ("POST", "/v1/contract-pricing/rate-cards/create", "create_rate_card"),
        ("POST", "/v1/contract-pricing/rate-cards/get", "get_rate_card"),
        ("POST", "/v1/contract-pricing/rate-cards/list", "list_rate_cards"),
        ("POST", "/v1/contract-pricing/rate-cards/update", "update_rate_card"),
        ("POST", "/v1/contract-pricing/rate-cards/archive", "archive_rate_card"),
    ),
    "customers": (
        ("POST", "/v1/customers", "create_customer"),
        ("GET", "/v1/customers", "list_customers"),
        ("GET", "/v1/customers/<customer_id>", "get_customer"),
        ("POST", "/v1/customers/archive", "archive_customer"),
        ("POST", "/v1/setCustomerBillingProviderConfigurations", "set_billing_configurations"),
        ("POST", "/v1/getCustomerBillingProviderConfigurations", "get_billing_configurations"),
        ("POST", "/v1/archiveCustomerBillingProviderConfigurations", "archive_billing_configurations"),
    ),
    "contracts": (
        ("POST", "/v1/contracts/create", "create_contract"),
        ("POST", "/v1/contracts/preview", "preview_contract"),
        ("POST", "/v1/contracts/get", "get_contract"),
        ("POST", "/v1/contracts/list", "list_contracts"),
        ("POST", "/v1/contracts/archive", "archive_contract"),
        ("POST", "/v1/packages/listContractsOnPackage", "list_contracts_on_package"),
    ),
    "contract_edits": (
        ("POST", "/v2/contracts/edit", "edit_contract"),
        ("POST", "/v1/contracts/updateEndDate", "update_end_date"),
        ("POST", "/v2/contracts/get", "get_contract"),
        ("POST", "/v2/contracts/list", "list_contracts"),
        ("POST", "/v2/contracts/getEditHistory", "get_edit_history"),
    ),
    "commit_edits": (
        ("POST", "/v2/contracts/commits/edit", "edit_commit"),
        ("POST", "/v2/contracts/credits/edit", "edit_credit"),
    ),
    "jobs": (
        ("POST", "/v1/provisioningJobs/create", "create_job"),
        ("POST", "/v1/provisioningJobs/get", "get_job"),
        ("POST", "/v1/provisioningJobs/listResults", "list_results"),
        ("POST", "/v1/provisioningJobs/cancel", "cancel_job"),
    ),
    "migrations": (
        ("POST", "/v1/packageMigrations/create", "create_migration"),
        ("POST", "/v1/packageMigrations/get", "get_migration"),
        ("POST", "/v1/packageMigrations/list", "list_migrations"),
        ("POST", "/v1/packageMigrations/listPlan", "list_plan"),
        ("POST", "/v1/packageMigrations/apply", "apply_migration"),
        ("POST", "/v1/packageMigrations/cancel", "cancel_migration"),
    ),
    "audit": (("GET", "/v1/auditLogs", "list_audit_logs"),),
    "rates": (
        ("POST", "/v1/contract-pricing/rate-cards/addRate", "add_rate"),
        ("POST", "/v1/contract-pricing/rate-cards/addRates", "add_rates"),
        ("POST", "/v1/contract-pricing/rate-cards/getRates", "get_rates"),
        ("POST", "/v1/contract-pricing/rate-cards/getRateSchedule", "get_rate_schedule"),
        ("POST", "/v1/contracts/getContractRateSchedule", "get_contract_rate_schedule"),
    ),
}
