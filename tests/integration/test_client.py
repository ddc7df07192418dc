"""The credential-hardening client against a live server: configure, vault import, whoami,
session, assume, exec, credential-process (consumed by the real AWS CLI) and mfa enable, with
their failure paths. Rotation is in test_client_rotate.py, doctor and scan in
test_client_audit.py."""

import json
import os
import pty
import re
import select
import subprocess
import threading
import time
import unittest

import sigil_harness as h
from client_harness import PASSPHRASE, ClientTestCase, fresh_totp_step, totp
from test_tls import TlsFiles

SESSION_KEY_RE = re.compile(r"^ASIA[A-Z0-9]{16}$")


def parse_exports(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"^export (\w+)='(.*)'$", line) or re.match(r"^export (\w+)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


class ConfigureTest(ClientTestCase):

    def test_configure_keeps_the_secret_out_of_the_aws_files(self):
        creds = self.user_with_key("cfg-alice")
        # An existing plaintext profile and a comment: both must survive untouched.
        self.write(self.config_path, "# my settings\n[profile other]\nregion = eu-west-1\n")
        out = self.configure("dev", creds)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(f"Stored {creds.access_key} for profile dev in the vault", out.stdout)
        config = self.read(self.config_path)
        self.assertTrue(config.startswith("# my settings\n[profile other]\nregion = eu-west-1\n"))
        self.assertIn("[profile dev]\ncredential_process = " + h.sigil_binary() +
                      " credential-process --profile dev\n", config)
        self.assertIn(f"endpoint_url = {self.server.url}\n", config)
        self.assertFalse(os.path.exists(self.credentials_path))
        self.assertEqual(self.mode_of(self.config_path), 0o600)
        self.assertEqual(self.mode_of(self.vault_path), 0o600)
        self.assertNoPlaintext(creds.secret, creds.access_key)
        # The real AWS CLI gets temporary credentials through credential_process.
        who = self.aws_json("sts", "get-caller-identity", "--profile", "dev")
        self.assertEqual(who["Arn"], self.user_arn("cfg-alice"))

    def test_configure_refuses_root_keys_unless_forced(self):
        out = self.configure("root", self.root)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"this is an access key of the root user (arn:aws:iam::{self.account}:root)"
                      "; AWS recommends deleting root keys and using an IAM user's instead. "
                      "Pass --force to store it anyway", out.stderr)
        self.assertFalse(os.path.exists(self.vault_path))
        out = self.configure("root", self.root, "--force")
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_configure_rejects_bad_keys(self):
        creds = self.user_with_key("cfg-bad")
        out = self.configure("dev", h.Creds(creds.access_key, creds.secret[:-1] + "x"))
        self.assertEqual(out.returncode, 1)
        self.assertIn("STS GetCallerIdentity: SignatureDoesNotMatch", out.stderr)
        self.assertIn("pass --no-verify to store it unchecked", out.stderr)
        self.assertNotIn(creds.secret[:-1], out.stderr + out.stdout)
        out = self.configure("dev", h.Creds("ASIA" + creds.access_key[4:], creds.secret))
        self.assertEqual(out.returncode, 1)
        self.assertIn("that is not a long-term access key id", out.stderr)
        # Unreachable endpoint: says what to check.
        out = self.sigil("configure", "--profile", "dev", "--endpoint-url", "http://127.0.0.1:1",
                         input=f"{creds.access_key}\n{creds.secret}\n\n\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("no response from http://127.0.0.1:1/", out.stderr)
        self.assertIn("check the endpoint URL and that the server is reachable", out.stderr)

    def test_vault_import_moves_plaintext_keys(self):
        a = self.user_with_key("imp-a")
        b = self.user_with_key("imp-b")
        self.write(self.credentials_path,
                   "# keys\n"
                   f"[default]\naws_access_key_id = {a.access_key}\n"
                   f"aws_secret_access_key = {a.secret}\n"
                   f"[b]\naws_access_key_id: {b.access_key}\naws_secret_access_key: {b.secret}\n"
                   "region = eu-west-1\n"
                   "[temp]\naws_access_key_id = ASIAEXAMPLEEXAMPLE00\n"
                   "aws_secret_access_key = x\naws_session_token = y\n")
        self.write(self.config_path, f"[default]\nendpoint_url = {self.server.url}\n"
                                     f"[profile b]\nendpoint_url = {self.server.url}\n")
        out = self.sigil_ok("vault", "import")
        self.assertIn("2 key(s) moved to", out.stdout)
        self.assertIn("skipping profile temp: its key is temporary", out.stderr)
        creds_text = self.read(self.credentials_path)
        self.assertEqual(creds_text, "# keys\n[b]\nregion = eu-west-1\n[temp]\n"
                                     "aws_access_key_id = ASIAEXAMPLEEXAMPLE00\n"
                                     "aws_secret_access_key = x\naws_session_token = y\n")
        self.assertNoPlaintext(a.secret, b.secret)
        for profile, user in (("default", "imp-a"), ("b", "imp-b")):
            who = self.aws_json("sts", "get-caller-identity", "--profile", profile)
            self.assertEqual(who["Arn"], self.user_arn(user))
        # Nothing left to import.
        self.assertIn("No plaintext long-term keys found", self.sigil_ok("vault", "import").stdout)

    def test_wrong_passphrase_and_no_passphrase(self):
        self.configured_user("pp-user")
        with open(os.path.join(self.home, "wrong"), "w") as f:
            f.write("not the passphrase\n")
        self.sigil_fails("credential-process", "--profile", "dev",
                         env={"SIGIL_VAULT_PASSPHRASE_FILE": os.path.join(self.home, "wrong")},
                         message="wrong passphrase or key file for the vault")
        self.sigil_fails("credential-process", "--profile", "dev",
                         env={"SIGIL_VAULT_PASSPHRASE_FILE": None},
                         message="set SIGIL_VAULT_PASSPHRASE_FILE or SIGIL_VAULT_KEY_FILE")


class TerminalTest(ClientTestCase):
    """Prompts on a real terminal (a pseudo-terminal): secrets and passphrases are not echoed."""

    def run_in_terminal(self, args, dialogue, env=None):
        """Runs `sigil ARGS` on a new pseudo-terminal, answering each (prompt, answer) of
        `dialogue` in order; returns (exit code, everything the terminal showed)."""
        full_env = self.env(env)
        pid, fd = pty.fork()
        if pid == 0:  # the child: its stdin, stdout, stderr and /dev/tty are the terminal
            os.execve(h.sigil_binary(), [h.sigil_binary()] + list(args), full_env)
        shown = b""
        seen = 0
        pending = list(dialogue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            shown += data
            while pending and pending[0][0].encode() in shown[seen:]:
                seen = shown.index(pending[0][0].encode(), seen) + len(pending[0][0])
                os.write(fd, (pending.pop(0)[1] + "\n").encode())
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(pending, [], f"prompts never shown; the terminal showed:\n{shown!r}")
        return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")

    def test_prompts_without_echo(self):
        creds = self.user_with_key("tty-alice")
        no_file = {"SIGIL_VAULT_PASSPHRASE_FILE": None}
        rc, shown = self.run_in_terminal(
            ["configure", "--profile", "dev", "--endpoint-url", self.server.url],
            [("AWS Access Key ID: ", creds.access_key), ("AWS Secret Access Key: ", creds.secret),
             ("Default region name [None]: ", ""), ("Default output format [None]: ", ""),
             ("New vault passphrase: ", PASSPHRASE), ("Repeat the passphrase: ", PASSPHRASE)],
            env=no_file)
        self.assertEqual(rc, 0, shown)
        self.assertIn(creds.access_key, shown)  # the key id is echoed, as in aws configure
        self.assertNotIn(creds.secret, shown)
        self.assertNotIn(PASSPHRASE, shown)
        rc, shown = self.run_in_terminal(["whoami", "--profile", "dev"],
                                         [("Vault passphrase: ", PASSPHRASE)], env=no_file)
        self.assertEqual(rc, 0, shown)
        self.assertIn(self.user_arn("tty-alice"), shown)
        rc, shown = self.run_in_terminal(["whoami", "--profile", "dev"],
                                         [("Vault passphrase: ", "wrong passphrase")],
                                         env=no_file)
        self.assertEqual(rc, 1)
        self.assertIn("wrong passphrase or key file for the vault", shown)


class IdentityAndSessionTest(ClientTestCase):

    def test_whoami_long_term_and_temporary(self):
        creds = self.configured_user("who-alice")
        out = json.loads(self.sigil_ok("whoami", "--profile", "dev", "--json").stdout)
        self.assertEqual(out["Arn"], self.user_arn("who-alice"))
        self.assertEqual(out["Account"], self.account)
        self.assertEqual(out["KeyType"], "temporary")
        self.assertRegex(out["AccessKeyId"], SESSION_KEY_RE)
        self.assertEqual(out["MFA"], "no")
        self.assertIsNotNone(out["Expiration"])
        # Plaintext keys in the environment: long-term, and root is flagged.
        out = self.sigil_ok("whoami", "--endpoint-url", self.server.url,
                            env={"AWS_ACCESS_KEY_ID": creds.access_key,
                                 "AWS_SECRET_ACCESS_KEY": creds.secret})
        self.assertIn(f"Key:        {creds.access_key} (long-term)", out.stdout)
        self.assertIn("Expires:    never (long-term key)", out.stdout)
        self.assertIn("Source:     environment", out.stdout)
        out = self.sigil_ok("whoami", "--endpoint-url", self.server.url,
                            env={"AWS_ACCESS_KEY_ID": self.root.access_key,
                                 "AWS_SECRET_ACCESS_KEY": self.root.secret})
        self.assertIn("warning: these are root credentials", out.stderr)
        # No credentials anywhere.
        self.sigil_fails("whoami", "--profile", "nope", message="the config profile (nope) could "
                         "not be found")
        # The AWS_ENDPOINT_URL variable is honoured for every call (here: a dead one).
        self.sigil_fails("whoami", env={"AWS_ACCESS_KEY_ID": creds.access_key,
                                        "AWS_SECRET_ACCESS_KEY": creds.secret,
                                        "AWS_ENDPOINT_URL": "http://127.0.0.1:1"},
                         message="no response from http://127.0.0.1:1/")

    def test_session_is_cached_and_exported(self):
        self.configured_user("sess-alice")
        first = parse_exports(self.sigil_ok("session", "--profile", "dev").stdout)
        self.assertRegex(first["AWS_ACCESS_KEY_ID"], SESSION_KEY_RE)
        self.assertIn("AWS_SESSION_TOKEN", first)
        self.assertIn("AWS_CREDENTIAL_EXPIRATION", first)
        h.SENSITIVE.update([first["AWS_SECRET_ACCESS_KEY"], first["AWS_SESSION_TOKEN"]])
        again = json.loads(self.sigil_ok("session", "--profile", "dev", "--json").stdout)
        self.assertEqual(list(again), ["Version", "AccessKeyId", "SecretAccessKey",
                                       "SessionToken", "Expiration"])
        self.assertEqual(again["Version"], 1)
        self.assertEqual(again["AccessKeyId"], first["AWS_ACCESS_KEY_ID"])  # from the cache
        fresh = json.loads(self.sigil_ok("session", "--profile", "dev", "--json",
                                         "--refresh").stdout)
        self.assertNotEqual(fresh["AccessKeyId"], first["AWS_ACCESS_KEY_ID"])
        # The session works with the CLI, and the cache is not in plaintext.
        who = self.aws_json("sts", "get-caller-identity", env={
            "AWS_ACCESS_KEY_ID": fresh["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": fresh["SecretAccessKey"],
            "AWS_SESSION_TOKEN": fresh["SessionToken"]})
        self.assertEqual(who["Arn"], self.user_arn("sess-alice"))
        self.assertNoPlaintext(fresh["SecretAccessKey"], fresh["SessionToken"])
        # A duration the service refuses.
        self.sigil_fails("session", "--profile", "dev", "--duration", "60", "--refresh",
                         message="STS GetSessionToken: ValidationError")

    def test_endpoint_settings_reach_every_call(self):
        self.configured_user("ep-alice")
        config = self.read(self.config_path)
        # The profile's endpoint_url replaced by a [services] section.
        self.write(self.config_path, config.replace(
            f"endpoint_url = {self.server.url}\n", "services = local\n") +
            f"[services local]\nsts =\n  endpoint_url = {self.server.url}\n")
        self.sigil_ok("session", "--profile", "dev", "--refresh")
        # AWS_ENDPOINT_URL_STS beats the configuration, and AWS_ENDPOINT_URL beats nothing
        # more specific.
        self.write(self.config_path, config.replace(self.server.url, "http://127.0.0.1:1"))
        self.sigil_fails("session", "--profile", "dev", "--refresh",
                         message="no response from http://127.0.0.1:1/")
        self.sigil_ok("session", "--profile", "dev", "--refresh",
                      env={"AWS_ENDPOINT_URL_STS": self.server.url})
        self.sigil_ok("session", "--profile", "dev", "--refresh",
                      env={"AWS_ENDPOINT_URL": self.server.url})
        self.sigil_fails("session", "--profile", "dev", "--refresh",
                         env={"AWS_ENDPOINT_URL": self.server.url,
                              "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"},
                         message="no response from http://127.0.0.1:1/")
        # --endpoint-url beats everything.
        self.sigil_ok("session", "--profile", "dev", "--refresh", "--endpoint-url",
                      self.server.url, env={"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"})

    def test_mfa_session_shared_by_device(self):
        creds = self.configured_user("mfa-alice")
        serial, seed, step = self.enable_mfa("mfa-alice", creds)
        h.SENSITIVE.add(seed)
        with open(self.config_path, "a") as f:
            f.write(f"mfa_serial = {serial}\n")
        # A second profile for the same user and device.
        self.assertEqual(self.configure("work", creds).returncode, 0)
        with open(self.config_path, "a") as f:
            f.write(f"mfa_serial = {serial}\n")
        self.sigil_fails("session", "--profile", "dev",
                         message="profile dev needs an MFA code (mfa_serial " + serial +
                         ") and there is no terminal to ask: run `sigil session --profile dev "
                         "--mfa-code CODE`")
        self.sigil_fails("session", "--profile", "dev", "--mfa-code", "12345",
                         message="an MFA code is six digits")
        code = totp(seed, step + 1)
        wrong = f"{(int(code) + 500000) % 1000000:06d}"
        self.sigil_fails("session", "--profile", "dev", "--mfa-code", wrong,
                         message="STS GetSessionToken: AccessDenied")
        out = json.loads(self.sigil_ok("session", "--profile", "dev", "--mfa-code", code,
                                       "--json").stdout)
        who = json.loads(self.sigil_ok("whoami", "--profile", "dev", "--json").stdout)
        self.assertEqual(who["MFA"], "yes")
        self.assertEqual(who["AccessKeyId"], out["AccessKeyId"])
        # The other profile with the same device reuses the session: no code needed.
        shared = json.loads(self.sigil_ok("credential-process", "--profile", "work").stdout)
        self.assertEqual(shared["AccessKeyId"], out["AccessKeyId"])
        # MFA session credentials reach IAM through the AWS CLI.
        users = self.aws_json("iam", "list-users", "--profile", "work")["Users"]
        self.assertIn("mfa-alice", [u["UserName"] for u in users])

    def test_assume_role_by_arn_and_profile(self):
        self.configured_user("as-alice")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": self.user_arn("as-alice")},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"StringEquals": {"sts:ExternalId": "ext-42"}}}]})
        role_arn = self.iam.create_role(RoleName="as-role",
                                        AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        self.sigil_fails("assume", role_arn, "--profile", "dev",
                         message="STS AssumeRole: AccessDenied")
        out = parse_exports(self.sigil_ok("assume", role_arn, "--profile", "dev", "--external-id",
                                          "ext-42", "--session-name", "cli-test").stdout)
        h.SENSITIVE.update([out["AWS_SECRET_ACCESS_KEY"], out["AWS_SESSION_TOKEN"]])
        who = self.aws_json("sts", "get-caller-identity", env={
            "AWS_ACCESS_KEY_ID": out["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": out["AWS_SECRET_ACCESS_KEY"],
            "AWS_SESSION_TOKEN": out["AWS_SESSION_TOKEN"]})
        self.assertEqual(who["Arn"], f"arn:aws:sts::{self.account}:assumed-role/as-role/cli-test")
        # A role profile with source_profile: by sigil, and by the AWS CLI itself with the
        # source credentials coming from sigil's credential_process.
        with open(self.config_path, "a") as f:
            f.write(f"[profile admin]\nrole_arn = {role_arn}\nsource_profile = dev\n"
                    "external_id = ext-42\nrole_session_name = from-profile\n")
        out = json.loads(self.sigil_ok("assume", "admin", "--json", "--endpoint-url",
                                       self.server.url).stdout)
        self.assertRegex(out["AccessKeyId"], SESSION_KEY_RE)
        again = json.loads(self.sigil_ok("assume", "admin", "--json", "--endpoint-url",
                                         self.server.url).stdout)
        self.assertEqual(again["AccessKeyId"], out["AccessKeyId"])  # cached
        # The AWS CLI v2 in Debian (2.9) sends a role profile's AssumeRole to AWS itself, whatever
        # --endpoint-url says; sigil's credential_process serves the role session instead.
        with open(self.config_path, "a") as f:
            f.write(f"endpoint_url = {self.server.url}\n[profile admin-cp]\ncredential_process = "
                    f"{h.sigil_binary()} credential-process --profile admin\n")
        who = self.aws_json("sts", "get-caller-identity", "--profile", "admin-cp")
        self.assertEqual(who["Arn"],
                         f"arn:aws:sts::{self.account}:assumed-role/as-role/from-profile")
        # Tags: passed to AssumeRole, never cached.
        tagged = json.loads(self.sigil_ok("assume", "admin", "--json", "--endpoint-url",
                                          self.server.url, "--tag", "team=blue").stdout)
        self.assertNotEqual(tagged["AccessKeyId"], out["AccessKeyId"])
        self.sigil_fails("assume", "admin", "--tag", "novalue", message="--tag takes KEY=VALUE")
        self.sigil_fails("assume", "dev", message="profile dev has no role_arn")

    def test_exec_runs_with_temporary_credentials_only(self):
        creds = self.configured_user("ex-alice")
        script = ("import os, json; print(json.dumps({k: v for k, v in os.environ.items() "
                  "if k.startswith(('AWS_', 'SIGIL_EXEC'))}))")
        out = self.sigil_ok("exec", "--profile", "dev", "--", "python3", "-c", script)
        env = json.loads(out.stdout)
        h.SENSITIVE.update([env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]])
        self.assertRegex(env["AWS_ACCESS_KEY_ID"], SESSION_KEY_RE)
        self.assertNotEqual(env["AWS_SECRET_ACCESS_KEY"], creds.secret)
        self.assertIn("AWS_CREDENTIAL_EXPIRATION", env)
        self.assertNotIn("AWS_PROFILE", env)
        self.assertEqual(env["SIGIL_EXEC_PROFILE"], "dev")
        # The AWS CLI inside exec.
        out = self.sigil_ok("exec", "--profile", "dev", "--", self.cli.path, "--endpoint-url",
                            self.server.url, "sts", "get-caller-identity")
        self.assertEqual(json.loads(out.stdout)["Arn"], self.user_arn("ex-alice"))
        # Nesting is refused; a missing program says so.
        self.sigil_fails("exec", "--profile", "dev", "--", "true",
                         env={"SIGIL_EXEC_PROFILE": "dev"},
                         message="already inside `sigil exec` for profile dev")
        self.sigil_fails("exec", "--profile", "dev", "--", "no-such-program-xyz", rc=127,
                         message="cannot run no-such-program-xyz")
        self.sigil_fails("exec", "--profile", "dev", message="no command")

    def test_credential_process_contract_and_errors(self):
        self.configured_user("cp-alice")
        out = json.loads(self.sigil_ok("credential-process", "--profile", "dev").stdout)
        self.assertEqual(out["Version"], 1)
        self.assertRegex(out["Expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.sigil_fails("credential-process", message="name the profile")
        self.sigil_fails("credential-process", "--profile", "ghost",
                         message="profile ghost has no long-term access key")
        # The AWS CLI shows a failing credential_process as an error, and sigil's message.
        with open(self.config_path, "a") as f:
            f.write(f"[profile broken]\ncredential_process = {h.sigil_binary()} "
                    "credential-process --profile ghost\n")
        res = self.aws("sts", "get-caller-identity", "--profile", "broken")
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("profile ghost has no long-term access key", res.stderr)


class MfaEnableTest(ClientTestCase):

    def test_mfa_enable_shows_the_code_once_and_enables(self):
        self.configured_user("en-alice")
        fresh_totp_step(margin=10)
        proc = subprocess.Popen([h.sigil_binary(), "mfa", "enable", "--profile", "dev"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env(), cwd=self.home)
        watchdog = threading.Timer(90, proc.kill)  # never hang the suite on a prompt
        watchdog.start()
        self.addCleanup(watchdog.cancel)
        lines = []
        seed = None
        while seed is None and len(lines) < 200:
            line = proc.stdout.readline()
            if not line:
                proc.kill()
                self.fail(f"no seed printed; stdout: {''.join(lines)}\nstderr: {proc.stderr.read()}")
            lines.append(line)
            if lines[-2:-1] == ["Or enter this seed by hand (shown once, never stored by "
                                "sigil):\n"]:
                seed = line.strip()
        self.assertIsNotNone(seed, "".join(lines))
        h.SENSITIVE.add(seed)
        step = int(time.time()) // 30
        stdout, stderr = proc.communicate(f"{totp(seed, step - 1)}\n{totp(seed, step)}\n",
                                          timeout=60)
        self.assertEqual(proc.returncode, 0, stderr)
        text = "".join(lines)
        self.assertIn("\u2588", text)  # the QR code drawn with blocks
        serial = f"arn:aws:iam::{self.account}:mfa/en-alice"
        self.assertIn(f"MFA device {serial} is enabled for en-alice", stdout)
        self.assertIn(f"mfa_serial = {serial}", self.read(self.config_path))
        devices = self.iam.list_mfa_devices(UserName="en-alice")["MFADevices"]
        self.assertEqual([d["SerialNumber"] for d in devices], [serial])
        self.assertNotIn(seed, self.all_home_text())
        # A second device is refused with the serial to use.
        self.sigil_fails("mfa", "enable", "--profile", "dev",
                         message=f"user en-alice already has an MFA device ({serial})")

    def test_mfa_enable_wrong_codes_removes_the_device(self):
        self.configured_user("en-bob")
        out = self.sigil("mfa", "enable", "--profile", "dev", "--code1", "000000", "--code2",
                         "000001")
        self.assertEqual(out.returncode, 1)
        self.assertIn("IAM EnableMFADevice: InvalidAuthenticationCode", out.stderr)
        self.assertIn("the device was removed", out.stderr)
        left = [d["SerialNumber"] for d in self.iam.list_virtual_mfa_devices()["VirtualMFADevices"]
                if d["SerialNumber"].endswith("/en-bob")]
        self.assertEqual(left, [])
        self.sigil_fails("mfa", "enable", "--endpoint-url", self.server.url,
                         env={"AWS_ACCESS_KEY_ID": None},
                         message="profile default has no long-term access key")


class HttpsTest(ClientTestCase):
    """The client over HTTPS: the server's private CA through AWS_CA_BUNDLE or --ca-bundle."""

    @classmethod
    def setUpClass(cls):
        cls.files = TlsFiles()
        cls.server = h.SigilServer(data_dir=cls.files.data_dir, args=cls.files.server_args())
        try:
            cls.server.start()
            cls.root = cls.server.root()
            cls.iam = cls.server.client("iam", verify=cls.files.ca)
            cls.sts = cls.server.client("sts", verify=cls.files.ca)
            cls.account = cls.sts.get_caller_identity()["Account"]
        except BaseException:
            cls.server.close()
            cls.files.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.files.close()

    def test_ca_bundle(self):
        self.assertTrue(self.server.url.startswith("https://"))
        creds = {"AWS_ACCESS_KEY_ID": self.root.access_key,
                 "AWS_SECRET_ACCESS_KEY": self.root.secret}
        out = self.sigil("whoami", "--endpoint-url", self.server.url, env=creds)
        self.assertEqual(out.returncode, 1)
        self.assertIn("set AWS_CA_BUNDLE (or --ca-bundle) to the CA certificate", out.stderr)
        out = self.sigil_ok("whoami", "--endpoint-url", self.server.url,
                            env=dict(creds, AWS_CA_BUNDLE=self.files.ca))
        self.assertIn(f"arn:aws:iam::{self.account}:root", out.stdout)
        out = self.sigil_ok("whoami", "--endpoint-url", self.server.url, "--ca-bundle",
                            self.files.ca, env=creds)
        self.assertIn(f"arn:aws:iam::{self.account}:root", out.stdout)


if __name__ == "__main__":
    unittest.main()
