"""CDK entry point: `cdk synth` (or `python infra/synth_and_lint.py`) builds one stack per stage."""

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
            wechatpay_notify_url=app.node.try_get_context("wechatpayNotifyUrl") or "",
        ),
        stack_name=f"o2o-backend-{stage}",
    )
    return app


if __name__ == "__main__":
    build().synth()
