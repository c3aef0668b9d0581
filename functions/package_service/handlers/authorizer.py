"""Authorizer Lambda (TOKEN type): `Authorization: Bearer <token>` -> tenant, or 401.

A TOKEN authorizer can only answer 401 by raising "Unauthorized", which Lambda counts in `Errors`: every
refusal is also counted as `TokensRefused`, so the failures alarm watches Errors minus refusals.
API Gateway caches the returned policy per token for the TTL set in template.yaml, so the policy
allows the whole API rather than the one method that happened to be called first.
"""

from typing import Any

from .loading import collector_paused

with collector_paused():
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from ..observability import logger, metrics
    from ..store.tokens import find_principal


def _api_wide_arn(method_arn: str) -> str:
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> .../stage/*/*
    prefix, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0] if rest else "*"
    return f"{prefix}/{stage}/*/*"


@metrics.log_metrics  # flushes when the handler raises too
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    header = str(event.get("authorizationToken") or "")
    scheme, _, token = header.partition(" ")
    principal = find_principal(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if principal is None:
        metrics.add_metric(name="TokensRefused", unit=MetricUnit.Count, value=1)
        # API Gateway turns exactly this message into a 401 response.
        raise Exception("Unauthorized")
    return {
        "principalId": principal.tenant_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": _api_wide_arn(event["methodArn"]),
                }
            ],
        },
        "context": {
            "tenant_id": principal.tenant_id,
            "token_name": principal.token_name,
            "token_id": principal.token_id,  # the audit log's actor id (store.tokens.actor_id)
        },
    }
