"""The audit trail: every request (allowed, denied, unauthenticated) becomes one CloudTrail record
in DATA_DIR/audit, driven here by the AWS CLI and raw signed requests; the records carry the
right userIdentity, eventName and errorCode and no secret; `sigil admin audit validate` accepts
the untouched trail and reports a tampered log file, a removed log file and a removed digest.
Also: the trail over HTTPS (tlsDetails), --no-audit, option checks and the audit metrics."""

import base64
import glob
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import sigil_harness as h

METRICS_URL_RE = re.compile(r"metrics:\s+(http://127\.0\.0\.1:\d+)/metrics")
LOG_GLOB = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/sigil_audit_*.jsonl"
DIGEST_GLOB = "digest/[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/sigil_digest_*.json"
REDACTED = "HIDDEN_DUE_TO_SECURITY_REASONS"


def sigil(*args, env=None, timeout=60):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
    full_env.update(env or {})
    return subprocess.run([h.sigil_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)


def validate(data_dir, *args):
    return sigil("admin", "audit", "validate", "--data-dir", data_dir, *args)


def audit_dir(data_dir):
    return os.path.join(data_dir, "audit")


def log_files(data_dir):
    return sorted(glob.glob(os.path.join(audit_dir(data_dir), LOG_GLOB)))


def digest_files(data_dir):
    return sorted(glob.glob(os.path.join(audit_dir(data_dir), DIGEST_GLOB)))


def records(data_dir):
    """Every complete record of the trail, in file order."""
    out = []
    for path in log_files(data_dir):
        with open(path, "rb") as f:
            data = f.read()
        for line in data.split(b"\n")[:-1]:  # the last piece is incomplete or empty
            out.append(json.loads(line))
    return out


def all_bytes(data_dir):
    out = b""
    for root, _, files in os.walk(audit_dir(data_dir)):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                out += f.read()
    return out


class AuditTrailTest(h.ServerTestCase):
    """One server; the AWS CLI as root creates a user and its key, the user is denied, a request
    with a bad signature fails; then the trail is read and validated, live and after SIGTERM."""

    SERVER_ARGS = ("--metrics-listen", "127.0.0.1:0")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        cls.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        cls.data_dir = cls.server.data_dir

        def aws(*args, creds_file=cls.server.credentials_path):
            return cls.cli.run(["--output", "json", *args], home=cls.home,
                               endpoint=cls.server.url,
                               env={"AWS_SHARED_CREDENTIALS_FILE": creds_file})

        res = aws("iam", "create-user", "--user-name", "audited", "--path", "/team/")
        assert res.rc == 0, res.stderr
        res = aws("iam", "create-access-key", "--user-name", "audited")
        assert res.rc == 0, res.stderr
        key = json.loads(res.stdout)["AccessKey"]
        cls.user_creds = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])
        h.SENSITIVE.add(cls.user_creds.secret)
        user_file = os.path.join(cls.home, "user-credentials")
        with open(user_file, "w") as f:
            f.write(f"[default]\naws_access_key_id = {cls.user_creds.access_key}\n"
                    f"aws_secret_access_key = {cls.user_creds.secret}\n")
        # A user without policies is denied (a new key may take a moment to be usable nowhere:
        # Sigil's snapshot has it at once).
        cls.denied = aws("iam", "list-users", creds_file=user_file)
        # A signature made with the wrong secret.
        cls.bad_signed = h.sign_v4(cls.server.url, h.Creds(cls.user_creds.access_key, "x" * 40),
                                   {"Action": "GetCallerIdentity", "Version": h.STS_VERSION})
        cls.bad = cls.bad_signed.send()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, True)
        super().tearDownClass()

    def find(self, predicate, what):
        """The one record matching `predicate`, waiting for the writer (it writes each batch at
        once)."""
        found = self.wait_until(lambda: [r for r in records(self.data_dir) if predicate(r)],
                                timeout=5, what=what)
        self.assertEqual(len(found), 1, f"{what}: {found}")
        return found[0]

    def test_1_allowed_calls_with_root_identity_parameters_and_responses(self):
        e = self.find(lambda r: r["eventName"] == "CreateUser", "the CreateUser record")
        self.assertEqual(e["eventVersion"], "1.11")
        self.assertEqual(e["userIdentity"], {
            "type": "Root", "principalId": self.account,
            "arn": f"arn:aws:iam::{self.account}:root", "accountId": self.account,
            "accessKeyId": self.root.access_key})
        self.assertEqual(e["eventSource"], "iam.amazonaws.com")
        self.assertEqual(e["awsRegion"], "us-east-1")
        self.assertEqual(e["sourceIPAddress"], "127.0.0.1")
        self.assertIn("aws-cli/", e["userAgent"])
        self.assertEqual(e["requestParameters"], {"path": "/team/", "userName": "audited"})
        self.assertEqual(e["responseElements"]["user"]["arn"],
                         f"arn:aws:iam::{self.account}:user/team/audited")
        self.assertRegex(e["responseElements"]["user"]["createDate"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertNotIn("errorCode", e)
        self.assertRegex(e["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertRegex(e["requestID"], r"^[0-9a-f-]{36}$")
        self.assertRegex(e["eventID"], r"^[0-9a-f-]{36}$")
        self.assertEqual((e["readOnly"], e["eventType"], e["managementEvent"],
                          e["eventCategory"], e["recipientAccountId"]),
                         (False, "AwsApiCall", True, "Management", self.account))
        self.assertNotIn("tlsDetails", e)

        k = self.find(lambda r: r["eventName"] == "CreateAccessKey", "the CreateAccessKey record")
        self.assertEqual(k["requestParameters"], {"userName": "audited"})
        self.assertEqual(k["responseElements"]["accessKey"]["accessKeyId"],
                         self.user_creds.access_key)
        self.assertEqual(k["responseElements"]["accessKey"]["secretAccessKey"], REDACTED)

    def test_2_denied_call_names_the_user(self):
        self.assertEqual(self.denied.rc, self.cli.service_error_rc, self.denied.stderr)
        self.assertEqual(h.cli_error_code(self.denied.stderr), "AccessDenied")
        e = self.find(lambda r: r["eventName"] == "ListUsers", "the ListUsers record")
        self.assertEqual(e["errorCode"], "AccessDenied")
        self.assertIn("is not authorized to perform: iam:ListUsers", e["errorMessage"])
        self.assertEqual(e["userIdentity"]["type"], "IAMUser")
        self.assertEqual(e["userIdentity"]["userName"], "audited")
        self.assertEqual(e["userIdentity"]["arn"],
                         f"arn:aws:iam::{self.account}:user/team/audited")
        self.assertEqual(e["userIdentity"]["accessKeyId"], self.user_creds.access_key)
        self.assertIsNone(e["responseElements"])
        self.assertTrue(e["readOnly"])

    def test_3_bad_signature_is_recorded_with_the_claimed_key(self):
        self.assertHttpError(self.bad, "SignatureDoesNotMatch", 403)
        e = self.find(lambda r: r.get("errorCode") == "SignatureDoesNotMatch",
                      "the bad signature's record")
        self.assertEqual(e["eventSource"], "sts.amazonaws.com")
        self.assertEqual(e["eventName"], "GetCallerIdentity")
        self.assertEqual(e["userIdentity"]["type"], "Unknown")
        self.assertEqual(e["userIdentity"]["accessKeyId"], self.user_creds.access_key)
        self.assertEqual(e["requestID"], self.bad.header("x-amzn-RequestId"))

    def test_4_no_secret_anywhere_in_the_trail(self):
        self.find(lambda r: r.get("errorCode") == "SignatureDoesNotMatch", "the last record")
        data = all_bytes(self.data_dir)
        for secret in (self.user_creds.secret, self.root.secret, self.bad_signed.signature):
            self.assertNotIn(secret.encode(), data)

    def test_5_metrics(self):
        url = METRICS_URL_RE.search(self.server.stdout()).group(1)
        host, port = url[len("http://"):].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        self.assertRegex(text, r"(?m)^sigil_audit_queue_depth \d+$")
        self.assertRegex(text, r"(?m)^sigil_audit_dropped_total 0$")
        self.assertRegex(text, r"(?m)^sigil_audit_write_errors_total 0$")

    def test_6_validate_live_then_after_shutdown_then_tampered(self):
        node = open(os.path.join(audit_dir(self.data_dir), "node-id")).read().strip()
        self.assertIn(f"audit trail:      {os.path.realpath(audit_dir(self.data_dir))} "
                      f"(node {node})", self.server.stdout())
        # While the server runs, its open file is pending, not a failure.
        res = validate(self.data_dir)
        self.assertEqual((res.returncode, res.stderr), (0, ""), res.stdout)
        self.assertRegex(res.stdout, r"pending  \d{4}/\d\d/\d\d/sigil_audit_" + node)
        self.assertIn(": valid.", res.stdout)

        # SIGTERM closes the file into a final digest.
        self.assertEqual(self.server.stop(), 0)
        res = validate(self.data_dir)
        self.assertEqual((res.returncode, res.stderr), (0, ""), res.stdout)
        self.assertNotIn("pending", res.stdout)
        logs, digests = log_files(self.data_dir), digest_files(self.data_dir)
        self.assertEqual(len(logs), 1)
        self.assertEqual(len(digests), 2)  # the chain's start and the shutdown's
        self.assertIn(f"Checked 2 digest file(s) and 1 log file(s) of node(s) {node}: valid.",
                      res.stdout)
        final = json.loads(open(digests[-1]).read())
        self.assertEqual(final["previousDigestFileName"],
                         os.path.relpath(digests[0], audit_dir(self.data_dir)))
        self.assertEqual(len(final["logFiles"]), 1)
        self.assertEqual(final["logFiles"][0]["recordCount"], len(records(self.data_dir)))

        # One byte of a record altered.
        original = open(logs[0], "rb").read()
        tampered = original.replace(b'"userName":"audited"', b'"userName":"auditee"', 1)
        self.assertNotEqual(tampered, original)
        with open(logs[0], "wb") as f:
            f.write(tampered)
        res = validate(self.data_dir)
        self.assertEqual(res.returncode, 1, res.stdout)
        relative = os.path.relpath(logs[0], audit_dir(self.data_dir))
        self.assertIn(f"FAILED   log file tampered: {relative}: ", res.stdout)
        self.assertIn("1 problem(s) found.", res.stdout)

        # The file removed.
        os.remove(logs[0])
        res = validate(self.data_dir)
        self.assertEqual(res.returncode, 1)
        self.assertIn(f"FAILED   log file missing: {relative}: ", res.stdout)
        with open(logs[0], "wb") as f:
            f.write(original)
        self.assertEqual(validate(self.data_dir).returncode, 0)

        # The first digest removed: the chain no longer starts at its start.
        first = open(digests[0], "rb").read()
        os.remove(digests[0])
        res = validate(self.data_dir)
        self.assertEqual(res.returncode, 1)
        self.assertIn("FAILED   digest chain start missing: ", res.stdout)
        # ... unless the check starts after it (old digests removed by retention).
        res = validate(self.data_dir, "--from", final["digestEndTime"])
        self.assertEqual(res.returncode, 0, res.stdout)
        with open(digests[0], "wb") as f:
            f.write(first)

        # Validation needs the key the digests were signed with.
        res = validate(self.data_dir)
        self.assertEqual(res.returncode, 0, res.stdout)
        other_key = os.path.join(self.home, "other.key")
        with open(other_key, "w") as f:
            f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        os.chmod(other_key, 0o600)
        res = validate(self.data_dir, "--master-key-file", other_key)
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stdout.count("FAILED   digest signature invalid"), 2, res.stdout)


class AuditOptionsTest(unittest.TestCase):

    def test_no_audit_writes_nothing(self):
        server = h.SigilServer(args=["--no-audit"])
        self.addCleanup(server.close)
        server.start()
        server.account_id()
        self.assertIn("audit trail:      off (--no-audit)", server.stdout())
        self.assertFalse(os.path.exists(audit_dir(server.data_dir)))
        res = validate(server.data_dir)
        self.assertEqual(res.returncode, 1)
        self.assertIn("has no audit trail", res.stderr)

    def test_bad_options_are_refused(self):
        tmp = tempfile.mkdtemp(prefix="sigil-it-audit-")
        self.addCleanup(shutil.rmtree, tmp, True)
        for args in (["--audit-when-full", "sometimes"], ["--audit-queue", "0"],
                     ["--audit-rotate-seconds", "0"], ["--audit-rotate-bytes", "10"]):
            res = sigil("server", "--data-dir", os.path.join(tmp, "d"), "--listen",
                        "127.0.0.1:0", *args, timeout=20)
            self.assertNotEqual(res.returncode, 0, args)
            self.assertIn(args[0], res.stderr, args)
        res = validate(os.path.join(tmp, "d"), "--from", "yesterday")
        self.assertEqual(res.returncode, 1)

    def test_environment_and_small_rotation(self):
        # SIGIL_AUDIT_ROTATE_BYTES: every record or two closes a file, each listed in a digest.
        server = h.SigilServer(env={"SIGIL_AUDIT_ROTATE_BYTES": "1024",
                                    "SIGIL_AUDIT_WHEN_FULL": "drop"})
        self.addCleanup(server.close)
        server.start()
        sts = server.client("sts")
        for _ in range(6):
            sts.get_caller_identity()
        self.assertEqual(server.stop(), 0)
        self.assertGreaterEqual(len(log_files(server.data_dir)), 3)
        self.assertEqual(len(records(server.data_dir)), 6)
        res = validate(server.data_dir)
        self.assertEqual(res.returncode, 0, res.stdout)


class AuditOverTlsTest(unittest.TestCase):

    def test_tls_details(self):
        tmp = tempfile.mkdtemp(prefix="sigil-it-audit-tls-")
        self.addCleanup(shutil.rmtree, tmp, True)
        data_dir = os.path.join(tmp, "data")
        res = sigil("admin", "tls", "init", "--data-dir", data_dir)
        self.assertEqual(res.returncode, 0, res.stderr)
        tls = os.path.join(os.path.realpath(data_dir), "tls")
        server = h.SigilServer(data_dir=data_dir, args=[
            "--tls-cert", os.path.join(tls, "server.pem"),
            "--tls-key", os.path.join(tls, "server.key")])
        self.addCleanup(server.close)
        server.start()
        self.assertTrue(server.url.startswith("https://"))
        server.client("sts", verify=os.path.join(tls, "ca.pem")).get_caller_identity()
        deadline = time.monotonic() + 5
        while not records(data_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        e = records(data_dir)[-1]
        self.assertEqual(e["eventName"], "GetCallerIdentity")
        self.assertIn(e["tlsDetails"]["tlsVersion"], ("TLSv1.2", "TLSv1.3"))
        self.assertTrue(e["tlsDetails"]["cipherSuite"])
        self.assertEqual(e["tlsDetails"]["clientProvidedHostHeader"], f"127.0.0.1:{server.port}")


if __name__ == "__main__":
    unittest.main()
