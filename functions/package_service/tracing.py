"""The X-Ray Tracer. Its own module because importing the X-Ray SDK costs ~200 ms of cold start:
only handlers that trace (API, Provisioner, worker) import it; the authorizer does not."""

from aws_lambda_powertools import Tracer

from .observability import SERVICE

tracer = Tracer(service=SERVICE)
