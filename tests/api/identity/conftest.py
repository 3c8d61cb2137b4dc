"""Fixtures of the identity api tests: the WeChat sandbox's fault switch."""

from tests.wechat_faults import faults  # noqa: F401 (a fixture)
