"""Environment parsed once into a typed settings model.

A plain pydantic model over `os.environ` rather than pydantic-settings: the variables are flat
strings, and pydantic-settings' import (every settings source: cloud vaults, CLI, dotenv) added
~20 ms to each cold start for features this service does not use."""

import os
from functools import lru_cache

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(default="package-service", alias="TABLE_NAME")
    # Empty in AWS; set locally to the embedded DynamoDB (moto server) or DynamoDB Local.
    dynamodb_endpoint_url: str | None = Field(default=None, alias="DYNAMODB_ENDPOINT_URL")
    # Lambda sets AWS_REGION. Elsewhere (the admin CLI) None lets botocore find the caller's region as
    # every AWS tool does: AWS_DEFAULT_REGION, then the profile's configuration.
    aws_region: str | None = Field(default=None, alias="AWS_REGION")
    # Where the Provisioner sends cohort batches; the endpoint is for local SQS (moto) only.
    provisioning_queue_url: str | None = Field(default=None, alias="PROVISIONING_QUEUE_URL")
    sqs_endpoint_url: str | None = Field(default=None, alias="SQS_ENDPOINT_URL")
    # The change events' bus; LOCAL_EVENTS_FILE (make run) sends them to a JSON-lines file instead.
    event_bus_name: str = Field(default="", alias="EVENT_BUS_NAME")
    local_events_file: str | None = Field(default=None, alias="LOCAL_EVENTS_FILE")
    # Local stacks only (tests): the API's clock starts at this instant and runs from there, so dates a
    # test hard-codes stay in the future (a migration refuses dates in the past). Unset: the wall clock.
    local_clock: AwareDatetime | None = Field(default=None, alias="LOCAL_CLOCK")
    # Largest request body accepted (API Gateway's own cap is 10 MB; a package must fit one item).
    max_body_bytes: int = Field(default=1_000_000, alias="MAX_BODY_BYTES")

    @field_validator(
        "dynamodb_endpoint_url", "aws_region", "provisioning_queue_url", "sqs_endpoint_url", "local_events_file",
        "local_clock", mode="before",
    )  # fmt: skip
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        """The template declares the local-only variables empty (so `sam local` may override them)."""
        return value or None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
