"""How payments plugs into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from chalicelib.core.areas import Area, ExportKind, TimerKind

# An order saga's waitForTaskToken message (payments/saga.py): the token is stored on the payment record.
PAYMENT_AWAIT = TimerKind("payment_await")
# The payment window's end, scheduled when the saga starts.
PAYMENT_TIMEOUT = TimerKind("payment_timeout")

AREA = Area(
    name="payments",
    routes="chalicelib.payments.routes",
    timers={
        PAYMENT_AWAIT: "chalicelib.payments.timers:on_payment_await",
        PAYMENT_TIMEOUT: "chalicelib.payments.timers:on_payment_timeout",
    },
    # Finance: paid and refunded payments (payments.api.export_rows).
    exports=(
        ExportKind(
            "finance",
            "chalicelib.payments.api:export_rows",
            (
                "createdAt",
                "paidAt",
                "outTradeNo",
                "orderKind",
                "orderId",
                "amount",
                "status",
                "transactionId",
                "refundNo",
                "refundStatus",
                "payerUserId",
            ),
        ),
    ),
)
