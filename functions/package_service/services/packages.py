"""Packages: the package rules are checked before anything is written; reads go straight to the store."""

from datetime import datetime

from ..domain.package import PackageCreate, check_package_rules
from ..domain.principal import Principal
from ..store import packages
from ..store.packages import archive_package, get_package, list_packages

__all__ = ["archive_package", "create_package", "get_package", "list_packages"]


def create_package(principal: Principal, request: PackageCreate, now: datetime) -> str:
    check_package_rules(request)
    return packages.create_package(principal, request, now)
