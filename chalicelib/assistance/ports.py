"""What assistance's use cases need from the outside world. `adapters.live_ports()` gives the real ones
(DynamoDB, the notifications queue, the identity and stores areas); unit tests give in-memory fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chalicelib.assistance.domain import Message, Request, Status
from chalicelib.core.ratelimit import Charge
from chalicelib.identity.domain import StoreStaff
from chalicelib.notifications.domain import Notification
from chalicelib.stores.domain import Store


class AssistanceRepository(Protocol):
    def create_request(self, request: Request, charge: Charge) -> Request | None:
        """Store the request (keyed by its natural id) and count it against its limit, in one write.
        None when stored; the stored one when the id was taken (a retry). Raises the charge's
        RateLimited when only the limit refused it."""
        ...

    def get_request(self, request_id: str) -> Request | None: ...

    def store_requests(self, store_id: str, status: Status | None, limit: int) -> list[Request]: ...

    def move(
        self,
        request: Request,
        target: Status,
        sources: frozenset[Status],
        updated_at: str,
        *,
        staff_id: str,
        staff_name: str,
        require_assignee: bool,
    ) -> tuple[bool, Request | None]:
        """Conditional status change: from one of `sources` only, and (after assignment) only by the
        staff member who took it. (True, the request after) or (False, the request as it stands)."""
        ...

    def give_feedback(
        self, request_id: str, user_id: str, rating: int, comment: str, at: str
    ) -> tuple[bool, Request | None]:
        """Once, by the requester, after completion: (True, after) or (False, as it stands / None)."""
        ...

    def add_message(self, message: Message, charge: Charge) -> bool:
        """Store the message once and count it; False when this message id was stored before."""
        ...

    def conversation(self, store_id: str, user_id: str, limit: int) -> list[Message]:
        """The latest `limit` messages, oldest first."""
        ...


@dataclass(frozen=True)
class AssistancePorts:
    repo: AssistanceRepository
    publish: Callable[[Notification], None]
    store_staff: Callable[[str], list[StoreStaff]]
    staff_member: Callable[[str, str], StoreStaff | None]
    get_store: Callable[[str], Store | None]
    new_id: Callable[[str], str]
