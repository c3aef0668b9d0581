"""Provisioning jobs: a cohort of customers to put on a package at a date, each exactly once."""

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .base import AliasName, Id, RequestModel, Timestamp, UniquenessKey, check_one_package

MAX_COHORT = 10_000
CHUNK_SIZE = 500  # customer ids per stored cohort chunk: 10,000 ids make 20 items of ~19 KB
MESSAGE_SIZE = 25  # customer ids per queue message

JobStatus = Literal["PENDING", "RUNNING", "COMPLETED", "CANCELLED", "FAILED"]
Outcome = Literal["PROVISIONED", "FAILED", "SKIPPED"]
COUNTS: tuple[str, ...] = ("pending", "provisioned", "failed", "skipped")


class JobCreate(RequestModel):
    package_id: Id | None = None
    package_alias: AliasName | None = None
    starting_at: Timestamp
    run_at: Timestamp | None = None
    customer_ids: list[Id] = Field(min_length=1, max_length=MAX_COHORT)
    uniqueness_key: UniquenessKey | None = None

    @field_validator("customer_ids")
    @classmethod
    def _distinct(cls, customer_ids: list[str]) -> list[str]:
        seen: set[str] = set()
        for index, customer_id in enumerate(customer_ids):
            if customer_id in seen:
                raise ValueError(f"customer_ids[{index}]: {customer_id} is listed twice")
            seen.add(customer_id)
        return customer_ids

    @model_validator(mode="after")
    def _exactly_one_package(self) -> "JobCreate":
        check_one_package(self.package_id, self.package_alias)
        return self


class JobRef(RequestModel):
    job_id: Id


def chunks[T](values: list[T], size: int) -> list[list[T]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def job_status(stored: str, counts: dict[str, int]) -> JobStatus:
    """A running job is complete once no customer is pending."""
    if stored == "RUNNING" and counts.get("pending", 0) <= 0:
        return "COMPLETED"
    return stored  # type: ignore[return-value]


def present_job(doc: dict[str, Any], stored_status: str, counts: dict[str, int], failure: str | None) -> dict[str, Any]:
    view = {k: v for k, v in doc.items()}
    view["status"] = job_status(stored_status, counts)
    view["counts"] = {name: counts.get(name, 0) for name in COUNTS}
    if failure:
        view["failure_reason"] = failure
    return view
