#!/usr/bin/env python3
"""Signs an STS GetCallerIdentity request with botocore, for replay by wrk in the benchmark.

By default the request is STS GetCallerIdentity; --service, --query and --expect sign another
query-protocol call instead (the authorization benchmark replays IAM GetUser this way).

Two forms:
  presign   a GET URL with SigV4 query authentication (botocore's SigV4QueryAuth, expires 3600):
            printed on stdout.
  post-lua  a POST with the form body and an Authorization header (botocore's SigV4Auth): written
            as a wrk Lua script (--lua FILE) that sets wrk.method, wrk.body and wrk.headers once,
            so wrk sends the same bytes on every request without running Lua per request.
With --check the request is first sent once: it must answer 200 with a GetCallerIdentityResult
(so the benchmark never measures error responses). With --check-tampered the same request with one
signature character changed must be refused with 403 SignatureDoesNotMatch, which shows the server
really verifies signatures; without it the tampered outcome is only reported.
Credentials come from an AWS credentials file (--credentials FILE, profile [default]) or, for
servers that do not verify signatures (moto), from --dummy-credentials. The secret is never
printed. Single-threaded script.
"""

import argparse
import configparser
import http.client
import sys
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials

BODY = "Action=GetCallerIdentity&Version=2011-06-15"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
EXPECTED = b"<GetCallerIdentityResult>"
# AWS's documented example key pair, for servers that accept any signature.
DUMMY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def read_credentials(path, profile):
    parser = configparser.ConfigParser()
    if not parser.read(path):
        sys.exit(f"sign_request.py: cannot read credentials file {path}")
    try:
        section = parser[profile]
        return section["aws_access_key_id"].strip(), section["aws_secret_access_key"].strip()
    except KeyError:
        sys.exit(f"sign_request.py: profile [{profile}] of {path} lacks a key id or secret")


def presign(endpoint, creds, region, service="sts", query=BODY):
    req = botocore.awsrequest.AWSRequest(method="GET", url=f"{endpoint}/?{query}")
    botocore.auth.SigV4QueryAuth(botocore.credentials.Credentials(*creds), service, region,
                                 expires=3600).add_auth(req)
    return req.prepare().url


def sign_post(endpoint, creds, region, service="sts", body=BODY):
    req = botocore.awsrequest.AWSRequest(method="POST", url=f"{endpoint}/", data=body,
                                         headers={"Content-Type": CONTENT_TYPE})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(*creds), service, region).add_auth(req)
    prepared = req.prepare()
    return {k: v for k, v in prepared.headers.items()}


def send(endpoint, method, target, headers, body):
    parts = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, target, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def tamper(signature):
    return signature[:-1] + ("0" if signature[-1] != "0" else "1")


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("form", choices=["presign", "post-lua"])
    ap.add_argument("--endpoint", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--credentials", help="AWS credentials file")
    ap.add_argument("--profile", default="default")
    ap.add_argument("--dummy-credentials", action="store_true")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--lua", help="post-lua: the wrk script to write")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--check-tampered", action="store_true")
    ap.add_argument("--service", default="sts", help="signing name (default sts)")
    ap.add_argument("--query", default=BODY,
                    help=f"the form parameters, URL-encoded (default {BODY})")
    ap.add_argument("--expect", default=EXPECTED.decode(),
                    help="text a 200 response must contain (default %(default)s)")
    args = ap.parse_args()
    expected = args.expect.encode()
    if args.dummy_credentials:
        creds = DUMMY
    elif args.credentials:
        creds = read_credentials(args.credentials, args.profile)
    else:
        sys.exit("sign_request.py: give --credentials FILE or --dummy-credentials")

    if args.form == "presign":
        url = presign(args.endpoint, creds, args.region, args.service, args.query)
        parts = urllib.parse.urlsplit(url)
        target = f"{parts.path}?{parts.query}"
        signature = urllib.parse.parse_qs(parts.query)["X-Amz-Signature"][0]
        tampered_target = target.replace(signature, tamper(signature))
        request = ("GET", target, {}, None)
        tampered = ("GET", tampered_target, {}, None)
    else:
        if not args.lua:
            sys.exit("sign_request.py: post-lua needs --lua FILE")
        headers = sign_post(args.endpoint, creds, args.region, args.service, args.query)
        auth = headers["Authorization"]
        signature = auth.rsplit("Signature=", 1)[1]
        request = ("POST", "/", headers, args.query)
        tampered = ("POST", "/", dict(headers, Authorization=auth.replace(signature,
                                                                           tamper(signature))),
                    args.query)

    if args.check or args.check_tampered:
        status, body = send(args.endpoint, *request)
        if status != 200 or expected not in body:
            sys.exit(f"sign_request.py: {args.form} request to {args.endpoint} answered {status}, "
                     f"not 200 with {args.expect}: {body[:300]!r}")
        status, body = send(args.endpoint, *tampered)
        verified = status == 403 and b"SignatureDoesNotMatch" in body
        print(f"sign_request.py: {args.form} to {args.endpoint}: 200 with {args.expect}; "
              f"tampered signature -> {status}"
              f"{' SignatureDoesNotMatch' if verified else ' (signature NOT verified)'}",
              file=sys.stderr)
        if args.check_tampered and not verified:
            sys.exit("sign_request.py: the server accepted a tampered signature")

    if args.form == "presign":
        print(url)
    else:
        with open(args.lua, "w") as f:
            f.write("-- Generated by bench/sign_request.py: one SigV4-signed POST, replayed.\n")
            f.write('wrk.method = "POST"\n')
            f.write(f"wrk.body = {lua_string(args.query)}\n")
            for name, value in headers.items():
                if name.lower() in ("host", "content-length"):
                    continue  # wrk sets these itself
                f.write(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}\n")


if __name__ == "__main__":
    main()
