"""Metrics and health: `--metrics-listen` serves the Prometheus text format on GET /metrics plus
the /health and /ready probes; the API port answers /health and /ready too. AWS CLI calls move
exactly the counters they should (parsed from the exposition text), and the exposition never
contains an access key id, ARN, account id, user name or secret."""

import http.client
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest

import sigil_harness as h

METRICS_URL_RE = re.compile(r"metrics:\s+(http://127\.0\.0\.1:\d+)/metrics")
SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The counters whose every sample must stay put unless a test expects it to move.
EXACT_COUNTERS = ("sigil_requests_total", "sigil_request_errors_total",
                  "sigil_auth_failures_total", "sigil_authz_denials_total",
                  "sigil_mfa_failures_total")


def parse_exposition(text):
    """{(name, ((label, value), ...)): float} for every sample; checks the format on the way:
    HELP and TYPE before a family's samples, label syntax, histogram buckets cumulative with
    +Inf equal to _count."""
    samples = {}
    types = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            assert len(parts) == 4, line
            if parts[1] == "TYPE":
                assert parts[3] in ("counter", "gauge", "histogram"), line
                types[parts[2]] = parts[3]
            continue
        m = SAMPLE_RE.match(line)
        assert m, f"malformed sample line {line!r}"
        name, labels_text, value = m.groups()
        labels = ()
        if labels_text:
            found = LABEL_RE.findall(labels_text)
            assert "".join(f'{k}="{v}"{sep}' for k, v, sep in found) == labels_text, line
            labels = tuple((k, v) for k, v, _ in found)
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or (family in types and types[family] == "histogram"), \
            f"sample {name} before its # TYPE line"
        samples[(name, labels)] = float(value)
    for (name, labels), count in samples.items():
        if not name.endswith("_count"):
            continue
        base = name[:-len("_count")]
        buckets = sorted(((float(dict(l)["le"]), v) for (n, l), v in samples.items()
                          if n == base + "_bucket" and
                          tuple(x for x in l if x[0] != "le") == labels))
        assert buckets, f"histogram {base}{labels} without buckets"
        values = [v for _, v in buckets]
        assert values == sorted(values), f"{base}{labels}: buckets not cumulative"
        assert buckets[-1][0] == float("inf") and buckets[-1][1] == count, \
            f"{base}{labels}: +Inf bucket differs from _count"
    return samples


def key(name, **labels):
    return (name, tuple(labels.items()))


class MetricsTest(h.ServerTestCase):
    SERVER_ARGS = ("--metrics-listen", "127.0.0.1:0")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        m = METRICS_URL_RE.search(cls.server.stdout())
        assert m, f"no metrics line in the banner:\n{cls.server.stdout()}"
        cls.metrics_url = m.group(1)
        cls.cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)

    def setUp(self):
        super().setUp()
        self.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        self.addCleanup(shutil.rmtree, self.home, True)

    def scrape(self):
        resp = h.http_request(self.metrics_url, "GET", "/metrics")
        self.assertEqual(resp.status, 200, resp.body[:500])
        self.assertEqual(resp.header("Content-Type"), CONTENT_TYPE)
        return resp.text(), parse_exposition(resp.text())

    def aws(self, *args, creds):
        env = {"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret}
        return self.cli.run(["--output", "json", *args], home=self.home,
                            endpoint=self.server.url, env=env)

    def assertMoved(self, before, after, expected, families=EXACT_COUNTERS):
        """Every sample of `families` moved by exactly expected.get(key, 0)."""
        for k in set(before) | set(after):
            if k[0] not in families:
                continue
            delta = after.get(k, 0) - before.get(k, 0)
            self.assertEqual(delta, expected.get(k, 0), f"{k} moved by {delta}")
        for k, delta in expected.items():
            self.assertEqual(after.get(k, 0) - before.get(k, 0), delta, k)

    def test_cli_calls_move_exactly_their_counters(self):
        _, alice = self.create_user_with_key("metrics-alice")
        _, before = self.scrape()

        ok = self.aws("sts", "get-caller-identity", creds=self.root)
        self.assertEqual(ok.rc, 0, ok.stderr)
        self.assertEqual(json.loads(ok.stdout)["Account"], self.account)

        denied = self.aws("iam", "list-users", creds=alice)
        self.assertEqual((denied.rc, h.cli_error_code(denied.stderr)),
                         (self.cli.service_error_rc, "AccessDenied"), denied.stderr)

        forged = h.Creds(self.root.access_key, "x" * 40)
        bad = self.aws("sts", "get-caller-identity", creds=forged)
        self.assertEqual((bad.rc, h.cli_error_code(bad.stderr)),
                         (self.cli.service_error_rc, "SignatureDoesNotMatch"), bad.stderr)

        _, after = self.scrape()
        self.assertMoved(before, after, {
            key("sigil_requests_total", service="sts", action="GetCallerIdentity", code="200"): 1,
            key("sigil_requests_total", service="sts", action="GetCallerIdentity", code="403"): 1,
            key("sigil_requests_total", service="iam", action="ListUsers", code="403"): 1,
            key("sigil_request_errors_total", service="iam", error_code="AccessDenied"): 1,
            key("sigil_request_errors_total", service="sts",
                error_code="SignatureDoesNotMatch"): 1,
            key("sigil_authz_denials_total", policy_type="identity"): 1,
            key("sigil_auth_failures_total", reason="bad_signature"): 1,
        })
        self.assertMoved(before, after, {
            key("sigil_request_duration_seconds_count", service="sts"): 2,
            key("sigil_request_duration_seconds_count", service="iam"): 1,
        }, families=("sigil_request_duration_seconds_count",))
        # Every reason and policy type is listed, at zero until it happens.
        for reason in ("bad_signature", "unknown_key", "expired_token", "invalid_token", "skew",
                       "missing", "incomplete", "presigned_expired"):
            self.assertIn(key("sigil_auth_failures_total", reason=reason), after)
        for policy_type in ("identity", "resource", "boundary", "session", "explicit_deny"):
            self.assertIn(key("sigil_authz_denials_total", policy_type=policy_type), after)

    def test_unknown_key_and_missing_authentication_are_counted(self):
        _, before = self.scrape()
        unknown = self.aws("sts", "get-caller-identity",
                           creds=h.Creds("AKIAIOSFODNN7EXAMPLE", "y" * 40))
        self.assertEqual(h.cli_error_code(unknown.stderr), "InvalidClientTokenId", unknown.stderr)
        anonymous = h.http_request(self.server.url, "POST", "/", headers={
            "Content-Type": "application/x-www-form-urlencoded"},
            body=b"Action=GetCallerIdentity&Version=2011-06-15")
        self.assertHttpError(anonymous, "MissingAuthenticationToken", 403)
        _, after = self.scrape()
        self.assertMoved(before, after, {
            key("sigil_requests_total", service="sts", action="GetCallerIdentity", code="403"): 2,
            key("sigil_request_errors_total", service="sts", error_code="InvalidClientTokenId"): 1,
            key("sigil_request_errors_total", service="sts",
                error_code="MissingAuthenticationToken"): 1,
            key("sigil_auth_failures_total", reason="unknown_key"): 1,
            key("sigil_auth_failures_total", reason="missing"): 1,
        })

    def test_store_operations_are_timed(self):
        _, before = self.scrape()
        self.create_user("metrics-timed")
        _, after = self.scrape()
        count = "sigil_store_operation_duration_seconds_count"
        self.assertEqual(after[key(count, op="create_user")] - before[key(count, op="create_user")],
                         1)
        self.assertGreaterEqual(after[key(count, op="load_identity")], 1)  # at start, per write
        self.assertGreaterEqual(after[key(count, op="changed_elsewhere")], 1)  # once a second

    def test_s3_and_ec2_writes_are_not_identity_changes(self):
        """S3 and EC2 write on the identity store's SQLite connection, so their commits do not
        count as changes made elsewhere (PRAGMA data_version) and reload nothing; a commit on
        another connection does."""
        reloads = key("sigil_identity_snapshot_reloads_total")
        _, before = self.scrape()
        ec2 = self.server.client("ec2", creds=self.root)
        group = ec2.create_security_group(GroupName="metrics-no-reload",
                                          Description="no reload")["GroupId"]
        ec2.create_tags(Resources=[group], Tags=[{"Key": "team", "Value": "blue"}])
        s3 = self.server.client("s3", creds=self.root)
        s3.create_bucket(Bucket="metrics-no-reload")
        s3.put_object(Bucket="metrics-no-reload", Key="k", Body=b"x")
        time.sleep(1.0)  # the refresher looks four times a second
        _, after = self.scrape()
        self.assertEqual(after[reloads] - before[reloads], 0)

        db = sqlite3.connect(f"{self.server.data_dir}/sigil.db")
        # A real change (SQLite skips writing a row rewritten with its own values), then undone.
        for delta in (1, -1):
            with db:
                db.execute("UPDATE schema_migrations SET applied_at = applied_at + ?"
                           " WHERE version = 1", (delta,))
        db.close()
        self.wait_until(lambda: self.scrape()[1][reloads] > before[reloads],
                        what="a reload after another connection's commit")

    def test_probes_on_both_ports(self):
        _, before = self.scrape()
        for url in (self.server.url, self.metrics_url):
            health = h.http_request(url, "GET", "/health")
            self.assertEqual((health.status, health.text()), (200, "OK\n"), url)
            ready = h.http_request(url, "GET", "/ready")
            self.assertEqual((ready.status, ready.text()), (200, "ready\n"), url)
        self.assertEqual(h.http_request(self.metrics_url, "GET", "/").status, 404)
        self.assertEqual(h.http_request(self.metrics_url, "POST", "/metrics").status, 405)
        self.assertEqual(h.http_request(self.metrics_url, "DELETE", "/ready").status, 405)
        _, after = self.scrape()
        # Probes are not API requests: nothing counted.
        self.assertMoved(before, after, {})

    def test_open_connections_and_start_time(self):
        host, port = "127.0.0.1", self.server.port
        held = []
        try:
            for _ in range(3):
                conn = http.client.HTTPConnection(host, port, timeout=10)
                conn.request("GET", "/health")
                self.assertEqual(conn.getresponse().read(), b"OK\n")
                held.append(conn)  # keep-alive: the connection stays open
            _, with_three = self.scrape()
            opened = with_three[key("sigil_open_connections")]
            self.assertGreaterEqual(opened, 3)
        finally:
            for conn in held:
                conn.close()
        self.wait_until(
            lambda: self.scrape()[1][key("sigil_open_connections")] <= opened - 3,
            what="the three connections to be closed")
        started = self.scrape()[1][key("sigil_process_start_time_seconds")]
        self.assertLessEqual(started, time.time())
        self.assertGreater(started, time.time() - 600)

    def test_no_identifiers_or_secrets_in_metrics(self):
        _, alice = self.create_user_with_key("metrics-secretive")
        self.aws("iam", "list-users", creds=alice)
        self.aws("sts", "get-caller-identity", creds=h.Creds(alice.access_key, "z" * 40))
        text, _ = self.scrape()
        for needle in (self.root.access_key, self.root.secret, alice.access_key, alice.secret,
                       self.account, "metrics-secretive", "arn:", "AKIA", "ASIA"):
            self.assertNotIn(needle, text)
        for needle in ("Signature=", "Credential=", "X-Amz-Security-Token"):
            self.assertNotIn(needle, text)


class MetricsOptionTest(unittest.TestCase):

    def test_environment_variable_and_not_ready(self):
        server = h.SigilServer(env={"SIGIL_METRICS_LISTEN": "127.0.0.1:0"})
        try:
            server.start()
            m = METRICS_URL_RE.search(server.stdout())
            self.assertTrue(m, server.stdout())
            url = m.group(1)
            self.assertEqual(h.http_request(url, "GET", "/ready").status, 200)
            # A database whose schema lacks the newest migration is not ready, on both ports.
            db = sqlite3.connect(f"{server.data_dir}/sigil.db")
            latest = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
            applied_at = db.execute("SELECT applied_at FROM schema_migrations WHERE version = ?",
                                    (latest,)).fetchone()[0]
            with db:
                db.execute("DELETE FROM schema_migrations WHERE version = ?", (latest,))
            expected = (f"not ready: database schema version {latest - 1}, this sigil needs "
                        f"{latest}: migrations not applied\n")
            for base in (url, server.url):
                ready = h.http_request(base, "GET", "/ready")
                self.assertEqual((ready.status, ready.text()), (503, expected), base)
                self.assertEqual(h.http_request(base, "GET", "/health").status, 200, base)
            with db:
                db.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                           (latest, applied_at))
            db.close()
            self.assertEqual(h.http_request(url, "GET", "/ready").status, 200)
            self.assertEqual(server.stop(), 0)
        finally:
            server.close()

    def test_bad_address_is_refused_at_start(self):
        tmp = tempfile.mkdtemp(prefix="sigil-it-")
        self.addCleanup(shutil.rmtree, tmp, True)
        res = subprocess.run([h.sigil_binary(), "server", "--data-dir", f"{tmp}/data", "--listen",
                              "127.0.0.1:0", "--metrics-listen", "no-port-here"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stderr,
                         "sigil: --metrics-listen: expected HOST:PORT, got 'no-port-here'\n")

    def test_port_in_use_is_refused_at_start(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            tmp = tempfile.mkdtemp(prefix="sigil-it-")
            self.addCleanup(shutil.rmtree, tmp, True)
            res = subprocess.run([h.sigil_binary(), "server", "--data-dir", f"{tmp}/data",
                                  "--listen", "127.0.0.1:0", "--metrics-listen",
                                  f"127.0.0.1:{port}"],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 1)
        self.assertIn(f"sigil: listening on 127.0.0.1:{port} (--metrics-listen): ", res.stderr)
        self.assertIn("Address already in use", res.stderr)


if __name__ == "__main__":
    unittest.main()
