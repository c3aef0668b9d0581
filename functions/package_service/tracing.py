"""The X-Ray Tracer. Its own module because the X-Ray SDK is the heaviest import of a handler:
only handlers that trace (API, Provisioner, worker) import it; the authorizer does not."""

from aws_lambda_powertools import Tracer

from .observability import SERVICE

# Only botocore is patched: DynamoDB and SQS calls become subsegments. The default (patch_all)
# imports every library X-Ray knows that happens to be installed (httpx alone costs ~45 ms).
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
