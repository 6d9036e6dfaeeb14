#!/usr/bin/env python3
"""Local AWS for the tests: moto 5.2.1 in-process, plus what moto lacks for rotation tests.

The demo, the CLI and the tests run it; never a real account. Adds to moto:
- a Lambda bridge that runs nodejs* functions in a Node child process (no docker here);
- RotateSecret fixes: a failed step fails the call and moves no label; a secret without versions
  gets its AWSPENDING version registered first (as AWS does);
- key CreateDate in whole seconds, as AWS gives it;
- IAM policies evaluated with NotResource and the `?` wildcard, as IAM does;
- fault injection (the nth matching call once, or every nth call of a service until removed, e.g. throttling) and a
  call log with the SDK's attempt number (a WSGI middleware), and a small JSON control API under /_harness/;
- optionally (--reuse-function-processes) warm function processes, as Lambda keeps execution environments: one Node
  process serves one invocation at a time and then the next, with the same function, code and environment;
  --max-concurrent-invocations queues invocations beyond that many (a fleet of rotations on a small machine);
- moto's choice of service per host name remembered (moto works it out again for every call, under one lock);
- the operations paths (issue 8):
  - a moved clock: HARNESS_CLOCK_OFFSET_MS in the function's environment (PUT /_harness/function-env) shifts
    Date.now() and `new Date()` inside the function process (runner.js); the SDK signs with that clock too, which
    moto accepts (it recomputes the signature from the request's own X-Amz-Date and checks no skew), and the SDK
    moves its own clock back to the server's after the first response (its clock-skew correction);
  - EventBridge rules with an SNS topic as target: moto raises NotImplementedError; here the (transformed) event is
    published to the topic through moto's SNS backend, so SNS subscriptions (SQS queues) receive it;
  - a failed rotation puts Secrets Manager's RotationFailed service event on the default event bus, shaped as AWS
    delivers it via CloudTrail (detail.additionalEventData.SecretId = the secret's ARN), so the stack's rule fires;
  - the function's log lines (stdout, then stderr) go to CloudWatch Logs, log group /aws/lambda/<function name>, one
    stream per invocation as Lambda names them (`YYYY/MM/DD/[$LATEST]<id>`), one event per non-empty line; moto's
    FilterLogEvents matches a quoted term ("<text>") as a substring, an unquoted term by its space-separated words,
    and ignores any other pattern (JSON patterns such as { $.version = "x" } match every event).

Prints `EMULATOR_READY <url>` once serving. Stops on SIGTERM/SIGINT, when stdin closes (the parent
died) or after --max-seconds.

This file is the entry point; the code is the package moto_ext/ beside it (one module per moto patch in
moto_ext/patches/; moto_ext/__init__.py lists the modules).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

# python3 emulator/launcher.py puts this folder on sys.path, runpy.run_path(launcher.py) does not: add it either way.
EMULATOR_DIR = os.path.dirname(os.path.abspath(__file__))
if EMULATOR_DIR not in sys.path:
    sys.path.insert(0, EMULATOR_DIR)

from moto_ext.preflight import check_moto_version, check_node, fail  # noqa: E402

# Before anything imports the moto modules the patches change.
check_moto_version()

from moto_ext.server import serve  # noqa: E402
from moto_ext.state import STATE  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--max-seconds", type=float, default=1800, help="hard lifetime limit")
    parser.add_argument("--reuse-function-processes", action="store_true",
                        help="keep each function's Node process warm between invocations, as Lambda does")
    parser.add_argument("--max-concurrent-invocations", type=int, default=0,
                        help="function invocations running at once; more wait for a slot (default: no limit)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    check_node()
    STATE.region = args.region
    STATE.reuse_function_processes = args.reuse_function_processes
    if args.max_concurrent_invocations < 0:
        fail(f"--max-concurrent-invocations must be 0 (no limit) or more, got {args.max_concurrent_invocations}")
    if args.max_concurrent_invocations > 0:
        STATE.invocation_slots = threading.BoundedSemaphore(args.max_concurrent_invocations)
    return serve(port=args.port, max_seconds=args.max_seconds)


if __name__ == "__main__":
    exit_code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter finalization: moto's and werkzeug's daemon threads can make it abort.
    os._exit(exit_code)
