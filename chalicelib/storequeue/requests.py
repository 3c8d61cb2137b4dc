"""The queue's requests parsed into typed values."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.http import Params

ID_LENGTH = 64


@dataclass(frozen=True)
class JoinRequest:
    store_id: str
    user_id: str | None  # the client sends its own; anyone else's is a 403

    @classmethod
    def parse(cls, body: Params) -> JoinRequest:
        return cls(
            user_id=body.text("userId", max_length=ID_LENGTH),
            store_id=body.require_text("storeId", max_length=ID_LENGTH),
        )


@dataclass(frozen=True)
class MyTicketsQuery:
    store_id: str | None  # narrows to one store; else the newest active ticket anywhere

    @classmethod
    def parse(cls, params: Params) -> MyTicketsQuery:
        return cls(store_id=params.text("storeId", max_length=ID_LENGTH))
