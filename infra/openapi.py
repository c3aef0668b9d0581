"""Print the OpenAPI document generated from the resolver (`make openapi` writes openapi.json)."""

import json
import sys

from .template import ROOT

sys.path.insert(0, str(ROOT / "functions"))


def render() -> str:
    from package_service.api_app import documented_app
    from package_service.api_docs import openapi_document

    return json.dumps(openapi_document(documented_app()), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
