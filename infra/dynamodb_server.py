"""Run the embedded DynamoDB (patched moto) on its own: `python -m infra.dynamodb_server PORT`.

`make run` and the benchmarks start it as a child process so that its work does not compete with the
front door's threads for one interpreter lock. It is served by waitress rather than moto's own
werkzeug server: werkzeug closes the connection after every response, so each DynamoDB call paid a new
TCP connection and a new server thread; waitress keeps connections alive, as DynamoDB does.
"""

import logging
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from waitress.server import create_server

from . import moto_patches

THREADS = 8  # > the clients a local stack has at once that call DynamoDB in parallel


def main() -> None:
    moto_patches.apply()
    logging.getLogger("waitress").setLevel(logging.ERROR)
    app = DomainDispatcherApplication(create_backend_app)
    server = create_server(app, host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 0, threads=THREADS)
    print(f"http://127.0.0.1:{server.effective_port}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
