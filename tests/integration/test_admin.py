"""`sigil admin` on a server's data folder: `account create` while the server runs (the server
picks the new account up within about a second) and while it is stopped, the new root
credentials used with the AWS CLI, `account list`, `session-keys rotate`, and the refusals
(world-readable or missing master key, unknown folder, duplicate or invalid names)."""

import configparser
import datetime
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import sigil_harness as h

CREATED_RE = re.compile(r"^account:\s+(\d{12}) \((.+), created now\)$")
CREDS_RE = re.compile(r"^root credentials:\s+(\S+) \(profile \[default\]\)$")
ROTATED_RE = re.compile(r"^session-token key (\d+) added to (\S+) \(the newest (\d+) keys are "
                        r"kept\)$")
# How long a running server may take to notice an account created by another process.
REFRESH_SECONDS = 4.0


def sigil_admin(data_dir, *args, env=None, data_dir_flag=True):
    """Runs `sigil admin ARGS... --data-dir DATA_DIR`; returns CompletedProcess (text)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
    full_env.update(env or {})
    cmd = [h.sigil_binary(), "admin", *args]
    if data_dir_flag:
        cmd += ["--data-dir", data_dir]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=full_env,
                          stdin=subprocess.DEVNULL)


def read_creds(path):
    parser = configparser.ConfigParser()
    with open(path) as f:
        parser.read_file(f)
    section = parser["default"]
    return h.Creds(section["aws_access_key_id"].strip(), section["aws_secret_access_key"].strip())


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class AdminTestBase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        self.addCleanup(shutil.rmtree, self.home, True)
        self.server = h.SigilServer()
        self.addCleanup(self.server.close)
        self.server.start()
        self.first_account = self.server.account_id()

    def create_account(self, name, **kwargs):
        """`sigil admin account create NAME`, which must succeed; returns (account id, path)."""
        res = sigil_admin(self.server.data_dir, "account", "create", name, **kwargs)
        self.assertEqual((res.returncode, res.stderr), (0, ""), f"stdout: {res.stdout}")
        lines = res.stdout.splitlines()
        self.assertEqual(len(lines), 2, res.stdout)
        created, creds = CREATED_RE.match(lines[0]), CREDS_RE.match(lines[1])
        self.assertTrue(created and creds, res.stdout)
        self.assertEqual(created.group(2), name)
        account_id, path = created.group(1), creds.group(1)
        self.assertEqual(path, os.path.join(os.path.realpath(self.server.data_dir), "accounts",
                                            account_id, "root-credentials"))
        # The secret is in the file only, never on the terminal.
        secret = read_creds(path).secret
        self.assertRegex(secret, h.SECRET_RE)
        self.assertNotIn(secret, res.stdout + res.stderr)
        h.SENSITIVE.add(secret)
        return account_id, path

    def caller_identity(self, creds_path):
        """`aws sts get-caller-identity` with the [default] profile of `creds_path`."""
        return self.cli.run(["--output", "json", "sts", "get-caller-identity"], home=self.home,
                            endpoint=self.server.url,
                            env={"AWS_SHARED_CREDENTIALS_FILE": creds_path})

    def assertRootOf(self, account_id, creds_path, timeout=0.0):
        """The AWS CLI, with the credentials file, is the root user of `account_id`; retried for
        up to `timeout` seconds (a running server learns of new keys within about a second)."""
        deadline = time.monotonic() + timeout
        while True:
            res = self.caller_identity(creds_path)
            if res.rc == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(res.rc, 0, f"get-caller-identity failed: {res.stderr}\n"
                         f"server stderr tail:\n{self.server.stderr()[-2000:]}")
        self.assertEqual(json.loads(res.stdout),
                         {"UserId": account_id, "Account": account_id,
                          "Arn": f"arn:aws:iam::{account_id}:root"})

    def list_accounts(self):
        res = sigil_admin(self.server.data_dir, "account", "list")
        self.assertEqual((res.returncode, res.stderr), (0, ""))
        lines = res.stdout.splitlines()
        self.assertEqual(lines[0], "ACCOUNT_ID\tNAME\tCREATED")
        return [tuple(line.split("\t")) for line in lines[1:]]


class AccountCreateTest(AdminTestBase):

    def test_create_while_the_server_runs(self):
        account_id, path = self.create_account("second")
        self.assertNotEqual(account_id, self.first_account)
        accounts_dir = os.path.join(self.server.data_dir, "accounts")
        self.assertEqual((mode_of(accounts_dir), mode_of(os.path.dirname(path)), mode_of(path)),
                         (0o700, 0o700, 0o600))
        with open(path) as f:
            self.assertIn(f"root credentials for account {account_id}", f.read())

        self.assertRootOf(account_id, path, timeout=REFRESH_SECONDS)
        # The first account's root is unchanged, and the two accounts are apart.
        self.assertRootOf(self.first_account, self.server.credentials_path)
        second_iam = h.make_client(self.server.url, "iam", read_creds(path))
        second_iam.create_user(UserName="only-in-second")
        self.assertEqual([u["UserName"] for u in second_iam.list_users()["Users"]],
                         ["only-in-second"])
        self.assertEqual(self.server.client("iam").list_users()["Users"], [])

        rc = self.server.stop()
        self.assertEqual(rc, 0)
        h.assert_no_sensitive_output(self.server)

    def test_create_while_stopped_then_start(self):
        self.server.stop()
        account_id, path = self.create_account("offline")
        self.server.start()
        # The data folder's own account stays the one the banner and DIR/root-credentials name.
        self.assertIn(f"account:          {self.first_account}\n", self.server.stdout())
        self.assertRootOf(account_id, path)
        self.assertRootOf(self.first_account, self.server.credentials_path)
        second_sts = h.make_client(self.server.url, "sts", read_creds(path))
        self.assertEqual(second_sts.get_caller_identity()["Account"], account_id)

    def test_list(self):
        second, _ = self.create_account("second")
        third, _ = self.create_account("third.team@example")
        rows = self.list_accounts()
        self.assertEqual([(r[0], r[1]) for r in rows],
                         [(self.first_account, "default"), (second, "second"),
                          (third, "third.team@example")])
        now = h.utcnow()
        for row in rows:
            self.assertEqual(len(row), 3, row)
            created = datetime.datetime.strptime(row[2], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc)
            self.assertLess(abs((now - created).total_seconds()), 120, row)
        # The server sees the same accounts once it has picked them up.
        self.assertRootOf(third, os.path.join(self.server.data_dir, "accounts", third,
                                              "root-credentials"), timeout=REFRESH_SECONDS)

    def test_master_key_from_the_environment(self):
        key_path = os.path.join(self.server.data_dir, "master.key")
        with open(key_path) as f:
            key = f.read().strip()
        moved = key_path + ".away"
        os.rename(key_path, moved)
        self.addCleanup(os.rename, moved, key_path)
        account_id, path = self.create_account("from-env", env={"SIGIL_MASTER_KEY": key})
        self.assertFalse(os.path.exists(key_path), "the admin command wrote a master key file")
        self.assertRootOf(account_id, path, timeout=REFRESH_SECONDS)

    def test_world_readable_master_key_is_refused(self):
        key_path = os.path.join(os.path.realpath(self.server.data_dir), "master.key")
        os.chmod(key_path, 0o644)
        res = sigil_admin(self.server.data_dir, "account", "create", "third")
        os.chmod(key_path, 0o600)
        self.assertEqual(
            (res.returncode, res.stdout, res.stderr),
            (1, "", f"sigil: master key: the master key file {key_path} may be read by other "
                    f"users; run: chmod 600 {key_path}\n"))
        self.assertEqual([r[0] for r in self.list_accounts()], [self.first_account])
        self.assertFalse(os.path.exists(os.path.join(self.server.data_dir, "accounts")))

    def test_missing_master_key_is_refused_not_created(self):
        missing = os.path.join(self.home, "no-such.key")
        res = sigil_admin(self.server.data_dir, "account", "create", "third", "--master-key-file",
                          missing)
        self.assertEqual(
            (res.returncode, res.stderr),
            (1, f"sigil: master key: the master key file {missing} does not exist; give the key "
                "this data folder was created with (--master-key-file or SIGIL_MASTER_KEY)\n"))
        self.assertFalse(os.path.exists(missing))

    def test_wrong_master_key_is_refused(self):
        other = os.path.join(self.home, "other.key")
        with open(other, "w") as f:
            f.write("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\n")  # 32 bytes, not this folder's
        os.chmod(other, 0o600)
        res = sigil_admin(self.server.data_dir, "account", "create", "third", "--master-key-file",
                          other)
        self.assertEqual(res.returncode, 1)
        self.assertTrue(res.stderr.startswith("sigil: loading identities: "), res.stderr)
        self.assertEqual([r[0] for r in self.list_accounts()], [self.first_account])

    def test_duplicate_and_invalid_names_are_refused(self):
        second, _ = self.create_account("second")
        for name in ("second", "SECOND"):
            res = sigil_admin(self.server.data_dir, "account", "create", name)
            self.assertEqual(
                (res.returncode, res.stderr),
                (1, f"sigil: account create: an account named 'second' already exists: "
                    f"{second}\n"))
        res = sigil_admin(self.server.data_dir, "account", "create", "default")
        self.assertEqual(
            (res.returncode, res.stderr),
            (1, f"sigil: account create: an account named 'default' already exists: "
                f"{self.first_account}\n"))
        for name, message in (
                ("two words", "the account name may hold only letters, digits and + = , . @ _ -"),
                ("tab\there", "the account name may hold only letters, digits and + = , . @ _ -"),
                ("x" * 65, "the account name must have 1 to 64 characters")):
            res = sigil_admin(self.server.data_dir, "account", "create", name)
            self.assertEqual((res.returncode, res.stderr),
                             (1, f"sigil: account create: {message}\n"), name)
        self.assertEqual([r[1] for r in self.list_accounts()], ["default", "second"])

    def test_interrupted_create_is_finished_by_running_it_again(self):
        # A plain file where the accounts folder belongs: the account is created, its
        # credentials cannot be written, and no root key is left behind.
        blocker = os.path.join(self.server.data_dir, "accounts")
        with open(blocker, "w"):
            pass
        res = sigil_admin(self.server.data_dir, "account", "create", "second")
        self.assertEqual((res.returncode, res.stdout), (1, ""))
        m = re.fullmatch(r"sigil: account create: account (\d{12}) exists but its root "
                         r"credentials were not written \(creating directory (\S+): Not a "
                         r"directory\); run the same command again to finish\n", res.stderr)
        self.assertTrue(m, res.stderr)
        account_id = m.group(1)
        self.assertEqual(m.group(2), os.path.join(os.path.realpath(self.server.data_dir),
                                                  "accounts", account_id))
        self.assertEqual([r[:2] for r in self.list_accounts()],
                         [(self.first_account, "default"), (account_id, "second")])

        os.unlink(blocker)
        res = sigil_admin(self.server.data_dir, "account", "create", "second")
        self.assertEqual((res.returncode, res.stderr), (0, ""))
        path = os.path.join(os.path.realpath(self.server.data_dir), "accounts", account_id,
                            "root-credentials")
        self.assertEqual(res.stdout.splitlines(),
                         [f"account:          {account_id} (second, root credentials issued now)",
                          f"root credentials: {path} (profile [default])"])
        h.SENSITIVE.add(read_creds(path).secret)
        self.assertRootOf(account_id, path, timeout=REFRESH_SECONDS)
        # Now complete: a third run is a name conflict.
        res = sigil_admin(self.server.data_dir, "account", "create", "second")
        self.assertEqual((res.returncode, res.stderr),
                         (1, f"sigil: account create: an account named 'second' already exists: "
                             f"{account_id}\n"))

    def test_unknown_data_folder_is_refused_and_not_created(self):
        missing = os.path.join(self.home, "no-data")
        for args in (("account", "create", "x"), ("account", "list"),
                     ("session-keys", "rotate")):
            res = sigil_admin(missing, *args)
            self.assertEqual(
                (res.returncode, res.stdout, res.stderr),
                (1, "", f"sigil: data folder: {missing} is not a Sigil data folder (it has no "
                        f"sigil.db); run `sigil server --data-dir {missing}` once to create it\n"),
                args)
            self.assertFalse(os.path.exists(missing))

    def test_data_dir_from_the_environment(self):
        res = sigil_admin(None, "account", "list", data_dir_flag=False,
                          env={"SIGIL_DATA_DIR": self.server.data_dir})
        self.assertEqual((res.returncode, res.stderr), (0, ""))
        self.assertEqual(res.stdout.splitlines()[1].split("\t")[:2], [self.first_account, "default"])

    def test_usage_errors(self):
        res = sigil_admin(self.server.data_dir, "account", "create")
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("NAME is required", res.stderr)
        res = subprocess.run([h.sigil_binary(), "admin"], capture_output=True, text=True,
                             timeout=30)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("A subcommand is required", res.stderr)
        res = subprocess.run([h.sigil_binary(), "admin", "--help"], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(res.returncode, 0)
        for word in ("account", "session-keys"):
            self.assertIn(word, res.stdout)


class SessionKeysRotateTest(AdminTestBase):

    def rotate(self, *args):
        res = sigil_admin(self.server.data_dir, "session-keys", "rotate", *args)
        self.assertEqual((res.returncode, res.stderr), (0, ""), res.stdout)
        lines = res.stdout.splitlines()
        m = ROTATED_RE.match(lines[0])
        self.assertTrue(m, res.stdout)
        self.assertEqual(m.group(2), os.path.join(os.path.realpath(self.server.data_dir),
                                                  "session-token.keys"))
        self.assertEqual(
            lines[1:],
            ["servers seal new tokens with it after their next restart; restart every server "
             "that shares this key file"])
        return int(m.group(1)), m.group(2), int(m.group(3))

    def key_ids(self, path):
        with open(path) as f:
            return [int(line.split()[0]) for line in f.read().splitlines()
                    if line.strip() and not line.startswith("#")]

    def session(self):
        """Temporary credentials from GetSessionToken as root (sealed under the current key)."""
        c = self.server.client("sts").get_session_token(DurationSeconds=900)["Credentials"]
        return h.Creds(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    def assertSessionWorks(self, creds):
        sts = h.make_client(self.server.url, "sts", creds)
        self.assertEqual(sts.get_caller_identity()["Account"], self.first_account)

    def assertSessionRefused(self, creds):
        with self.assertRaises(h.botocore.exceptions.ClientError) as cm:
            h.make_client(self.server.url, "sts", creds).get_caller_identity()
        err = cm.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]),
                         ("InvalidClientTokenId", 403))

    def test_rotate_keeps_the_newest_and_live_sessions_survive(self):
        path = os.path.join(self.server.data_dir, "session-token.keys")
        initial = self.key_ids(path)  # written by the server at its first start
        self.assertEqual(len(initial), 1, initial)
        k0 = initial[0]
        s0 = self.session()

        k1, _, kept = self.rotate()
        self.assertEqual((k1, kept), (k0 + 1, 3))
        k2, _, _ = self.rotate()
        self.assertEqual(self.key_ids(path), [k0, k1, k2])
        self.assertEqual(mode_of(path), 0o600)
        self.assertSessionWorks(s0)  # the running server still seals and verifies as before

        # After a restart the server seals with the newest key and still verifies older ones.
        self.server.restart()
        self.assertSessionWorks(s0)
        s2 = self.session()
        self.assertSessionWorks(s2)

        # --keep 2 drops k0 and k1: the session sealed under k0 stops working, s2 does not.
        k3, _, kept = self.rotate("--keep", "2")
        self.assertEqual((k3, kept), (k2 + 1, 2))
        self.assertEqual(self.key_ids(path), [k2, k3])
        self.server.restart()
        self.assertSessionRefused(s0)
        self.assertSessionWorks(s2)

        # --keep 1 revokes every live session; long-term keys are unaffected.
        k4, _, _ = self.rotate("--keep", "1")
        self.assertEqual(self.key_ids(path), [k4])
        self.server.restart()
        self.assertSessionRefused(s2)
        self.assertSessionWorks(self.session())
        self.assertRootOf(self.first_account, self.server.credentials_path)

    def test_keep_must_be_positive(self):
        res = sigil_admin(self.server.data_dir, "session-keys", "rotate", "--keep", "0")
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("--keep", res.stderr)


if __name__ == "__main__":
    unittest.main()
