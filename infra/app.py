"""CDK entry point (`cd infra && cdk deploy -c stage=prod ...`; `make infra-check` synthesizes it offline).

Stage settings come from CDK context; secrets never do: they live in Secrets Manager (see README)."""

from __future__ import annotations

import aws_cdk as cdk

from infra.stack import BackendStack, StageSettings


def build(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    stage = app.node.try_get_context("stage") or "prod"
    BackendStack(
        app,
        stage,
        settings=StageSettings(
            stage=stage,
            resource_prefix=app.node.try_get_context("prefix") or f"o2o-{stage}",
            wechat_appid=app.node.try_get_context("wechatAppId") or "wx0000000000000000",
            wechatpay_mchid=app.node.try_get_context("wechatpayMchId") or "",
            wechatpay_serial_no=app.node.try_get_context("wechatpaySerialNo") or "",
            wechatpay_platform_serial=app.node.try_get_context("wechatpayPlatformSerial") or "",
            wechatpay_notify_url=app.node.try_get_context("wechatpayNotifyUrl") or "",
        ),
        stack_name=f"o2o-backend-{stage}",
    )
    return app


if __name__ == "__main__":
    build().synth()
