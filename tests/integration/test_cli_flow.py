"""The user-visible walkthrough with the real AWS CLIs: root identity from DIR/root-credentials,
IAM users, tags, access keys, `aws configure --profile automation`, the user's own identity, the
deny-by-default for users, the guides' `ec2 describe-regions` and S3 buckets, key deactivation
and deletion.

Runs once per CLI: Debian's AWS CLI v2 (/usr/bin/aws, required: installed by
scripts/install-deps.sh --test) and any other `aws` on PATH (optional; reported when absent).
"""

import json
import os
import shutil
import sys
import tempfile
import time
import unittest

import sigil_harness as h


class CliFlowMixin:
    CLI_LABEL = None
    CLI_PATH = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.access(cls.CLI_PATH, os.X_OK):
            raise AssertionError(
                f"required AWS CLI {cls.CLI_PATH} is missing: run scripts/install-deps.sh --test")
        cls.cli = h.AwsCli(cls.CLI_LABEL, cls.CLI_PATH)
        print(f"\n[{cls.__name__}] using {cls.cli.path}: {cls.cli.version}", file=sys.stderr)
        cls.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        cls.server = h.SigilServer()
        try:
            cls.server.start()
        except BaseException:
            cls.server.close()
            shutil.rmtree(cls.home, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            rc = cls.server.stop()
            if rc not in (0, None):
                raise AssertionError(f"server exited with {rc} on SIGTERM")
        finally:
            cls.server.close()
            shutil.rmtree(cls.home, ignore_errors=True)
            super().tearDownClass()

    # -- helpers ---------------------------------------------------------------------------

    def aws(self, *args, as_root=True, profile=None, input=None):
        """Runs the CLI against the server; as root, with DIR/root-credentials as credentials."""
        env = {}
        if as_root:
            env["AWS_SHARED_CREDENTIALS_FILE"] = self.server.credentials_path
        argv = (["--profile", profile] if profile else []) + list(args)
        return self.cli.run(argv, home=self.home, endpoint=self.server.url, env=env, input=input)

    def aws_json(self, *args, **kwargs):
        res = self.aws(*args, **kwargs)
        self.assertEqual(res.rc, 0, f"aws {' '.join(args)} failed: {res.stderr}")
        return json.loads(res.stdout) if res.stdout.strip() else {}

    def aws_ok(self, *args, **kwargs):
        res = self.aws(*args, **kwargs)
        self.assertEqual(res.rc, 0, f"aws {' '.join(args)} failed: {res.stderr}")
        return res

    def aws_error(self, code, *args, **kwargs):
        res = self.aws(*args, **kwargs)
        self.assertEqual((h.cli_error_code(res.stderr), res.rc),
                         (code, self.cli.service_error_rc),
                         f"aws {' '.join(args)}: stdout={res.stdout!r} stderr={res.stderr!r}")
        return res

    # -- the walkthrough -------------------------------------------------------------------

    def test_walkthrough(self):
        # 1. Root identity, with the credentials file exactly as the server wrote it.
        ident = self.aws_json("sts", "get-caller-identity")
        account = ident["Account"]
        self.assertRegex(account, h.ACCOUNT_RE)
        self.assertEqual(ident, {"UserId": account, "Account": account,
                                 "Arn": f"arn:aws:iam::{account}:root"})

        # 2. Users.
        user = self.aws_json("iam", "create-user", "--user-name", "automation_user")["User"]
        self.assertEqual(user["UserName"], "automation_user")
        self.assertEqual(user["Path"], "/")
        self.assertRegex(user["UserId"], h.USER_ID_RE)
        self.assertEqual(user["Arn"], f"arn:aws:iam::{account}:user/automation_user")
        self.assertIn("CreateDate", user)

        got = self.aws_json("iam", "get-user", "--user-name", "automation_user")["User"]
        self.assertEqual((got["UserId"], got["Arn"], got["Path"]),
                         (user["UserId"], user["Arn"], "/"))
        me = self.aws_json("iam", "get-user")["User"]
        self.assertEqual((me["Arn"], me["UserId"]), (f"arn:aws:iam::{account}:root", account))
        self.aws_error("NoSuchEntity", "iam", "get-user", "--user-name", "nobody_here")
        self.aws_error("EntityAlreadyExists", "iam", "create-user", "--user-name",
                       "automation_user")

        ops = self.aws_json("iam", "create-user", "--user-name", "ops_bot", "--path",
                            "/ops/")["User"]
        self.assertEqual(ops["Arn"], f"arn:aws:iam::{account}:user/ops/ops_bot")
        names = {u["UserName"] for u in self.aws_json("iam", "list-users")["Users"]}
        self.assertEqual(names, {"automation_user", "ops_bot"})
        # --page-size 1 makes the CLI walk the pages with MaxItems=1 and Marker.
        paged = [u["UserName"] for u in
                 self.aws_json("iam", "list-users", "--page-size", "1")["Users"]]
        self.assertEqual(sorted(paged), ["automation_user", "ops_bot"])
        prefixed = self.aws_json("iam", "list-users", "--path-prefix", "/ops/")["Users"]
        self.assertEqual([u["UserName"] for u in prefixed], ["ops_bot"])

        # 3. Tags.
        self.aws_ok("iam", "tag-user", "--user-name", "automation_user", "--tags",
                    "Key=team,Value=platform", "Key=env,Value=ci")
        tags = self.aws_json("iam", "list-user-tags", "--user-name", "automation_user")["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("env", "ci"), ("team", "platform")])
        self.aws_ok("iam", "untag-user", "--user-name", "automation_user", "--tag-keys", "env")
        tags = self.aws_json("iam", "list-user-tags", "--user-name", "automation_user")["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "platform"}])

        # 4. update-user: rename and move.
        self.aws_ok("iam", "update-user", "--user-name", "ops_bot", "--new-user-name",
                    "ops_robot", "--new-path", "/ops/robots/")
        moved = self.aws_json("iam", "get-user", "--user-name", "ops_robot")["User"]
        self.assertEqual((moved["UserId"], moved["Path"], moved["Arn"]),
                         (ops["UserId"], "/ops/robots/",
                          f"arn:aws:iam::{account}:user/ops/robots/ops_robot"))
        self.aws_error("NoSuchEntity", "iam", "get-user", "--user-name", "ops_bot")

        # 5. Access keys and `aws configure --profile automation`.
        key = self.aws_json("iam", "create-access-key", "--user-name",
                            "automation_user")["AccessKey"]
        self.assertRegex(key["AccessKeyId"], h.ACCESS_KEY_RE)
        self.assertRegex(key["SecretAccessKey"], h.SECRET_RE)
        self.assertEqual((key["UserName"], key["Status"]), ("automation_user", "Active"))

        res = self.cli.run(["configure", "--profile", "automation"], home=self.home,
                           input=f"{key['AccessKeyId']}\n{key['SecretAccessKey']}\n"
                                 f"{h.REGION}\njson\n")
        self.assertEqual(res.rc, 0, f"aws configure failed: {res.stderr}")
        with open(os.path.join(self.home, ".aws", "credentials")) as f:
            self.assertIn("[automation]", f.read())

        ident = self.aws_json("sts", "get-caller-identity", as_root=False, profile="automation")
        self.assertEqual(ident, {"UserId": user["UserId"], "Account": account,
                                 "Arn": f"arn:aws:iam::{account}:user/automation_user"})

        # A user without policies is denied everything but sts:GetCallerIdentity.
        res = self.aws_error("AccessDenied", "iam", "list-users", as_root=False,
                             profile="automation")
        self.assertIn(f"User: arn:aws:iam::{account}:user/automation_user is not authorized to "
                      f"perform: iam:ListUsers on resource: arn:aws:iam::{account}:user/ "
                      "because no identity-based policy allows the iam:ListUsers action",
                      res.stderr)

        # The guides' checks: list the regions, create and list S3 buckets; the user may list
        # them once a policy allows it.
        regions = self.aws_json("ec2", "describe-regions")["Regions"]
        self.assertIn("us-east-1", [r["RegionName"] for r in regions])
        self.aws_ok("s3", "mb", "s3://walkthrough-bucket")
        self.assertIn("walkthrough-bucket", self.aws_ok("s3", "ls").stdout)
        self.aws_error("AccessDenied", "s3api", "list-buckets", as_root=False,
                       profile="automation")
        s3_full = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
        self.aws_ok("iam", "attach-user-policy", "--user-name", "automation_user",
                    "--policy-arn", s3_full)
        listed = self.aws_ok("s3", "ls", as_root=False, profile="automation").stdout
        self.assertIn("walkthrough-bucket", listed)
        self.aws_ok("iam", "detach-user-policy", "--user-name", "automation_user",
                    "--policy-arn", s3_full)
        self.aws_ok("s3", "rb", "s3://walkthrough-bucket")

        # get-access-key-last-used is updated (usage is batched: allow a few seconds).
        deadline = time.monotonic() + 6
        while True:
            last = self.aws_json("iam", "get-access-key-last-used", "--access-key-id",
                                 key["AccessKeyId"])
            if "LastUsedDate" in last["AccessKeyLastUsed"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(last["UserName"], "automation_user")
        self.assertIn("LastUsedDate", last["AccessKeyLastUsed"], last)
        self.assertEqual(last["AccessKeyLastUsed"]["Region"], h.REGION)

        # At most two keys per user.
        key2 = self.aws_json("iam", "create-access-key", "--user-name",
                             "automation_user")["AccessKey"]
        self.aws_error("LimitExceeded", "iam", "create-access-key", "--user-name",
                       "automation_user")
        listed = self.aws_json("iam", "list-access-keys", "--user-name",
                               "automation_user")["AccessKeyMetadata"]
        self.assertEqual(sorted(k["AccessKeyId"] for k in listed),
                         sorted([key["AccessKeyId"], key2["AccessKeyId"]]))
        self.assertTrue(all("SecretAccessKey" not in k for k in listed))

        # Inactive stops the key on the next request; Active brings it back.
        self.aws_ok("iam", "update-access-key", "--user-name", "automation_user",
                    "--access-key-id", key["AccessKeyId"], "--status", "Inactive")
        self.aws_error("InvalidClientTokenId", "sts", "get-caller-identity", as_root=False,
                       profile="automation")
        listed = self.aws_json("iam", "list-access-keys", "--user-name",
                               "automation_user")["AccessKeyMetadata"]
        self.assertEqual({k["AccessKeyId"]: k["Status"] for k in listed},
                         {key["AccessKeyId"]: "Inactive", key2["AccessKeyId"]: "Active"})
        self.aws_ok("iam", "update-access-key", "--user-name", "automation_user",
                    "--access-key-id", key["AccessKeyId"], "--status", "Active")
        self.aws_json("sts", "get-caller-identity", as_root=False, profile="automation")

        # A user with keys cannot be deleted; delete the keys, then the user.
        self.aws_error("DeleteConflict", "iam", "delete-user", "--user-name", "automation_user")
        for k in (key, key2):
            self.aws_ok("iam", "delete-access-key", "--user-name", "automation_user",
                        "--access-key-id", k["AccessKeyId"])
        self.aws_error("InvalidClientTokenId", "sts", "get-caller-identity", as_root=False,
                       profile="automation")
        # Tags do not block deletion (AWS lists keys, policies, groups... but not tags).
        self.aws_ok("iam", "delete-user", "--user-name", "automation_user")
        self.aws_error("NoSuchEntity", "iam", "get-user", "--user-name", "automation_user")
        self.aws_ok("iam", "delete-user", "--user-name", "ops_robot")
        self.assertEqual(self.aws_json("iam", "list-users")["Users"], [])

    def test_wrong_secret_and_unknown_key_with_the_cli(self):
        creds_path = os.path.join(self.home, "bad-credentials")
        root = self.server.root()
        with open(creds_path, "w") as f:
            f.write(f"[wrong_secret]\naws_access_key_id = {root.access_key}\n"
                    f"aws_secret_access_key = {'x' * 40}\n"
                    f"[unknown_key]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                    f"aws_secret_access_key = {root.secret}\n")
        for profile, code in (("wrong_secret", "SignatureDoesNotMatch"),
                              ("unknown_key", "InvalidClientTokenId")):
            with self.subTest(profile=profile):
                res = self.cli.run(["--profile", profile, "sts", "get-caller-identity"],
                                   home=self.home, endpoint=self.server.url,
                                   env={"AWS_SHARED_CREDENTIALS_FILE": creds_path})
                self.assertEqual((h.cli_error_code(res.stderr), res.rc),
                                 (code, self.cli.service_error_rc), res.stderr)


def _define_test_classes(select):
    """select: "all", "debian" (the required CLI) or "others" (any other `aws` on PATH)."""
    if select in ("all", "debian"):
        globals()["DebianCliV2Flow"] = type(
            "DebianCliV2Flow", (CliFlowMixin, unittest.TestCase),
            {"CLI_LABEL": "debian-v2", "CLI_PATH": h.DEBIAN_AWS_CLI})
    if select in ("all", "others"):
        others = h.optional_clis()
        if not others:
            print("NOTE: no AWS CLI on PATH besides /usr/bin/aws; the walkthrough with a newer "
                  "botocore-based CLI is not run on this machine", file=sys.stderr)
        for i, path in enumerate(others):
            name = f"PathCliFlow{i}"
            globals()[name] = type(name, (CliFlowMixin, unittest.TestCase),
                                   {"CLI_LABEL": f"path-{i}", "CLI_PATH": path})


# ctest runs the two halves in parallel (SIGIL_CLI_FLOW=debian / others).
_define_test_classes(os.environ.get("SIGIL_CLI_FLOW", "all"))

if __name__ == "__main__":
    if not any(isinstance(v, type) and issubclass(v, unittest.TestCase)
               for v in list(globals().values())):
        sys.exit(0)  # only possible for "others" on a machine without them (noted above)
    unittest.main(verbosity=2)
