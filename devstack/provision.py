"""Create every resource in `chalicelib.wiring.STACK` on moto, as infra/ does on AWS."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3

from chalicelib.core.resources import BucketSpec, ResourceRefs, StackSpec, TableSpec, dlq_suffix, physical_name
from chalicelib.wiring import STACK


@dataclass
class Provisioned:
    prefix: str
    table_name: str
    table_stream_arn: str = ""
    queue_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    dlq_urls: dict[str, str] = field(default_factory=dict)
    stream_failures_url: str = ""
    scheduler_group: str = ""
    scheduler_role_arn: str = ""
    state_machine_arns: dict[str, str] = field(default_factory=dict)
    secret_arns: dict[str, str] = field(default_factory=dict)  # by SecretSpec.env_name
    bucket_names: dict[str, str] = field(default_factory=dict)  # by BucketSpec.env_name

    def env(self) -> dict[str, str]:
        """What the Lambda functions get as environment variables (infra sets the same names)."""
        values = {
            "RESOURCE_PREFIX": self.prefix,
            "TABLE_NAME": self.table_name,
            "TABLE_STREAM_ARN": self.table_stream_arn,
            "SCHEDULER_GROUP": self.scheduler_group,
            "SCHEDULER_ROLE_ARN": self.scheduler_role_arn,
        }
        for suffix, url in self.queue_urls.items():
            values[f"{suffix.upper()}_QUEUE_URL"] = url
            values[f"{suffix.upper()}_QUEUE_ARN"] = self.queue_arns[suffix]
        for name, arn in self.state_machine_arns.items():
            values[f"{name.upper()}_STATE_MACHINE_ARN"] = arn
        values.update(self.secret_arns)
        values.update(self.bucket_names)
        return values


def table_definition(spec: TableSpec, name: str) -> dict[str, Any]:
    attributes = {spec.partition_key, spec.sort_key}
    indexes = []
    for index in spec.indexes:
        schema = [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
        attributes.add(index.partition_key)
        if index.sort_key:
            schema.append({"AttributeName": index.sort_key, "KeyType": "RANGE"})
            attributes.add(index.sort_key)
        indexes.append({"IndexName": index.name, "KeySchema": schema, "Projection": {"ProjectionType": "ALL"}})
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": spec.partition_key, "KeyType": "HASH"},
            {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        "GlobalSecondaryIndexes": indexes,
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": spec.stream_view},
    }


def provision(
    prefix: str, stack: StackSpec = STACK, secret_values: Mapping[str, Mapping[str, str]] | None = None
) -> Provisioned:
    """`secret_values` by secret suffix: what ops put into each secret of a deployed stage (locally
    the WeChat sandbox's credentials). The app reads them back from Secrets Manager, as deployed."""
    dynamodb = boto3.client("dynamodb")
    sqs = boto3.client("sqs")
    scheduler = boto3.client("scheduler")
    ses = boto3.client("ses")
    iam = boto3.client("iam")

    table_name = physical_name(prefix, stack.table.suffix)
    dynamodb.create_table(**table_definition(stack.table, table_name))
    dynamodb.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": stack.table.ttl_attribute}
    )
    table = dynamodb.describe_table(TableName=table_name)["Table"]
    out = Provisioned(prefix=prefix, table_name=table_name, table_stream_arn=table["LatestStreamArn"])

    for queue in stack.queues:
        dlq_url = sqs.create_queue(
            QueueName=physical_name(prefix, dlq_suffix(queue)),
            Attributes={"MessageRetentionPeriod": str(queue.dlq_retention_seconds)},
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=physical_name(prefix, queue.suffix),
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout_seconds),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
                ),
            },
        )["QueueUrl"]
        out.queue_urls[queue.suffix] = url
        out.dlq_urls[queue.suffix] = dlq_url
        out.queue_arns[queue.suffix] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    out.stream_failures_url = sqs.create_queue(
        QueueName=physical_name(prefix, stack.stream_failures_suffix),
        Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)},
    )["QueueUrl"]

    out.scheduler_group = physical_name(prefix, stack.scheduler_group_suffix)
    scheduler.create_schedule_group(Name=out.scheduler_group)
    out.scheduler_role_arn = iam.create_role(
        RoleName=physical_name(prefix, "scheduler-role"),
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    # The stage's sender (SES_SENDER, set by the local stack as a stage sets it), as infra verifies it.
    ses.verify_email_identity(EmailAddress=os.environ["SES_SENDER"])

    for bucket in stack.buckets:
        out.bucket_names[bucket.env_name] = create_bucket(prefix, bucket)

    if stack.secrets:
        secretsmanager = boto3.client("secretsmanager")
        for secret in stack.secrets:
            value = dict((secret_values or {}).get(secret.suffix, {}))
            missing = set(secret.fields) - set(value)
            if missing:
                raise ValueError(f"no local value for secret {secret.suffix} fields {sorted(missing)}")
            out.secret_arns[secret.env_name] = secretsmanager.create_secret(
                Name=physical_name(prefix, secret.suffix), SecretString=json.dumps(value)
            )["ARN"]

    if stack.state_machines:
        sfn = boto3.client("stepfunctions")
        refs = ResourceRefs(
            region=sfn.meta.region_name,
            table_name=table_name,
            table_arn=table["TableArn"],
            queue_urls=dict(out.queue_urls),
            queue_arns=dict(out.queue_arns),
            scheduler_group=out.scheduler_group,
            scheduler_role_arn=out.scheduler_role_arn,
        )
        role_arn = iam.create_role(
            RoleName=physical_name(prefix, "states-role"),
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "states.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        for machine in stack.state_machines:
            out.state_machine_arns[machine.name] = sfn.create_state_machine(
                name=physical_name(prefix, machine.name),
                definition=json.dumps(machine.definition(refs)),
                roleArn=role_arn,
                type="STANDARD",
            )["stateMachineArn"]
    return out


def create_bucket(prefix: str, spec: BucketSpec) -> str:
    """Private, encrypted, objects expiring after `expire_days` (and stale multipart uploads aborted),
    as infra builds it."""
    s3 = boto3.client("s3")
    name = physical_name(prefix, spec.suffix)
    region = s3.meta.region_name
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=lifecycle(spec))
    return name


def lifecycle(spec: BucketSpec) -> dict[str, Any]:
    return {
        "Rules": [
            {
                "ID": "expire",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": spec.expire_days},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            }
        ]
    }
