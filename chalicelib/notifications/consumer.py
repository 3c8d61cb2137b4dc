"""The notifications queue's consumer: `delivery.deliver` with the live inbox and channels.

Delivery channels are WeChat subscribe messages, SMS and email (`channels.SENDERS`); tests add their
own through `register_channel`.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock, to_iso
from chalicelib.notifications.delivery import deliver
from chalicelib.notifications.models import InboxTable
from chalicelib.notifications.ports import ChannelSender

_channels: dict[str, ChannelSender] = {}
_inbox = InboxTable()


def register_channel(name: str, sender: ChannelSender) -> None:
    _channels[name] = sender


def _sender_of(channel: str) -> ChannelSender | None:
    if channel in _channels:
        return _channels[channel]
    from chalicelib.notifications.channels import SENDERS  # imported on the first channelled message

    return SENDERS.get(channel)


def handle(message: dict[str, Any]) -> None:
    deliver(message, repo=_inbox, sender_of=_sender_of, now_iso=to_iso(clock().now()))
