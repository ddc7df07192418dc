#!/usr/bin/env python3
"""Helpers for the authorization and scale benchmarks (docs/benchmarks.md), driven by botocore.

  setup          As the account's root user, creates an IAM user that is authorized only through
                 a group: 3 customer managed policies of 10 statements each (wildcards, policy
                 variables, conditions) and 1 AWS managed policy attached to the group, and an
                 access key for the user, written as a credentials file (mode 0600). Then checks
                 that the user may call iam:GetUser on itself (200) and is refused it on another
                 user (403 AccessDenied), so the benchmark measures a real, enforced decision.
  startup-time   Starts `sigil server` on a data folder N times and reports the time from spawn
                 to the "Sigil listening on" line on stdout (the server prints it once the
                 identity snapshot is loaded and the port is open), and the resident memory then.
  write-latency  Times IAM calls one by one: CreateUser of N users, GetUser of each (a read, for
                 comparison), then DeleteUser of each. Each
                 request is signed before its clock starts and sent on a kept-alive connection,
                 so the time is the server's (network round trip on loopback included).
Secrets are never printed. Single-threaded; loopback only.
"""

import argparse
import configparser
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import botocore.session

REGION = "us-east-1"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
IAM_VERSION = "2010-05-08"
# Attached to the group next to the customer managed policies; it grants nothing the benchmark
# calls, so iam:GetUser is allowed by a customer managed policy and a condition.
AWS_MANAGED_ARN = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def read_credentials(path, profile="default"):
    parser = configparser.ConfigParser()
    if not parser.read(path):
        sys.exit(f"iam_bench.py: cannot read credentials file {path}")
    section = parser[profile]
    return section["aws_access_key_id"].strip(), section["aws_secret_access_key"].strip()


def iam_client(endpoint, creds):
    session = botocore.session.get_session()
    return session.create_client("iam", region_name=REGION, endpoint_url=endpoint,
                                 aws_access_key_id=creds[0], aws_secret_access_key=creds[1])


def policy_documents(account, prefix):
    """Three identity policies of 10 statements each. Only the first statement of the first
    policy allows iam:GetUser on the caller itself (policy variable, source-address condition);
    every Deny has a condition that does not hold for the benchmark's requests, so the engine
    must evaluate all of them."""
    user_arns = [f"arn:aws:iam::{account}:user/${{aws:username}}",
                 f"arn:aws:iam::{account}:user/*/${{aws:username}}"]
    deny_outside = {"Effect": "Deny", "Action": "*", "Resource": "*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8"]}}}
    docs = []
    for p in range(3):
        team = ["payments", "search", "platform"][p]
        statements = [
            {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListGroupsForUser",
                                           "iam:ListAttachedUserPolicies", "iam:*AccessKey*"],
             "Resource": user_arns,
             "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}} if p == 0 else
            {"Effect": "Allow", "Action": ["iam:ChangePassword", "iam:*MFADevice"],
             "Resource": user_arns},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
             "Resource": [f"arn:aws:s3:::{team}-data", f"arn:aws:s3:::{team}-data/*"]},
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
             "Resource": f"arn:aws:s3:::{team}-uploads/home/${{aws:username}}/*"},
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},
            {"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"],
             "Resource": f"arn:aws:ec2:*:{account}:instance/*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": team}}},
            dict(deny_outside),
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": f"arn:aws:iam::{account}:role/{team}-*"},
            {"Effect": "Deny", "Action": ["s3:DeleteBucket*", "iam:Delete*", "iam:Create*"],
             "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
             "Resource": f"arn:aws:dynamodb:us-east-1:{account}:table/{team}-*"},
            {"Effect": "Deny", "NotAction": ["iam:*", "sts:*", "s3:*"], "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1",
                                                                       "us-west-2"]}}},
        ]
        for i, s in enumerate(statements):
            s["Sid"] = f"{prefix.capitalize()}{team.capitalize()}{i}"
        docs.append(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2))
    return docs


def cmd_setup(args):
    root = read_credentials(args.credentials)
    iam = iam_client(args.endpoint, root)
    account = botocore.session.get_session().create_client(
        "sts", region_name=REGION, endpoint_url=args.endpoint, aws_access_key_id=root[0],
        aws_secret_access_key=root[1]).get_caller_identity()["Account"]
    group = f"{args.prefix}-group"
    user = f"{args.prefix}-user"
    iam.create_group(GroupName=group)
    for i, doc in enumerate(policy_documents(account, args.prefix)):
        arn = iam.create_policy(PolicyName=f"{args.prefix}-policy-{i + 1}",
                                PolicyDocument=doc)["Policy"]["Arn"]
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    iam.attach_group_policy(GroupName=group, PolicyArn=AWS_MANAGED_ARN)
    iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName=group, UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    fd = os.open(args.out_credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"[default]\naws_access_key_id = {key['AccessKeyId']}\n"
                f"aws_secret_access_key = {key['SecretAccessKey']}\n")

    # The user is allowed GetUser on itself only through the group's policies...
    as_user = iam_client(args.endpoint, (key["AccessKeyId"], key["SecretAccessKey"]))
    deadline = time.monotonic() + 10  # AWS is eventually consistent; Sigil is not, but be fair
    while True:
        try:
            got = as_user.get_user(UserName=user)["User"]["UserName"]
            break
        except botocore.exceptions.ClientError as e:
            if time.monotonic() > deadline:
                sys.exit(f"iam_bench.py: {user} may not GetUser itself: {e}")
            time.sleep(0.2)
    if got != user:
        sys.exit(f"iam_bench.py: GetUser returned {got}, not {user}")
    # ...and refused it on anyone else: the decision is real.
    try:
        as_user.get_user(UserName=f"{args.prefix}-someone-else")
        sys.exit("iam_bench.py: the user may GetUser on another user; nothing is enforced")
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "AccessDenied":
            sys.exit(f"iam_bench.py: expected AccessDenied on another user, got {e}")
    print(f"iam_bench.py: {user} (group {group}: 3 customer managed policies x 10 statements + "
          f"{AWS_MANAGED_ARN.rsplit('/', 1)[1]}) may GetUser itself and is denied another user",
          file=sys.stderr)


def cmd_startup_time(args):
    times, rss = [], []
    for _ in range(args.runs):
        start = time.monotonic()
        proc = subprocess.Popen(
            [args.sigil, "server", "--data-dir", args.data_dir, "--listen", "127.0.0.1:0",
             "--threads", str(args.threads), "--no-access-log"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            elapsed = time.monotonic() - start
            if not line.startswith("Sigil listening on"):
                sys.exit(f"iam_bench.py: sigil server did not start: {line!r} "
                         f"{proc.stderr.read()[:500]!r}")
            with open(f"/proc/{proc.pid}/status") as f:
                for status_line in f:
                    if status_line.startswith("VmRSS:"):
                        rss.append(int(status_line.split()[1]) / 1024)
            times.append(elapsed)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print(json.dumps({"startup_s": [round(t, 3) for t in times],
                      "median_s": round(statistics.median(times), 3),
                      "rss_mib": round(statistics.median(rss), 1)}))


def signed_post(endpoint, creds, body):
    req = botocore.awsrequest.AWSRequest(method="POST", url=f"{endpoint}/", data=body,
                                         headers={"Content-Type": CONTENT_TYPE})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(*creds), "iam",
                            REGION).add_auth(req)
    return dict(req.prepare().headers.items())


def timed_calls(conn, endpoint, creds, bodies, expect):
    times = []
    for body in bodies:
        headers = signed_post(endpoint, creds, body)
        start = time.perf_counter()
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        times.append((time.perf_counter() - start) * 1000)
        if resp.status != 200 or expect not in data:
            sys.exit(f"iam_bench.py: {body} answered {resp.status}: {data[:300]!r}")
    return times


def summary(times):
    ordered = sorted(times)
    return {"n": len(times), "median_ms": round(statistics.median(times), 2),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 2),
            "max_ms": round(ordered[-1], 2)}


def cmd_write_latency(args):
    creds = read_credentials(args.credentials)
    parts = urllib.parse.urlsplit(args.endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    names = [f"{args.prefix}-w{i}" for i in range(args.count)]
    create = timed_calls(conn, args.endpoint, creds,
                         [f"Action=CreateUser&Version={IAM_VERSION}&UserName={n}" for n in names],
                         b"<CreateUserResult>")
    # A read on the same connection, for scale: the same signing and round trip, no write.
    read = timed_calls(conn, args.endpoint, creds,
                       [f"Action=GetUser&Version={IAM_VERSION}&UserName={n}" for n in names],
                       b"<GetUserResult>")
    delete = timed_calls(conn, args.endpoint, creds,
                         [f"Action=DeleteUser&Version={IAM_VERSION}&UserName={n}" for n in names],
                         b"<DeleteUserResponse")
    conn.close()
    print(json.dumps({"CreateUser": summary(create), "DeleteUser": summary(delete),
                      "GetUser": summary(read)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup")
    setup.add_argument("--endpoint", required=True)
    setup.add_argument("--credentials", required=True, help="the root credentials file")
    setup.add_argument("--out-credentials", required=True, help="where to write the user's key")
    setup.add_argument("--prefix", default="bench")
    startup = sub.add_parser("startup-time")
    startup.add_argument("--sigil", required=True)
    startup.add_argument("--data-dir", required=True)
    startup.add_argument("--runs", type=int, default=3)
    startup.add_argument("--threads", type=int, default=2)
    write = sub.add_parser("write-latency")
    write.add_argument("--endpoint", required=True)
    write.add_argument("--credentials", required=True, help="the root credentials file")
    write.add_argument("--count", type=int, default=20)
    write.add_argument("--prefix", default="bench")
    args = ap.parse_args()
    {"setup": cmd_setup, "startup-time": cmd_startup_time,
     "write-latency": cmd_write_latency}[args.command](args)


if __name__ == "__main__":
    main()
