"""A stand-in for the seed's Python rotation function at cold start (not its code).

What the seed does before its first AWS call: import json, logging, os, time and boto3, set the root
logger's level, and create a boto3 client for each service it calls (Secrets Manager; IAM). Region and
credentials come from the environment. Prints {"initMs": ...} on stdout.
"""
import time

started = time.perf_counter()

import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402, F401 - the seed imports it

import boto3  # noqa: E402

logging.getLogger().setLevel(logging.INFO)
secrets_manager = boto3.client("secretsmanager")
iam = boto3.client("iam")

init_ms = (time.perf_counter() - started) * 1000
print(json.dumps({"initMs": init_ms}))
