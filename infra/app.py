"""CDK entry point (`cd infra && cdk deploy -c stage=prod ...`; `make infra-check` synthesizes it offline).

Stage settings come from CDK context (`-c name=value`, listed in docs/deploy.md); secrets never do:
the stack creates them empty in Secrets Manager and ops put their values (docs/deploy.md)."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk

from infra.stack import BackendStack, StageSettings


def chalice_stage_variable(stage: str, name: str) -> str:
    """A stage's environment variable from .chalice/config.json (its stage section, then the top level)."""
    config = json.loads((Path(__file__).resolve().parent.parent / ".chalice" / "config.json").read_text())
    stage_vars = config.get("stages", {}).get(stage, {}).get("environment_variables", {})
    return str(stage_vars.get(name) or config.get("environment_variables", {}).get(name) or "")


def context_or_stage_sender(app: cdk.App, stage: str) -> str:
    return str(app.node.try_get_context("sesSender") or chalice_stage_variable(stage, "SES_SENDER"))


def build(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    stage = app.node.try_get_context("stage") or "prod"
    if not context_or_stage_sender(app, stage):
        raise SystemExit(f"stage {stage} has no SES_SENDER: set it in .chalice/config.json or -c sesSender=...")

    def context(name: str, default: str = "") -> str:
        return str(app.node.try_get_context(name) or default)

    defaults = StageSettings(stage=stage, resource_prefix="")
    BackendStack(
        app,
        stage,
        settings=StageSettings(
            stage=stage,
            resource_prefix=context("prefix", f"o2o-{stage}"),
            wechat_appid=context("wechatAppId", "wx0000000000000000"),
            wechatpay_mchid=context("wechatpayMchId"),
            wechatpay_serial_no=context("wechatpaySerialNo"),
            wechatpay_platform_serial=context("wechatpayPlatformSerial"),
            wechatpay_notify_url=context("wechatpayNotifyUrl"),
            wechatpay_platform_public_keys=context("wechatpayPlatformPublicKeys", "{}"),
            ses_sender=context("sesSender", chalice_stage_variable(stage, "SES_SENDER")),
            log_retention=context("logRetention", defaults.log_retention),
            # Only prod's data outlives a `cdk destroy` unless a stage asks (-c protectData=true).
            protect_data=context("protectData", str(stage == "prod")).lower() == "true",
            api_rate_limit=int(context("apiRateLimit", str(defaults.api_rate_limit))),
            api_burst_limit=int(context("apiBurstLimit", str(defaults.api_burst_limit))),
            cors_allow_origin=context("corsAllowOrigin"),
            waf_web_acl_arn=context("wafWebAclArn"),
            alarm_email=context("alarmEmail"),
        ),
        stack_name=f"o2o-backend-{stage}",
    )
    return app


if __name__ == "__main__":
    build().synth()
