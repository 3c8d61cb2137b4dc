"""The deployed stack, built from `chalicelib.wiring.STACK`, the same definitions the local
stack provisions on moto (`devstack/provision.py`), so the two cannot drift."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_wafv2 as wafv2
from chalice.cdk import Chalice
from constructs import Construct, IConstruct

from chalicelib.core.resources import (
    BucketSpec,
    QueueSpec,
    ResourceRefs,
    SecretSpec,
    StackSpec,
    TableSpec,
    dlq_suffix,
    physical_name,
)
from chalicelib.core.streams import MAX_RETRY_ATTEMPTS
from chalicelib.wiring import QUEUE_CONSUMERS, STACK
from infra.access import FUNCTION_ACCESS, FunctionAccess
from infra.monitoring import add_monitoring

PROJECT_DIR = Path(__file__).resolve().parent.parent
# What our data access does with items (PynamoDB needs no DescribeTable; no request path scans).
SCHEDULES_FINDING = (
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<Schedules>/*]"
)
SCHEDULES_REASON = (
    "One-time schedules are named per timer at run time (<kind>-<key>); the grant is limited to the "
    "stack's own schedule group."
)
API_STAGE = "api"
# One JSON line per request: who (source IP, never a token), what, how it went, how long, the ids
# that join it to the function's own log line and trace.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "time": "$context.requestTime",
    "method": "$context.httpMethod",
    "path": "$context.resourcePath",
    "status": "$context.status",
    "bytes": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationMs": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "error": "$context.error.responseType",
    "waf": "$context.waf.status",
    "xray": "$context.xrayTraceId",
}
# Consumers that need more than the stage's lambda_timeout, by Chalice's logical id ("exports_worker" ->
# "ExportsWorker"): their time limit from the area's declaration.
CONSUMER_TIMEOUTS = {
    "".join(part.title() for part in c.function_name.split("_")): c.timeout_seconds
    for c in QUEUE_CONSUMERS
    if c.timeout_seconds != 30
}
TABLE_ITEM_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)


@dataclass(frozen=True)
class StageSettings:
    stage: str
    resource_prefix: str
    wechat_appid: str = "wx0000000000000000"
    wechatpay_mchid: str = ""
    wechatpay_serial_no: str = ""
    wechatpay_platform_serial: str = ""
    wechatpay_notify_url: str = ""
    # {serial: PEM} of WeChat Pay public keys besides the one in the secret (during a key rotation).
    wechatpay_platform_public_keys: str = "{}"
    # The SES identity the stack verifies and every function sends email from.
    ses_sender: str = ""
    # Every log group of the stage (functions, API access, state machines) keeps its events this long.
    log_retention: str = "THREE_MONTHS"  # a name of aws_logs.RetentionDays
    # Production data: the table has deletion protection and outlives the stack.
    protect_data: bool = True
    # Steady requests per second and burst for the whole stage (API Gateway throttling).
    api_rate_limit: int = 200
    api_burst_limit: int = 400
    # A browser origin allowed to call the API (an admin console); empty: no CORS headers at all.
    # The mini program's wx.request is not a browser request and needs none.
    cors_allow_origin: str = ""
    # A regional AWS WAF web ACL to attach to the stage; empty: the stage is ready, none attached.
    waf_web_acl_arn: str = ""
    # Who gets the alarms (an SNS email subscription); empty: subscribe to the topic yourself.
    alarm_email: str = ""


class BackendStack(cdk.Stack):
    def __init__(
        self, scope: Construct, stage: str, *, settings: StageSettings, spec: StackSpec = STACK, **kwargs: Any
    ):
        super().__init__(scope, stage, **kwargs)
        prefix = self._prefix = settings.resource_prefix
        self._log_retention = logs.RetentionDays[settings.log_retention]
        self.table = self._table(spec.table, physical_name(prefix, spec.table.suffix), settings.protect_data)
        self.queues: dict[str, sqs.Queue] = {q.suffix: self._queue(prefix, q) for q in spec.queues}
        self.stream_failures = sqs.Queue(
            self,
            "TableStreamFailures",
            queue_name=physical_name(prefix, spec.stream_failures_suffix),
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            self.stream_failures,
            "AwsSolutions-SQS3",
            "It is itself a dead-letter destination (the stream's on-failure queue), alarmed on depth and age.",
        )

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

        # Sending through a configuration set: reputation metrics, and bounces and complaints go on the
        # account's suppression list. The identity makes it the default, so the app names none.
        self.mail = ses.ConfigurationSet(
            self,
            "Mail",
            configuration_set_name=physical_name(prefix, "mail"),
            reputation_metrics=True,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.sender = ses.EmailIdentity(
            self, "ReportSender", identity=ses.Identity.email(settings.ses_sender), configuration_set=self.mail
        )
        self.secrets = {secret.suffix: self._secret(prefix, secret) for secret in spec.secrets}
        self.buckets = {bucket.suffix: self._bucket(prefix, bucket) for bucket in spec.buckets}

        refs = ResourceRefs(
            region=self.region,
            table_name=self.table.table_name,
            table_arn=self.table.table_arn,
            queue_urls={name: q.queue_url for name, q in self.queues.items()},
            queue_arns={name: q.queue_arn for name, q in self.queues.items()},
            scheduler_group=group.ref,
            scheduler_role_arn=scheduler_role.role_arn,
        )
        self.scheduler_role = scheduler_role
        self.schedule_arn = self.format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{group.ref}/*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.machines = {
            m.name: self._state_machine(prefix, m.name, m.definition(refs), scheduler_role, self.schedule_arn)
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
            "CORS_ALLOW_ORIGIN": settings.cors_allow_origin,
            # The identity verified above is the one the functions send from.
            "SES_SENDER": settings.ses_sender,
            # Public keys of WeChat Pay beside the secret's, so a key rotation keeps callbacks verifying.
            "WECHATPAY_PLATFORM_PUBLIC_KEYS": settings.wechatpay_platform_public_keys,
        }
        for name, queue in self.queues.items():
            environment[f"{name.upper()}_QUEUE_URL"] = queue.queue_url
            environment[f"{name.upper()}_QUEUE_ARN"] = queue.queue_arn
        for name, machine in self.machines.items():
            environment[f"{name.upper()}_STATE_MACHINE_ARN"] = machine.state_machine_arn

        self.api = self._chalice_app(settings)
        self.function_roles: dict[str, iam.Role] = {}
        self.function_log_groups: dict[str, logs.LogGroup] = {}
        for function_name, function in self._functions().items():
            access = FUNCTION_ACCESS.get(function_name)
            if access is None:
                raise LookupError(f"{function_name} has no entry in infra/access.py FUNCTION_ACCESS")
            for key, value in environment.items():
                self.api.add_environment_variable(key, value, function_name)
            # Only the ARNs of the secrets it may read: values are read at run time (core/runtime_secrets.py).
            for secret in spec.secrets:
                if secret.suffix in access.secrets:
                    self.api.add_environment_variable(
                        secret.env_name, self.secrets[secret.suffix].secret_arn, function_name
                    )
            for bucket in spec.buckets:
                if bucket.suffix in access.reads_files + access.writes_files:
                    self.api.add_environment_variable(
                        bucket.env_name, self.buckets[bucket.suffix].bucket_name, function_name
                    )
            timeout = CONSUMER_TIMEOUTS.get(function_name)
            if timeout is not None:
                self.api.get_resource(function_name).add_override("Properties.Timeout", timeout)
            events = function.get("Properties", {}).get("Events", {})
            for event_name, event in events.items():
                if event.get("Type") == "SQS":
                    # Chalice cannot ask for partial batch responses; our consumers return them.
                    self.api.get_resource(function_name).add_override(
                        f"Properties.Events.{event_name}.Properties.FunctionResponseTypes", ["ReportBatchItemFailures"]
                    )
                elif event.get("Type") == "DynamoDB":
                    self._bind_table_stream(function_name, event_name, event["Properties"])
            self.function_roles[function_name] = self._function_role(prefix, function_name, access, events)

        self.stage_arn = self._api_stage(settings)
        # Report emails link back to the API (the signed unsubscribe link).
        self.api.add_environment_variable("PUBLIC_API_BASE", self.api_url, "ReportsConsumer")
        add_monitoring(self, settings)
        cdk.CfnOutput(self, "TableName", value=self.table.table_name)
        cdk.CfnOutput(self, "ApiUrl", value=self.api_url)
        cdk.CfnOutput(self, "StageArn", value=self.stage_arn, description="Associate a regional WAF web ACL here")

    def _api_stage(self, settings: StageSettings) -> str:
        """The API's one stage: throttled, access-logged, metered per method, traced, our error shape
        on API Gateway's own errors, and ready for a WAF web ACL (attached when one is configured)."""
        api = self.api.get_resource("RestAPI")
        self.api_stage = API_STAGE
        self.api_name = physical_name(settings.resource_prefix, "api")
        api.add_override("Properties.Name", self.api_name)
        api.add_override("Properties.TracingEnabled", True)
        self.access_logs = logs.LogGroup(self, "ApiAccessLogs", retention=self._log_retention)
        api.add_override(
            "Properties.AccessLogSetting",
            {"DestinationArn": self.access_logs.log_group_arn, "Format": json.dumps(ACCESS_LOG_FORMAT)},
        )
        api.add_override(
            "Properties.MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "MetricsEnabled": True,  # per-method counts, latency and errors
                    "LoggingLevel": "ERROR",  # execution logs for failures only; never request bodies
                    "DataTraceEnabled": False,
                    "ThrottlingRateLimit": settings.api_rate_limit,
                    "ThrottlingBurstLimit": settings.api_burst_limit,
                }
            ],
        )
        api.add_override(
            "Properties.DefinitionBody.x-amazon-apigateway-gateway-responses", _gateway_responses(settings)
        )
        # API Gateway writes logs through the account's CloudWatch role; the stage needs it set first.
        account_role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonAPIGatewayPushToCloudWatchLogs")
            ],
        )
        acknowledge(
            account_role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-wide role API Gateway logs through serves every API of the account and region; AWS "
            "maintains this policy for exactly that role.",
        )
        account = apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=account_role.role_arn)
        api.add_resource_dependency(account)
        stage_arn = self.format_arn(
            service="apigateway",
            account="",
            resource="/restapis",
            resource_name=f"{api.ref}/stages/{API_STAGE}",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.api_url = f"https://{api.ref}.execute-api.{self.region}.{self.url_suffix}/{API_STAGE}/"
        if settings.waf_web_acl_arn:
            association = wafv2.CfnWebACLAssociation(
                self, "WebAcl", resource_arn=stage_arn, web_acl_arn=settings.waf_web_acl_arn
            )
            association.add_override("DependsOn", [f"RestAPI{API_STAGE}Stage"])  # the stage SAM generates
        return stage_arn

    def _function_role(
        self, prefix: str, function_name: str, access: FunctionAccess, events: dict[str, Any]
    ) -> iam.Role:
        """A role for this function alone: its trigger, what `infra/access.py` lists, and nothing else."""
        role = iam.Role(
            self,
            f"{function_name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{function_name} of {prefix}: least privilege, see infra/access.py",
        )
        # Its own log group, created before the function, so retention applies from the first line
        # (a group Lambda creates on demand never expires) and the role can write to it alone.
        log_group = logs.LogGroup(self, f"{function_name}Logs", retention=self._log_retention)
        self.function_log_groups[function_name] = log_group
        statements = [
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[f"{log_group.log_group_arn}"]
            ),
            iam.PolicyStatement(actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]),
            iam.PolicyStatement(
                actions=list(TABLE_ITEM_ACTIONS),
                resources=[
                    self.table.table_arn,
                    *(f"{self.table.table_arn}/index/{index.name}" for index in STACK.table.indexes),
                ],
            ),
        ]
        for event in events.values():
            if event.get("Type") == "SQS":
                self._queue_named(event["Properties"]["Queue"]).grant_consume_messages(role)
            elif event.get("Type") == "DynamoDB":
                statements += [
                    iam.PolicyStatement(
                        actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                        resources=[self.table.table_stream_arn or ""],
                    ),
                    iam.PolicyStatement(actions=["dynamodb:ListStreams"], resources=["*"]),
                    iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.stream_failures.queue_arn]),
                ]
        for suffix in access.sends_to:
            self.queues[suffix].grant_send_messages(role)
        if access.timers:
            statements += [
                iam.PolicyStatement(
                    actions=["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
                    resources=[self.schedule_arn],
                ),
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[self.scheduler_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
                ),
            ]
        for name in access.starts:
            statements.append(
                iam.PolicyStatement(
                    actions=["states:StartExecution"], resources=[self.machines[name].state_machine_arn]
                )
            )
        for name in access.answers_tasks_of:
            statements.append(
                iam.PolicyStatement(
                    actions=["states:SendTaskSuccess", "states:SendTaskFailure"],
                    resources=[self.machines[name].state_machine_arn],
                )
            )
        for suffix in access.reads_files:
            statements.append(
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[self.buckets[suffix].arn_for_objects("*")])
            )
        for suffix in access.writes_files:
            statements.append(
                iam.PolicyStatement(
                    actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                    resources=[self.buckets[suffix].arn_for_objects("*")],
                )
            )
        for suffix in dict.fromkeys(access.reads_files + access.writes_files):
            bucket_id = self.get_logical_id(self.buckets[suffix].node.default_child)  # type: ignore[arg-type]
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/*]",
                "Objects of the stack's own bucket: one file per export job, named by merchant and job at run time.",
            )
        for suffix in access.secrets:
            statements.append(
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue"], resources=[self.secrets[suffix].secret_arn]
                )
            )
        if access.sends_email:
            statements.append(
                iam.PolicyStatement(
                    actions=["ses:SendEmail", "ses:SendRawEmail"],
                    resources=[
                        self.sender.email_identity_arn,
                        self.format_arn(
                            service="ses",
                            resource="configuration-set",
                            resource_name=self.mail.configuration_set_name,
                        ),
                    ],
                )
            )
        if access.sends_sms:
            statements += [
                iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]),
                # SMS only: publishing to any topic stays denied.
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    actions=["sns:Publish"],
                    resources=[self.format_arn(service="sns", region="*", account="*", resource="*")],
                ),
            ]
        for statement in statements:
            role.add_to_policy(statement)
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Only actions AWS authorizes on '*' alone (infra/access.py UNSCOPED_ACTIONS: X-Ray, SMS publish "
            "with topics denied, ListStreams); infra-check fails on any other '*' resource.",
        )
        if access.timers:
            acknowledge(role, SCHEDULES_FINDING, SCHEDULES_REASON)
        resource = self.api.get_resource(function_name)
        resource.add_override("Properties.Role", role.role_arn)
        resource.add_override("Properties.LoggingConfig", {"LogGroup": log_group.log_group_name})
        # The event source mapping is created with the function: its permissions must exist by then.
        policy = role.node.try_find_child("DefaultPolicy")
        if isinstance(policy, iam.Policy):
            resource.add_resource_dependency(policy.node.default_child)
        return role

    def _queue_named(self, arn: Any) -> sqs.Queue:
        """The stack's queue behind a Chalice event source (Chalice names queues by ARN, ours are fixed names)."""
        text = json.dumps(arn)
        for suffix, queue in self.queues.items():
            if text.endswith(f':{physical_name(self._prefix, suffix)}"}}'):
                return queue
        raise LookupError(f"no queue of the stack behind event source {text}")

    def _bind_table_stream(self, function_name: str, event_name: str, properties: dict[str, Any]) -> None:
        """The app names the stream with a placeholder (its ARN exists only once the table does):
        point the event source at the real one, with partial batch responses, since a failing
        record otherwise blocks the shard with the whole batch. Only records some area subscribed to
        (by entity type, `chalicelib.wiring.STREAM_SUBSCRIPTIONS`) invoke the function at all."""
        from chalicelib.wiring import STREAM_SUBSCRIPTIONS

        resource = self.api.get_resource(function_name)
        path = f"Properties.Events.{event_name}.Properties"
        resource.add_override(f"{path}.Stream", self.table.table_stream_arn)
        resource.add_override(f"{path}.StartingPosition", properties.get("StartingPosition", "LATEST"))
        resource.add_override(f"{path}.FunctionResponseTypes", ["ReportBatchItemFailures"])
        # A record that keeps failing is retried a bounded number of times (split out of its batch)
        # and for at most a day, then its batch's coordinates go to the failures queue (alarmed), so
        # the shard is not blocked and nothing is dropped without a trace.
        resource.add_override(f"{path}.MaximumRetryAttempts", MAX_RETRY_ATTEMPTS)
        resource.add_override(f"{path}.MaximumRecordAgeInSeconds", 24 * 3600)
        resource.add_override(f"{path}.BisectBatchOnFunctionError", True)
        resource.add_override(
            f"{path}.DestinationConfig", {"OnFailure": {"Type": "SQS", "Destination": self.stream_failures.queue_arn}}
        )
        patterns = [p for subscription in STREAM_SUBSCRIPTIONS for p in subscription.filter_patterns()]
        filters = [{"Pattern": json.dumps(pattern)} for pattern in patterns]
        resource.add_override(f"{path}.FilterCriteria", {"Filters": filters})

    def _table(self, spec: TableSpec, name: str, protect: bool) -> dynamodb.Table:
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
            deletion_protection=protect,
            removal_policy=cdk.RemovalPolicy.RETAIN if protect else cdk.RemovalPolicy.DESTROY,
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
        secret = secretsmanager.Secret(
            self,
            f"{spec.suffix.title().replace('-', '')}Secret",
            secret_name=physical_name(prefix, spec.suffix),
            description=f"JSON with {', '.join(spec.fields)}; put by ops (docs/deploy.md), read at run time",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}", generate_string_key="unset", exclude_punctuation=True
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "WeChat issues these credentials; they are rotated in WeChat's consoles, not by a rotation "
            "Lambda. Ops put the new value (docs/deploy.md) and functions pick it up within the cache window.",
        )
        return secret

    def _bucket(self, prefix: str, spec: BucketSpec) -> s3.Bucket:
        """Private (public access blocked, TLS only), encrypted, objects expire (and stale multipart
        uploads are aborted) by lifecycle: what devstack/provision.py builds on moto."""
        bucket = s3.Bucket(
            self,
            f"{spec.suffix.title()}Bucket",
            bucket_name=physical_name(prefix, spec.suffix),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire",
                    expiration=cdk.Duration.days(spec.expire_days),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            removal_policy=cdk.RemovalPolicy.DESTROY,
            auto_delete_objects=False,
        )
        acknowledge(
            bucket,
            "AwsSolutions-S1",
            "Short-lived generated files (expire by lifecycle); every download link is signed by the API for "
            "the merchant's admin after a session check, and the API's access logs record that request.",
        )
        return bucket

    def _queue(self, prefix: str, spec: QueueSpec) -> sqs.Queue:
        dlq = sqs.Queue(
            self,
            f"{spec.suffix.title()}Dlq",
            queue_name=physical_name(prefix, dlq_suffix(spec)),
            retention_period=cdk.Duration.seconds(spec.dlq_retention_seconds),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        return sqs.Queue(
            self,
            f"{spec.suffix.title()}Queue",
            # Chalice binds consumers by queue name, so the name is part of the contract.
            queue_name=physical_name(prefix, spec.suffix),
            visibility_timeout=cdk.Duration.seconds(spec.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
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
                destination=logs.LogGroup(self, f"{name.title()}StateMachineLogs", retention=self._log_retention),
                # Every state transition, without the payloads (task tokens, payment references).
                level=sfn.LogLevel.ALL,
                include_execution_data=False,
            ),
        )
        # Direct service integrations only: the table items it updates, the queues, the scheduler.
        table_actions = sorted(_integration_actions(definition, "dynamodb"))
        if table_actions:
            machine.add_to_role_policy(iam.PolicyStatement(actions=table_actions, resources=[self.table.table_arn]))
        for queue in self.queues.values():
            queue.grant_send_messages(machine)
        machine.add_to_role_policy(iam.PolicyStatement(actions=["scheduler:CreateSchedule"], resources=[schedule_arn]))
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[scheduler_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
            )
        )
        acknowledge(
            machine.role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery "
            "(CreateLogDelivery, DescribeResourcePolicies, ...) that Step Functions tracing and logging need "
            "have no resource-level permissions.",
        )
        acknowledge(machine.role, SCHEDULES_FINDING, SCHEDULES_REASON)
        return machine

    def _chalice_app(self, settings: StageSettings) -> Chalice:
        # The app reads its prefix at import to name the queues its consumers bind to.
        os.environ["RESOURCE_PREFIX"] = settings.resource_prefix
        # ...and whether its routes answer CORS preflights (the same variable reaches the functions).
        os.environ["CORS_ALLOW_ORIGIN"] = settings.cors_allow_origin
        from chalicelib.core.config import settings as app_settings

        app_settings.cache_clear()
        return Chalice(
            self,
            "Api",
            source_dir=str(PROJECT_DIR),
            stage_config={
                "api_gateway_stage": API_STAGE,
                "xray": True,
                "lambda_memory_size": 512,
                "lambda_timeout": 30,
                # infra gives every function its own role (`_function_role`); Chalice creates none.
                "manage_iam_role": False,
                "iam_role_arn": "arn:aws:iam::000000000000:role/replaced-per-function-by-infra",
                "environment_variables": {"STAGE": settings.stage},
                # The report job renders charts (matplotlib): more memory (and CPU) and time than a
                # route; the reports queue's visibility timeout (120 s) covers it.
                "lambda_functions": {"reports_consumer": {"lambda_memory_size": 1024, "lambda_timeout": 60}},
            },
        )

    def _functions(self) -> dict[str, dict[str, Any]]:
        """The SAM functions Chalice generated, by logical id (API handler and one per event handler)."""
        package_dir = Path(self.api._sam_package_dir)  # the construct keeps the packaged template here
        template = json.loads((package_dir / "sam.json").read_text())
        return {name: res for name, res in template["Resources"].items() if res["Type"] == "AWS::Serverless::Function"}


def _integration_actions(definition: Any, service: str) -> set[str]:
    """IAM actions of a definition's direct integrations with `service`, e.g. `dynamodb:UpdateItem`
    for `arn:aws:states:::dynamodb:updateItem`, so the machine's role grants what it calls and no more."""
    found: set[str] = set()
    if isinstance(definition, dict):
        resource = definition.get("Resource")
        prefix = f"arn:aws:states:::{service}:"
        if isinstance(resource, str) and resource.startswith(prefix):
            operation = resource[len(prefix) :].split(".")[0]
            found.add(f"{service}:{operation[:1].upper()}{operation[1:]}")
        for value in definition.values():
            found |= _integration_actions(value, service)
    elif isinstance(definition, list):
        for value in definition:
            found |= _integration_actions(value, service)
    return found


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Accept one cdk-nag (AwsSolutions) finding on this construct, with the reason it is right here."""
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=f"AwsSolutions::{finding}", reason=reason))


def _gateway_responses(settings: StageSettings) -> dict[str, Any]:
    """Errors API Gateway answers itself (throttled, unknown route, integration timeout) carry our
    `{"error": {"code", "message"}}` shape too, and the CORS origin when one is configured."""
    template = '{"error": {"code": "$context.error.responseType", "message": $context.error.messageString}}'
    headers = {}
    if settings.cors_allow_origin:
        headers["gatewayresponse.header.Access-Control-Allow-Origin"] = f"'{settings.cors_allow_origin}'"
    return {
        kind: {"responseParameters": headers, "responseTemplates": {"application/json": template}}
        for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
    }
