"""HTTPS: `sigil admin tls init` (a private CA and a server certificate), `sigil server` with
--tls-cert/--tls-key and a second plain --http-listen port, the AWS CLIs with AWS_CA_BUNDLE and
--ca-bundle, boto3 with verify=, plain HTTP refused on the HTTPS port, aws:SecureTransport true
over HTTPS only, the refusals (key readable by others, half-given flags), and SIGHUP reloading the
certificate while an open keep-alive connection carries on."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import tempfile
import unittest

import botocore.exceptions

import sigil_harness as h

PLAIN_URL_RE = re.compile(r"^  plain HTTP:\s+(http://127\.0\.0\.1:(\d+)) ", re.M)
DEFAULT_HOSTS = "localhost,127.0.0.1,::1"


def sigil(*args, env=None, timeout=60):
    """Runs `sigil ARGS...` without any SIGIL_* variable of ours; returns CompletedProcess."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
    full_env.update(env or {})
    return subprocess.run([h.sigil_binary(), *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)


def tls_init(data_dir, *args):
    """`sigil admin tls init --data-dir DATA_DIR ARGS...`, which must succeed; returns stdout."""
    res = sigil("admin", "tls", "init", "--data-dir", data_dir, *args)
    if res.returncode != 0 or res.stderr:
        raise AssertionError(f"tls init failed ({res.returncode}): {res.stderr}")
    return res.stdout


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def openssl(*args):
    res = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)
    if res.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed: {res.stderr}")
    return res.stdout


def tls_context(cafile):
    """A client context that trusts only `cafile` (hostname checked, as botocore does)."""
    return ssl.create_default_context(cafile=cafile)  # with a cafile, no system CAs


def https_connection(port, cafile, timeout=10):
    return http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout,
                                       context=tls_context(cafile))


def send_on(conn, signed):
    """Sends a request signed by h.sign_v4 on an open (keep-alive) connection; returns
    (status, body)."""
    conn.putrequest(signed.method, signed.path, skip_host=True, skip_accept_encoding=True)
    for k, v in signed.headers:
        conn.putheader(k, v)
    conn.endheaders(signed.body)
    resp = conn.getresponse()
    return resp.status, resp.read()


class TlsFiles:
    """A data folder with DATA/tls made by `sigil admin tls init`."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="sigil-it-tls-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.init_stdout = tls_init(self.data_dir)
        self.dir = os.path.join(os.path.realpath(self.data_dir), "tls")
        self.ca = os.path.join(self.dir, "ca.pem")
        self.cert = os.path.join(self.dir, "server.pem")
        self.key = os.path.join(self.dir, "server.key")

    def server_args(self, *extra):
        return ["--tls-cert", self.cert, "--tls-key", self.key, *extra]

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


class TlsInitTest(unittest.TestCase):

    def setUp(self):
        self.files = TlsFiles()
        self.addCleanup(self.files.close)

    def test_writes_a_ca_and_a_server_certificate_for_the_local_hosts(self):
        f = self.files
        self.assertEqual(mode_of(f.key), 0o600)
        self.assertEqual(mode_of(f.dir), 0o700)
        self.assertEqual(mode_of(f.cert), 0o644)
        self.assertEqual(mode_of(f.ca), 0o644)
        with open(f.key) as key:
            self.assertTrue(key.read().startswith("-----BEGIN PRIVATE KEY-----\n"))
        # The chain is the server certificate followed by the CA.
        with open(f.cert) as chain, open(f.ca) as ca:
            chain_text, ca_text = chain.read(), ca.read()
        self.assertEqual(chain_text.count("-----BEGIN CERTIFICATE-----"), 2)
        self.assertTrue(chain_text.endswith(ca_text))

        server_text = openssl("x509", "-in", f.cert, "-noout", "-text")
        self.assertIn("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
                      server_text)
        self.assertRegex(server_text, r"X509v3 Basic Constraints: critical\s+CA:FALSE")
        self.assertRegex(server_text, r"X509v3 Key Usage: critical\s+Digital Signature\n")
        self.assertRegex(server_text, r"X509v3 Extended Key Usage: \s+TLS Web Server "
                                      r"Authentication\n")
        self.assertIn("ASN1 OID: prime256v1", server_text)
        self.assertIn("Signature Algorithm: ecdsa-with-SHA256", server_text)
        ca_text = openssl("x509", "-in", f.ca, "-noout", "-text")
        self.assertRegex(ca_text, r"X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0")
        self.assertRegex(ca_text, r"X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n")
        self.assertIn("Subject: O = Sigil, CN = Sigil local CA ", ca_text)
        self.assertEqual(openssl("verify", "-x509_strict", "-purpose", "sslserver", "-CAfile",
                                 f.ca, f.cert).strip(), f"{f.cert}: OK")

        # Python's own TLS stack takes the pair (the key matches the certificate).
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(f.cert, f.key)

        out = f.init_stdout
        self.assertIn(f"{f.ca}      the CA (10 years; its private key was not kept)", out)
        self.assertIn(f"sigil server --data-dir {f.data_dir} --tls-cert {f.cert} "
                      f"--tls-key {f.key}", out)
        self.assertIn(f"AWS_CA_BUNDLE={f.ca} aws --endpoint-url https://localhost:9000 sts "
                      "get-caller-identity", out)
        self.assertIn(f"aws --ca-bundle {f.ca} --endpoint-url https://localhost:9000", out)
        self.assertIn(f'boto3.client("sts", endpoint_url="https://localhost:9000", '
                      f'verify="{f.ca}")', out)
        # The CA's private key is nowhere.
        self.assertEqual(sorted(os.listdir(f.dir)), ["ca.pem", "server.key", "server.pem"])

    def test_existing_files_are_kept_unless_forced(self):
        f = self.files
        with open(f.ca) as ca:
            first_ca = ca.read()
        res = sigil("admin", "tls", "init", "--data-dir", f.data_dir)
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stderr,
                         f"sigil: tls init: {f.data_dir}/tls/ca.pem already exists; --force "
                         "replaces the CA and the certificate (clients must then trust the new "
                         "ca.pem)\n")
        with open(f.ca) as ca:
            self.assertEqual(ca.read(), first_ca)
        tls_init(f.data_dir, "--force", "--hosts", "sigil.test, 10.1.2.3")
        with open(f.ca) as ca:
            self.assertNotEqual(ca.read(), first_ca)
        self.assertIn("DNS:sigil.test, IP Address:10.1.2.3",
                      openssl("x509", "-in", f.cert, "-noout", "-ext", "subjectAltName"))
        self.assertEqual(mode_of(f.key), 0o600)

    def test_rejects_a_host_that_is_neither_a_name_nor_an_address(self):
        res = sigil("admin", "tls", "init", "--data-dir", self.files.data_dir, "--force",
                    "--hosts", "localhost,bad host")
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stderr,
                         "sigil: tls init: \"bad host\" is neither an IP address nor a DNS name "
                         "(letters, digits, '-' and '.', optionally starting with \"*.\")\n")


class TlsServerTest(unittest.TestCase):
    """One HTTPS server with a second, plain HTTP port."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.files = TlsFiles()
        cls.server = h.SigilServer(data_dir=cls.files.data_dir,
                                   args=cls.files.server_args("--http-listen", "127.0.0.1:0"))
        try:
            cls.server.start()
            m = PLAIN_URL_RE.search(cls.server.stdout())
            if not m:
                raise AssertionError(f"no plain HTTP line in the banner:\n{cls.server.stdout()}")
            cls.plain_url, cls.plain_port = m.group(1), int(m.group(2))
            cls.root = cls.server.root()
            cls.sts = cls.server.client("sts", verify=cls.files.ca)
            cls.iam = cls.server.client("iam", verify=cls.files.ca)
            cls.account = cls.sts.get_caller_identity()["Account"]
        except BaseException:
            cls.server.close()
            cls.files.close()
            raise
        cls.home = tempfile.mkdtemp(prefix="sigil-it-home-")

    @classmethod
    def tearDownClass(cls):
        try:
            rc = cls.server.stop()
            if rc != 0:
                raise AssertionError(f"sigil server exited with {rc}: "
                                     f"{cls.server.stderr()[-3000:]}")
            h.assert_no_sensitive_output(cls.server)
        finally:
            cls.server.close()
            cls.files.close()
            shutil.rmtree(cls.home, ignore_errors=True)
            super().tearDownClass()

    def cli_env(self, creds=None, **extra):
        creds = creds or self.root
        env = {"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret}
        env.update(extra)
        return env

    def test_banner_names_the_https_url_and_the_plain_port(self):
        lines = self.server.stdout().splitlines()
        self.assertEqual(lines[0], f"Sigil listening on https://127.0.0.1:{self.server.port}")
        self.assertTrue(self.server.url.startswith("https://"))
        self.assertEqual(lines[1], f"  plain HTTP:       http://127.0.0.1:{self.plain_port} "
                                   "(aws:SecureTransport is false)")
        self.assertIn(f"  TLS certificate:  {self.files.cert} (SIGHUP reloads it); clients trust "
                      f"it with AWS_CA_BUNDLE={self.files.ca}", lines)

    def test_aws_clis_trust_the_ca_by_environment_and_by_option(self):
        for label, path in h.all_clis():
            cli = h.AwsCli(label, path)
            with self.subTest(cli=cli.label):
                res = cli.run(["sts", "get-caller-identity", "--output", "json"], self.home,
                              endpoint=self.server.url,
                              env=self.cli_env(AWS_CA_BUNDLE=self.files.ca))
                self.assertEqual(res.rc, 0, res.stderr)
                self.assertEqual(json.loads(res.stdout)["Account"], self.account)

                user = f"tls-cli-{label}"
                res = cli.run(["--ca-bundle", self.files.ca, "iam", "create-user", "--user-name",
                               user, "--output", "json"], self.home, endpoint=self.server.url,
                              env=self.cli_env())
                self.assertEqual(res.rc, 0, res.stderr)
                self.assertEqual(json.loads(res.stdout)["User"]["UserName"], user)
                res = cli.run(["iam", "list-users", "--output", "json"], self.home,
                              endpoint=self.server.url,
                              env=self.cli_env(AWS_CA_BUNDLE=self.files.ca))
                self.assertEqual(res.rc, 0, res.stderr)
                self.assertIn(user, [u["UserName"] for u in json.loads(res.stdout)["Users"]])

                # Without the CA the certificate is not trusted.
                res = cli.run(["sts", "get-caller-identity"], self.home,
                              endpoint=self.server.url, env=self.cli_env())
                self.assertNotEqual(res.rc, 0)
                self.assertIn("CERTIFICATE_VERIFY_FAILED", res.stderr)

    def test_boto3_with_verify(self):
        self.iam.create_user(UserName="tls-boto3")
        self.assertEqual(self.iam.get_user(UserName="tls-boto3")["User"]["UserName"],
                         "tls-boto3")
        # boto3's default trust store does not know the private CA.
        untrusting = self.server.client("sts")
        with self.assertRaises(botocore.exceptions.SSLError) as cm:
            untrusting.get_caller_identity()
        self.assertIn("CERTIFICATE_VERIFY_FAILED", str(cm.exception))

    def test_one_keep_alive_connection_serves_several_requests(self):
        conn = https_connection(self.server.port, self.files.ca)
        self.addCleanup(conn.close)
        for _ in range(3):
            status, body = send_on(conn, h.sign_v4(self.server.url, self.root, h.GCI))
            self.assertEqual(status, 200, body)
            self.assertIn(self.account.encode(), body)
        self.assertEqual(conn.sock.version(), "TLSv1.3")

    def test_tls_1_2_is_accepted_and_1_1_refused(self):
        ctx = tls_context(self.files.ca)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                self.assertEqual(tls.version(), "TLSv1.2")
                self.assertRegex(tls.cipher()[0], r"^ECDHE-ECDSA-(AES(128|256)-GCM|CHACHA20)")
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname = False
        old.verify_mode = ssl.CERT_NONE
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as raw:
            with self.assertRaises(ssl.SSLError) as cm:
                old.wrap_socket(raw, server_hostname="127.0.0.1")
        self.assertIn("TLSV1_ALERT_PROTOCOL_VERSION", str(cm.exception))

    def test_plain_http_on_the_https_port_gets_no_answer(self):
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            h.http_request(f"http://127.0.0.1:{self.server.port}", "GET", "/")
        # The plain port answers plain HTTP.
        # (An unsigned GET / is S3's ListBuckets, refused to an anonymous caller.)
        resp = h.http_request(self.plain_url, "GET", "/")
        self.assertEqual(resp.status, 403)
        self.assertTrue(resp.header("x-amz-request-id"), resp.headers)
        client = h.make_client(self.plain_url, "sts", self.root)
        self.assertEqual(client.get_caller_identity()["Account"], self.account)

    def test_secure_transport_condition_allows_https_and_denies_plain_http(self):
        user = "tls-secure-only"
        self.iam.create_user(UserName=user)
        self.iam.put_user_policy(UserName=user, PolicyName="https-only", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUsers"],
                           "Resource": "*",
                           "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}))
        key = self.iam.create_access_key(UserName=user)["AccessKey"]
        creds = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])

        secure = h.make_client(self.server.url, "iam", creds, verify=self.files.ca)
        self.assertEqual(secure.get_user()["User"]["UserName"], user)
        self.assertTrue(secure.list_users()["Users"])

        plain = h.make_client(self.plain_url, "iam", creds)
        for call in (plain.get_user, plain.list_users):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                call()
            err = cm.exception.response
            self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]),
                             ("AccessDenied", 403))
            self.assertIn("because no identity-based policy allows the iam:",
                          err["Error"]["Message"])

        # The AWS CLI over HTTPS is allowed too.
        cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        res = cli.run(["iam", "get-user", "--output", "json"], self.home, endpoint=self.server.url,
                      env=self.cli_env(creds, AWS_CA_BUNDLE=self.files.ca))
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertEqual(json.loads(res.stdout)["User"]["UserName"], user)
        res = cli.run(["iam", "get-user"], self.home, endpoint=self.plain_url,
                      env=self.cli_env(creds))
        self.assertEqual(res.rc, cli.service_error_rc, res.stderr)
        self.assertEqual(h.cli_error_code(res.stderr), "AccessDenied")


class TlsRefusalTest(unittest.TestCase):

    def setUp(self):
        self.files = TlsFiles()
        self.addCleanup(self.files.close)

    def run_server(self, *args):
        return sigil("server", "--data-dir", self.files.data_dir, "--listen", "127.0.0.1:0",
                     *args, timeout=30)

    def test_key_readable_by_others_is_refused(self):
        os.chmod(self.files.key, 0o640)
        res = self.run_server(*self.files.server_args())
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stdout, "")
        self.assertIn(f"the TLS private key file {self.files.key} may be read by other users; "
                      f"run: chmod 600 {self.files.key}\n", res.stderr)

    def test_half_given_flags_are_refused(self):
        res = self.run_server("--tls-cert", self.files.cert)
        self.assertEqual((res.returncode, res.stderr),
                         (1, "sigil: TLS: --tls-cert and --tls-key go together\n"))
        res = self.run_server("--http-listen", "127.0.0.1:0")
        self.assertEqual((res.returncode, res.stderr),
                         (1, "sigil: --http-listen: needs --tls-cert and --tls-key (without TLS, "
                             "--listen serves plain HTTP already)\n"))
        res = sigil("server", "--data-dir", self.files.data_dir, "--listen", "127.0.0.1:0",
                    env={"SIGIL_TLS_KEY": self.files.key})
        self.assertEqual((res.returncode, res.stderr),
                         (1, "sigil: TLS: --tls-cert and --tls-key go together\n"))

    def test_environment_variables_configure_tls(self):
        server = h.SigilServer(data_dir=self.files.data_dir,
                               env={"SIGIL_TLS_CERT": self.files.cert,
                                    "SIGIL_TLS_KEY": self.files.key})
        self.addCleanup(server.close)
        server.start()
        self.assertTrue(server.url.startswith("https://127.0.0.1:"))
        sts = server.client("sts", verify=self.files.ca)
        self.assertRegex(sts.get_caller_identity()["Arn"], r"^arn:aws:iam::\d{12}:root$")
        self.assertEqual(server.stop(), 0)


class TlsReloadTest(unittest.TestCase):
    """SIGHUP swaps the certificate for new connections; open ones carry on."""

    def setUp(self):
        self.files = TlsFiles()
        self.addCleanup(self.files.close)
        self.server = h.SigilServer(data_dir=self.files.data_dir, args=self.files.server_args())
        self.addCleanup(self.server.close)
        self.server.start()
        self.root = self.server.root()
        self.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        self.addCleanup(shutil.rmtree, self.home, True)
        self.old_ca = os.path.join(self.home, "old-ca.pem")
        shutil.copy(self.files.ca, self.old_ca)

    def hup_and_wait(self, expected):
        """Sends SIGHUP and waits for the server's line about it; returns that line."""
        before = self.server.stderr().count("sigil: SIGHUP: ")
        self.server.proc.send_signal(signal.SIGHUP)
        text = self.server.wait_for_stderr(lambda t: t.count("sigil: SIGHUP: ") > before, 10)
        lines = [l for l in text.splitlines() if l.startswith("sigil: SIGHUP: ")]
        self.assertGreater(len(lines), before, text[-2000:])
        self.assertIn(expected, lines[-1])
        return lines[-1]

    def gci_status(self, conn):
        status, body = send_on(conn, h.sign_v4(self.server.url, self.root, h.GCI))
        return status

    def test_reload_keeps_the_open_connection_and_serves_the_new_certificate(self):
        conn = https_connection(self.server.port, self.old_ca)
        self.addCleanup(conn.close)
        self.assertEqual(self.gci_status(conn), 200)
        sock = conn.sock
        old_cert = sock.getpeercert(binary_form=True)

        tls_init(self.files.data_dir, "--force")  # a new CA and certificate in the same files
        self.assertEqual(self.hup_and_wait("reloaded"),
                         f"sigil: SIGHUP: reloaded the TLS certificate from {self.files.cert}")

        # The open keep-alive connection carries on, on the same socket, with the old session.
        self.assertEqual(self.gci_status(conn), 200)
        self.assertIs(conn.sock, sock)
        self.assertEqual(conn.sock.getpeercert(binary_form=True), old_cert)

        # New connections get the new certificate: the old CA no longer verifies it.
        fresh_old = https_connection(self.server.port, self.old_ca)
        with self.assertRaises(ssl.SSLCertVerificationError):
            fresh_old.connect()
        fresh_old.close()
        fresh_new = https_connection(self.server.port, self.files.ca)
        self.addCleanup(fresh_new.close)
        self.assertEqual(self.gci_status(fresh_new), 200)
        self.assertNotEqual(fresh_new.sock.getpeercert(binary_form=True), old_cert)

        sts = self.server.client("sts", verify=self.files.ca)
        self.assertEqual(sts.get_caller_identity()["Arn"].rsplit(":", 1)[1], "root")
        cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        res = cli.run(["sts", "get-caller-identity"], self.home, endpoint=self.server.url,
                      env={"AWS_ACCESS_KEY_ID": self.root.access_key,
                           "AWS_SECRET_ACCESS_KEY": self.root.secret,
                           "AWS_CA_BUNDLE": self.files.ca})
        self.assertEqual(res.rc, 0, res.stderr)
        self.assertEqual(self.gci_status(conn), 200)
        self.assertEqual(self.server.stop(), 0)

    def test_a_bad_new_certificate_is_refused_and_the_old_one_stays(self):
        with open(self.files.cert) as f:
            good_chain = f.read()
        with open(self.files.cert, "w") as f:
            f.write("not a certificate\n")
        self.hup_and_wait(f"kept the current TLS certificate: the TLS certificate file "
                          f"{self.files.cert} holds no PEM certificate")
        with open(self.files.cert, "w") as f:
            f.write(good_chain)

        os.chmod(self.files.key, 0o644)
        self.hup_and_wait(f"kept the current TLS certificate: the TLS private key file "
                          f"{self.files.key} may be read by other users")
        os.chmod(self.files.key, 0o600)

        # A key of another certificate.
        other = tempfile.mkdtemp(prefix="sigil-it-tls-other-")
        self.addCleanup(shutil.rmtree, other, True)
        tls_init(other)
        shutil.copy(os.path.join(other, "tls", "server.key"), self.files.key)
        self.hup_and_wait(f"kept the current TLS certificate: the TLS private key in "
                          f"{self.files.key} does not match the certificate in {self.files.cert}")

        # Still served with the original certificate, and still running.
        conn = https_connection(self.server.port, self.old_ca)
        self.addCleanup(conn.close)
        self.assertEqual(self.gci_status(conn), 200)
        self.assertTrue(self.server.running())
        self.assertEqual(self.server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
