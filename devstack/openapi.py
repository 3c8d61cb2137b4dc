"""Writes `docs/openapi.json` (OpenAPI 3.1) from the routes' contracts (`make openapi`).

Every route's query and body models, answers and roles come from its `ApiBlueprint.route(contract=...)`
declaration (chalicelib/core/contract.py), the same models that validate its requests; the schemas are
msgspec's JSON Schema 2020-12, OpenAPI 3.1's own dialect. tests/unit/test_openapi.py fails when the
checked-in document and a fresh generation differ, or when a route and the document disagree.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import msgspec

from chalicelib.core.contract import Access, ErrorResponse, RouteContract

DOCUMENT_PATH = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
REF = "#/components/schemas/{name}"

# Errors any route may answer before or around its view (core/http.py edge_guard, rate limits, AWS).
EDGE_ERRORS = {
    413: "Body larger than the API accepts (PAYLOAD_TOO_LARGE).",
    415: "A Content-Type the route does not read (UNSUPPORTED_MEDIA_TYPE); send application/json.",
    503: "A service we depend on did not answer; try again (UPSTREAM_UNAVAILABLE).",
}
ERROR_DESCRIPTIONS = {
    400: "Invalid input: the error names the field (VALIDATION_ERROR, INVALID_JSON and area codes).",
    401: "No valid session token (MISSING_TOKEN, INVALID_TOKEN, SESSION_EXPIRED).",
    403: "The caller's role or identity may not do this (FORBIDDEN).",
    404: "Something the request names does not exist.",
    409: "The request conflicts with the current state (e.g. a slot taken, out of stock).",
    429: "Too many requests: wait `Retry-After` seconds.",
}


def contracts() -> list[tuple[str, str, RouteContract]]:
    """(method, path, contract) of every route the app registers, in the route table's order."""
    from chalicelib.route_table import ROUTES

    found = []
    for method, path, module_name, _ in ROUTES:
        bp = importlib.import_module(module_name).bp
        found.append((method, path, bp.contracts[(method, path)]))
    return found


def _models(routes: list[tuple[str, str, RouteContract]]) -> list[Any]:
    models: list[Any] = [ErrorResponse]
    for _, _, contract in routes:
        for model in (contract.query, contract.body, *contract.answers.values()):
            if model is not None and model not in models:
                models.append(model)
    return models


def _name(model: Any) -> str:
    (ref,), _ = msgspec.json.schema_components([model], ref_template=REF)
    return str(ref.get("$ref", "")).rsplit("/", 1)[-1]


def _query_parameters(model: type, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = schemas[_name(model)]
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema["properties"].items():
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return parameters


def _json(model: Any) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(name=_name(model))}}}


def _operation(method: str, path: str, contract: RouteContract, schemas: dict[str, Any]) -> dict[str, Any]:
    path_names = re.findall(r"{(\w+)}", path)
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in path_names
    ]
    if contract.query is not None:
        parameters += _query_parameters(contract.query, schemas)
    anonymous = Access.ANONYMOUS in contract.roles
    roles = [role.value for role in contract.roles]
    operation: dict[str, Any] = {
        "operationId": f"{method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', path)}".rstrip("_"),
        "summary": contract.summary,
        "x-roles": roles,
        "description": f"Callers: {', '.join(roles)}.",
        "security": [{}, {"bearerAuth": []}] if anonymous else [{"bearerAuth": []}],
    }
    if parameters:
        operation["parameters"] = parameters
    if contract.body is not None:
        required = bool(schemas[_name(contract.body)].get("required"))
        operation["requestBody"] = {"required": required, "content": _json(contract.body)}
    responses: dict[str, Any] = {}
    for status, model in sorted(contract.answers.items()):
        responses[str(status)] = {"description": "Success."} | ({"content": _json(model)} if model else {})
    errors = set(contract.errors) | {400}
    if not anonymous:
        errors |= {401, 403}
    if path_names or contract.query is not None or contract.body is not None:
        errors.add(404)  # what the path, query or body names may not exist
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    for status in EDGE_ERRORS:
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def document() -> dict[str, Any]:
    routes = contracts()
    _, schemas = msgspec.json.schema_components(_models(routes), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for method, path, contract in routes:
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, contract, schemas)
    error_ref = {"$ref": REF.format(name=_name(ErrorResponse))}
    responses = {
        f"Error{status}": {"description": text, "content": {"application/json": {"schema": error_ref}}}
        for status, text in sorted({**ERROR_DESCRIPTIONS, **EDGE_ERRORS}.items())
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "O2O mini program backend",
            "version": "1",
            "description": "Generated by `make openapi` from the routes' contracts; do not edit.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "responses": responses,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The session token from POST /api/auth/login.",
                }
            },
        },
    }


def render() -> str:
    return json.dumps(document(), ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    DOCUMENT_PATH.write_text(render())
    print(f"wrote {DOCUMENT_PATH.name}")


if __name__ == "__main__":
    main()
