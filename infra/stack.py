"""The deployed stack, built from `chalicelib.core.resources.STACK`, the same definitions the local
stack provisions on moto (`devstack/provision.py`), so the two cannot drift."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.core.resources import (
    STACK,
    QueueSpec,
    ResourceRefs,
    SecretSpec,
    StackSpec,
    TableSpec,
    dlq_suffix,
    physical_name,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StageSettings:
    stage: str
    resource_prefix: str
    wechat_appid: str = "wx0000000000000000"
    wechatpay_mchid: str = ""
    wechatpay_serial_no: str = ""
    wechatpay_platform_serial: str = ""
    wechatpay_notify_url: str = ""


class BackendStack(cdk.Stack):
    def __init__(
        self, scope: Construct, stage: str, *, settings: StageSettings, spec: StackSpec = STACK, **kwargs: Any
    ):
        super().__init__(scope, stage, **kwargs)
        prefix = settings.resource_prefix
        self.table = self._table(spec.table, physical_name(prefix, spec.table.suffix))
        self.queues: dict[str, sqs.Queue] = {q.suffix: self._queue(prefix, q) for q in spec.queues}

        group = scheduler.CfnScheduleGroup(self, "Schedules", name=physical_name(prefix, spec.scheduler_group_suffix))
        # EventBridge Scheduler assumes this role to deliver one-time schedules to the timers queue.
        scheduler_role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="Delivers one-time schedules (expiries, reminders) to the timers queue",
        )
        for queue in self.queues.values():
            queue.grant_send_messages(scheduler_role)

        ses.EmailIdentity(self, "ReportSender", identity=ses.Identity.email(spec.ses_sender))
        self.secrets = {secret.suffix: self._secret(prefix, secret) for secret in spec.secrets}

        refs = ResourceRefs(
            region=self.region,
            table_name=self.table.table_name,
            table_arn=self.table.table_arn,
            queue_urls={name: q.queue_url for name, q in self.queues.items()},
            queue_arns={name: q.queue_arn for name, q in self.queues.items()},
            scheduler_group=group.ref,
            scheduler_role_arn=scheduler_role.role_arn,
        )
        schedule_arn = self.format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{group.ref}/*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        machines = {
            m.name: self._state_machine(prefix, m.name, m.definition(refs), scheduler_role, schedule_arn)
            for m in spec.state_machines
        }

        environment = {
            "RESOURCE_PREFIX": prefix,
            "TABLE_NAME": self.table.table_name,
            "SCHEDULER_GROUP": group.ref,
            "SCHEDULER_ROLE_ARN": scheduler_role.role_arn,
            "WECHAT_APPID": settings.wechat_appid,
            "WECHATPAY_MCHID": settings.wechatpay_mchid,
            "WECHATPAY_SERIAL_NO": settings.wechatpay_serial_no,
            "WECHATPAY_PLATFORM_SERIAL": settings.wechatpay_platform_serial,
            "WECHATPAY_NOTIFY_URL": settings.wechatpay_notify_url,
        }
        # Only the secrets' ARNs: functions read the values at run time (core/runtime_secrets.py).
        for spec_secret in spec.secrets:
            environment[spec_secret.env_name] = self.secrets[spec_secret.suffix].secret_arn
        for name, queue in self.queues.items():
            environment[f"{name.upper()}_QUEUE_URL"] = queue.queue_url
            environment[f"{name.upper()}_QUEUE_ARN"] = queue.queue_arn
        for name, machine in machines.items():
            environment[f"{name.upper()}_STATE_MACHINE_ARN"] = machine.state_machine_arn

        self.api = self._chalice_app(settings)
        for function_name, function in self._functions().items():
            for key, value in environment.items():
                self.api.add_environment_variable(key, value, function_name)
            for event_name, event in function.get("Properties", {}).get("Events", {}).items():
                if event.get("Type") == "SQS":
                    # Chalice cannot ask for partial batch responses; our consumers return them.
                    self.api.get_resource(function_name).add_override(
                        f"Properties.Events.{event_name}.Properties.FunctionResponseTypes", ["ReportBatchItemFailures"]
                    )
                elif event.get("Type") == "DynamoDB":
                    self._bind_table_stream(function_name, event_name, event["Properties"])

        role = self.api.get_role("DefaultRole")
        self.table.grant_read_write_data(role)
        self.table.grant_stream_read(role)
        for queue in self.queues.values():
            queue.grant_send_messages(role)
            queue.grant_consume_messages(role)
        scheduler_role.grant_pass_role(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
                resources=[schedule_arn],
            )
        )
        for machine in machines.values():
            machine.grant_start_execution(role)
            machine.grant_task_response(role)
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["ses:SendEmail", "ses:SendRawEmail", "sns:Publish"], resources=["*"])
        )
        for secret in self.secrets.values():
            secret.grant_read(role)

        cdk.CfnOutput(self, "TableName", value=self.table.table_name)

    def _bind_table_stream(self, function_name: str, event_name: str, properties: dict[str, Any]) -> None:
        """The app names the stream with a placeholder (its ARN exists only once the table does):
        point the event source at the real one, with partial batch responses, since a failing
        record otherwise blocks the shard with the whole batch. Only TTL deletions of reservation
        expiry sentinels invoke the function at all (the handler checks again)."""
        from chalicelib.reservations.backstop import TTL_IDENTITY
        from chalicelib.reservations.models import SENTINEL_PREFIX, SENTINEL_SK

        resource = self.api.get_resource(function_name)
        path = f"Properties.Events.{event_name}.Properties"
        resource.add_override(f"{path}.Stream", self.table.table_stream_arn)
        resource.add_override(f"{path}.StartingPosition", properties.get("StartingPosition", "LATEST"))
        resource.add_override(f"{path}.FunctionResponseTypes", ["ReportBatchItemFailures"])
        # A record that keeps failing is retried a bounded number of times (split out of its batch),
        # then logged and skipped, as the local runner does, instead of blocking the shard for 24 h.
        resource.add_override(f"{path}.MaximumRetryAttempts", 10)
        resource.add_override(f"{path}.BisectBatchOnFunctionError", True)
        pattern = {
            "eventName": ["REMOVE"],
            "userIdentity": {key: [value] for key, value in TTL_IDENTITY.items()},
            "dynamodb": {"Keys": {"pk": {"S": [{"prefix": SENTINEL_PREFIX}]}, "sk": {"S": [SENTINEL_SK]}}},
        }
        resource.add_override(f"{path}.FilterCriteria", {"Filters": [{"Pattern": json.dumps(pattern)}]})

    def _table(self, spec: TableSpec, name: str) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            "Table",
            table_name=name,
            partition_key=dynamodb.Attribute(name=spec.partition_key, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=spec.sort_key, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType[spec.stream_view],
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.partition_key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=index.sort_key, type=dynamodb.AttributeType.STRING)
                if index.sort_key
                else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def _secret(self, prefix: str, spec: SecretSpec) -> secretsmanager.Secret:
        """The stack owns the secret (so its ARN is exact and grants name it); ops own its value.
        It starts as a JSON object with none of the app's fields, so a stage whose secret was never
        filled fails with the missing field's name, not with a wrong credential."""
        return secretsmanager.Secret(
            self,
            f"{spec.suffix.title().replace('-', '')}Secret",
            secret_name=physical_name(prefix, spec.suffix),
            description=f"JSON with {', '.join(spec.fields)}; put by ops (docs/deploy.md), read at run time",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}", generate_string_key="unset", exclude_punctuation=True
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _queue(self, prefix: str, spec: QueueSpec) -> sqs.Queue:
        dlq = sqs.Queue(
            self,
            f"{spec.suffix.title()}Dlq",
            queue_name=physical_name(prefix, dlq_suffix(spec)),
            retention_period=cdk.Duration.seconds(spec.dlq_retention_seconds),
            enforce_ssl=True,
        )
        return sqs.Queue(
            self,
            f"{spec.suffix.title()}Queue",
            # Chalice binds consumers by queue name, so the name is part of the contract.
            queue_name=physical_name(prefix, spec.suffix),
            visibility_timeout=cdk.Duration.seconds(spec.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count),
            enforce_ssl=True,
        )

    def _state_machine(
        self, prefix: str, name: str, definition: dict[str, Any], scheduler_role: iam.Role, schedule_arn: str
    ) -> sfn.StateMachine:
        machine = sfn.StateMachine(
            self,
            f"{name.title()}StateMachine",
            state_machine_name=physical_name(prefix, name),
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(cdk.Stack.of(self).to_json_string(definition)),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=logs.LogGroup(
                    self, f"{name.title()}StateMachineLogs", retention=logs.RetentionDays.ONE_MONTH
                ),
                level=sfn.LogLevel.ERROR,
            ),
        )
        # Direct service integrations only: the table, the queues and the scheduler.
        self.table.grant_read_write_data(machine)
        for queue in self.queues.values():
            queue.grant_send_messages(machine)
        machine.add_to_role_policy(iam.PolicyStatement(actions=["scheduler:CreateSchedule"], resources=[schedule_arn]))
        scheduler_role.grant_pass_role(machine.role)
        return machine

    def _chalice_app(self, settings: StageSettings) -> Chalice:
        # The app reads its prefix at import to name the queues its consumers bind to.
        os.environ["RESOURCE_PREFIX"] = settings.resource_prefix
        from chalicelib.core.config import settings as app_settings

        app_settings.cache_clear()
        return Chalice(
            self,
            "Api",
            source_dir=str(PROJECT_DIR),
            stage_config={
                "api_gateway_stage": "api",
                "xray": True,
                "lambda_memory_size": 512,
                "lambda_timeout": 30,
                "environment_variables": {"STAGE": settings.stage},
            },
        )

    def _functions(self) -> dict[str, dict[str, Any]]:
        """The SAM functions Chalice generated, by logical id (API handler and one per event handler)."""
        package_dir = Path(self.api._sam_package_dir)  # the construct keeps the packaged template here
        template = json.loads((package_dir / "sam.json").read_text())
        return {name: res for name, res in template["Resources"].items() if res["Type"] == "AWS::Serverless::Function"}
