"""What each Lambda function does in AWS beyond its own trigger, so its role can grant exactly that.

Keys are the logical ids Chalice gives its functions (`APIHandler` for every route, then one per
event handler). The queue or stream a function is triggered by is read from its event source, not
listed here; everything else its code calls is. A function missing here fails the synth, so a new
event handler cannot deploy with a guessed role. Each entry says why, by code path, so a reviewer can
check it against the code: a grant nobody can explain is one to remove.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.appointments.area import BOOKING_MACHINE
from chalicelib.core.resources import TIMERS_QUEUE, WECHAT_APP_SECRET, WECHATPAY_SECRET
from chalicelib.exports.area import EXPORTS_BUCKET, EXPORTS_QUEUE
from chalicelib.loyalty.area import POINTS_QUEUE
from chalicelib.notifications.area import NOTIFICATIONS_QUEUE
from chalicelib.reports.area import REPORTS_QUEUE, REPORTS_SECRET


@dataclass(frozen=True)
class FunctionAccess:
    # Every function reads and writes items of the one table (and queries its indexes).
    sends_to: tuple[str, ...] = ()  # queue suffixes it sends messages to
    timers: bool = False  # creates/updates/deletes one-time schedules (core/timers.py), passing the scheduler role
    starts: tuple[str, ...] = ()  # state machines it starts executions of
    answers_tasks_of: tuple[str, ...] = ()  # state machines whose task tokens it answers
    secrets: tuple[str, ...] = ()  # secret suffixes it reads (core/runtime_secrets.py)
    sends_email: bool = False  # SES, from the stack's sender identity
    sends_sms: bool = False  # SNS direct publish to phone numbers
    reads_files: tuple[str, ...] = ()  # bucket suffixes it signs download links of (s3:GetObject)
    writes_files: tuple[str, ...] = ()  # bucket suffixes it uploads to (multipart) and aborts uploads in


FUNCTION_ACCESS: dict[str, FunctionAccess] = {
    # Every route: bookings start the saga and schedule reminders; reservations schedule and cancel
    # their expiry; payments answer the saga's token from the verified callback and sign with the
    # merchant key; login exchanges codes with the app secret; notices, points and compensation go to
    # their queues. Report settings create/delete the recurring report schedules (same group and
    # scheduler role as the timers), send-now queues a report job, unsubscribe checks the link's
    # signature with the reports key.
    # Export jobs go to the exports queue, and their download links are signed here (a presigned GET
    # is authorized as the signer).
    "APIHandler": FunctionAccess(
        sends_to=(
            NOTIFICATIONS_QUEUE.suffix,
            POINTS_QUEUE.suffix,
            TIMERS_QUEUE.suffix,
            REPORTS_QUEUE.suffix,
            EXPORTS_QUEUE.suffix,
        ),
        reads_files=(EXPORTS_BUCKET.suffix,),
        timers=True,
        starts=(BOOKING_MACHINE.name,),
        answers_tasks_of=(BOOKING_MACHINE.name,),
        secrets=(WECHAT_APP_SECRET.suffix, WECHATPAY_SECRET.suffix, REPORTS_SECRET.suffix),
    ),
    # Inbox entries in the table; WeChat subscribe messages need an access_token (app secret);
    # SMS through SNS and email through SES.
    "NotificationsConsumer": FunctionAccess(secrets=(WECHAT_APP_SECRET.suffix,), sends_email=True, sends_sms=True),
    # Ledger and member items only.
    "PointsConsumer": FunctionAccess(),
    # The report job: settings, sent markers and the merchant in the table; signs the unsubscribe link
    # with the reports key; sends the report through SES (SendRawEmail).
    "ReportsConsumer": FunctionAccess(secrets=(REPORTS_SECRET.suffix,), sends_email=True),
    # Export jobs: rows from the table (queries), the file by multipart upload (exports/adapters.py),
    # a previous attempt's upload aborted.
    "ExportsWorker": FunctionAccess(writes_files=(EXPORTS_BUCKET.suffix,)),
    # Timer handlers: reservation expiry (re-schedules a timer that fired early, publishes the notice),
    # reminders (publish), payment timeout and compensation (close/refund at WeChat Pay, answer the
    # saga's token, delete the payment timer), payment await (answer the token).
    "TimersConsumer": FunctionAccess(
        sends_to=(NOTIFICATIONS_QUEUE.suffix,),
        timers=True,
        answers_tasks_of=(BOOKING_MACHINE.name,),
        secrets=(WECHATPAY_SECRET.suffix,),
    ),
    # The TTL backstop runs the reservation expiry: the same notice and the same re-schedule. A booking
    # that became cancelled has its payment settled here too (refund or close at WeChat Pay).
    "TableStreamConsumer": FunctionAccess(
        sends_to=(NOTIFICATIONS_QUEUE.suffix,), timers=True, secrets=(WECHATPAY_SECRET.suffix,)
    ),
}

# Actions AWS authorizes only on "*": nothing narrower can be named for them.
UNSCOPED_ACTIONS = frozenset(
    {
        "xray:PutTraceSegments",  # active tracing; X-Ray has no resource-level permissions
        "xray:PutTelemetryRecords",
        "sns:Publish",  # SMS to a phone number has no ARN (topics are denied explicitly)
        "dynamodb:ListStreams",  # stream event source; ListStreams has no resource-level permissions
    }
)
