"""The policies of users, groups and roles, through boto3, raw HTTP and the AWS CLI: inline
policies (Put/Get/List/Delete{User,Group,Role}Policy: URL-encoded documents, replacement, the
aggregate size quotas counted without whitespace, MalformedPolicyDocument), attached managed
policies (Attach/Detach/ListAttached{User,Group,Role}Policies: AWS managed and customer managed,
PathPrefix, pagination, the PoliciesPer* quotas, missing and invalid ARNs), permissions
boundaries (Put/Delete{User,Role}PermissionsBoundary, CreateUser's PermissionsBoundary, GetUser
and GetRole showing them) and DeleteUser's DeleteConflict while policies remain."""

import json
import os
import shutil
import tempfile
import unittest
import urllib.parse

import sigil_harness as h

AWS = "arn:aws:iam::aws:policy/"
ADMIN = AWS + "AdministratorAccess"
POWER = AWS + "PowerUserAccess"
READ_ONLY = AWS + "ReadOnlyAccess"
# Eleven built-in AWS managed policies: one more than an entity may have attached.
ELEVEN_AWS_POLICIES = [AWS + n for n in (
    "AdministratorAccess", "AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess", "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess", "IAMFullAccess", "IAMReadOnlyAccess",
    "IAMSelfManageServiceSpecificCredentials", "IAMUserChangePassword", "PowerUserAccess",
    "ReadOnlyAccess")]
TRUST_EC2 = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def policy(action="s3:GetObject", resource="*"):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


def compact(doc):
    return json.dumps(doc, separators=(",", ":"))


def document_of_size(size):
    """A policy whose size without whitespace is exactly `size` characters."""
    base = len(compact(policy(resource="arn:aws:s3:::")))
    doc = compact(policy(resource="arn:aws:s3:::" + "b" * (size - base)))
    assert len(doc) == size, (len(doc), size)
    return doc


class EntityPoliciesTest(h.ServerTestCase):

    def assertMessage(self, err, message):
        self.assertEqual(err["Error"]["Message"], message)

    # -- inline policies ---------------------------------------------------------------------

    def test_user_inline_policy_lifecycle(self):
        self.create_user("inline_user")
        doc = policy("s3:ListBucket", "arn:aws:s3:::my-bucket/*")
        self.iam.put_user_policy(UserName="inline_user", PolicyName="ReadBucket",
                                 PolicyDocument=json.dumps(doc, indent=2))
        got = self.iam.get_user_policy(UserName="INLINE_USER", PolicyName="readbucket")
        self.assertEqual((got["UserName"], got["PolicyName"], got["PolicyDocument"]),
                         ("inline_user", "ReadBucket", doc))
        self.iam.put_user_policy(UserName="inline_user", PolicyName="Another",
                                 PolicyDocument=compact(policy()))
        self.assertEqual(self.iam.list_user_policies(UserName="inline_user")["PolicyNames"],
                         ["Another", "ReadBucket"])

        # Putting a policy of the same name replaces it (and takes the new spelling).
        replaced = policy("s3:PutObject")
        self.iam.put_user_policy(UserName="inline_user", PolicyName="READBUCKET",
                                 PolicyDocument=compact(replaced))
        got = self.iam.get_user_policy(UserName="inline_user", PolicyName="ReadBucket")
        self.assertEqual((got["PolicyName"], got["PolicyDocument"]), ("READBUCKET", replaced))
        self.assertEqual(self.iam.list_user_policies(UserName="inline_user")["PolicyNames"],
                         ["Another", "READBUCKET"])

        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_user,
                                     UserName="inline_user")
        self.assertMessage(err, "Cannot delete entity, must delete policies first.")
        for name in ("Another", "readbucket"):
            self.iam.delete_user_policy(UserName="inline_user", PolicyName=name)
        self.assertEqual(self.iam.list_user_policies(UserName="inline_user")["PolicyNames"], [])
        err = self.assertClientError("NoSuchEntity", 404, self.iam.delete_user_policy,
                                     UserName="inline_user", PolicyName="Another")
        self.assertMessage(err, "The user policy with name Another cannot be found.")
        err = self.assertClientError("NoSuchEntity", 404, self.iam.get_user_policy,
                                     UserName="inline_user", PolicyName="Another")
        self.assertMessage(err, "The user policy with name Another cannot be found.")
        self.iam.delete_user(UserName="inline_user")

    def test_get_policy_returns_the_document_url_encoded(self):
        self.create_user("encoded_user")
        doc = json.dumps(policy("s3:GetObject", "arn:aws:s3:::bucket/a b+c&d"))
        self.iam.put_user_policy(UserName="encoded_user", PolicyName="Enc", PolicyDocument=doc)
        resp = h.botocore_signed_request(
            self.server.url, self.root,
            {"Action": "GetUserPolicy", "Version": h.IAM_VERSION, "UserName": "encoded_user",
             "PolicyName": "Enc"}, service="iam").send()
        self.assertEqual(resp.status, 200, resp.text())
        encoded = urllib.parse.quote(doc, safe="")
        self.assertIn(f"<PolicyDocument>{encoded}</PolicyDocument>", resp.text())

    def test_group_inline_policies(self):
        self.iam.create_group(GroupName="inline_group")
        self.iam.put_group_policy(GroupName="inline_group", PolicyName="G1",
                                  PolicyDocument=compact(policy()))
        got = self.iam.get_group_policy(GroupName="inline_group", PolicyName="G1")
        self.assertEqual((got["GroupName"], got["PolicyName"], got["PolicyDocument"]),
                         ("inline_group", "G1", policy()))
        self.assertEqual(self.iam.list_group_policies(GroupName="inline_group")["PolicyNames"],
                         ["G1"])
        err = self.assertClientError("NoSuchEntity", 404, self.iam.get_group_policy,
                                     GroupName="inline_group", PolicyName="G2")
        self.assertMessage(err, "The group policy with name G2 cannot be found.")
        self.iam.delete_group_policy(GroupName="inline_group", PolicyName="G1")
        self.assertEqual(self.iam.list_group_policies(GroupName="inline_group")["PolicyNames"],
                         [])

    def test_inline_policy_owner_missing(self):
        cases = [
            ("user", self.iam.put_user_policy,
             {"UserName": "ghost", "PolicyName": "p", "PolicyDocument": compact(policy())}),
            ("user", self.iam.get_user_policy, {"UserName": "ghost", "PolicyName": "p"}),
            ("user", self.iam.list_user_policies, {"UserName": "ghost"}),
            ("user", self.iam.delete_user_policy, {"UserName": "ghost", "PolicyName": "p"}),
            ("group", self.iam.put_group_policy,
             {"GroupName": "ghost", "PolicyName": "p", "PolicyDocument": compact(policy())}),
            ("group", self.iam.list_group_policies, {"GroupName": "ghost"}),
            ("role", self.iam.put_role_policy,
             {"RoleName": "ghost", "PolicyName": "p", "PolicyDocument": compact(policy())}),
            ("role", self.iam.get_role_policy, {"RoleName": "ghost", "PolicyName": "p"}),
            ("role", self.iam.list_role_policies, {"RoleName": "ghost"}),
            ("role", self.iam.delete_role_policy, {"RoleName": "ghost", "PolicyName": "p"}),
        ]
        for kind, fn, kwargs in cases:
            with self.subTest(fn.__name__):
                err = self.assertClientError("NoSuchEntity", 404, fn, **kwargs)
                self.assertMessage(err, f"The {kind} with name ghost cannot be found.")

    def test_malformed_inline_policy(self):
        self.create_user("malformed_user")
        for bad in ("{not json", "[]", "\"just a string\""):
            with self.subTest(bad):
                self.assertClientError("MalformedPolicyDocument", 400, self.iam.put_user_policy,
                                       UserName="malformed_user", PolicyName="bad",
                                       PolicyDocument=bad)
        self.assertEqual(self.iam.list_user_policies(UserName="malformed_user")["PolicyNames"],
                         [])

    def test_user_inline_size_quota_is_aggregate_and_ignores_whitespace(self):
        self.create_user("size_user")
        # Whitespace does not count: 2,048 characters of policy pretty-printed is still 2,048.
        exact = json.loads(document_of_size(2048))
        self.iam.put_user_policy(UserName="size_user", PolicyName="Exact",
                                 PolicyDocument=json.dumps(exact, indent=4))
        err = self.assertClientError("LimitExceeded", 409, self.iam.put_user_policy,
                                     UserName="size_user", PolicyName="Tiny",
                                     PolicyDocument=compact(policy()))
        self.assertMessage(err, "Maximum policy size of 2048 bytes exceeded for user size_user")
        # Replacing the one policy is measured without the old version.
        self.iam.put_user_policy(UserName="size_user", PolicyName="exact",
                                 PolicyDocument=document_of_size(1000))
        self.iam.put_user_policy(UserName="size_user", PolicyName="Second",
                                 PolicyDocument=document_of_size(1048))
        self.assertClientError("LimitExceeded", 409, self.iam.put_user_policy,
                               UserName="size_user", PolicyName="Third",
                               PolicyDocument=document_of_size(200))
        err = self.assertClientError("LimitExceeded", 409, self.iam.put_user_policy,
                                     UserName="size_user", PolicyName="exact",
                                     PolicyDocument=document_of_size(2049))
        self.assertMessage(err, "Maximum policy size of 2048 bytes exceeded for user size_user")
        self.assertEqual(self.iam.list_user_policies(UserName="size_user")["PolicyNames"],
                         ["exact", "Second"])

    def test_group_inline_size_quota(self):
        self.iam.create_group(GroupName="size_group")
        self.iam.put_group_policy(GroupName="size_group", PolicyName="Big",
                                  PolicyDocument=document_of_size(5120))
        err = self.assertClientError("LimitExceeded", 409, self.iam.put_group_policy,
                                     GroupName="size_group", PolicyName="Big",
                                     PolicyDocument=document_of_size(5121))
        self.assertMessage(err,
                           "Maximum policy size of 5120 bytes exceeded for group size_group")

    def test_list_inline_policies_paginates(self):
        self.create_user("many_inline")
        names = [f"P{i}" for i in range(5)]
        for name in names:
            self.iam.put_user_policy(UserName="many_inline", PolicyName=name,
                                     PolicyDocument=compact(policy()))
        page = self.iam.list_user_policies(UserName="many_inline", MaxItems=2)
        self.assertEqual((page["PolicyNames"], page["IsTruncated"]), (["P0", "P1"], True))
        listed = [n for p in self.iam.get_paginator("list_user_policies").paginate(
            UserName="many_inline", PaginationConfig={"PageSize": 2}) for n in p["PolicyNames"]]
        self.assertEqual(listed, names)

    # -- attached managed policies ----------------------------------------------------------

    def test_attach_list_detach_aws_managed(self):
        self.create_user("attach_user")
        self.iam.attach_user_policy(UserName="attach_user", PolicyArn=READ_ONLY)
        self.iam.attach_user_policy(UserName="attach_user", PolicyArn=ADMIN)
        self.iam.attach_user_policy(UserName="attach_user", PolicyArn=ADMIN)  # idempotent
        attached = self.iam.list_attached_user_policies(UserName="attach_user")
        self.assertEqual(attached["AttachedPolicies"],
                         [{"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN},
                          {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}])
        self.assertFalse(attached["IsTruncated"])
        self.assertEqual(self.iam.list_attached_user_policies(
            UserName="attach_user", PathPrefix="/service-role/")["AttachedPolicies"], [])

        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_user,
                                     UserName="attach_user")
        self.assertMessage(err, "Cannot delete entity, must detach all policies first.")

        self.iam.detach_user_policy(UserName="attach_user", PolicyArn=ADMIN)
        err = self.assertClientError("NoSuchEntity", 404, self.iam.detach_user_policy,
                                     UserName="attach_user", PolicyArn=ADMIN)
        self.assertMessage(err, f"Policy {ADMIN} was not found.")
        self.iam.detach_user_policy(UserName="attach_user", PolicyArn=READ_ONLY)
        self.assertEqual(
            self.iam.list_attached_user_policies(UserName="attach_user")["AttachedPolicies"], [])
        self.iam.delete_user(UserName="attach_user")

    def test_attach_group_policy(self):
        self.iam.create_group(GroupName="S3AccessGroup")
        s3 = AWS + "AmazonS3FullAccess"
        self.iam.attach_group_policy(GroupName="S3AccessGroup", PolicyArn=s3)
        self.assertEqual(
            self.iam.list_attached_group_policies(GroupName="S3AccessGroup")["AttachedPolicies"],
            [{"PolicyName": "AmazonS3FullAccess", "PolicyArn": s3}])
        self.iam.detach_group_policy(GroupName="S3AccessGroup", PolicyArn=s3)
        err = self.assertClientError("NoSuchEntity", 404, self.iam.detach_group_policy,
                                     GroupName="S3AccessGroup", PolicyArn=s3)
        self.assertMessage(err, f"Policy {s3} was not found.")

    def test_attach_missing_or_invalid_policy(self):
        self.create_user("attach_errors")
        self.iam.create_group(GroupName="attach_errors")
        missing = [AWS + "NoSuchPolicyAnywhere",
                   f"arn:aws:iam::{self.account}:policy/NotCreated",
                   "arn:aws:iam::000000000000:policy/OtherAccount",
                   "arn:aws:s3:::a-bucket-not-a-policy"]
        for arn in missing:
            for fn, kwargs in ((self.iam.attach_user_policy, {"UserName": "attach_errors"}),
                               (self.iam.attach_group_policy, {"GroupName": "attach_errors"})):
                with self.subTest(arn=arn, op=fn.__name__):
                    err = self.assertClientError("NoSuchEntity", 404, fn, PolicyArn=arn,
                                                 **kwargs)
                    self.assertMessage(err, f"Policy {arn} does not exist or is not attachable.")
        err = self.assertClientError("InvalidInput", 400, self.iam.attach_user_policy,
                                     UserName="attach_errors",
                                     PolicyArn="AdministratorAccessPolicy")
        self.assertMessage(err, "ARN AdministratorAccessPolicy is not valid.")
        self.assertEqual(
            self.iam.list_attached_user_policies(UserName="attach_errors")["AttachedPolicies"],
            [])

    def test_attach_to_missing_owner(self):
        for kind, fn, kwargs in (
                ("user", self.iam.attach_user_policy, {"UserName": "ghost"}),
                ("user", self.iam.list_attached_user_policies, {"UserName": "ghost"}),
                ("group", self.iam.attach_group_policy, {"GroupName": "ghost"}),
                ("group", self.iam.detach_group_policy, {"GroupName": "ghost"}),
                ("role", self.iam.attach_role_policy, {"RoleName": "ghost"}),
                ("role", self.iam.list_attached_role_policies, {"RoleName": "ghost"})):
            if "list" not in fn.__name__:
                kwargs = dict(kwargs, PolicyArn=ADMIN)
            with self.subTest(fn.__name__):
                err = self.assertClientError("NoSuchEntity", 404, fn, **kwargs)
                self.assertMessage(err, f"The {kind} with name ghost cannot be found.")

    def test_attached_policies_quota(self):
        self.create_user("quota_user")
        self.iam.create_group(GroupName="quota_group")
        for arn in ELEVEN_AWS_POLICIES[:10]:
            self.iam.attach_user_policy(UserName="quota_user", PolicyArn=arn)
            self.iam.attach_group_policy(GroupName="quota_group", PolicyArn=arn)
        err = self.assertClientError("LimitExceeded", 409, self.iam.attach_user_policy,
                                     UserName="quota_user", PolicyArn=ELEVEN_AWS_POLICIES[10])
        self.assertMessage(err, "Cannot exceed quota for PoliciesPerUser: 10")
        err = self.assertClientError("LimitExceeded", 409, self.iam.attach_group_policy,
                                     GroupName="quota_group", PolicyArn=ELEVEN_AWS_POLICIES[10])
        self.assertMessage(err, "Cannot exceed quota for PoliciesPerGroup: 10")
        # Re-attaching an attached policy at the quota is fine.
        self.iam.attach_user_policy(UserName="quota_user", PolicyArn=ELEVEN_AWS_POLICIES[0])

        page = self.iam.list_attached_user_policies(UserName="quota_user", MaxItems=4)
        self.assertTrue(page["IsTruncated"])
        listed = [p["PolicyArn"] for p in
                  self.iam.get_paginator("list_attached_user_policies").paginate(
                      UserName="quota_user", PaginationConfig={"PageSize": 4})
                  for p in p["AttachedPolicies"]]
        self.assertEqual(listed, sorted(ELEVEN_AWS_POLICIES[:10], key=str.lower))

    def test_customer_managed_policy_attachment(self):
        created = self.iam.create_policy(PolicyName="TeamPolicy", Path="/team/",
                                         PolicyDocument=compact(policy()))["Policy"]
        arn = created["Arn"]
        self.assertEqual(arn, f"arn:aws:iam::{self.account}:policy/team/TeamPolicy")
        self.create_user("customer_user")
        self.iam.attach_user_policy(UserName="customer_user", PolicyArn=arn)
        self.iam.attach_user_policy(UserName="customer_user", PolicyArn=ADMIN)
        self.assertEqual(self.iam.list_attached_user_policies(
            UserName="customer_user", PathPrefix="/team/")["AttachedPolicies"],
            [{"PolicyName": "TeamPolicy", "PolicyArn": arn}])
        self.assertEqual(len(self.iam.list_attached_user_policies(
            UserName="customer_user")["AttachedPolicies"]), 2)
        # The path is part of the ARN: the same name under another path is no such policy.
        wrong_path = f"arn:aws:iam::{self.account}:policy/TeamPolicy"
        err = self.assertClientError("NoSuchEntity", 404, self.iam.attach_user_policy,
                                     UserName="customer_user", PolicyArn=wrong_path)
        self.assertMessage(err, f"Policy {wrong_path} does not exist or is not attachable.")
        self.iam.detach_user_policy(UserName="customer_user", PolicyArn=arn)

    # -- permissions boundaries -------------------------------------------------------------

    def test_user_permissions_boundary(self):
        self.create_user("bounded_user")
        self.iam.put_user_permissions_boundary(UserName="bounded_user", PermissionsBoundary=POWER)
        user = self.iam.get_user(UserName="bounded_user")["User"]
        self.assertEqual(user["PermissionsBoundary"],
                         {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": POWER})
        listed = [u for u in self.iam.list_users()["Users"] if u["UserName"] == "bounded_user"]
        self.assertNotIn("PermissionsBoundary", listed[0], "ListUsers leaves boundaries out")

        self.iam.put_user_permissions_boundary(UserName="bounded_user",
                                               PermissionsBoundary=READ_ONLY)
        self.assertEqual(self.iam.get_user(UserName="bounded_user")["User"]["PermissionsBoundary"]
                         ["PermissionsBoundaryArn"], READ_ONLY)
        missing = AWS + "NotARealPolicy"
        err = self.assertClientError("NoSuchEntity", 404, self.iam.put_user_permissions_boundary,
                                     UserName="bounded_user", PermissionsBoundary=missing)
        self.assertMessage(err, f"Policy {missing} does not exist or is not attachable.")
        self.assertEqual(self.iam.get_user(UserName="bounded_user")["User"]["PermissionsBoundary"]
                         ["PermissionsBoundaryArn"], READ_ONLY)

        self.iam.delete_user_permissions_boundary(UserName="bounded_user")
        self.assertNotIn("PermissionsBoundary", self.iam.get_user(UserName="bounded_user")["User"])
        self.iam.delete_user_permissions_boundary(UserName="bounded_user")  # nothing to remove
        err = self.assertClientError("NoSuchEntity", 404,
                                     self.iam.delete_user_permissions_boundary, UserName="ghost")
        self.assertMessage(err, "The user with name ghost cannot be found.")
        # A boundary is not an attachment: the user can go once it is the only thing left.
        self.iam.put_user_permissions_boundary(UserName="bounded_user", PermissionsBoundary=POWER)
        self.iam.delete_user(UserName="bounded_user")

    def test_create_user_with_permissions_boundary(self):
        user = self.create_user("born_bounded", PermissionsBoundary=POWER)
        expected = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": POWER}
        self.assertEqual(user["PermissionsBoundary"], expected)
        self.assertEqual(self.iam.get_user(UserName="born_bounded")["User"]["PermissionsBoundary"],
                         expected)

        missing = f"arn:aws:iam::{self.account}:policy/NoSuchBoundary"
        err = self.assertClientError("NoSuchEntity", 404, self.iam.create_user,
                                     UserName="never_created", PermissionsBoundary=missing)
        self.assertMessage(err, f"Policy {missing} does not exist or is not attachable.")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_user, UserName="never_created")
        err = self.assertClientError("InvalidInput", 400, self.iam.create_user,
                                     UserName="never_created",
                                     PermissionsBoundary="PowerUserAccessPolicy")
        self.assertMessage(err, "ARN PowerUserAccessPolicy is not valid.")


class RolePoliciesTest(h.ServerTestCase):
    """Inline, attached and boundary policies of roles (roles themselves are CreateRole's)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam.create_role(RoleName="app_role", AssumeRolePolicyDocument=TRUST_EC2)

    def test_role_inline_policies(self):
        doc = policy("ec2:DescribeInstances")
        self.iam.put_role_policy(RoleName="app_role", PolicyName="Describe",
                                 PolicyDocument=json.dumps(doc))
        got = self.iam.get_role_policy(RoleName="APP_ROLE", PolicyName="describe")
        self.assertEqual((got["RoleName"], got["PolicyName"], got["PolicyDocument"]),
                         ("app_role", "Describe", doc))
        self.assertEqual(self.iam.list_role_policies(RoleName="app_role")["PolicyNames"],
                         ["Describe"])
        err = self.assertClientError("LimitExceeded", 409, self.iam.put_role_policy,
                                     RoleName="app_role", PolicyName="Huge",
                                     PolicyDocument=document_of_size(10241))
        self.assertEqual(err["Error"]["Message"],
                         "Maximum policy size of 10240 bytes exceeded for role app_role")
        self.iam.delete_role_policy(RoleName="app_role", PolicyName="Describe")
        err = self.assertClientError("NoSuchEntity", 404, self.iam.get_role_policy,
                                     RoleName="app_role", PolicyName="Describe")
        self.assertEqual(err["Error"]["Message"],
                         "The role policy with name Describe cannot be found.")

    def test_role_attached_policies_and_quota(self):
        self.iam.create_role(RoleName="busy_role", AssumeRolePolicyDocument=TRUST_EC2)
        for arn in ELEVEN_AWS_POLICIES[:10]:
            self.iam.attach_role_policy(RoleName="busy_role", PolicyArn=arn)
        err = self.assertClientError("LimitExceeded", 409, self.iam.attach_role_policy,
                                     RoleName="busy_role", PolicyArn=ELEVEN_AWS_POLICIES[10])
        self.assertEqual(err["Error"]["Message"], "Cannot exceed quota for PoliciesPerRole: 10")
        attached = self.iam.list_attached_role_policies(RoleName="busy_role")["AttachedPolicies"]
        self.assertEqual(len(attached), 10)
        self.iam.detach_role_policy(RoleName="busy_role", PolicyArn=ADMIN)
        self.assertNotIn(ADMIN, [p["PolicyArn"] for p in self.iam.list_attached_role_policies(
            RoleName="busy_role")["AttachedPolicies"]])

    def test_role_permissions_boundary(self):
        self.iam.put_role_permissions_boundary(RoleName="app_role", PermissionsBoundary=POWER)
        role = self.iam.get_role(RoleName="app_role")["Role"]
        self.assertEqual(role["PermissionsBoundary"],
                         {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": POWER})
        # The rest of the role is untouched.
        self.assertEqual(role["AssumeRolePolicyDocument"], json.loads(TRUST_EC2))
        missing = AWS + "NotARealPolicy"
        err = self.assertClientError("NoSuchEntity", 404, self.iam.put_role_permissions_boundary,
                                     RoleName="app_role", PermissionsBoundary=missing)
        self.assertEqual(err["Error"]["Message"],
                         f"Policy {missing} does not exist or is not attachable.")
        self.iam.delete_role_permissions_boundary(RoleName="app_role")
        self.assertNotIn("PermissionsBoundary", self.iam.get_role(RoleName="app_role")["Role"])
        err = self.assertClientError("NoSuchEntity", 404, self.iam.put_role_permissions_boundary,
                                     RoleName="ghost", PermissionsBoundary=POWER)
        self.assertEqual(err["Error"]["Message"], "The role with name ghost cannot be found.")


class EntityPoliciesCliTest(h.ServerTestCase):
    """Inline and attached user policies and a boundary with Debian's AWS CLI v2."""

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

    def test_user_policy_workflow(self):
        self.aws_json("iam", "create-user", "--user-name", "automation_user")
        doc = policy(["ec2:*", "s3:*"])
        path = os.path.join(self.home, "policy.json")
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)
        self.aws_json("iam", "put-user-policy", "--user-name", "automation_user",
                      "--policy-name", "Automation", "--policy-document", f"file://{path}")
        got = self.aws_json("iam", "get-user-policy", "--user-name", "automation_user",
                            "--policy-name", "Automation")
        self.assertEqual(got["PolicyDocument"], doc)
        self.assertEqual(self.aws_json("iam", "list-user-policies", "--user-name",
                                       "automation_user")["PolicyNames"], ["Automation"])

        self.aws_json("iam", "attach-user-policy", "--user-name", "automation_user",
                      "--policy-arn", READ_ONLY)
        attached = self.aws_json("iam", "list-attached-user-policies", "--user-name",
                                 "automation_user")
        self.assertEqual(attached["AttachedPolicies"],
                         [{"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}])
        res = self.aws("iam", "attach-user-policy", "--user-name", "automation_user",
                       "--policy-arn", AWS + "NoSuchThing")
        self.assertEqual((h.cli_error_code(res.stderr), res.rc),
                         ("NoSuchEntity", self.cli.service_error_rc), res.stderr)

        self.aws_json("iam", "put-user-permissions-boundary", "--user-name", "automation_user",
                      "--permissions-boundary", POWER)
        user = self.aws_json("iam", "get-user", "--user-name", "automation_user")["User"]
        self.assertEqual(user["PermissionsBoundary"]["PermissionsBoundaryArn"], POWER)

        res = self.aws("iam", "delete-user", "--user-name", "automation_user")
        self.assertEqual((h.cli_error_code(res.stderr), res.rc),
                         ("DeleteConflict", self.cli.service_error_rc), res.stderr)


if __name__ == "__main__":
    unittest.main()
