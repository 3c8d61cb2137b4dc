"""docs/openapi.json is the app's contract: every route the app registers is in it and nothing else,
it is exactly what `make openapi` generates from the routes' declarations, and each route declares
what it answers."""

from __future__ import annotations

import json
import re

from devstack import openapi

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _document() -> dict:
    return json.loads(openapi.DOCUMENT_PATH.read_text())


def test_every_registered_route_is_in_the_document_and_nothing_else() -> None:
    from app import app

    served = {(method, path) for path, methods in app.routes.items() for method in methods}
    documented = {
        (method.upper(), path)
        for path, operations in _document()["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    assert documented == served
    assert len(served) > 50


def test_checked_in_document_equals_a_fresh_generation() -> None:
    assert openapi.DOCUMENT_PATH.read_text() == openapi.render(), "stale: run `make openapi`"


def test_every_route_declares_its_answers_and_who_may_call_it() -> None:
    for method, path, contract in openapi.contracts():
        assert contract.answers, f"{method} {path} declares no answers"
        assert contract.roles, f"{method} {path} declares no roles"
        assert contract.summary, f"{method} {path} has no summary"


def test_every_operation_documents_the_error_shape_and_its_security() -> None:
    document = _document()
    error = document["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
    assert document["components"]["schemas"]["ErrorDetail"]["required"] == ["code", "message"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation["x-roles"], where
            assert {"400", "413", "415", "503"} <= set(operation["responses"]), where
            assert operation["security"][-1] == {"bearerAuth": []}, where
            signed_in_only = "anonymous" not in operation["x-roles"]
            assert ({} not in operation["security"]) == signed_in_only, where
            if signed_in_only:
                assert {"401", "403"} <= set(operation["responses"]), where
            names = set(re.findall(r"{(\w+)}", path))
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, where


def test_every_schema_reference_resolves() -> None:
    document = _document()
    text = json.dumps(document)
    for kind, name in re.findall(r'"#/components/(schemas|responses)/([^"]+)"', text):
        assert name in document["components"][kind], name
