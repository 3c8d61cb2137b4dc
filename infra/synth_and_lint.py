"""`make infra-check`: synthesize the CDK app offline (no cdk CLI, no AWS account) and run cfn-lint
on the template, so a broken stack fails the build, not the deploy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent


def check_invariants(resources: dict[str, Any]) -> list[str]:
    """What cfn-lint cannot know we promised: partial batch responses, DLQs, tracing, the table shape,
    a least-privilege role per function, secrets only at run time, log retention everywhere."""
    from chalicelib.core.resources import STACK

    problems = []
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, resource in resources.items():
        by_type.setdefault(resource["Type"], []).append((name, resource.get("Properties", {})))
    tables = by_type.get("AWS::DynamoDB::Table", [])
    secrets = {name for name, _ in by_type.get("AWS::SecretsManager::Secret", [])}
    for name, props in by_type.get("AWS::Serverless::Function", []):
        if props.get("Tracing") != "Active":
            problems.append(f"{name}: X-Ray tracing not active")
        problems += _secret_problems(name, props.get("Environment", {}).get("Variables", {}), secrets)
        for event_name, event in props.get("Events", {}).items():
            if event["Type"] in ("SQS", "DynamoDB") and "ReportBatchItemFailures" not in event["Properties"].get(
                "FunctionResponseTypes", []
            ):
                problems.append(f"{name}.{event_name}: no ReportBatchItemFailures")
            if event["Type"] == "DynamoDB" and not _is_table_stream(event["Properties"].get("Stream"), tables):
                problems.append(f"{name}.{event_name}: not bound to the table's stream")
    queues = by_type.get("AWS::SQS::Queue", [])
    with_dlq = [name for name, props in queues if "RedrivePolicy" in props]
    if len(with_dlq) != len(STACK.queues):
        problems.append(f"expected {len(STACK.queues)} queues with a DLQ, found {with_dlq}")
    if len(tables) != 1:
        problems.append(f"expected exactly one table, found {len(tables)}")
    else:
        indexes = {i["IndexName"] for i in tables[0][1].get("GlobalSecondaryIndexes", [])}
        if indexes != {i.name for i in STACK.table.indexes}:
            problems.append(f"table indexes {sorted(indexes)} differ from the spec")
    problems += _role_problems(resources)
    problems += _log_problems(resources)
    machines = by_type.get("AWS::StepFunctions::StateMachine", [])
    if len(machines) != len(STACK.state_machines):
        problems.append(f"expected {len(STACK.state_machines)} state machines, found {len(machines)}")
    for name, props in machines:
        if not props.get("TracingConfiguration", {}).get("Enabled"):
            problems.append(f"{name}: X-Ray tracing not enabled")
    return problems


def _secret_problems(function: str, variables: dict[str, Any], secrets: set[str]) -> list[str]:
    """Secret values reach functions only at run time: an environment holds no dynamic reference
    (CloudFormation would resolve it into plain text) and each secret variable names a secret of the stack."""
    from chalicelib.core.resources import STACK

    problems = [
        f"{function}: environment {key} resolves a secret at deploy time"
        for key, value in variables.items()
        if "{{resolve:" in json.dumps(value)
    ]
    for spec in STACK.secrets:
        if spec.env_name in variables and variables[spec.env_name] not in [{"Ref": name} for name in secrets]:
            problems.append(f"{function}: {spec.env_name} is not the ARN of a secret of the stack")
    return problems


def _role_problems(resources: dict[str, Any]) -> list[str]:
    """Least privilege, checked on the template: each function has a role of its own that Lambda
    alone assumes, carries no managed policy, and allows "*" only for actions AWS cannot scope."""
    from infra.access import UNSCOPED_ACTIONS

    problems = []
    owners: dict[str, list[str]] = {}
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            role = resource["Properties"].get("Role")
            target = role.get("Fn::GetAtt", [None])[0] if isinstance(role, dict) else None
            if target not in resources or resources[target]["Type"] != "AWS::IAM::Role":
                problems.append(f"{name}: role {role} is not a role of the stack")
                continue
            owners.setdefault(target, []).append(name)
    for role, functions in owners.items():
        if len(functions) > 1:
            problems.append(f"{', '.join(sorted(functions))} share the role {role}")
        props = resources[role]["Properties"]
        principals = [s.get("Principal", {}).get("Service") for s in props["AssumeRolePolicyDocument"]["Statement"]]
        if principals != ["lambda.amazonaws.com"]:
            problems.append(f"{role}: assumed by {principals}, not by Lambda alone")
        if props.get("ManagedPolicyArns"):
            problems.append(f"{role}: managed policies {props['ManagedPolicyArns']} (grant what the function needs)")
        for statement in _statements_of(resources, role):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            wildcard_actions = [action for action in actions if "*" in action]
            if wildcard_actions:
                problems.append(f"{role}: wildcard actions {wildcard_actions}")
            resources_of = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if statement["Effect"] == "Allow" and "*" in resources_of:
                scopable = sorted(set(actions) - UNSCOPED_ACTIONS)
                if scopable:
                    problems.append(f"{role}: {scopable} allowed on every resource")
    return problems


def _statements_of(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    inline = [p["PolicyDocument"] for p in resources[role]["Properties"].get("Policies", [])]
    attached = [
        r["Properties"]["PolicyDocument"]
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"].get("Roles", [])
    ]
    return [statement for document in inline + attached for statement in document["Statement"]]


def _log_problems(resources: dict[str, Any]) -> list[str]:
    """Every function logs to a group of the stack, and no group of the stack keeps logs forever."""
    problems = [
        f"{name}: log group never expires"
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Logs::LogGroup" and not resource.get("Properties", {}).get("RetentionInDays")
    ]
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            group = resource["Properties"].get("LoggingConfig", {}).get("LogGroup")
            target = group.get("Ref") if isinstance(group, dict) else None
            if target not in resources or resources[target]["Type"] != "AWS::Logs::LogGroup":
                problems.append(f"{name}: logs to a group the stack does not own (Lambda's own never expires)")
    return problems


def _is_table_stream(stream: Any, tables: list[tuple[str, dict[str, Any]]]) -> bool:
    """The event source must be `Fn::GetAtt [<the table>, StreamArn]`, not the app's placeholder."""
    if not isinstance(stream, dict) or "Fn::GetAtt" not in stream:
        return False
    target = stream["Fn::GetAtt"]
    return list(target) in ([name, "StreamArn"] for name, _ in tables)


def main() -> int:
    sys.path.insert(0, str(PROJECT_DIR))
    # Packaging builds a boto3 session (it never calls AWS); the region only names the template's.
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")
    # The machine's Node 20 is past end-of-life; synth still works. Newer Node versions warn again.
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    with tempfile.TemporaryDirectory(prefix="synth-") as work:
        os.chdir(work)  # chalice.cdk packages into ./chalice.out
        from infra.app import build

        assembly = build(outdir=str(Path(work) / "cdk.out")).synth()
        templates = [Path(stack.template_full_path) for stack in assembly.stacks]
        problems: list[str] = []
        for template in templates:
            resources = json.loads(template.read_text())["Resources"]
            print(f"synthesized {template.name}: {len(resources)} resources")
            problems += check_invariants(resources)
        for problem in problems:
            print(f"infra invariant broken: {problem}")
        if problems:
            return 1
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "cfn-lint"),
                # W3005: CDK adds DependsOn beside a GetAtt for state machine roles; redundant, harmless.
                "--ignore-checks",
                "W3005",
                "--",
                *map(str, templates),
            ],
            check=False,
        )
        return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
