"""The fan-out benchmark's stand-in for 500 remote servers: one HTTPS server on 127.0.0.1 that
takes inbox POSTs for every host of the fake zone and answers 202 after a simulated latency.

Every request waits LATENCY before its answer (a remote server's round trip and work);
connection set-up (TCP, TLS) is not delayed, so real servers add about two more round trips for
each new connection on top of what this measures. `/stats` counts the deliveries, how many
carried a signature and a body digest, the distinct hosts they were addressed to and the most
requests waiting at once, so the benchmark can check that every delivery arrived exactly where
it should, within the sender's concurrency limit.

    python -m benchmarks.fanout_stub --port P --cert server.pem --key server.key [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

LATENCY_S = 0.1


def create_app(latency_s: float) -> Starlette:
    """The stub: `POST /inbox` and `POST /users/{name}/inbox`, `/stats`, `/healthz`."""
    hosts: Counter[str] = Counter()
    counts = {"deliveries": 0, "signed": 0, "digest": 0, "in_flight": 0, "most_in_flight": 0}

    async def inbox(request: Request) -> Response:
        body = await request.body()
        counts["in_flight"] += 1
        counts["most_in_flight"] = max(counts["most_in_flight"], counts["in_flight"])
        await asyncio.sleep(latency_s)
        counts["in_flight"] -= 1
        headers = request.headers
        counts["deliveries"] += 1
        counts["signed"] += "signature" in headers
        counts["digest"] += bool(body) and ("digest" in headers or "content-digest" in headers)
        hosts[headers.get("host", "")] += 1
        return Response(status_code=202)

    async def stats(request: Request) -> Response:
        busiest = max(hosts.values(), default=0)
        return JSONResponse({**counts, "hosts": len(hosts), "most_per_host": busiest})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/inbox", inbox, methods=["POST"]),
            Route("/users/{name}/inbox", inbox, methods=["POST"]),
            Route("/stats", stats),
            Route("/healthz", healthz),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the stub over TLS until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--latency", type=float, default=LATENCY_S, help="seconds per answer")
    args = parser.parse_args(argv)
    config = uvicorn.Config(
        create_app(args.latency),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        server_header=False,
        ssl_certfile=args.cert,
        ssl_keyfile=args.key,
        backlog=4096,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    raise SystemExit(main())
