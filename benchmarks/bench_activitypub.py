"""ActivityPub JSON: requests/s of a space's actor, one status object and an outbox page, qspace
against a plain Starlette JSON endpoint serving the same documents from memory.

The documents are first fetched from qspace (one server start), written to a file, and served by
the baseline app (`--documents`) with Starlette's JSONResponse, which serializes them on every
request. Every request sends `Accept: application/activity+json`, unsigned, as a remote server
fetching a public actor or a crawler reading an outbox does; wrk's connections repeat them, as
the servers of a post's followers do when it arrives (qspace answers repeats from its
micro-cache, qspace/web/document_cache.py).
Target: qspace serves at least 60% of the baseline's requests/s.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.context import Contender, Context, measure_throughput, throughput_results
from benchmarks.datagen import Dataset
from benchmarks.harness import BenchmarkError, ServerProcess, get_response
from benchmarks.report import Result, Target

TARGET = Target("ratio_at_least", 0.60)
ACCEPT = "Accept: application/activity+json"


@dataclass(frozen=True)
class Document:
    """One ActivityPub document to load: its label and its path (with query)."""

    label: str
    path: str


def documents_of(data: Dataset) -> list[Document]:
    """The actor, the newest status and the first outbox page of the data set's space."""
    fixture = json.loads(data.fixture_path.read_text(encoding="utf-8"))
    statuses = fixture["pages"][data.space_name]["statuses"]
    name = data.space_name
    found = [Document("actor", f"/@{name}")]
    if statuses:
        found.append(Document("object (a status)", f"/@{name}/status/{statuses[0]['id']}"))
    found.append(Document("outbox page", f"/@{name}/outbox?page=true"))
    return found


def is_activity_json(response: httpx.Response) -> str | None:
    """None when the response is ActivityStreams JSON, else what it is instead."""
    kind = response.headers.get("content-type", "")
    if "application/activity+json" not in kind:
        return f"content type {kind!r}, not application/activity+json"
    return None


def fetch_documents(
    server: ServerProcess, wanted: list[Document]
) -> tuple[dict[str, Any], list[Document], list[str]]:
    """GET each document from a running qspace; return {path: document}, the documents qspace
    serves as ActivityStreams JSON, and notes (none when all are served).

    Raises BenchmarkError when a document is not served as ActivityStreams JSON.
    """
    documents: dict[str, Any] = {}
    served: list[Document] = []
    notes: list[str] = []
    for document in wanted:
        response = get_response(server.url(document.path), headers=(ACCEPT,))
        problem = is_activity_json(response) if response.status_code == 200 else "not 200"
        if problem is None:
            documents[document.path] = response.json()
            served.append(document)
        else:
            raise BenchmarkError(f"qspace: GET {document.path} -> {response.status_code}")
    return documents, served, notes


def run(ctx: Context) -> list[Result]:
    """Compare qspace (default, and access log off) with the baseline on each document."""
    data = ctx.space_dataset()
    with ctx.qspace_server(data, label="qspace-fetch") as server:
        documents, served, notes = fetch_documents(server, documents_of(data))
    documents_path = Path(ctx.workdir) / "activitypub-documents.json"
    documents_path.write_text(json.dumps(documents, indent=1), encoding="utf-8")
    results: list[Result] = []
    for document in served:
        makers: list[tuple[str, Callable[[], ServerProcess]]] = [
            ("qspace", lambda: ctx.qspace_server(data)),
            (
                "qspace, access log off",
                lambda: ctx.qspace_server(
                    data, label="qspace-nolog", env={"QSPACE_LOG_ACCESS_LOG": "false"}
                ),
            ),
            (
                "baseline",
                lambda: ctx.baseline_server(data, args=("--documents", str(documents_path))),
            ),
        ]
        contenders = [
            Contender(label, make, document.path, headers=(ACCEPT,), check=is_activity_json)
            for label, make in makers
        ]
        measured = measure_throughput(ctx, contenders)
        size = measured.body_bytes
        document_notes = [
            *notes,
            f"{document.label}: {size['qspace']:,} B from qspace, {size['baseline']:,} B from "
            "the baseline (same document, serialized by orjson and by json.dumps)",
        ]
        results += throughput_results(
            f"ActivityPub {document.label} {document.path}",
            measured,
            baseline="baseline",
            target=TARGET,
            notes=document_notes,
        )
    return results
