"""A local stand-in for WeChat's servers that speaks their real paths and payloads."""

from devstack.wechat_sandbox.server import WeChatSandbox

__all__ = ["WeChatSandbox"]
