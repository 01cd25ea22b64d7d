"""Where the official OpenAPI document is, and how fakeai's routes map onto its operations."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

SPEC = Path(os.environ.get("FAKEAI_OPENAPI_SPEC")
            or Path(__file__).resolve().parents[2] / "shared" / "openai-openapi" / "openapi.json")
MISSING = f"the official OpenAPI document is not beside the project ({SPEC})"


def load() -> dict | None:
    return json.loads(SPEC.read_text(encoding="utf-8")) if SPEC.exists() else None


def spec_path(route_path: str) -> str:
    """'/threads/<thread_id>' (werkzeug) -> '/threads/{thread_id}' (OpenAPI)."""
    return re.sub(r"<(\w+)>", r"{\1}", route_path)


def spec_operation(spec: dict, route) -> dict | None:
    """The spec's operation a route serves, if the spec documents it under the same operationId."""
    operation = spec["paths"].get(spec_path(route.path), {}).get(route.method.lower())
    if operation is None or operation.get("operationId") != route.operation:
        return None
    return operation
