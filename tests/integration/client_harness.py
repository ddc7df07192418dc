"""Shared setup for the client command tests (test_client*.py): a live `sigil server`, a private
HOME with its own AWS files and vault passphrase per test, and helpers that run `sigil` client
commands and the real AWS CLI against that HOME. No test touches the real ~/.aws."""

import json
import os
import shutil
import stat
import subprocess
import tempfile
import time

import sigil_harness as h
from test_iam_mfa import totp

TOTP_STEP = 30
PASSPHRASE = "correct horse battery staple"
ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def fresh_totp_step(margin):
    """The current TOTP step, after waiting for the next one when fewer than `margin` seconds
    of the current step remain."""
    into = time.time() % TOTP_STEP
    if into > TOTP_STEP - margin:
        time.sleep(TOTP_STEP - into + 0.1)
    return int(time.time()) // TOTP_STEP


class ClientTestCase(h.ServerTestCase):
    """One server per class; a fresh HOME (AWS files, vault) per test."""

    def setUp(self):
        super().setUp()
        self.home = tempfile.mkdtemp(prefix="sigil-client-home-")
        self.addCleanup(shutil.rmtree, self.home, True)
        self.aws_dir = os.path.join(self.home, ".aws")
        self.config_path = os.path.join(self.aws_dir, "config")
        self.credentials_path = os.path.join(self.aws_dir, "credentials")
        self.vault_path = os.path.join(self.aws_dir, "sigil", "vault")
        self.passphrase_file = os.path.join(self.home, "passphrase")
        with open(self.passphrase_file, "w") as f:
            f.write(PASSPHRASE + "\n")
        self.cli = h.AwsCli("debian", h.DEBIAN_AWS_CLI)

    # -- running things -----------------------------------------------------------------------

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SIGIL_"))}
        env.update({
            "HOME": self.home,
            "AWS_CONFIG_FILE": self.config_path,
            "AWS_SHARED_CREDENTIALS_FILE": self.credentials_path,
            "AWS_DEFAULT_REGION": h.REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "SIGIL_VAULT_PASSPHRASE_FILE": self.passphrase_file,
        })
        env.update(extra or {})
        return {k: v for k, v in env.items() if v is not None}

    def sigil(self, *args, input=None, env=None, timeout=120):
        """Runs `sigil ARGS` with this test's HOME; returns CompletedProcess (text)."""
        return subprocess.run([h.sigil_binary()] + list(args), input=input, text=True,
                              capture_output=True, env=self.env(env), cwd=self.home,
                              timeout=timeout, stdin=None if input is not None else
                              subprocess.DEVNULL)

    def sigil_ok(self, *args, **kwargs):
        out = self.sigil(*args, **kwargs)
        self.assertEqual(out.returncode, 0, f"sigil {' '.join(args)} failed:\n{out.stderr}")
        return out

    def sigil_fails(self, *args, message, rc=1, **kwargs):
        """`sigil ARGS` exits `rc` with "sigil: CMD: …" containing `message` on stderr."""
        out = self.sigil(*args, **kwargs)
        self.assertEqual(out.returncode, rc, f"stdout:\n{out.stdout}\nstderr:\n{out.stderr}")
        self.assertIn(message, out.stderr)
        return out

    def aws(self, *args, env=None):
        """The Debian AWS CLI v2 with this HOME's files, at the server."""
        full_env = self.env(env)
        full_env["AWS_MAX_ATTEMPTS"] = "1"
        cmd = [self.cli.path, "--endpoint-url", self.server.url] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=self.home,
                              timeout=120)

    def aws_json(self, *args, env=None):
        out = self.aws(*args, env=env)
        self.assertEqual(out.returncode, 0, f"aws {' '.join(args)}:\n{out.stderr}")
        return json.loads(out.stdout)

    # -- fixtures -----------------------------------------------------------------------------

    def user_with_key(self, name):
        """An IAM user allowed everything, with one access key; returns Creds."""
        self.iam.create_user(UserName=name)
        self.iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=ALLOW_ALL)
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        h.SENSITIVE.add(key["SecretAccessKey"])
        return h.Creds(key["AccessKeyId"], key["SecretAccessKey"])

    def configure(self, profile, creds, *extra):
        """`sigil configure --profile P` answering the prompts on stdin; returns the result."""
        answers = f"{creds.access_key}\n{creds.secret}\n{h.REGION}\njson\n"
        return self.sigil("configure", "--profile", profile, "--endpoint-url", self.server.url,
                          *extra, input=answers)

    def configured_user(self, name, profile="dev"):
        creds = self.user_with_key(name)
        out = self.configure(profile, creds)
        self.assertEqual(out.returncode, 0, out.stderr)
        return creds

    def user_arn(self, name):
        return f"arn:aws:iam::{self.account}:user/{name}"

    def keys_of(self, user):
        return {k["AccessKeyId"]: k["Status"]
                for k in self.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}

    def read(self, path):
        with open(path) as f:
            return f.read()

    def write(self, path, text, mode=0o600):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)

    def all_home_text(self):
        """Every file under HOME, concatenated (to prove no secret is stored in plaintext)."""
        chunks = []
        for root, _, files in os.walk(self.home):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    chunks.append(f.read().decode("utf-8", "replace"))
        return "\n".join(chunks)

    def assertNoPlaintext(self, *secrets):
        text = self.all_home_text()
        for s in secrets:
            self.assertNotIn(s, text, "a secret is stored in plaintext under HOME")

    def mode_of(self, path):
        return stat.S_IMODE(os.stat(path).st_mode)

    def enable_mfa(self, user, creds):
        """A virtual MFA device for `user`, enabled; returns (serial, seed, last used step)."""
        device = self.iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        seed = device["Base32StringSeed"].decode() if isinstance(device["Base32StringSeed"],
                                                                 bytes) else \
            device["Base32StringSeed"]
        h.SENSITIVE.add(seed)
        step = fresh_totp_step(margin=8)
        self.iam.enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                                   AuthenticationCode1=totp(seed, step - 1),
                                   AuthenticationCode2=totp(seed, step))
        return device["SerialNumber"], seed, step
