"""Harness for Sigil's integration tests: starts a real `sigil server`, drives it with real clients.

What it offers the test modules:
  * SigilServer: a `sigil server` on 127.0.0.1 port 0 in a temporary data directory; start (waits
    for the URL on stdout), stop (SIGTERM/SIGINT), kill -9, restart on the same directory; the
    captured stdout and stderr; the root credentials read from DIR/root-credentials.
  * AwsCli: the AWS CLIs on this machine (Debian's v2 at /usr/bin/aws is required, a newer
    botocore-based `aws` on PATH is optional), each run with a private HOME and AWS config files.
  * boto3 clients pointed at the server with retries off, and raw HTTP requests signed either by
    botocore (SigV4Auth / SigV4QueryAuth) or by this module's own SigV4 implementation (hmac and
    hashlib), which lets a test shift the clock, tamper with any part, and cross-check botocore.
Nothing here touches the real ~/.aws: importing this module points the AWS config and credentials
files of this process at an empty temporary directory. Not thread-safe except where noted.
"""

import atexit
import collections
import configparser
import contextlib
import datetime
import hashlib
import hmac
import http.client
import importlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO_ROOT / "build" / "src" / "cli" / "sigil"
DEBIAN_AWS_CLI = "/usr/bin/aws"
REGION = "us-east-1"
STS_VERSION = "2011-06-15"
IAM_VERSION = "2010-05-08"
# The banner's first line: "Sigil listening on http(s)://127.0.0.1:PORT".
URL_RE = re.compile(r"(https?)://127\.0\.0\.1:(\d+)")
ACCOUNT_RE = re.compile(r"^\d{12}$")
ACCESS_KEY_RE = re.compile(r"^AKIA[A-Z0-9]{16}$")
USER_ID_RE = re.compile(r"^AIDA[A-Z0-9]{17}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9/+]{40}$")
CLI_ERROR_RE = re.compile(r"An error occurred \((\w+)\)")

# Isolate this process (boto3/botocore) from the real ~/.aws and any ambient AWS settings.
_PRIVATE_AWS_DIR = tempfile.mkdtemp(prefix="sigil-it-aws-")
atexit.register(shutil.rmtree, _PRIVATE_AWS_DIR, True)
for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.path.join(_PRIVATE_AWS_DIR, "config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(_PRIVATE_AWS_DIR, "credentials")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["AWS_DEFAULT_REGION"] = REGION

import boto3  # noqa: E402  (after the environment is isolated)
import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.config  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.exceptions  # noqa: E402

Creds = collections.namedtuple("Creds", "access_key secret token", defaults=(None,))


def sigil_binary():
    """Path of the sigil binary: $SIGIL_BIN (set by ctest) or the default build location."""
    path = os.environ.get("SIGIL_BIN") or str(DEFAULT_BINARY)
    if not os.access(path, os.X_OK):
        raise AssertionError(f"sigil binary not found or not executable: {path} "
                             "(build it, or set SIGIL_BIN)")
    return path


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


# --------------------------------------------------------------------------------------------
# The server process


class SigilServer:
    """One `sigil server` process (and its restarts) over one data directory."""

    def __init__(self, data_dir=None, args=(), env=None, use_flags=True, listen="127.0.0.1:0"):
        self.tmp = tempfile.mkdtemp(prefix="sigil-it-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.args = list(args)
        self.extra_env = dict(env or {})
        self.use_flags = use_flags
        self.listen = listen
        self.stderr_path = os.path.join(self.tmp, "server-stderr.log")
        self.proc = None
        self.url = None
        self.port = None
        self.stdout_lines = []  # every stdout line of every run, guarded by _cond
        self._cond = threading.Condition()
        self._reader = None
        self._stderr_file = None

    # -- lifecycle ----------------------------------------------------------------------------

    def command(self):
        cmd = [sigil_binary(), "server"]
        if self.use_flags:
            cmd += ["--data-dir", self.data_dir, "--listen", self.listen]
        return cmd + self.args

    def start(self, timeout=20.0):
        """Starts the server and waits until it prints its URL; returns self."""
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        env = dict(os.environ)
        env.update(self.extra_env)
        self._stderr_file = open(self.stderr_path, "ab")
        first_line = len(self.stdout_lines)
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._stderr_file, env=env)
        self._reader = threading.Thread(target=self._read_stdout, args=(self.proc,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.stdout_lines[first_line:]:
                    m = URL_RE.search(line)
                    if m:
                        self.port = int(m.group(2))
                        self.url = f"{m.group(1)}://127.0.0.1:{self.port}"
                        return self
                remaining = deadline - time.monotonic()
                if self.proc.poll() is not None or remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.2))
        rc = self.proc.poll()
        if rc is None:
            self.proc.kill()
            self.proc.wait()
        raise AssertionError(
            f"sigil server did not print its URL within {timeout}s (exit code {rc}).\n"
            f"command: {' '.join(self.command())}\nstdout:\n{self.stdout()}\n"
            f"stderr (tail):\n{self.stderr()[-4000:]}")

    def _read_stdout(self, proc):
        for raw in iter(proc.stdout.readline, b""):
            with self._cond:
                self.stdout_lines.append(raw.decode("utf-8", "replace"))
                self._cond.notify_all()
        proc.stdout.close()
        with self._cond:
            self._cond.notify_all()

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Sends `sig` and waits for the exit; returns the exit code. Fails if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"sigil server did not exit within {timeout}s of signal {sig}")
        self._finish()
        return rc

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # SIGKILL
            self.proc.wait()
        self._finish()

    def restart(self, kill=False):
        if kill:
            self.kill9()
        else:
            self.stop()
        return self.start()

    def _finish(self):
        if self._reader is not None:
            self._reader.join(5)
            self._reader = None
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def close(self):
        """Stops the server (kill -9 if SIGTERM does not work) and removes the temp directory."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                try:
                    self.stop(timeout=10)
                except AssertionError:
                    pass
        finally:
            self.kill9()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- outputs ------------------------------------------------------------------------------

    def stdout(self):
        with self._cond:
            return "".join(self.stdout_lines)

    def stderr(self):
        if self._stderr_file is not None:
            self._stderr_file.flush()
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_for_stderr(self, predicate, timeout=5.0):
        """Polls the captured stderr until predicate(text) holds; returns the text (or the last)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.stderr()
            if predicate(text) or time.monotonic() > deadline:
                return text
            time.sleep(0.05)

    def log_records(self):
        """stderr lines that parse as JSON objects."""
        records = []
        for line in self.stderr().splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                records.append(obj)
        return records

    # -- credentials and clients --------------------------------------------------------------

    @property
    def credentials_path(self):
        return os.path.join(self.data_dir, "root-credentials")

    def root(self):
        """Root credentials from DIR/root-credentials ([default] profile)."""
        parser = configparser.ConfigParser()
        with open(self.credentials_path) as f:
            parser.read_file(f)
        section = parser["default"]
        return Creds(section["aws_access_key_id"].strip(),
                     section["aws_secret_access_key"].strip())

    def client(self, service, creds=None, verify=None, **config):
        return make_client(self.url, service, creds or self.root(), verify=verify, **config)

    def account_id(self):
        return self.client("sts").get_caller_identity()["Account"]


# Every secret, signature and session token the boto3 clients of this process have sent or
# received; ServerTestCase checks that none of them shows up in the server's output.
SENSITIVE = set()
_SIGNATURE_RE = re.compile(r"Signature=([0-9a-f]{64})")


def _record_sent(request, **_):
    for name in ("Authorization", "X-Amz-Security-Token"):
        value = request.headers.get(name)
        if isinstance(value, bytes):
            value = value.decode()
        if value and name == "Authorization":
            SENSITIVE.update(_SIGNATURE_RE.findall(value))
        elif value:
            SENSITIVE.add(value)


def _record_new_secret(parsed, **_):
    secret = (parsed or {}).get("AccessKey", {}).get("SecretAccessKey")
    if secret:
        SENSITIVE.add(secret)


def assert_no_sensitive_output(server):
    """Fails if any secret, signature or token boto3 handled appears in the server's output."""
    text = server.stdout() + server.stderr()
    leaked = sorted(v for v in SENSITIVE if v and len(v) >= 16 and v in text)
    if leaked:
        raise AssertionError(f"{len(leaked)} secret(s)/signature(s)/token(s) sent or received "
                             f"by boto3 appear in the server's stdout/stderr ({server.tmp})")


def make_client(url, service, creds, verify=None, **config):
    """A boto3 client for `service` at `url` with retries disabled (each error surfaces once).

    `verify` is boto3's: a CA bundle path for an HTTPS server with a private CA.
    """
    session = boto3.session.Session(aws_access_key_id=creds.access_key,
                                    aws_secret_access_key=creds.secret,
                                    aws_session_token=creds.token, region_name=REGION)
    cfg = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                 connect_timeout=5, read_timeout=30, **config)
    client = session.client(service, endpoint_url=url, config=cfg, verify=verify)
    SENSITIVE.add(creds.secret)
    if creds.token:
        SENSITIVE.add(creds.token)
    client.meta.events.register("before-send", _record_sent)
    client.meta.events.register("after-call.iam.CreateAccessKey", _record_new_secret)
    return client


class ServerTestCase(unittest.TestCase):
    """Base class: one server per test class (setUpClass), stopped in tearDownClass.

    Subclasses may set SERVER_ARGS. The server must exit cleanly on SIGTERM at the end.
    """

    SERVER_ARGS = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = SigilServer(args=cls.SERVER_ARGS)
        try:
            cls.server.start()
            cls.root = cls.server.root()
            cls.iam = cls.server.client("iam")
            cls.sts = cls.server.client("sts")
            cls.account = cls.sts.get_caller_identity()["Account"]
        except BaseException:
            cls.server.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            rc = cls.server.stop()
            if rc not in (0, None):
                raise AssertionError(f"sigil server exited with {rc} on SIGTERM; stderr tail:\n"
                                     f"{cls.server.stderr()[-3000:]}")
            assert_no_sensitive_output(cls.server)
        finally:
            cls.server.close()
            super().tearDownClass()

    # -- assertion helpers --------------------------------------------------------------------

    def assertClientError(self, code, status, fn, *args, **kwargs):
        """Calls a boto3 operation that must fail with AWS error `code` and HTTP `status`."""
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]),
                         (code, status), f"full error: {err.get('Error')}")
        self.assertTrue(err["ResponseMetadata"].get("RequestId"),
                        f"error response without a request id: {err}")
        return err

    def assertHttpError(self, resp, code, status, message=None, message_prefix=None):
        """A raw response is a query-protocol error with this code, status (and message)."""
        err = parse_error(resp)
        self.assertEqual((err.code, resp.status), (code, status),
                         f"body: {resp.body[:2000]!r}")
        self.assertEqual(err.type, "Sender", f"body: {resp.body[:2000]!r}")
        request_id = resp.header("x-amzn-RequestId")
        self.assertTrue(request_id, f"no x-amzn-RequestId header: {resp.headers}")
        self.assertEqual(err.request_id, request_id, "XML RequestId differs from header")
        if message is not None:
            self.assertEqual(err.message, message)
        if message_prefix is not None:
            self.assertTrue(err.message.startswith(message_prefix),
                            f"message {err.message!r} does not start with {message_prefix!r}")
        return err

    def create_user(self, name, **kwargs):
        return self.iam.create_user(UserName=name, **kwargs)["User"]

    def create_user_with_key(self, name, **kwargs):
        """Creates a user and one access key; returns (user, Creds)."""
        user = self.create_user(name, **kwargs)
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return user, Creds(key["AccessKeyId"], key["SecretAccessKey"])

    def wait_until(self, predicate, timeout=5.0, interval=0.1, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out after {timeout}s waiting for {what}")
            time.sleep(interval)


# --------------------------------------------------------------------------------------------
# Raw HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"Response({self.status}, {self.body[:300]!r})"


def http_request(url, method="GET", path="/", headers=None, body=b"", timeout=15.0):
    """One HTTP/1.1 request on a fresh connection; headers are sent exactly as given.

    `url` is the server base URL; `path` includes any query string. Host is added unless given.
    """
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if isinstance(headers, dict):
            headers = list(headers.items())
        else:
            headers = list(headers or [])
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", parts.netloc))
        if body and not any(k.lower() in ("content-length", "transfer-encoding")
                            for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, resp.getheaders(), data)
    finally:
        conn.close()


ErrorInfo = collections.namedtuple("ErrorInfo", "type code message request_id")


def _strip_ns(tag):
    return tag.split("}", 1)[-1]


def xml_find(root, path):
    """Finds the first element along a '/'-separated path of local names (namespaces ignored)."""
    node = root
    for name in path.split("/"):
        node = next((c for c in node if _strip_ns(c.tag) == name), None)
        if node is None:
            return None
    return node


def parse_xml(body):
    try:
        return ET.fromstring(body)
    except ET.ParseError as e:
        raise AssertionError(f"response is not XML ({e}): {body[:500]!r}")


def parse_error(resp):
    """Parses a query-protocol <ErrorResponse>; fails the test if the shape is wrong."""
    root = parse_xml(resp.body)
    if _strip_ns(root.tag) != "ErrorResponse":
        raise AssertionError(f"not an <ErrorResponse> (HTTP {resp.status}): {resp.body[:500]!r}")

    def text(path):
        node = xml_find(root, path)
        return node.text if node is not None and node.text is not None else None

    return ErrorInfo(text("Error/Type"), text("Error/Code"), text("Error/Message") or "",
                     text("RequestId"))


# --------------------------------------------------------------------------------------------
# SigV4: this module's own implementation (independent of botocore)

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def _uri_encode(s, safe="-_.~"):
    return urllib.parse.quote(s, safe=safe)


def canonical_query(pairs):
    encoded = sorted((_uri_encode(k), _uri_encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signing_key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def _canonical_headers(headers, signed):
    by_name = {}
    for k, v in headers:
        by_name.setdefault(k.lower(), []).append(" ".join(str(v).strip().split()))
    missing = [h for h in signed if h not in by_name]
    assert not missing, f"signed headers missing from the request: {missing}"
    return "".join(f"{h}:{','.join(by_name[h])}\n" for h in signed)


def signature_for(method, path, query_pairs, headers, signed, payload_hash, amz_date, creds,
                  region, service):
    """Returns (signature, canonical_request, string_to_sign) per the SigV4 spec (generic form)."""
    canonical_request = "\n".join([
        method, path, canonical_query(query_pairs), _canonical_headers(headers, signed),
        ";".join(signed), payload_hash])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope,
        hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = signing_key(creds.secret, amz_date[:8], region, service)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return signature, canonical_request, string_to_sign


class Signed:
    """A request signed by sign_v4: send() it, or tamper first (body, headers, authorization)."""

    def __init__(self, url, method, path, headers, body, signature, authorization):
        self.url = url
        self.method = method
        self.path = path
        self.headers = headers  # list of (name, value), Authorization included
        self.body = body
        self.signature = signature
        self.authorization = authorization

    def with_header(self, name, value):
        headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        if value is not None:
            headers.append((name, value))
        return Signed(self.url, self.method, self.path, headers, self.body, self.signature,
                      value if name.lower() == "authorization" else self.authorization)

    def with_body(self, body):
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        return Signed(self.url, self.method, self.path, headers, body, self.signature,
                      self.authorization)

    def send(self):
        return http_request(self.url, self.method, self.path, self.headers, self.body)


def sign_v4(url, creds, params=None, service="sts", region=REGION, when=None, method="POST",
            extra_headers=(), extra_signed=(), separator=", ", host_header_name="Host",
            content_sha256_header=False, body=None):
    """Signs a query-protocol request with the Authorization header.

    params go into a form-encoded body for POST, into the query string for GET. `when` is the
    signing time (default now), so skewed requests are simply signed in the past or future.
    """
    params = list((params or {}).items()) if isinstance(params, dict) else list(params or [])
    when = when or utcnow()
    amz_date = when.strftime(AMZ_DATE_FORMAT)
    netloc = urllib.parse.urlsplit(url).netloc
    query_pairs = []
    if method == "POST":
        if body is None:
            body = urllib.parse.urlencode(params).encode()
        headers = [(host_header_name, netloc),
                   ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                   ("X-Amz-Date", amz_date)]
    else:
        query_pairs = params
        body = body or b""
        headers = [(host_header_name, netloc), ("X-Amz-Date", amz_date)]
    if creds.token is not None:
        headers.append(("X-Amz-Security-Token", creds.token))
    payload_hash = hashlib.sha256(body).hexdigest()
    if content_sha256_header:
        headers.append(("X-Amz-Content-SHA256", payload_hash))
    headers += list(extra_headers)
    if body:
        headers.append(("Content-Length", str(len(body))))
    signed = sorted({"host", "x-amz-date"} | {h.lower() for h in extra_signed}
                    | ({"content-type"} if method == "POST" else set())
                    | ({"x-amz-security-token"} if creds.token is not None else set())
                    | ({"x-amz-content-sha256"} if content_sha256_header else set()))
    signature, _, _ = signature_for(method, "/", query_pairs, headers, signed, payload_hash,
                                    amz_date, creds, region, service)
    authorization = separator.join([
        f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{amz_date[:8]}/{region}/{service}"
        "/aws4_request",
        f"SignedHeaders={';'.join(signed)}", f"Signature={signature}"])
    headers.append(("Authorization", authorization))
    path = "/" + ("?" + urllib.parse.urlencode(query_pairs) if query_pairs else "")
    return Signed(url, method, path, headers, body, signature, authorization)


def presign_v4(url, creds, params, service="sts", region=REGION, when=None, expires=60):
    """Returns (path_with_query, signature) for a presigned GET (generic SigV4 query auth)."""
    params = list(params.items()) if isinstance(params, dict) else list(params)
    when = when or utcnow()
    amz_date = when.strftime(AMZ_DATE_FORMAT)
    netloc = urllib.parse.urlsplit(url).netloc
    auth = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential",
             f"{creds.access_key}/{amz_date[:8]}/{region}/{service}/aws4_request"),
            ("X-Amz-Date", amz_date), ("X-Amz-Expires", str(expires)),
            ("X-Amz-SignedHeaders", "host")]
    if creds.token is not None:
        auth.append(("X-Amz-Security-Token", creds.token))
    pairs = params + auth
    signature, _, _ = signature_for("GET", "/", pairs, [("host", netloc)], ["host"], EMPTY_SHA256,
                                    amz_date, creds, region, service)
    query = canonical_query(pairs) + "&X-Amz-Signature=" + signature
    return "/?" + query, signature


# --------------------------------------------------------------------------------------------
# SigV4 via botocore (what the real SDK does)


@contextlib.contextmanager
def botocore_clock(when):
    """Makes botocore's signers see `when` (UTC) as the current time, across botocore versions.

    Patches botocore.auth and, where awscrt is installed, botocore.crt.auth (older botocore
    signs with CRT when it is available); newer botocore reads get_current_datetime, older
    calls datetime.datetime.utcnow().
    """
    aware = when.astimezone(datetime.timezone.utc)
    naive = aware.replace(tzinfo=None)
    modules = [botocore.auth]
    try:
        modules.append(importlib.import_module("botocore.crt.auth"))
    except ImportError:
        pass

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return naive

        @classmethod
        def now(cls, tz=None):
            return aware.astimezone(tz) if tz else naive

    fake_datetime_module = mock.Mock(wraps=datetime)
    fake_datetime_module.datetime = FrozenDatetime
    fake_datetime_module.timezone = datetime.timezone
    with contextlib.ExitStack() as stack:
        for module in modules:
            if hasattr(module, "get_current_datetime"):
                stack.enter_context(mock.patch.object(
                    module, "get_current_datetime",
                    lambda remove_tzinfo=True: naive if remove_tzinfo else aware))
            if hasattr(module, "datetime"):
                stack.enter_context(mock.patch.object(module, "datetime", fake_datetime_module))
        yield


def _botocore_credentials(creds):
    return botocore.credentials.Credentials(creds.access_key, creds.secret, creds.token)


def botocore_signed_request(url, creds, params, service="sts", region=REGION, when=None):
    """A POST form request signed by botocore's SigV4Auth; returns a Signed."""
    body = urllib.parse.urlencode(params).encode()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=url + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    signer = botocore.auth.SigV4Auth(_botocore_credentials(creds), service, region)
    with (botocore_clock(when) if when else contextlib.nullcontext()):
        signer.add_auth(req)
    prepared = req.prepare()
    auth = prepared.headers["Authorization"]
    signature = auth.rsplit("Signature=", 1)[1]
    headers = [(k, v) for k, v in prepared.headers.items()]
    return Signed(url, "POST", "/", headers, body, signature, auth)


def botocore_presigned_path(url, creds, params, service="sts", region=REGION, expires=60,
                            when=None):
    """Returns (path_with_query, signature) for a GET presigned by botocore's SigV4QueryAuth."""
    query = urllib.parse.urlencode(params)
    req = botocore.awsrequest.AWSRequest(method="GET", url=f"{url}/?{query}")
    signer = botocore.auth.SigV4QueryAuth(_botocore_credentials(creds), service, region,
                                          expires=expires)
    with (botocore_clock(when) if when else contextlib.nullcontext()):
        signer.add_auth(req)
    prepared = req.prepare()
    parts = urllib.parse.urlsplit(prepared.url)
    signature = urllib.parse.parse_qs(parts.query)["X-Amz-Signature"][0]
    return f"{parts.path}?{parts.query}", signature


GCI = {"Action": "GetCallerIdentity", "Version": STS_VERSION}


# --------------------------------------------------------------------------------------------
# The AWS CLIs


CliResult = collections.namedtuple("CliResult", "rc stdout stderr")


class AwsCli:
    """One AWS CLI executable, run with a private HOME and AWS config/credentials files."""

    def __init__(self, label, path):
        self.label = label
        self.path = path
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60,
                             env=self.base_env(_PRIVATE_AWS_DIR))
        self.version = (out.stdout + out.stderr).strip()
        m = re.search(r"aws-cli/(\d+)\.", self.version)
        if not m:
            raise AssertionError(f"{path} --version printed {self.version!r}")
        self.major = int(m.group(1))
        # v2 exits 254 on a service error; v1 exits 255 for every error.
        self.service_error_rc = 254 if self.major >= 2 else 255

    @staticmethod
    def base_env(home):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "HOME": home,
            "AWS_CONFIG_FILE": os.path.join(home, ".aws", "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws", "credentials"),
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_CLI_AUTO_PROMPT": "off",
        })
        return env

    def run(self, args, home, endpoint=None, env=None, input=None, timeout=60):
        """Runs `aws [--endpoint-url endpoint] args...`; returns CliResult."""
        cmd = [self.path] + (["--endpoint-url", endpoint] if endpoint else []) + list(args)
        full_env = self.base_env(home)
        full_env.update(env or {})
        out = subprocess.run(cmd, capture_output=True, text=True, input=input, env=full_env,
                             timeout=timeout, cwd=home)
        return CliResult(out.returncode, out.stdout, out.stderr)

    def __repr__(self):
        return f"AwsCli({self.label}, {self.path}, {self.version})"


def _resolve_pyenv_shim(path):
    """pyenv shims add ~0.15 s per run; resolve to the real executable when possible."""
    if "/shims/" not in path:
        return path
    try:
        out = subprocess.run(["pyenv", "which", os.path.basename(path)], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return path
    real = out.stdout.strip()
    return real if out.returncode == 0 and real and os.access(real, os.X_OK) else path


def optional_clis():
    """Other `aws` executables on PATH (e.g. a newer botocore-based CLI v1 from pip/pyenv)."""
    found = []
    seen = {os.path.realpath(DEBIAN_AWS_CLI)}
    for d in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(d, "aws")
        if not os.access(candidate, os.X_OK) or os.path.isdir(candidate):
            continue
        resolved = _resolve_pyenv_shim(candidate)
        real = os.path.realpath(resolved)
        if real in seen:
            continue
        seen.add(real)
        found.append(resolved)
    return found


def all_clis():
    """[(label, path)]: Debian's CLI (always listed, required) then any other CLI on PATH."""
    clis = [("debian-v2", DEBIAN_AWS_CLI)]
    for i, path in enumerate(optional_clis()):
        clis.append((f"path-{i}", path))
    return clis


def cli_error_code(stderr):
    m = CLI_ERROR_RE.search(stderr)
    return m.group(1) if m else None
