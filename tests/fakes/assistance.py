"""An in-memory assistance repository with the DynamoDB adapter's conditions, and the other ports."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import count

from chalicelib.assistance.domain import Message, Request, Status
from chalicelib.assistance.ports import AssistancePorts
from chalicelib.core.ratelimit import Charge
from chalicelib.identity.domain import StoreStaff
from chalicelib.notifications.domain import Notification
from chalicelib.stores.domain import Store


class FakeCounters:
    """The rate-limit counters, as `data.ratelimit` keeps them: refused at the limit, nothing counted."""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def take(self, charge: Charge) -> None:
        if self.used.get(charge.counter, 0) >= charge.limit.limit:
            raise charge.refused()
        self.used[charge.counter] = self.used.get(charge.counter, 0) + 1


class FakeAssistanceRepository:
    def __init__(self) -> None:
        self.requests: dict[str, Request] = {}
        self.messages: dict[str, Message] = {}
        self.counters = FakeCounters()
        self.reads = 0

    def create_request(self, request: Request, charge: Charge) -> Request | None:
        if request.id in self.requests:
            return self.requests[request.id]
        self.counters.take(charge)
        self.requests[request.id] = request
        return None

    def get_request(self, request_id: str) -> Request | None:
        self.reads += 1
        return self.requests.get(request_id)

    def store_requests(self, store_id: str, status: Status | None, limit: int) -> list[Request]:
        found = [r for r in self.requests.values() if r.store_id == store_id and status in (None, r.status)]
        return sorted(found, key=lambda r: (r.status.value, r.created_at))[:limit]

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
        current = self.requests.get(request.id)
        if current is None or current.status not in sources:
            return False, current
        if target is not Status.ASSIGNED and require_assignee and current.staff_id != staff_id:
            return False, current
        after = replace(current, status=target, updated_at=updated_at)
        if target is Status.ASSIGNED:
            after = replace(after, staff_id=staff_id, staff_name=staff_name)
        self.requests[request.id] = after
        return True, after

    def give_feedback(
        self, request_id: str, user_id: str, rating: int, comment: str, at: str
    ) -> tuple[bool, Request | None]:
        current = self.requests.get(request_id)
        if current is None or current.status is not Status.COMPLETED or current.rating is not None:
            return False, current
        if current.user_id != user_id:
            return False, current
        self.requests[request_id] = replace(current, rating=rating, comment=comment)
        return True, self.requests[request_id]

    def add_message(self, message: Message, charge: Charge) -> bool:
        if message.id in self.messages:
            return False
        self.counters.take(charge)
        self.messages[message.id] = message
        return True

    def conversation(self, store_id: str, user_id: str, limit: int) -> list[Message]:
        found = [m for m in self.messages.values() if (m.store_id, m.user_id) == (store_id, user_id)]
        return sorted(found, key=lambda m: m.sent_at)[-limit:]


@dataclass
class FakeAssistanceWorld:
    repo: FakeAssistanceRepository = field(default_factory=FakeAssistanceRepository)
    stores: dict[str, Store] = field(default_factory=dict)
    staff: dict[str, list[StoreStaff]] = field(default_factory=dict)  # by store id
    published: list[Notification] = field(default_factory=list)
    _ids: count = field(default_factory=lambda: count(1))

    def _staff_member(self, store_id: str, user_id: str) -> StoreStaff | None:
        return next((m for m in self.staff.get(store_id, []) if m.user_id == user_id), None)

    @property
    def ports(self) -> AssistancePorts:
        return AssistancePorts(
            repo=self.repo,
            publish=self.published.append,
            store_staff=lambda store_id: list(self.staff.get(store_id, [])),
            staff_member=self._staff_member,
            get_store=self.stores.get,
            new_id=lambda prefix: f"{prefix}_{next(self._ids)}",
        )
