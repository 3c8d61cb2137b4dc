"""Unit tests run rules and use cases on in-memory fakes: a unit test that asks for moto, the WeChat
sandbox or the app's HTTP client belongs in tests/api or tests/flows instead."""

from __future__ import annotations

import pytest

AWS_FIXTURES = {"aws", "local_aws", "sandbox", "seeded", "client", "api_url", "login"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/unit/" not in item.nodeid.replace("\\", "/"):
            continue
        asked = AWS_FIXTURES & set(getattr(item, "fixturenames", ()))
        if asked:
            raise pytest.UsageError(f"{item.nodeid} is a unit test but asks for {sorted(asked)}: move it to tests/api")
