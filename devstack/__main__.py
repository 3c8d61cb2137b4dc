"""`make run`: the whole stack on one machine until Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
import threading

from devstack.stack import LocalStack, PortInUse


def main() -> None:
    try:
        stack = LocalStack(
            moto_port=int(os.environ.get("MOTO_PORT", "5000")),
            api_port=int(os.environ.get("API_PORT", "8000")),
            wechat_port=int(os.environ.get("WECHAT_PORT", "8010")),
        ).start()
    except PortInUse as err:
        print(err, file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    assert stack.aws is not None and stack.sandbox is not None
    print(
        f"ready api={stack.api_url} wechat={stack.sandbox.base_url} moto={stack.aws.endpoint} "
        "(demo logins: js_code=demo-admin, demo-staff, or anything for a customer; "
        "codes work once, so log in again as <user>#<anything>, e.g. demo-staff#2)",
        flush=True,
    )
    stopped.wait()
    print("stopping", flush=True)
    stack.stop()
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
