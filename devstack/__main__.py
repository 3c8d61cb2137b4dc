"""`make run`: the whole stack on one machine until Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
import threading

from devstack.stack import LocalStack, PortInUse

STOP_GRACE_SECONDS = 5


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
        "(demo logins: js_code=demo-admin, demo-staff, demo-admin-2, demo-platform, or anything for a customer; "
        "codes work once, so log in again as <user>#<anything>, e.g. demo-staff#2)",
        flush=True,
    )
    stopped.wait()
    print("stopping", flush=True)
    # A request or an event-runner tick in flight can hold a server thread (an SQS long poll, a saga
    # step); nothing here outlives the process, so stopping waits a bounded time, then ends it.
    stopper = threading.Thread(target=stack.stop, name="stop", daemon=True)
    stopper.start()
    stopper.join(STOP_GRACE_SECONDS)
    print(
        "stopped" if not stopper.is_alive() else f"stopped (gave up waiting after {STOP_GRACE_SECONDS} s)", flush=True
    )
    sys.stderr.flush()
    # Interpreter shutdown would join every non-daemon thread (request threads, executor workers):
    # the stack is in memory only, so there is nothing left to lose by leaving now.
    os._exit(0)


if __name__ == "__main__":
    main()
