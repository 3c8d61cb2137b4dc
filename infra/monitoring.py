"""What on-call sees: alarms to one SNS topic and one dashboard per stage.

Alarms fire on what needs a person: anything in a dead-letter queue (and for how long), a queue whose
consumer is stuck, API 5xx, throttled or failing functions, the app's own `UnhandledError` and
`RecordFailed` counts (Powertools EMF, `chalicelib/core/observability.py`), a stream consumer falling
behind, and saga executions that time out or are throttled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

if TYPE_CHECKING:
    from infra.stack import BackendStack, StageSettings

PROJECT_DIR = Path(__file__).resolve().parent.parent
FIVE_MINUTES = cdk.Duration.minutes(5)
# Business counts worth a graph beside the failures.
BUSINESS_METRICS = ("ReservationCreated", "AppointmentBooked", "PaymentSucceeded", "PointsCredited")


def app_metric_dimensions() -> tuple[str, dict[str, str]]:
    """The EMF namespace and the `service` dimension the functions publish under: the values the
    Chalice config gives every function, so alarms watch what is actually emitted."""
    variables = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())["environment_variables"]
    return variables["POWERTOOLS_METRICS_NAMESPACE"], {"service": variables["POWERTOOLS_SERVICE_NAME"]}


def add_monitoring(stack: BackendStack, settings: StageSettings) -> None:
    topic = sns.Topic(stack, "Alarms", display_name=f"{settings.resource_prefix} alarms", enforce_ssl=True)
    if settings.alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
    notify = actions.SnsAction(topic)

    def alarm(name: str, metric: cloudwatch.IMetric, threshold: float, periods: int = 1) -> cloudwatch.Alarm:
        created = cloudwatch.Alarm(
            stack,
            f"{name}Alarm",
            alarm_name=f"{settings.resource_prefix}-{name}",
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        created.add_alarm_action(notify)
        return created

    # Queues: a message in a dead-letter queue is work that failed every retry; one left for a day
    # is one nobody looked at (retention is 14 days). A live queue's oldest message past 15 minutes
    # means its consumer is not keeping up.
    dead_letters: dict[str, sqs.IQueue] = {"TableStreamFailures": stack.stream_failures}
    for suffix, queue in stack.queues.items():
        title = suffix.title()
        if queue.dead_letter_queue is not None:
            dead_letters[f"{title}Dlq"] = queue.dead_letter_queue.queue
        alarm(f"{title}QueueAge", queue.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES), 15 * 60)
    for name, dlq in dead_letters.items():
        alarm(
            f"{name}Depth",
            dlq.metric_approximate_number_of_messages_visible(statistic="Maximum", period=FIVE_MINUTES),
            1,
        )
        alarm(f"{name}Age", dlq.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES), 24 * 3600)

    api = {"ApiName": stack.api_name, "Stage": stack.api_stage}

    def api_metric(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway", metric_name=name, dimensions_map=api, statistic=statistic, period=FIVE_MINUTES
        )

    alarm("Api5xx", api_metric("5XXError"), 5)
    alarm("ApiLatencyP99", api_metric("Latency", "p99"), 3000, periods=3)

    functions = {name: stack.api.get_resource(name).ref for name in stack.function_roles}

    def function_metric(function: str, name: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name=name,
            dimensions_map={"FunctionName": functions[function]},
            statistic=statistic,
            period=FIVE_MINUTES,
        )

    for function in functions:
        alarm(f"{function}Errors", function_metric(function, "Errors"), 1)
        alarm(f"{function}Throttles", function_metric(function, "Throttles"), 1)
    if "TableStreamConsumer" in functions:
        iterator_age = function_metric("TableStreamConsumer", "IteratorAge", "Maximum")
        alarm("TableStreamIteratorAge", iterator_age, 10 * 60 * 1000)

    namespace, service = app_metric_dimensions()

    def app_metric(name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=namespace, metric_name=name, dimensions_map=service, statistic="Sum", period=FIVE_MINUTES
        )

    alarm("UnhandledError", app_metric("UnhandledError"), 1)
    # A record can fail once and succeed on redelivery (WeChat briefly down): alarm on a sustained rate.
    alarm("RecordFailed", app_metric("RecordFailed"), 5, periods=3)

    for name, machine in stack.machines.items():
        alarm(f"{name.title()}ExecutionsTimedOut", machine.metric_timed_out(period=FIVE_MINUTES), 1)
        alarm(f"{name.title()}ExecutionThrottled", machine.metric_throttled(period=FIVE_MINUTES), 1)

    _dashboard(stack, settings, api_metric, function_metric, app_metric, dead_letters, list(functions))


def _dashboard(
    stack: BackendStack,
    settings: StageSettings,
    api_metric: Any,
    function_metric: Any,
    app_metric: Any,
    dead_letters: dict[str, sqs.IQueue],
    functions: list[str],
) -> None:
    def graph(title: str, metrics: list[cloudwatch.IMetric], width: int = 8) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=metrics, width=width)

    board = cloudwatch.Dashboard(stack, "Dashboard", dashboard_name=settings.resource_prefix)
    board.add_widgets(
        graph("API requests and errors", [api_metric("Count"), api_metric("4XXError"), api_metric("5XXError")]),
        graph("API latency (p50, p99)", [api_metric("Latency", "p50"), api_metric("Latency", "p99")]),
        graph("Failures (app)", [app_metric("UnhandledError"), app_metric("RecordFailed")]),
    )
    board.add_widgets(
        graph("Function errors", [function_metric(f, "Errors") for f in functions]),
        graph("Function throttles", [function_metric(f, "Throttles") for f in functions]),
        graph("Function duration p99", [function_metric(f, "Duration", "p99") for f in functions]),
    )
    board.add_widgets(
        graph(
            "Queue backlog",
            [q.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES) for q in stack.queues.values()],
        ),
        graph(
            "Dead letters",
            [q.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES) for q in dead_letters.values()],
        ),
        graph("Business", [app_metric(name) for name in BUSINESS_METRICS]),
    )
    board.add_widgets(
        *(
            graph(
                f"{name} saga executions",
                [
                    machine.metric_started(period=FIVE_MINUTES),
                    machine.metric_succeeded(period=FIVE_MINUTES),
                    machine.metric_failed(period=FIVE_MINUTES),
                    machine.metric_timed_out(period=FIVE_MINUTES),
                ],
                width=12,
            )
            for name, machine in stack.machines.items()
        ),
        *(
            graph(f"{f} iterator age", [function_metric(f, "IteratorAge", "Maximum")], 12)
            for f in functions
            if f == "TableStreamConsumer"
        ),
    )
