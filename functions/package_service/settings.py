"""Environment parsed once into a typed settings model.

A plain pydantic model over `os.environ` rather than pydantic-settings: the variables are flat
strings, and pydantic-settings' import (every settings source: cloud vaults, CLI, dotenv) added
~20 ms to each cold start for features this service does not use."""

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(default="package-service", alias="TABLE_NAME")
    # Unset in AWS; set locally to the embedded DynamoDB (moto server) or DynamoDB Local.
    dynamodb_endpoint_url: str | None = Field(default=None, alias="DYNAMODB_ENDPOINT_URL")
    aws_region: str = Field(default="us-east-1", alias="AWS_REGION")
    # Where the Provisioner sends cohort batches; the endpoint is for local SQS (moto) only.
    provisioning_queue_url: str | None = Field(default=None, alias="PROVISIONING_QUEUE_URL")
    sqs_endpoint_url: str | None = Field(default=None, alias="SQS_ENDPOINT_URL")
    # Largest request body accepted (API Gateway's own cap is 10 MB; a package must fit one item).
    max_body_bytes: int = Field(default=1_000_000, alias="MAX_BODY_BYTES")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
