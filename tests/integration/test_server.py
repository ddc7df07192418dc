"""The server process as scripts and operators see it: --help, options from flags and environment
variables, the startup banner and root-credentials file, /health, request ids and the XML error
shape, keep-alive and Expect: 100-continue, concurrency, body limits, and the request log (one
JSON line per request, never a secret, signature or token)."""

import concurrent.futures
import configparser
import datetime
import hashlib
import http.client
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import sigil_harness as h


class HelpTest(unittest.TestCase):

    def test_help_documents_options_and_environment(self):
        out = subprocess.run([h.sigil_binary(), "server", "--help"], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        text = out.stdout + out.stderr
        for option in ("--data-dir", "--listen", "--max-skew", "--max-body-bytes", "--threads",
                       "--help"):
            self.assertIn(option, text)
        for var in ("SIGIL_DATA_DIR", "SIGIL_LISTEN", "SIGIL_MAX_SKEW", "SIGIL_MAX_BODY_BYTES",
                    "SIGIL_THREADS"):
            self.assertIn(var, text)

    def test_unknown_option_fails(self):
        out = subprocess.run([h.sigil_binary(), "server", "--no-such-option"],
                             capture_output=True, text=True, timeout=30,
                             stdin=subprocess.DEVNULL)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("--no-such-option", out.stdout + out.stderr)


class ServerBasicsTest(h.ServerTestCase):

    def test_banner_and_root_credentials_file(self):
        out = self.server.stdout()
        self.assertIn(self.server.url, out)
        self.assertIn(self.server.credentials_path, out)
        self.assertNotIn(self.root.secret, out)
        # The ready-to-paste example works as printed.
        examples = [line for line in out.splitlines()
                    if f"aws --endpoint-url {self.server.url}" in line
                    and line.rstrip().endswith("sts get-caller-identity")]
        self.assertEqual(len(examples), 1, f"no single example command in the banner:\n{out}")
        command = examples[0][examples[0].index("AWS_SHARED_CREDENTIALS_FILE="
                                                if "AWS_SHARED_CREDENTIALS_FILE=" in examples[0]
                                                else "aws --endpoint-url"):]
        home = tempfile.mkdtemp(prefix="sigil-it-home-")
        self.addCleanup(shutil.rmtree, home, True)
        env = h.AwsCli.base_env(home)
        env["AWS_SHARED_CREDENTIALS_FILE"] = self.server.credentials_path  # as the file says
        del env["AWS_DEFAULT_REGION"]  # the example must not depend on a configured region
        res = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env,
                             timeout=60, cwd=home)
        self.assertEqual(res.returncode, 0, f"{command}\n{res.stderr}")
        self.assertEqual(json.loads(res.stdout)["Arn"], f"arn:aws:iam::{self.account}:root")

        mode = stat.S_IMODE(os.stat(self.server.credentials_path).st_mode)
        self.assertEqual(mode, 0o600, oct(mode))
        parser = configparser.ConfigParser()
        parser.read(self.server.credentials_path)
        self.assertEqual(parser.sections(), ["default"])
        self.assertRegex(parser["default"]["aws_access_key_id"], h.ACCESS_KEY_RE)
        self.assertRegex(parser["default"]["aws_secret_access_key"], h.SECRET_RE)
        self.assertRegex(self.account, h.ACCOUNT_RE)

    def test_health(self):
        resp = h.http_request(self.server.url, "GET", "/health")
        self.assertEqual(resp.status, 200, resp)

    def test_request_ids(self):
        ids = set()
        resp = h.sign_v4(self.server.url, self.root, h.GCI).send()
        self.assertEqual(resp.status, 200)
        header = resp.header("x-amzn-RequestId")
        self.assertTrue(header)
        self.assertEqual(h.xml_find(h.parse_xml(resp.body), "ResponseMetadata/RequestId").text,
                         header)
        ids.add(header)
        for _ in range(3):
            resp = h.sign_v4(self.server.url, self.root,
                             {"Action": "GetUser", "Version": h.IAM_VERSION,
                              "UserName": "no_such"}, service="iam").send()
            err = self.assertHttpError(resp, "NoSuchEntity", 404)
            ids.add(err.request_id)
        resp = h.sign_v4(self.server.url, self.root,
                         {"Action": "GetUser", "Version": h.IAM_VERSION,
                          "UserName": "no_such"}, service="iam").send()
        root = h.parse_xml(resp.body)
        self.assertEqual(root.tag, "{https://iam.amazonaws.com/doc/2010-05-08/}ErrorResponse")
        self.assertEqual(len(ids), 4, "request ids must be unique")
        # Unauthenticated errors carry one too.
        resp = h.http_request(self.server.url, "POST", "/",
                              {"Content-Type": "application/x-www-form-urlencoded"},
                              urllib.parse.urlencode(h.GCI).encode())
        self.assertHttpError(resp, "MissingAuthenticationToken", 403)

    def test_unknown_action(self):
        resp = h.sign_v4(self.server.url, self.root,
                         {"Action": "FlyToTheMoon", "Version": h.IAM_VERSION},
                         service="iam").send()
        self.assertHttpError(resp, "InvalidAction", 400)

    def test_keep_alive(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        self.addCleanup(conn.close)
        local_ports = set()
        for _ in range(3):
            signed = h.sign_v4(self.server.url, self.root, h.GCI)
            conn.request("POST", "/", body=signed.body,
                         headers={k: v for k, v in signed.headers})
            local_ports.add(conn.sock.getsockname()[1])
            resp = conn.getresponse()
            body = resp.read()
            self.assertEqual(resp.status, 200, body)
            self.assertFalse(resp.will_close, "server closed a keep-alive connection")
        self.assertEqual(len(local_ports), 1, "requests did not share one connection")

    def test_expect_100_continue_answered_at_once(self):
        signed = h.sign_v4(self.server.url, self.root, h.GCI)
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        self.addCleanup(sock.close)
        head = ["POST / HTTP/1.1"] + [f"{k}: {v}" for k, v in signed.headers]
        head.append("Expect: 100-continue")
        start = time.monotonic()
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        interim = sock.recv(1024)
        elapsed = time.monotonic() - start
        self.assertTrue(interim.startswith(b"HTTP/1.1 100"), interim)
        self.assertLess(elapsed, 0.5, "100 Continue took too long")
        sock.sendall(signed.body)
        data = interim
        while b"</GetCallerIdentityResponse>" not in data:
            chunk = sock.recv(65536)
            self.assertTrue(chunk, data)
            data += chunk
        self.assertIn(b"HTTP/1.1 200", data)

    def test_concurrent_requests(self):
        self.create_user("concurrent")
        key = self.iam.create_access_key(UserName="concurrent")["AccessKey"]
        user = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])

        def worker(i):
            creds = self.root if i % 2 else user
            sts = h.make_client(self.server.url, "sts", creds)
            return [sts.get_caller_identity()["Arn"] for _ in range(20)]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(worker, range(8)))
        for i, arns in enumerate(results):
            expected = (f"arn:aws:iam::{self.account}:root" if i % 2 else
                        f"arn:aws:iam::{self.account}:user/concurrent")
            self.assertEqual(set(arns), {expected})


class RequestLogTest(h.ServerTestCase):
    """The request log: JSON lines on stderr, never a secret, signature or session token."""

    def test_log_lines_and_no_secrets(self):
        srv = self.server
        forbidden = {"root secret": self.root.secret}
        # A user and key (the create response carries a secret).
        self.create_user("logged_user")
        key = self.iam.create_access_key(UserName="logged_user")["AccessKey"]
        forbidden["user secret"] = key["SecretAccessKey"]
        user = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])

        ok = h.sign_v4(srv.url, user, h.GCI)
        ok_resp = ok.send()
        self.assertEqual(ok_resp.status, 200)
        forbidden["signature (ok)"] = ok.signature

        wrong = h.Creds(self.root.access_key, "B" * 40)
        bad = h.sign_v4(srv.url, wrong, h.GCI, when=h.utcnow())
        bad_resp = bad.send()
        self.assertHttpError(bad_resp, "SignatureDoesNotMatch", 403)
        forbidden["signature (wrong secret)"] = bad.signature
        # The signature the server would have expected for the same request.
        right = h.signature_for("POST", "/", [], bad.headers,
                                bad.authorization.split("SignedHeaders=")[1]
                                .split(",")[0].split(";"),
                                hashlib.sha256(bad.body).hexdigest(),
                                dict((k.lower(), v) for k, v in bad.headers)["x-amz-date"],
                                self.root, h.REGION, "sts")[0]
        forbidden["expected signature"] = right

        token = "IQoJb3JpZ2luX2VjEJ" + "t" * 300
        tok = h.sign_v4(srv.url, h.Creds(self.root.access_key, self.root.secret, token), h.GCI)
        self.assertHttpError(tok.send(), "InvalidClientTokenId", 403)
        forbidden["session token"] = token
        forbidden["signature (token)"] = tok.signature

        path, presig = h.presign_v4(srv.url, self.root, h.GCI)
        self.assertEqual(h.http_request(srv.url, "GET", path).status, 200)
        forbidden["presigned signature"] = presig
        path_bad = path.replace(presig, presig[::-1])
        self.assertHttpError(h.http_request(srv.url, "GET", path_bad), "SignatureDoesNotMatch",
                             403)
        forbidden["tampered presigned signature"] = presig[::-1]

        # The log line of the successful user request is there (possibly written a moment later).
        req_id = ok_resp.header("x-amzn-RequestId")
        srv.wait_for_stderr(lambda t: req_id in t and bad_resp.header("x-amzn-RequestId") in t)
        records = srv.log_records()
        mine = [r for r in records if r.get("request_id") == req_id]
        self.assertEqual(len(mine), 1, f"expected one log line for request {req_id}; "
                                       f"stderr tail:\n{srv.stderr()[-3000:]}")
        rec = mine[0]
        self.assertEqual(
            {k: rec.get(k) for k in ("request_id", "caller", "action", "service", "status",
                                     "error", "access_key_id")},
            {"request_id": req_id, "caller": f"arn:aws:iam::{self.account}:user/logged_user",
             "action": "GetCallerIdentity", "service": "sts", "status": 200, "error": "",
             "access_key_id": user.access_key}, rec)
        self.assertIsInstance(rec.get("latency_us"), int, rec)
        self.assertGreaterEqual(rec["latency_us"], 0)
        failed = [r for r in records
                  if r.get("request_id") == bad_resp.header("x-amzn-RequestId")]
        self.assertEqual(len(failed), 1, "the failed request is logged once")
        self.assertEqual((failed[0].get("status"), failed[0].get("error"),
                          failed[0].get("caller")), (403, "SignatureDoesNotMatch", ""), failed[0])

        # One JSON object per request: no fewer JSON lines than requests we made.
        self.assertGreaterEqual(len(records), 8)

        text = srv.stderr() + srv.stdout()
        for what, value in forbidden.items():
            with self.subTest(forbidden=what):
                self.assertNotIn(value, text, f"{what} appears in the server output")


class OptionsFromFlagsTest(h.ServerTestCase):
    SERVER_ARGS = ("--max-skew", "60", "--max-body-bytes", "400", "--threads", "1")

    def test_max_skew(self):
        now = h.utcnow()
        resp = h.sign_v4(self.server.url, self.root, h.GCI,
                         when=now - datetime.timedelta(seconds=30)).send()
        self.assertEqual(resp.status, 200, resp)
        # AWS's wording: "Signature expired: ..." in the past, "Signature not yet current: ..."
        # in the future.
        for offset, prefix in ((-120, "Signature expired"), (120, "Signature not yet current")):
            with self.subTest(offset=offset):
                resp = h.sign_v4(self.server.url, self.root, h.GCI,
                                 when=now + datetime.timedelta(seconds=offset)).send()
                self.assertHttpError(resp, "SignatureDoesNotMatch", 403, message_prefix=prefix)

    def test_max_body_bytes(self):
        def list_users(prefix_len):
            return h.sign_v4(self.server.url, self.root,
                             {"Action": "ListUsers", "Version": h.IAM_VERSION,
                              "PathPrefix": "/" + "p" * prefix_len}, service="iam")

        small = list_users(300)
        self.assertLessEqual(len(small.body), 400)
        self.assertEqual(small.send().status, 200)
        big = list_users(420)
        self.assertGreater(len(big.body), 400)
        resp = big.send()
        err = self.assertHttpError(resp, "RequestEntityTooLarge", 413)
        # Logged like any other request.
        self.server.wait_for_stderr(lambda text: err.request_id in text)
        logged = [r for r in self.server.log_records() if r.get("request_id") == err.request_id]
        self.assertEqual([(r.get("status"), r.get("error")) for r in logged],
                         [(413, "RequestEntityTooLarge")])

    def test_oversized_body_refused_before_100_continue(self):
        big = h.sign_v4(self.server.url, self.root,
                        {"Action": "ListUsers", "Version": h.IAM_VERSION,
                         "PathPrefix": "/" + "p" * 2000}, service="iam")
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        self.addCleanup(sock.close)
        head = ["POST / HTTP/1.1"] + [f"{k}: {v}" for k, v in big.headers]
        head.append("Expect: 100-continue")
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        first = sock.recv(4096)
        self.assertTrue(first.startswith(b"HTTP/1.1 413"), first[:200])

    def test_single_thread_still_serves(self):
        for _ in range(5):
            self.assertEqual(self.sts.get_caller_identity()["Account"], self.account)


class OptionsFromEnvironmentTest(unittest.TestCase):

    def test_environment_variables(self):
        tmp = tempfile.mkdtemp(prefix="sigil-it-env-")
        self.addCleanup(shutil.rmtree, tmp, True)
        data_dir = os.path.join(tmp, "nested", "data")
        server = h.SigilServer(data_dir=data_dir, use_flags=False, env={
            "SIGIL_DATA_DIR": data_dir, "SIGIL_LISTEN": "127.0.0.1:0", "SIGIL_MAX_SKEW": "60",
            "SIGIL_MAX_BODY_BYTES": "400", "SIGIL_THREADS": "2"})
        self.addCleanup(server.close)
        server.start()
        self.assertTrue(os.path.isfile(os.path.join(data_dir, "root-credentials")))
        root = server.root()
        now = h.utcnow()
        self.assertEqual(h.sign_v4(server.url, root, h.GCI).send().status, 200)
        resp = h.sign_v4(server.url, root, h.GCI,
                         when=now - datetime.timedelta(seconds=120)).send()
        err = h.parse_error(resp)
        self.assertEqual((err.code, resp.status), ("SignatureDoesNotMatch", 403), resp.body)
        self.assertTrue(err.message.startswith("Signature expired"), err.message)
        big = h.sign_v4(server.url, root, {"Action": "ListUsers", "Version": h.IAM_VERSION,
                                           "PathPrefix": "/" + "p" * 420}, service="iam")
        resp = big.send()
        self.assertEqual((h.parse_error(resp).code, resp.status), ("RequestEntityTooLarge", 413))
        self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
