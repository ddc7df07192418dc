"""`sigil admin backup` while a server runs and `sigil admin restore` into a new data folder: a
user's access key, its policy, its MFA device and a session token issued before the backup all
work on a server started on the restored folder; a tampered backup and a wrong passphrase are
refused without writing anything."""

import json
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

import sigil_harness as h
from test_iam_mfa import consecutive_codes

PASSPHRASE = "backup passphrase for the test"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]})


def sigil_admin(*args, passphrase=PASSPHRASE):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
    if passphrase is not None:
        env["SIGIL_BACKUP_PASSPHRASE"] = passphrase
    return subprocess.run([h.sigil_binary(), "admin", *args], capture_output=True, text=True,
                          timeout=120, env=env, stdin=subprocess.DEVNULL)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class BackupRestoreTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="sigil-it-backup-")
        cls.server = h.SigilServer().start()
        try:
            iam = cls.server.client("iam")
            iam.create_user(UserName="alice")
            key = iam.create_access_key(UserName="alice")["AccessKey"]
            cls.alice = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])
            h.SENSITIVE.add(cls.alice.secret)
            arn = iam.create_policy(PolicyName="list-only", PolicyDocument=POLICY)["Policy"]["Arn"]
            iam.attach_user_policy(UserName="alice", PolicyArn=arn)
            device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")
            cls.serial = device["VirtualMFADevice"]["SerialNumber"]
            seed = device["VirtualMFADevice"]["Base32StringSeed"].decode()
            h.SENSITIVE.add(seed)
            code1, code2 = consecutive_codes(seed)
            iam.enable_mfa_device(UserName="alice", SerialNumber=cls.serial,
                                  AuthenticationCode1=code1, AuthenticationCode2=code2)
            sts = cls.server.client("sts", cls.alice)
            c = sts.get_session_token(DurationSeconds=3600)["Credentials"]
            cls.session = h.Creds(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
            h.SENSITIVE.update({cls.session.secret, cls.session.token})

            # While the server runs.
            cls.backup = os.path.join(cls.tmp, "backup")
            cls.backup_run = sigil_admin("backup", cls.backup, "--data-dir",
                                         cls.server.data_dir)
            # Written after the backup: must not be in it.
            iam.create_user(UserName="after-backup")
        finally:
            cls.server.stop()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()
        shutil.rmtree(cls.tmp, True)
        super().tearDownClass()

    def test_backup_layout(self):
        self.assertEqual(self.backup_run.returncode, 0, self.backup_run.stderr)
        self.assertEqual(mode_of(self.backup), 0o700)
        with open(os.path.join(self.backup, "manifest.json")) as f:
            manifest = json.load(f)
        self.assertEqual(manifest["kdf"], {**manifest["kdf"], "algorithm": "scrypt", "n": 32768,
                                           "r": 8, "p": 1})
        paths = [f["path"] for f in manifest["files"]]
        self.assertEqual(paths[:3], ["sigil.db", "master.key.sealed",
                                     "session-token.keys.sealed"])
        self.assertTrue(any(p.startswith("audit/") for p in paths), paths)
        for root, _, files in os.walk(self.backup):
            for name in files:
                self.assertEqual(mode_of(os.path.join(root, name)), 0o600, name)
        with open(os.path.join(self.server.data_dir, "master.key")) as f:
            master = f.read().strip()
        for name in ("master.key.sealed", "session-token.keys.sealed"):
            with open(os.path.join(self.backup, name), "rb") as f:
                self.assertNotIn(master.encode(), f.read())

    def test_refuses_a_non_empty_backup_folder_and_no_passphrase(self):
        out = sigil_admin("backup", self.backup, "--data-dir", self.server.data_dir)
        self.assertEqual(out.returncode, 1)
        self.assertIn("is not an empty folder", out.stderr)
        out = sigil_admin("backup", os.path.join(self.tmp, "other"), "--data-dir",
                          self.server.data_dir, passphrase=None)
        self.assertEqual(out.returncode, 1)
        self.assertIn("give a non-empty passphrase", out.stderr)

    def test_restore_and_serve(self):
        new_dir = os.path.join(self.tmp, "restored")
        out = sigil_admin("restore", self.backup, "--data-dir", new_dir)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("root credentials are not in a backup", out.stdout)
        self.assertEqual(mode_of(os.path.join(new_dir, "master.key")), 0o600)
        self.assertEqual(mode_of(os.path.join(new_dir, "session-token.keys")), 0o600)
        self.assertTrue(os.path.isdir(os.path.join(new_dir, "audit")))
        self.assertFalse(os.path.exists(os.path.join(new_dir, "root-credentials")))

        server = h.SigilServer(data_dir=new_dir).start()
        try:
            ident = server.client("sts", self.alice).get_caller_identity()
            self.assertTrue(ident["Arn"].endswith(":user/alice"), ident)
            iam = server.client("iam")  # a new root key the server issued into root-credentials
            users = [u["UserName"] for u in iam.list_users()["Users"]]
            self.assertEqual(users, ["alice"])
            attached = iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
            self.assertEqual([p["PolicyName"] for p in attached], ["list-only"])
            devices = iam.list_mfa_devices(UserName="alice")["MFADevices"]
            self.assertEqual([d["SerialNumber"] for d in devices], [self.serial])
            session = server.client("sts", self.session).get_caller_identity()
            self.assertEqual(session["Arn"], ident["Arn"])
        finally:
            rc = server.stop()
            server.close()
        self.assertEqual(rc, 0)

    def test_wrong_passphrase_writes_nothing(self):
        new_dir = os.path.join(self.tmp, "wrong-passphrase")
        out = sigil_admin("restore", self.backup, "--data-dir", new_dir,
                          passphrase="not the passphrase")
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stderr.strip(),
                         "sigil: restore: wrong passphrase: the backup's keys do not open with it")
        self.assertFalse(os.path.exists(new_dir))

    def test_tampered_backup_is_refused(self):
        copy = os.path.join(self.tmp, "tampered")
        shutil.copytree(self.backup, copy)
        with open(os.path.join(copy, "sigil.db"), "r+b") as f:
            f.seek(200)
            byte = f.read(1)
            f.seek(200)
            f.write(bytes([byte[0] ^ 1]))
        new_dir = os.path.join(self.tmp, "from-tampered")
        out = sigil_admin("restore", copy, "--data-dir", new_dir)
        self.assertEqual(out.returncode, 1)
        self.assertIn("sigil.db does not match its SHA-256 in manifest.json", out.stderr)
        self.assertFalse(os.path.exists(new_dir))

    def test_refuses_an_existing_data_folder(self):
        out = sigil_admin("restore", self.backup, "--data-dir", self.server.data_dir)
        self.assertEqual(out.returncode, 1)
        self.assertIn("exists and is not empty; restore into a new data folder", out.stderr)


if __name__ == "__main__":
    unittest.main()
