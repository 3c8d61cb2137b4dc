"""Booking payments and notices while WeChat fails (the sandbox's fault switch): opening a payment,
the refund or close of a cancel, and the subscribe message of a notice. Each time the caller gets a
503 UPSTREAM_UNAVAILABLE JSON answer or an answer that stands (never a 500), nothing is left half
done, and the queued work succeeds once WeChat is back: no money refunded twice, no order left open,
no message sent twice."""

from __future__ import annotations

from typing import Any

from tests.api.appointments.support import book, put
from tests.conftest import post_json
from tests.flows.appointments.test_flow import TABLE, _post, customer
from tests.wechat_faults import SLOW

JSAPI = "/v3/pay/partner/transactions/jsapi"
REFUNDS = "/v3/refund/domestic/refunds"
SUBSCRIBE = "/cgi-bin/message/subscribe/send"


def _open_payment(client: Any, me: dict[str, str], appointment_id: str) -> Any:
    return post_json(client, "/api/appointments/payment", {"appointmentId": appointment_id, "amount": 19800}, me)


def _paid_booking(runner: Any, client: Any, me: dict[str, str], sandbox: Any) -> str:
    from chalicelib.payments import models as payments

    appt_id = str(book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]["id"])
    prepay_id = _open_payment(client, me, appt_id).json_body["package"].split("=", 1)[1]
    runner.run_until(lambda: bool(getattr(payments.get_payment(appt_id), "task_token", None)))
    paid = _post(f"{sandbox.base_url}/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"})
    assert paid["trade_state"] == "SUCCESS"
    runner.run_until(lambda: getattr(TABLE.get_appointment(appt_id), "status", None) == "confirmed")
    runner.deliver_stream_records()
    return appt_id


def test_opening_a_payment_while_wechat_pay_answers_5xx_or_times_out(world, client, login, sandbox, faults) -> None:
    from chalicelib.payments import models as payments

    me, _ = customer(login)
    appt_id = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]["id"]
    faults.inject(JSAPI, status=500)
    refused = _open_payment(client, me, appt_id)
    assert refused.status_code == 503 and refused.json_body["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    record = payments.get_payment(appt_id)
    assert record is not None and record.status == "NOTPAY" and not record.prepay_id  # nothing payable yet
    assert appt_id not in sandbox.pay.orders

    faults.inject(JSAPI, delay=SLOW)  # WeChat creates the order, but its answer comes too late
    late = _open_payment(client, me, appt_id)
    assert late.status_code == 503 and late.json_body["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    world.run_until(lambda: appt_id in sandbox.pay.orders)
    retried = _open_payment(client, me, appt_id)
    assert retried.status_code == 200, retried.json_body
    # The retry got WeChat's one order for this number back, not a second order.
    assert retried.json_body["package"] == f"prepay_id={sandbox.pay.orders[appt_id].prepay_id}"
    assert faults.hits[JSAPI] == 2


def test_a_refund_that_answers_5xx_during_cancel_is_made_once_from_the_queue(
    world, api_base, client, login, sandbox, faults
) -> None:
    from chalicelib.payments import models as payments

    me, _ = customer(login)
    appt_id = _paid_booking(world, client, me, sandbox)
    faults.inject(REFUNDS, status=500)
    cancelled = put(client, f"/api/appointments/{appt_id}/cancel", {"reason": "sick"}, me)
    assert cancelled.status_code == 200, cancelled.json_body  # the cancel stands; the refund is pending
    assert cancelled.json_body["appointment"]["status"] == "cancelled"
    assert payments.get_payment(appt_id).status == "SUCCESS"  # type: ignore[union-attr]
    world.drain_queues()  # the settle the cancel queued
    world.deliver_stream_records()  # the backstop finds it settled
    record = payments.get_payment(appt_id)
    assert record is not None and record.status == "REFUND"
    assert sandbox.pay.orders[appt_id].refunds.keys() == {f"{appt_id}R0"}
    assert TABLE.get_appointment(appt_id).refund_status is not None  # type: ignore[union-attr]


def test_a_refund_whose_answer_is_lost_is_not_made_twice(world, api_base, client, login, sandbox, faults) -> None:
    from chalicelib.payments import models as payments

    me, _ = customer(login)
    appt_id = _paid_booking(world, client, me, sandbox)
    faults.inject(REFUNDS, delay=SLOW)  # WeChat refunds, but we give up waiting for its answer
    cancelled = put(client, f"/api/appointments/{appt_id}/cancel", {}, me)
    assert cancelled.status_code == 200 and cancelled.json_body["appointment"]["status"] == "cancelled"
    world.run_until(lambda: bool(sandbox.pay.orders[appt_id].refunds))
    world.drain_queues()
    world.deliver_stream_records()
    record = payments.get_payment(appt_id)
    assert record is not None and record.status == "REFUND"
    order = sandbox.pay.orders[appt_id]
    assert order.refunds.keys() == {f"{appt_id}R0"}
    assert sum(int(r["amount"]["refund"]) for r in order.refunds.values()) == 19800  # the money, once


def test_a_close_that_answers_5xx_during_cancel_is_closed_from_the_queue(world, client, login, sandbox, faults) -> None:
    from chalicelib.payments import models as payments

    me, _ = customer(login)
    appt_id = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]["id"]
    assert _open_payment(client, me, appt_id).status_code == 200
    faults.inject(f"/v3/pay/partner/transactions/out-trade-no/{appt_id}/close", status=503, times=2)
    cancelled = put(client, f"/api/appointments/{appt_id}/cancel", {}, me)
    assert cancelled.status_code == 200 and cancelled.json_body["appointment"]["status"] == "cancelled"
    assert sandbox.pay.orders[appt_id].trade_state == "NOTPAY"  # still payable until the close goes through
    world.drain_queues()
    world.deliver_stream_records()
    assert sandbox.pay.orders[appt_id].trade_state == "CLOSED"
    assert payments.get_payment(appt_id).status == "CLOSED"  # type: ignore[union-attr]
    assert TABLE.claimed_units("st-zhang", *_tuesday()) == {}  # the slot is free


def _tuesday() -> tuple[Any, Any]:
    from datetime import UTC, datetime

    return datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)


def test_a_subscribe_message_that_answers_5xx_is_retried_and_sent_once(world, client, login, sandbox, faults) -> None:
    from tests.flows.appointments.test_flow import saga_finished

    me, openid = customer(login)
    appt_id = book(client, me).json_body["appointment"]["id"]
    faults.inject(SUBSCRIBE, status=502, times=2)
    world.run_until(saga_finished(appt_id))
    world.run_until(lambda: world.drain_queues() == 0 and len(sandbox.messages.messages(openid)) == 1)
    world.drain_queues()
    assert faults.hits[SUBSCRIBE] == 2
    assert [m["template_id"] for m in sandbox.messages.messages(openid)] == ["tmpl-appointment_confirmed"]
    assert sorted(n["kind"] for n in client.http.get("/api/notifications", headers=me).json_body["notifications"]) == [
        "appointment_confirmed"
    ]


def test_a_subscribe_message_whose_answer_is_lost_is_sent_again(world, client, login, sandbox, faults) -> None:
    """At least once: WeChat's subscribe send has no idempotency key, so when its answer is lost the
    retry sends the message a second time (the inbox entry and the other channels stay single)."""
    from tests.flows.appointments.test_flow import saga_finished

    me, openid = customer(login)
    appt_id = book(client, me).json_body["appointment"]["id"]
    faults.inject(SUBSCRIBE, delay=SLOW)
    world.run_until(saga_finished(appt_id))
    world.run_until(lambda: world.drain_queues() == 0 and len(sandbox.messages.messages(openid)) == 2)
    assert [m["template_id"] for m in sandbox.messages.messages(openid)] == ["tmpl-appointment_confirmed"] * 2
    assert len(client.http.get("/api/notifications", headers=me).json_body["notifications"]) == 1


def test_a_payment_query_that_answers_5xx_during_cancel_is_settled_from_the_queue(
    world, client, login, sandbox, faults
) -> None:
    """The customer paid but WeChat's callback has not reached us: the cancel's close is refused as
    ORDERPAID and the query that would show the payment answers 5xx. The cancel stands, and the queued
    settle later finds the payment through the query and refunds it, once."""
    from chalicelib.payments import models as payments

    me, _ = customer(login)
    appt_id = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]["id"]
    prepay_id = _open_payment(client, me, appt_id).json_body["package"].split("=", 1)[1]
    paid = _post(f"{sandbox.base_url}/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"})
    assert (paid["trade_state"], paid["notify_status"]) == ("SUCCESS", 0)  # the callback did not arrive
    faults.inject(f"/v3/pay/partner/transactions/out-trade-no/{appt_id}", method="GET", status=500)
    cancelled = put(client, f"/api/appointments/{appt_id}/cancel", {}, me)
    assert cancelled.status_code == 200 and cancelled.json_body["appointment"]["status"] == "cancelled"
    assert faults.hits[f"/v3/pay/partner/transactions/out-trade-no/{appt_id}"] == 1
    world.drain_queues()
    world.deliver_stream_records()
    record = payments.get_payment(appt_id)
    assert record is not None and record.status == "REFUND"
    assert sandbox.pay.orders[appt_id].refunds.keys() == {f"{appt_id}R0"}
