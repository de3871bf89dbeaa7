"""moto_server with DynamoDB's per-item atomicity: each DynamoDB request is applied as one step.

Real DynamoDB applies every write, conditional ones included, atomically per item: of several conditional
UpdateItems racing for one item, the condition is checked and the write made as one step, so exactly one
wins. moto_server runs werkzeug with threaded=True and its DynamoDB backend takes no lock, so concurrent
requests interleave between the condition check and the write: two workers could both claim one session's
lease (2 winners in 16 of 200 trials of 3 concurrent claims, once 234 of 300), and an update could be lost.
The local stack, the soak and the integration tests must not see what cannot happen deployed.

This runs moto.server.main with every DynamoDB request (the handler's call_action: the read behind
ReturnValues, the condition, the write and the reply built from the item) under one lock. Other services
stay concurrent. Usage: <moto's python> moto_server_atomic.py -H 127.0.0.1 -p PORT (moto_server's flags).
"""

import sys
import threading

# DynamoDB actions whose atomicity the lock provides; each must still be a DynamoDB request handler, and
# the backend must still have the write it makes, or the patch may no longer cover them.
WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def fail(reason):
    sys.stderr.write(
        f"moto_server_atomic: {reason}; this moto ({moto_version()}) is not the one ceb-grab's "
        "DynamoDB lock was written for (local/moto_server_atomic.py): update the launcher\n"
    )
    sys.exit(1)


def moto_version():
    try:
        import importlib.metadata

        return importlib.metadata.version("moto")
    except Exception:  # noqa: BLE001 - only for the message
        return "unknown version"


def make_dynamodb_atomic():
    try:
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.responses import DynamoHandler
    except ImportError as e:
        fail(f"cannot import moto's DynamoDB ({e})")
    for name in WRITES:
        if not callable(getattr(DynamoDBBackend, name, None)):
            fail(f"DynamoDBBackend has no {name}")
        if not callable(getattr(DynamoHandler, name, None)):
            fail(f"DynamoHandler has no {name}")
    call_action = getattr(DynamoHandler, "call_action", None)
    if not callable(call_action):
        fail("DynamoHandler has no call_action")

    lock = threading.RLock()

    def atomic_call_action(self):
        with lock:
            return call_action(self)

    DynamoHandler.call_action = atomic_call_action


def main():
    make_dynamodb_atomic()
    try:
        from moto.server import main as moto_main
    except ImportError as e:
        fail(f"cannot import moto.server ({e})")
    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
