"""Powertools Logger and Metrics singletons shared by every handler (tracing lives in tracing.py)."""

from aws_lambda_powertools import Logger, Metrics

SERVICE = "package-service"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="PackageService", service=SERVICE)
