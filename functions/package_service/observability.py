"""Powertools singletons shared by every handler."""

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "package-service"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace="PackageService", service=SERVICE)
