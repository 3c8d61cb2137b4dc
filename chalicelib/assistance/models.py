"""Assistance items and their data access (the only module that touches them; `AssistanceTable` is the
`ports.AssistanceRepository` adapter).

- `ASSIST#<requestId>` / `REQUEST`: the request; gsi1 = `STOREASSIST#<storeId>` /
  `<status>#<createdAt>#<requestId>` (a store's requests by status, oldest first).
- `CONVO#<storeId>#<userId>` / `MSG#<createdAt>#<messageId>`: a conversation, in time order.
- `CONVOMSG#<messageId>` / `MARKER`: exists once a message is stored, so a retried send stores nothing twice.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.assistance.domain import Message, Request, Status
from chalicelib.core.ratelimit import Charge
from chalicelib.data import ratelimit
from chalicelib.data.conditional import failed_item, update_or_current
from chalicelib.data.table import TableModel, failed_conditions, key, transact

MESSAGE_PREFIX = "MSG#"
REQUEST_PK_PREFIX = "ASSIST#"


class StoreRequestsIndex(GlobalSecondaryIndex["RequestItem"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class RequestItem(TableModel):
    store_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute()
    request_type = UnicodeAttribute()
    details = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    staff_id = UnicodeAttribute(null=True)
    staff_name = UnicodeAttribute(null=True)
    rating = NumberAttribute(null=True)
    comment = UnicodeAttribute(null=True)
    feedback_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()

    store_index = StoreRequestsIndex()


class MessageItem(TableModel):
    merchant_id = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    sender_id = UnicodeAttribute()
    from_staff = NumberAttribute()  # 1 / 0
    text = UnicodeAttribute()
    created_at = UnicodeAttribute()


class MessageMarker(TableModel):
    merchant_id = UnicodeAttribute(null=True)
    conversation = UnicodeAttribute()


def request_key(request_id: str) -> tuple[str, str]:
    return key("ASSIST", request_id), "REQUEST"


def store_index_key(store_id: str) -> str:
    return key("STOREASSIST", store_id)


def store_index_sort(status: Status, created_at: str, request_id: str) -> str:
    return f"{status.value}#{created_at}#{request_id}"


def conversation_key(store_id: str, user_id: str) -> str:
    return key("CONVO", store_id, user_id)


def _to_request(item: RequestItem) -> Request:
    return Request(
        id=item.pk.split("#", 1)[1],
        store_id=item.store_id,
        user_id=item.user_id,
        request_type=item.request_type,
        details=item.details,
        status=Status(item.status),
        created_at=item.created_at,
        updated_at=item.updated_at,
        staff_id=item.staff_id,
        staff_name=item.staff_name,
        rating=int(item.rating) if item.rating is not None else None,
        comment=item.comment,
        merchant_id=item.merchant_id,
    )


def _to_message(item: MessageItem) -> Message:
    return Message(
        id=item.message_id,
        store_id=item.store_id,
        user_id=item.user_id,
        sender_id=item.sender_id,
        from_staff=bool(item.from_staff),
        text=item.text,
        created_at=item.created_at,
        merchant_id=item.merchant_id,
    )


def _maybe_request(item: RequestItem | None) -> Request | None:
    return _to_request(item) if item is not None else None


class AssistanceTable:
    """DynamoDB access for requests and conversations."""

    def create_request(self, request: Request, charge: Charge) -> Request | None:
        pk, sk = request_key(request.id)
        item = RequestItem(
            pk,
            sk,
            store_id=request.store_id,
            merchant_id=request.merchant_id,
            user_id=request.user_id,
            request_type=request.request_type,
            details=request.details,
            status=request.status.value,
            created_at=request.created_at,
            updated_at=request.updated_at,
            gsi1pk=store_index_key(request.store_id),
            gsi1sk=store_index_sort(request.status, request.created_at, request.id),
        )

        def build(tx: TransactWrite) -> None:
            tx.save(item, condition=RequestItem.pk.does_not_exist(), return_values="ALL_OLD")
            ratelimit.add_charge(tx, charge)

        try:
            transact(build)
        except TransactWriteError as err:
            stored = failed_item(err, REQUEST_PK_PREFIX)
            if stored is not None:
                return _to_request(RequestItem.from_raw_data(stored))
            if ratelimit.refused(err):
                raise charge.refused() from None
            raise
        return None

    def get_request(self, request_id: str) -> Request | None:
        try:
            return _to_request(RequestItem.get(*request_key(request_id), consistent_read=True))
        except DoesNotExist:
            return None

    def store_requests(self, store_id: str, status: Status | None, limit: int) -> list[Request]:
        """One gsi1 Query; with a status, only that status (oldest first)."""
        condition = RequestItem.gsi1sk.startswith(f"{status.value}#") if status else None
        items = RequestItem.store_index.query(store_index_key(store_id), condition, limit=limit, page_size=limit)
        return [_to_request(i) for i in items]

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
        """Assigning records who did; later moves are the assignee's (unless `require_assignee` is off)."""
        condition: Condition = RequestItem.status.is_in(*[s.value for s in sources])
        actions: list[Action] = [
            RequestItem.status.set(target.value),
            RequestItem.updated_at.set(updated_at),
            RequestItem.gsi1sk.set(store_index_sort(target, request.created_at, request.id)),
        ]
        if target is Status.ASSIGNED:
            actions += [RequestItem.staff_id.set(staff_id), RequestItem.staff_name.set(staff_name)]
        elif require_assignee:
            condition = condition & (RequestItem.staff_id == staff_id)
        moved, item = update_or_current(RequestItem, *request_key(request.id), actions, condition)
        return moved, _maybe_request(item)

    def give_feedback(
        self, request_id: str, user_id: str, rating: int, comment: str, at: str
    ) -> tuple[bool, Request | None]:
        condition = (
            (RequestItem.status == Status.COMPLETED.value)
            & RequestItem.rating.does_not_exist()
            & (RequestItem.user_id == user_id)
        )
        actions: list[Action] = [
            RequestItem.rating.set(rating),
            RequestItem.comment.set(comment),
            RequestItem.feedback_at.set(at),
        ]
        rated, item = update_or_current(RequestItem, *request_key(request_id), actions, condition)
        return rated, _maybe_request(item)

    def add_message(self, message: Message, charge: Charge) -> bool:
        """Marker + message + the sender's rate counter in one transaction."""
        conversation = conversation_key(message.store_id, message.user_id)
        marker = MessageMarker(
            key("CONVOMSG", message.id), "MARKER", merchant_id=message.merchant_id, conversation=conversation
        )
        item = MessageItem(
            conversation,
            f"{MESSAGE_PREFIX}{message.sent_at or message.created_at}#{message.id}",
            merchant_id=message.merchant_id,
            message_id=message.id,
            store_id=message.store_id,
            user_id=message.user_id,
            sender_id=message.sender_id,
            from_staff=1 if message.from_staff else 0,
            text=message.text,
            created_at=message.created_at,
        )

        def build(tx: TransactWrite) -> None:
            tx.save(marker, condition=MessageMarker.pk.does_not_exist())
            tx.save(item)
            ratelimit.add_charge(tx, charge)

        try:
            transact(build)
        except TransactWriteError as err:
            if failed_conditions(err)[:1] == [True]:  # the marker (puts go first): stored before
                return False
            if ratelimit.refused(err):
                raise charge.refused() from None
            raise
        return True

    def conversation(self, store_id: str, user_id: str, limit: int) -> list[Message]:
        """One Query read newest-first with a limit, then reversed."""
        items = MessageItem.query(
            conversation_key(store_id, user_id),
            MessageItem.sk.startswith(MESSAGE_PREFIX),
            scan_index_forward=False,
            consistent_read=True,
            limit=limit,
            page_size=limit,
        )
        return [_to_message(i) for i in items][::-1]
