"""`sigil doctor` on deliberately bad files and against the server's account view, and `sigil
scan` on a test git repository with planted keys (files, history, staged changes through the
pre-commit hook, the user's own keys, live verification, AWS's documentation examples)."""

import json
import os
import random
import string
import subprocess
import unittest

import sigil_harness as h
from client_harness import ClientTestCase

EXAMPLE_KEY = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def fake_key_id():
    rng = random.Random()
    return "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


def fake_secret():
    rng = random.Random()
    body = "".join(rng.choice(string.ascii_letters + string.digits + "/+") for _ in range(37))
    return "aZ9" + body


class DoctorTest(ClientTestCase):

    def doctor(self, *args, env=None):
        out = self.sigil("doctor", "--json", *args, env=env)
        self.assertIn(out.returncode, (0, 1), out.stderr)
        return out.returncode, json.loads(out.stdout)

    def test_clean_setup_passes(self):
        self.configured_user("doc-clean")
        rc, report = self.doctor("--offline")
        self.assertEqual((rc, report["findings"]), (0, []))

    def test_bad_files_are_all_reported(self):
        creds = self.user_with_key("doc-bad")
        shared = os.path.join(self.home, "shared-bin")
        os.makedirs(shared)
        os.chmod(shared, 0o777)
        helper = os.path.join(shared, "helper")
        self.write(helper, "#!/bin/sh\nexit 1\n", mode=0o755)
        self.write(self.credentials_path,
                   f"[default]\naws_access_key_id = {creds.access_key}\n"
                   f"aws_secret_access_key = {creds.secret}\n", mode=0o644)
        self.write(self.config_path,
                   "[default]\nregion = us-east-1 # main region\n"
                   "[dev]\nregion = eu-west-1\n"
                   f"[profile p]\ncredential_process = {helper} --x\n"
                   "[profile p]\noutput = json\n")
        self.write(os.path.join(self.aws_dir, "cli", "cache", "abc.json"),
                   json.dumps({"Credentials": {"SecretAccessKey": "x"}}))
        rc, report = self.doctor("--offline")
        self.assertEqual(rc, 1)
        got = sorted((f["severity"], f["check"], f["where"]) for f in report["findings"])
        cfg, crd = self.config_path, self.credentials_path
        self.assertEqual(got, sorted([
            ("warning", "file-mode", crd),
            ("error", "plaintext-key", f"{crd} [default]"),
            ("warning", "plaintext-cache", os.path.join(self.aws_dir, "cli", "cache", "abc.json")),
            ("error", "credential-process", f"{cfg} [profile p]"),
            ("warning", "ambiguous-ini", f"{cfg}:2"),
            ("warning", "ambiguous-ini", f"{cfg}:7"),
            ("warning", "ambiguous-ini", f"{cfg} [dev]"),
        ]))
        self.assertEqual((report["errors"], report["warnings"]), (2, 5))
        messages = {f["where"]: f for f in report["findings"]}
        self.assertEqual(messages[f"{crd} [default]"]["fix"],
                         "sigil vault import --profile default")
        self.assertEqual(messages[crd]["fix"], f"chmod 600 {crd}")
        self.assertIn("botocore has no inline comments", messages[f"{cfg}:2"]["message"])
        self.assertIn("section [profile p] appears again", messages[f"{cfg}:7"]["message"])
        self.assertNotIn(creds.secret, json.dumps(report))
        # Text output, same exit code.
        out = self.sigil("doctor", "--offline")
        self.assertEqual(out.returncode, 1)
        self.assertIn("2 error(s), 5 warning(s)", out.stdout)
        # Fixing the files clears the findings.
        self.sigil_ok("vault", "import")
        os.chmod(crd, 0o600)
        os.remove(os.path.join(self.aws_dir, "cli", "cache", "abc.json"))
        self.write(self.config_path, self.read(self.config_path)
                   .replace(" # main region", "").replace("[dev]", "[profile dev]")
                   .replace(f"[profile p]\ncredential_process = {helper} --x\n", ""))
        rc, report = self.doctor("--offline")
        self.assertEqual((rc, report["findings"]), (0, []), report)

    def test_account_view(self):
        # A user who may do everything but has no MFA, and whose key is "old" at --max-key-age 0.
        self.configured_user("doc-admin")
        rc, report = self.doctor("--profile", "dev", "--max-key-age", "0")
        self.assertEqual(rc, 1)
        checks = {(f["check"], f["where"]) for f in report["findings"]}
        self.assertIn(("no-mfa", self.user_arn("doc-admin")), checks)
        self.assertIn(("root-key", f"arn:aws:iam::{self.account}:root"), checks)  # the report
        self.assertTrue(any(c == "key-age" and w.startswith("doc-admin AKIA")
                            for c, w in checks), checks)
        # Root keys in use are an error of their own.
        self.assertEqual(self.configure("root", self.root, "--force").returncode, 0)
        rc, report = self.doctor("--profile", "root")
        self.assertIn(("error", "root-key", "profile root"),
                      {(f["severity"], f["check"], f["where"]) for f in report["findings"]})
        # A user without IAM permissions: the account view is skipped, not an error.
        self.iam.create_user(UserName="doc-limited")
        key = self.iam.create_access_key(UserName="doc-limited")["AccessKey"]
        h.SENSITIVE.add(key["SecretAccessKey"])
        self.assertEqual(self.configure("limited", h.Creds(key["AccessKeyId"],
                                                           key["SecretAccessKey"])).returncode, 0)
        rc, report = self.doctor("--profile", "limited")
        self.assertEqual(rc, 0, report)
        self.assertEqual([(f["severity"], f["check"]) for f in report["findings"]],
                         [("info", "credential-report")])
        self.assertIn("IAM GenerateCredentialReport: AccessDenied",
                      report["findings"][0]["message"])


class ScanTest(ClientTestCase):

    def git(self, *args, check=True):
        out = subprocess.run(["git", "-C", self.repo] + list(args), capture_output=True,
                             text=True, env=self.env(), timeout=60)
        if check:
            self.assertEqual(out.returncode, 0, out.stderr)
        return out

    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.home, "repo")
        os.makedirs(self.repo)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.invalid")
        self.git("config", "user.name", "Dev")
        self.git("config", "commit.gpgsign", "false")

    def commit_file(self, name, text, message="change"):
        with open(os.path.join(self.repo, name), "w") as f:
            f.write(text)
        self.git("add", name)
        self.git("commit", "-q", "-m", message)

    def scan(self, *args):
        out = self.sigil("scan", "--json", *args)
        self.assertIn(out.returncode, (0, 1), out.stderr)
        return out.returncode, json.loads(out.stdout)

    def test_files_history_examples_and_own_keys(self):
        leaked_id, leaked_secret = fake_key_id(), fake_secret()
        other_id = fake_key_id()
        self.commit_file("README.md", "Example:\n"
                         f"aws_access_key_id = {EXAMPLE_KEY}\n"
                         f"aws_secret_access_key = {EXAMPLE_SECRET}\n", "docs")
        self.commit_file("settings.py", "REGION = 'us-east-1'\n"
                         f"KEY = '{leaked_id}'\nSECRET = '{leaked_secret}'\n", "oops")
        self.commit_file("settings.py", "REGION = 'us-east-1'\n", "remove the key")
        self.commit_file("app.env", f"# who\nKEY_ID={other_id}\n", "key id only")

        rc, hits = self.scan(self.repo)
        self.assertEqual(rc, 1)
        self.assertEqual(hits, [{"location": os.path.join(self.repo, "app.env") + ":2",
                                 "access_key_id": other_id, "secret_nearby": False,
                                 "example": False}])
        rc, hits = self.scan(self.repo, "--include-examples")
        self.assertEqual(sorted((x["access_key_id"], x["example"], x["secret_nearby"])
                                for x in hits),
                         sorted([(other_id, False, False), (EXAMPLE_KEY, True, True)]))
        # History: the removed key is still there, with its secret.
        rc, hits = self.scan("--git", self.repo)
        self.assertEqual(rc, 1)
        found = {x["access_key_id"]: x for x in hits}
        self.assertEqual(set(found), {leaked_id, other_id})
        self.assertTrue(found[leaked_id]["secret_nearby"])
        self.assertRegex(found[leaked_id]["location"], r"^[0-9a-f]{12}:settings\.py:2$")
        out = self.sigil("scan", "--git", self.repo)
        self.assertNotIn(leaked_secret, out.stdout + out.stderr)
        # A clean folder.
        clean = os.path.join(self.home, "clean")
        os.makedirs(clean)
        self.write(os.path.join(clean, "a.txt"), "nothing to see\n" + "ab" * 20 + "\n")
        self.assertEqual(self.scan(clean), (0, []))

    def test_own_key_is_recognised_and_verified(self):
        creds = self.configured_user("scan-alice")
        self.write(os.path.join(self.repo, "deploy.sh"),
                   f"export AWS_ACCESS_KEY_ID={creds.access_key}\n"
                   f"export AWS_SECRET_ACCESS_KEY={creds.secret}\n")
        fake_id, fake = fake_key_id(), fake_secret()
        self.write(os.path.join(self.repo, "old.sh"),
                   f"export AWS_ACCESS_KEY_ID={fake_id}\nexport AWS_SECRET_ACCESS_KEY={fake}\n")
        rc, hits = self.scan(self.repo, "--verify", "--endpoint-url", self.server.url)
        self.assertEqual(rc, 1)
        found = {x["access_key_id"]: x for x in hits}
        self.assertEqual(found[creds.access_key]["yours"], "dev")
        self.assertEqual(found[creds.access_key]["verified"],
                         "live: " + self.user_arn("scan-alice"))
        self.assertNotIn("yours", found[fake_id])
        self.assertEqual(found[fake_id]["verified"], "not accepted (InvalidClientTokenId)")

    def test_pre_commit_hook_refuses_keys(self):
        self.commit_file("README.md", "hello\n", "init")
        out = self.sigil_ok("scan", "--install-hook", self.repo)
        hook = os.path.join(self.repo, ".git", "hooks", "pre-commit")
        self.assertIn(f"Installed {hook}", out.stdout)
        self.assertEqual(self.mode_of(hook), 0o755)
        # The documentation's example keys pass.
        with open(os.path.join(self.repo, "doc.md"), "w") as f:
            f.write(f"{EXAMPLE_KEY}\n{EXAMPLE_SECRET}\n")
        self.git("add", "doc.md")
        self.git("commit", "-q", "-m", "docs")
        # A real-looking key is refused.
        with open(os.path.join(self.repo, "creds.txt"), "w") as f:
            f.write(f"{fake_key_id()}\n{fake_secret()}\n")
        self.git("add", "creds.txt")
        out = self.git("commit", "-q", "-m", "leak", check=False)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("the commit was refused", out.stderr)
        self.assertIn("creds.txt:1", out.stdout + out.stderr)
        # Another hook is not overwritten.
        other = os.path.join(self.home, "other")
        os.makedirs(other)
        subprocess.run(["git", "-C", other, "init", "-q"], check=True, env=self.env())
        self.write(os.path.join(other, ".git", "hooks", "pre-commit"), "#!/bin/sh\nexit 0\n",
                   mode=0o755)
        self.sigil_fails("scan", "--install-hook", other, message="exists and is not sigil's")
        self.sigil_fails("scan", "--git", os.path.join(self.home, "clean-no-repo"),
                         message="git failed in")


if __name__ == "__main__":
    unittest.main()
