"""CDK entry point (`cd infra && cdk deploy -c stage=prod ...`; `make infra-check` synthesizes it offline).

Stage settings come from CDK context (`-c name=value`, listed in docs/deploy.md); secrets never do:
the stack creates them empty in Secrets Manager and ops put their values (docs/deploy.md)."""

from __future__ import annotations

import aws_cdk as cdk

from infra.stack import BackendStack, StageSettings


def build(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    stage = app.node.try_get_context("stage") or "prod"

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
