"""IAM roles through boto3 and the AWS CLI: CreateRole (shape, path, description,
MaxSessionDuration 3600-43200, PermissionsBoundary that must exist, tags, duplicates, the trust
policy validated as one: a Principal is required, 2,048 characters without whitespace),
GetRole (URL-decoded trust policy, RoleLastUsed, boundary shape), ListRoles (PathPrefix,
pagination, the attributes AWS leaves out), UpdateRole, UpdateRoleDescription,
UpdateAssumeRolePolicy, DeleteRole's DeleteConflict rules, role tags and the RolesPerAccount
quota."""

import json
import re
import shutil
import tempfile
import unittest
import urllib.parse

import sigil_harness as h

AWS = "arn:aws:iam::aws:policy/"
ROLE_ID_RE = re.compile(r"^AROA[A-Z2-7]{17}$")


def trust(service="ec2.amazonaws.com"):
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


def compact(doc):
    return json.dumps(doc, separators=(",", ":"))


class RolesTestBase(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam_raw = cls.server.client("iam", parameter_validation=False)

    def assertMessage(self, err, message):
        self.assertEqual(err["Error"]["Message"], message)

    def create_role(self, name, doc=None, **kwargs):
        return self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=compact(doc or trust()),
                                    **kwargs)["Role"]

    def role_arn(self, name, path="/"):
        return f"arn:aws:iam::{self.account}:role{path}{name}"


class RolesTest(RolesTestBase):

    def test_create_and_get_role(self):
        created = self.create_role("shape_role")
        self.assertEqual((created["RoleName"], created["Path"], created["Arn"]),
                         ("shape_role", "/", self.role_arn("shape_role")))
        self.assertRegex(created["RoleId"], ROLE_ID_RE)
        self.assertEqual(created["AssumeRolePolicyDocument"], trust())
        for absent in ("PermissionsBoundary", "Tags", "Description", "RoleLastUsed"):
            self.assertNotIn(absent, created)

        got = self.iam.get_role(RoleName="shape_role")["Role"]
        for key in ("RoleName", "RoleId", "Arn", "Path", "CreateDate", "AssumeRolePolicyDocument"):
            self.assertEqual(got[key], created[key], key)
        self.assertEqual(got["MaxSessionDuration"], 3600)
        self.assertEqual(got["RoleLastUsed"], {})
        # Role names are found case-insensitively.
        self.assertEqual(self.iam.get_role(RoleName="SHAPE_ROLE")["Role"]["RoleId"],
                         created["RoleId"])

    def test_create_role_with_everything(self):
        boundary = self.iam.create_policy(
            PolicyName="role_boundary",
            PolicyDocument=compact({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))["Policy"]["Arn"]
        created = self.create_role("full_role", trust("lambda.amazonaws.com"), Path="/apps/",
                                   Description="runs the app", MaxSessionDuration=43200,
                                   PermissionsBoundary=boundary,
                                   Tags=[{"Key": "team", "Value": "blue"}])
        self.assertEqual(created["Arn"], self.role_arn("full_role", "/apps/"))
        self.assertEqual(created["Description"], "runs the app")
        self.assertEqual(created["Tags"], [{"Key": "team", "Value": "blue"}])
        expected_boundary = {"PermissionsBoundaryType": "Policy",
                             "PermissionsBoundaryArn": boundary}
        self.assertEqual(created["PermissionsBoundary"], expected_boundary)
        got = self.iam.get_role(RoleName="full_role")["Role"]
        self.assertEqual((got["Path"], got["Description"], got["MaxSessionDuration"],
                          got["PermissionsBoundary"], got["Tags"]),
                         ("/apps/", "runs the app", 43200, expected_boundary,
                          [{"Key": "team", "Value": "blue"}]))
        self.assertEqual(got["AssumeRolePolicyDocument"], trust("lambda.amazonaws.com"))
        # An AWS managed policy can be the boundary too.
        aws_bounded = self.create_role("aws_bounded_role",
                                       PermissionsBoundary=AWS + "PowerUserAccess")
        self.assertEqual(aws_bounded["PermissionsBoundary"]["PermissionsBoundaryArn"],
                         AWS + "PowerUserAccess")

    def test_max_session_duration_bounds(self):
        for bad in (3599, 43201, 0):
            with self.subTest(MaxSessionDuration=bad):
                self.assertClientError("ValidationError", 400, self.iam_raw.create_role,
                                       RoleName="bad_duration",
                                       AssumeRolePolicyDocument=compact(trust()),
                                       MaxSessionDuration=bad)
        self.assertClientError("NoSuchEntity", 404, self.iam.get_role, RoleName="bad_duration")
        self.create_role("bounded_duration", MaxSessionDuration=3600)
        self.assertClientError("ValidationError", 400, self.iam_raw.update_role,
                               RoleName="bounded_duration", MaxSessionDuration=43201)
        self.assertEqual(self.iam.get_role(RoleName="bounded_duration")["Role"]
                         ["MaxSessionDuration"], 3600)

    def test_duplicate_role(self):
        self.create_role("dup_role")
        for name in ("dup_role", "DUP_ROLE"):
            with self.subTest(name=name):
                err = self.assertClientError("EntityAlreadyExists", 409, self.iam.create_role,
                                             RoleName=name,
                                             AssumeRolePolicyDocument=compact(trust()))
                self.assertMessage(err, f"Role with name {name} already exists.")

    def test_trust_policy_is_validated(self):
        no_principal = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole"}]}
        for doc in (compact(no_principal), "not json", "{}"):
            with self.subTest(doc=doc):
                self.assertClientError("MalformedPolicyDocument", 400, self.iam.create_role,
                                       RoleName="bad_trust", AssumeRolePolicyDocument=doc)
        # 2,048 characters counted without whitespace.
        base = trust()
        base["Statement"][0]["Principal"] = {"AWS": []}
        padding = 2048 - len(compact(base))
        arns = []
        while padding > 0:
            arn = f"arn:aws:iam::{len(arns):012d}:root"
            cost = len(json.dumps(arn)) + (1 if arns else 0)
            if cost > padding:
                break
            arns.append(arn)
            padding -= cost
        base["Statement"][0]["Principal"] = {"AWS": arns}
        big = compact(base)
        self.assertLessEqual(len(big), 2048)
        self.create_role("big_trust", base)
        base["Statement"][0]["Principal"]["AWS"] = arns + [f"arn:aws:iam::{999999999999}:root"]
        self.assertGreater(len(compact(base)), 2048)
        err = self.assertClientError("LimitExceeded", 409, self.iam.create_role,
                                     RoleName="too_big_trust",
                                     AssumeRolePolicyDocument=json.dumps(base, indent=4))
        self.assertMessage(err, "Cannot exceed quota for ACLSizePerRole: 2048")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_role, RoleName="bad_trust")

    def test_permissions_boundary_must_exist(self):
        for arn in (f"arn:aws:iam::{self.account}:policy/no_such_boundary",
                    AWS + "NoSuchManagedPolicy"):
            with self.subTest(arn=arn):
                err = self.assertClientError("NoSuchEntity", 404, self.iam.create_role,
                                             RoleName="unbounded",
                                             AssumeRolePolicyDocument=compact(trust()),
                                             PermissionsBoundary=arn)
                self.assertMessage(err, f"Scope ARN: {arn} does not exist or is not attachable.")
        err = self.assertClientError("InvalidInput", 400, self.iam.create_role,
                                     RoleName="unbounded",
                                     AssumeRolePolicyDocument=compact(trust()),
                                     PermissionsBoundary="this-is-not-an-arn-at-all")
        self.assertMessage(err, "ARN this-is-not-an-arn-at-all is not valid.")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_role, RoleName="unbounded")

    def test_missing_role(self):
        calls = [
            (self.iam.get_role, {}),
            (self.iam.update_role, {"Description": "x"}),
            (self.iam.update_role_description, {"Description": "x"}),
            (self.iam.update_assume_role_policy, {"PolicyDocument": compact(trust())}),
            (self.iam.delete_role, {}),
            (self.iam.tag_role, {"Tags": [{"Key": "a", "Value": "b"}]}),
            (self.iam.untag_role, {"TagKeys": ["a"]}),
            (self.iam.list_role_tags, {}),
        ]
        for fn, kwargs in calls:
            with self.subTest(op=fn.__name__):
                err = self.assertClientError("NoSuchEntity", 404, fn, RoleName="ghost_role",
                                             **kwargs)
                self.assertMessage(err, "The role with name ghost_role cannot be found.")

    def test_list_roles(self):
        self.create_role("list_b", Path="/listing/", Tags=[{"Key": "k", "Value": "v"}],
                         PermissionsBoundary=AWS + "ReadOnlyAccess", Description="second")
        self.create_role("list_a", Path="/listing/deeper/")
        self.create_role("list_c", Path="/listingnot/")
        roles = self.iam.list_roles(PathPrefix="/listing/")["Roles"]
        self.assertEqual([r["RoleName"] for r in roles], ["list_a", "list_b"])
        b = roles[1]
        self.assertEqual((b["Arn"], b["Description"], b["MaxSessionDuration"],
                          b["AssumeRolePolicyDocument"]),
                         (self.role_arn("list_b", "/listing/"), "second", 3600, trust()))
        # ListRoles leaves out the boundary, tags and last use, as AWS documents.
        for absent in ("PermissionsBoundary", "Tags", "RoleLastUsed"):
            self.assertNotIn(absent, b)
        names = lambda **kw: [r["RoleName"] for r in self.iam.list_roles(**kw)["Roles"]]
        self.assertEqual(names(PathPrefix="/listing"), ["list_a", "list_b", "list_c"])
        self.assertEqual(names(PathPrefix="/nothing-here/"), [])

    def test_list_roles_pagination(self):
        expected = [f"page_role_{i}" for i in range(5)]
        for name in expected:
            self.create_role(name, Path="/paging/")
        first = self.iam.list_roles(PathPrefix="/paging/", MaxItems=2)
        self.assertEqual(([r["RoleName"] for r in first["Roles"]], first["IsTruncated"]),
                         (expected[:2], True))
        pages = self.iam.get_paginator("list_roles").paginate(
            PathPrefix="/paging/", PaginationConfig={"PageSize": 2})
        self.assertEqual([r["RoleName"] for p in pages for r in p["Roles"]], expected)
        whole = self.iam.list_roles(PathPrefix="/paging/", MaxItems=5)
        self.assertEqual((len(whole["Roles"]), whole["IsTruncated"]), (5, False))
        self.assertNotIn("Marker", whole)

    def test_update_role(self):
        created = self.create_role("updated_role", Description="before")
        self.iam.update_role(RoleName="updated_role", MaxSessionDuration=7200)
        got = self.iam.get_role(RoleName="updated_role")["Role"]
        self.assertEqual((got["Description"], got["MaxSessionDuration"]), ("before", 7200))
        self.iam.update_role(RoleName="updated_role", Description="after")
        got = self.iam.get_role(RoleName="updated_role")["Role"]
        self.assertEqual((got["Description"], got["MaxSessionDuration"]), ("after", 7200))

        described = self.iam.update_role_description(RoleName="updated_role",
                                                     Description="third")["Role"]
        self.assertEqual((described["RoleId"], described["Description"],
                          described["MaxSessionDuration"]),
                         (created["RoleId"], "third", 7200))

        self.iam.update_assume_role_policy(RoleName="updated_role",
                                           PolicyDocument=compact(trust("lambda.amazonaws.com")))
        self.assertEqual(self.iam.get_role(RoleName="updated_role")["Role"]
                         ["AssumeRolePolicyDocument"], trust("lambda.amazonaws.com"))
        no_principal = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole"}]}
        self.assertClientError("MalformedPolicyDocument", 400, self.iam.update_assume_role_policy,
                               RoleName="updated_role", PolicyDocument=compact(no_principal))
        got = self.iam.get_role(RoleName="updated_role")["Role"]
        self.assertEqual((got["AssumeRolePolicyDocument"], got["Description"], got["CreateDate"]),
                         (trust("lambda.amazonaws.com"), "third", created["CreateDate"]))

    def test_trust_policy_is_url_encoded_on_the_wire(self):
        doc = compact(trust("a b+c&d~e.amazonaws.com"))
        self.iam.create_role(RoleName="encoded_role", AssumeRolePolicyDocument=doc)
        resp = h.botocore_signed_request(
            self.server.url, self.root,
            {"Action": "GetRole", "Version": h.IAM_VERSION, "RoleName": "encoded_role"},
            service="iam").send()
        self.assertEqual(resp.status, 200, resp.text())
        self.assertIn(f"<AssumeRolePolicyDocument>{urllib.parse.quote(doc, safe='')}"
                      "</AssumeRolePolicyDocument>", resp.text())

    def test_delete_role_conflicts(self):
        self.create_role("busy_role")
        self.iam.attach_role_policy(RoleName="busy_role", PolicyArn=AWS + "ReadOnlyAccess")
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_role,
                                     RoleName="busy_role")
        self.assertMessage(err, "Cannot delete entity, must detach all policies first.")
        self.iam.detach_role_policy(RoleName="busy_role", PolicyArn=AWS + "ReadOnlyAccess")
        self.iam.put_role_policy(RoleName="busy_role", PolicyName="inline",
                                 PolicyDocument=compact({"Version": "2012-10-17", "Statement": [
                                     {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_role,
                                     RoleName="busy_role")
        self.assertMessage(err, "Cannot delete entity, must delete policies first.")
        self.iam.delete_role_policy(RoleName="busy_role", PolicyName="inline")
        # Neither tags nor a permissions boundary block deletion.
        self.iam.tag_role(RoleName="busy_role", Tags=[{"Key": "k", "Value": "v"}])
        self.iam.put_role_permissions_boundary(RoleName="busy_role",
                                               PermissionsBoundary=AWS + "PowerUserAccess")
        self.iam.delete_role(RoleName="busy_role")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_role, RoleName="busy_role")
        # The name is free again, without the old tags.
        self.assertNotIn("Tags", self.create_role("busy_role"))
        self.assertEqual(self.iam.list_role_tags(RoleName="busy_role")["Tags"], [])

    def test_role_tags(self):
        self.create_role("tagged_role", Tags=[{"Key": "env", "Value": "dev"}])
        self.iam.tag_role(RoleName="tagged_role", Tags=[{"Key": "ENV", "Value": "prod"},
                                                        {"Key": "team", "Value": "blue"}])
        self.assertEqual(self.iam.list_role_tags(RoleName="tagged_role")["Tags"],
                         [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "blue"}])
        self.iam.untag_role(RoleName="tagged_role", TagKeys=["env", "absent"])
        self.assertEqual(self.iam.get_role(RoleName="tagged_role")["Role"]["Tags"],
                         [{"Key": "team", "Value": "blue"}])
        self.iam.tag_role(RoleName="tagged_role",
                          Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
        err = self.assertClientError("LimitExceeded", 409, self.iam.tag_role,
                                     RoleName="tagged_role",
                                     Tags=[{"Key": "one_more", "Value": "v"}])
        self.assertMessage(err, "Cannot exceed quota for TagsPerRole: 50")
        self.assertEqual(len(self.iam.list_role_tags(RoleName="tagged_role")["Tags"]), 50)
        page = self.iam.list_role_tags(RoleName="tagged_role", MaxItems=30)
        rest = self.iam.list_role_tags(RoleName="tagged_role", Marker=page["Marker"])
        self.assertEqual((len(page["Tags"]), page["IsTruncated"], len(rest["Tags"]),
                          rest["IsTruncated"]), (30, True, 20, False))
        self.assertClientError("InvalidInput", 400, self.iam.create_role, RoleName="dup_keys",
                               AssumeRolePolicyDocument=compact(trust()),
                               Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
        # Tagging does not touch the rest of the role.
        got = self.iam.get_role(RoleName="tagged_role")["Role"]
        self.assertEqual((got["AssumeRolePolicyDocument"], got["MaxSessionDuration"]),
                         (trust(), 3600))


class RoleQuotaTest(RolesTestBase):
    """The RolesPerAccount quota (1,000 roles)."""

    def test_roles_per_account(self):
        doc = compact(trust())
        for i in range(1000):
            self.iam.create_role(RoleName=f"r{i:04d}", AssumeRolePolicyDocument=doc)
        err = self.assertClientError("LimitExceeded", 409, self.iam.create_role,
                                     RoleName="one_too_many", AssumeRolePolicyDocument=doc)
        self.assertMessage(err, "Cannot exceed quota for RolesPerAccount: 1000")
        self.assertEqual(self.iam.get_account_summary()["SummaryMap"]["Roles"], 1000)
        listed = [r["RoleName"] for p in self.iam.get_paginator("list_roles").paginate()
                  for r in p["Roles"]]
        self.assertEqual(listed, [f"r{i:04d}" for i in range(1000)])
        self.iam.delete_role(RoleName="r0000")
        self.iam.create_role(RoleName="one_too_many", AssumeRolePolicyDocument=doc)


class RolesCliTest(RolesTestBase):
    """The role workflow with Debian's AWS CLI v2."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        cls.home = tempfile.mkdtemp(prefix="sigil-it-home-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, ignore_errors=True)
        super().tearDownClass()

    def aws(self, *args):
        return self.cli.run(list(args), home=self.home, endpoint=self.server.url,
                            env={"AWS_SHARED_CREDENTIALS_FILE": self.server.credentials_path})

    def aws_json(self, *args):
        res = self.aws(*args)
        self.assertEqual(res.rc, 0, f"aws {' '.join(args)} failed: {res.stderr}")
        return json.loads(res.stdout) if res.stdout.strip() else {}

    def aws_error(self, code, *args):
        res = self.aws(*args)
        self.assertEqual((h.cli_error_code(res.stderr), res.rc), (code, self.cli.service_error_rc),
                         res.stderr)

    def test_role_workflow(self):
        path = f"{self.home}/trust.json"
        with open(path, "w") as f:
            json.dump(trust(), f, indent=2)
        role = self.aws_json("iam", "create-role", "--role-name", "EC2AppRole",
                             "--assume-role-policy-document", f"file://{path}",
                             "--description", "for EC2", "--max-session-duration", "7200",
                             "--tags", "Key=team,Value=blue")["Role"]
        self.assertEqual(role["Arn"], self.role_arn("EC2AppRole"))
        self.assertEqual(role["AssumeRolePolicyDocument"], trust())
        got = self.aws_json("iam", "get-role", "--role-name", "EC2AppRole")["Role"]
        self.assertEqual((got["MaxSessionDuration"], got["Description"]), (7200, "for EC2"))
        self.aws_json("iam", "update-role", "--role-name", "EC2AppRole",
                      "--max-session-duration", "3600")
        self.aws_json("iam", "update-assume-role-policy", "--role-name", "EC2AppRole",
                      "--policy-document", json.dumps(trust("lambda.amazonaws.com")))
        listed = self.aws_json("iam", "list-roles")["Roles"]
        self.assertEqual([(r["RoleName"], r["MaxSessionDuration"], r["AssumeRolePolicyDocument"])
                          for r in listed],
                         [("EC2AppRole", 3600, trust("lambda.amazonaws.com"))])
        self.assertEqual(self.aws_json("iam", "list-role-tags", "--role-name", "EC2AppRole")
                         ["Tags"], [{"Key": "team", "Value": "blue"}])
        self.aws_error("EntityAlreadyExists", "iam", "create-role", "--role-name", "EC2AppRole",
                       "--assume-role-policy-document", f"file://{path}")
        self.aws_json("iam", "attach-role-policy", "--role-name", "EC2AppRole", "--policy-arn",
                      AWS + "AmazonS3ReadOnlyAccess")
        self.aws_error("DeleteConflict", "iam", "delete-role", "--role-name", "EC2AppRole")
        self.aws_json("iam", "detach-role-policy", "--role-name", "EC2AppRole", "--policy-arn",
                      AWS + "AmazonS3ReadOnlyAccess")
        self.aws_json("iam", "delete-role", "--role-name", "EC2AppRole")
        self.aws_error("NoSuchEntity", "iam", "get-role", "--role-name", "EC2AppRole")


if __name__ == "__main__":
    unittest.main(verbosity=2)
