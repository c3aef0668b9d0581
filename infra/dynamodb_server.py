"""Run the embedded DynamoDB (patched moto server) on its own: `python -m infra.dynamodb_server PORT`.

Benchmarks use it in a separate process so that what they measure is the service, not the emulator.
"""

import sys
import threading

from .dynamodb import start_embedded_dynamodb


def main() -> None:
    _, url = start_embedded_dynamodb(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
