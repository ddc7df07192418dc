#!/usr/bin/env python3
"""Propagation between two Sigil nodes on one database (bench/run_multinode_bench.sh).

  propagation   SAMPLES times: as the account's root user, creates a user and an access key
                through node A and times until node B accepts the key (GetCallerIdentity 200);
                then deactivates the key through node B and times until node A refuses it
                (403 InvalidClientTokenId); then deletes key and user. Polls every 10 ms with
                requests signed by botocore. Prints one JSON object: the median, p90 and maximum
                seconds of each direction, and the samples.
Secrets are never printed. Single-threaded; loopback only.
"""

import argparse
import json
import statistics
import sys
import time

import botocore.config
import botocore.exceptions
import botocore.session

from iam_bench import REGION, iam_client, read_credentials

POLL_SECONDS = 0.01
GIVE_UP_SECONDS = 30


def sts_client(endpoint, creds):
    return botocore.session.get_session().create_client(
        "sts", region_name=REGION, endpoint_url=endpoint, aws_access_key_id=creds[0],
        aws_secret_access_key=creds[1],
        config=botocore.config.Config(retries={"total_max_attempts": 1}))


def caller_status(endpoint, creds):
    """'ok', or the AWS error code of GetCallerIdentity with `creds` at `endpoint`."""
    try:
        sts_client(endpoint, creds).get_caller_identity()
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


def seconds_until(predicate):
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > GIVE_UP_SECONDS:
            sys.exit(f"multinode_bench.py: no propagation within {GIVE_UP_SECONDS} s")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - start


def summary(values):
    ordered = sorted(values)
    return {"median_s": round(statistics.median(ordered), 3),
            "p90_s": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 3),
            "max_s": round(ordered[-1], 3)}


def cmd_propagation(args):
    root = read_credentials(args.credentials)
    iam_a, iam_b = iam_client(args.a, root), iam_client(args.b, root)
    create_to_b, deactivate_to_a = [], []
    for i in range(args.samples):
        name = f"propagation-{i}"
        iam_a.create_user(UserName=name)
        key = iam_a.create_access_key(UserName=name)["AccessKey"]
        creds = (key["AccessKeyId"], key["SecretAccessKey"])
        create_to_b.append(seconds_until(lambda: caller_status(args.b, creds) == "ok"))
        iam_b.update_access_key(UserName=name, AccessKeyId=creds[0], Status="Inactive")
        deactivate_to_a.append(seconds_until(
            lambda: caller_status(args.a, creds) == "InvalidClientTokenId"))
        iam_a.delete_access_key(UserName=name, AccessKeyId=creds[0])
        iam_a.delete_user(UserName=name)
    print(json.dumps({"samples": args.samples,
                      "create_on_a_accepted_by_b": summary(create_to_b),
                      "deactivate_on_b_refused_by_a": summary(deactivate_to_a),
                      "raw_create_s": [round(v, 3) for v in create_to_b],
                      "raw_deactivate_s": [round(v, 3) for v in deactivate_to_a]}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    prop = sub.add_parser("propagation")
    prop.add_argument("--a", required=True, help="node A, http://127.0.0.1:PORT")
    prop.add_argument("--b", required=True, help="node B, http://127.0.0.1:PORT")
    prop.add_argument("--credentials", required=True, help="the account's root credentials file")
    prop.add_argument("--samples", type=int, default=10)
    args = ap.parse_args()
    if args.command == "propagation":
        cmd_propagation(args)


if __name__ == "__main__":
    main()
