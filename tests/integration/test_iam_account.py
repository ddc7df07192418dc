"""Account-wide IAM views through boto3 and the AWS CLI: GetAccountSummary (every key of
botocore's summaryKeyType enum, real counts and AWS's quotas) and GetAccountAuthorizationDetails
(users with groups, inline and attached policies, boundary and tags; groups; roles with trust
policy; customer managed policies with all versions; the AWS managed policies in use; Filter;
pagination across the four lists; URL-decoded documents)."""

import json
import shutil
import tempfile
import unittest

import sigil_harness as h

AWS = "arn:aws:iam::aws:policy/"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def policy(action="s3:GetObject", resource="*"):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


def compact(doc):
    return json.dumps(doc, separators=(",", ":"))


QUOTAS = {
    "UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
    "AccessKeysPerUserQuota": 2, "GroupsPerUserQuota": 10, "AttachedPoliciesPerUserQuota": 10,
    "AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
    "PolicySizeQuota": 6144, "PolicyVersionsInUseQuota": 10000, "VersionsPerPolicyQuota": 5,
    "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240,
    "AssumeRolePolicySizeQuota": 2048, "ServerCertificatesQuota": 20,
    "SigningCertificatesPerUserQuota": 2, "InstanceProfilesQuota": 1000,
}


class AccountSummaryTest(h.ServerTestCase):

    def summary(self):
        return self.iam.get_account_summary()["SummaryMap"]

    def test_summary_keys_and_quotas(self):
        summary = self.summary()
        enum = h.botocore.session.get_session().get_service_model("iam").shape_for(
            "summaryKeyType").enum
        self.assertEqual(set(enum) - set(summary), set(), "keys of the botocore enum missing")
        for key, value in QUOTAS.items():
            self.assertEqual(summary[key], value, key)
        for key in ("AccountPasswordPresent", "AccountMFAEnabled", "MFADevices", "MFADevicesInUse",
                    "ServerCertificates", "AccountSigningCertificatesPresent", "InstanceProfiles",
                    "Providers"):
            self.assertEqual(summary[key], 0, key)
        # The root credentials the server wrote are root access keys.
        self.assertEqual(summary["AccountAccessKeysPresent"], 1)
        self.assertEqual(summary["GlobalEndpointTokenVersion"], 1)
        self.assertTrue(all(isinstance(v, int) for v in summary.values()), summary)

    def test_summary_counts_follow_the_account(self):
        before = self.summary()
        self.iam.create_user(UserName="summary_user")
        self.iam.create_group(GroupName="summary_group")
        self.iam.create_role(RoleName="summary_role", AssumeRolePolicyDocument=compact(TRUST))
        arn = self.iam.create_policy(PolicyName="summary_policy",
                                     PolicyDocument=compact(policy()))["Policy"]["Arn"]
        self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=compact(policy()))
        self.iam.attach_user_policy(UserName="summary_user", PolicyArn=arn)
        self.iam.attach_role_policy(RoleName="summary_role", PolicyArn=AWS + "ReadOnlyAccess")
        after = self.summary()
        self.assertEqual({k: after[k] - before[k] for k in
                          ("Users", "Groups", "Roles", "Policies", "PolicyVersionsInUse")},
                         {"Users": 1, "Groups": 1, "Roles": 1, "Policies": 1,
                          "PolicyVersionsInUse": 2})

        self.iam.detach_user_policy(UserName="summary_user", PolicyArn=arn)
        self.iam.detach_role_policy(RoleName="summary_role", PolicyArn=AWS + "ReadOnlyAccess")
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
        self.iam.delete_policy(PolicyArn=arn)
        self.iam.delete_role(RoleName="summary_role")
        self.iam.delete_group(GroupName="summary_group")
        self.iam.delete_user(UserName="summary_user")
        self.assertEqual(self.summary(), before)


class AuthorizationDetailsTest(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        iam = cls.iam
        cls.policy_arn = iam.create_policy(PolicyName="details_policy", Path="/details/",
                                           Description="described",
                                           PolicyDocument=compact(policy("s3:GetObject")))[
            "Policy"]["Arn"]
        iam.create_policy_version(PolicyArn=cls.policy_arn, SetAsDefault=True,
                                  PolicyDocument=compact(policy("s3:PutObject")))
        cls.unused_arn = iam.create_policy(PolicyName="unused_policy",
                                           PolicyDocument=compact(policy()))["Policy"]["Arn"]
        cls.user = iam.create_user(UserName="details_user", Path="/people/",
                                   Tags=[{"Key": "team", "Value": "blue"}])["User"]
        iam.put_user_permissions_boundary(UserName="details_user",
                                          PermissionsBoundary=AWS + "PowerUserAccess")
        iam.put_user_policy(UserName="details_user", PolicyName="user_inline",
                            PolicyDocument=compact(policy("ec2:DescribeInstances")))
        iam.attach_user_policy(UserName="details_user", PolicyArn=cls.policy_arn)
        iam.attach_user_policy(UserName="details_user", PolicyArn=AWS + "IAMReadOnlyAccess")
        cls.group = iam.create_group(GroupName="details_group")["Group"]
        iam.add_user_to_group(GroupName="details_group", UserName="details_user")
        iam.put_group_policy(GroupName="details_group", PolicyName="group_inline",
                             PolicyDocument=compact(policy("s3:ListBucket")))
        iam.attach_group_policy(GroupName="details_group", PolicyArn=AWS + "AmazonS3ReadOnlyAccess")
        cls.role = iam.create_role(RoleName="details_role", AssumeRolePolicyDocument=compact(TRUST),
                                   PermissionsBoundary=cls.policy_arn,
                                   Tags=[{"Key": "app", "Value": "web"}])["Role"]
        iam.put_role_policy(RoleName="details_role", PolicyName="role_inline",
                            PolicyDocument=compact(policy("sqs:SendMessage")))
        iam.attach_role_policy(RoleName="details_role", PolicyArn=AWS + "IAMReadOnlyAccess")

    def details(self, **kwargs):
        return self.iam.get_account_authorization_details(**kwargs)

    def test_users(self):
        users = self.details(Filter=["User"])["UserDetailList"]
        self.assertEqual(len(users), 1)
        u = users[0]
        self.assertEqual((u["UserName"], u["UserId"], u["Path"], u["Arn"]),
                         ("details_user", self.user["UserId"], "/people/", self.user["Arn"]))
        self.assertEqual(u["GroupList"], ["details_group"])
        self.assertEqual(u["UserPolicyList"], [{"PolicyName": "user_inline",
                                                "PolicyDocument": policy("ec2:DescribeInstances")}])
        self.assertEqual(sorted((p["PolicyName"], p["PolicyArn"])
                                for p in u["AttachedManagedPolicies"]),
                         [("IAMReadOnlyAccess", AWS + "IAMReadOnlyAccess"),
                          ("details_policy", self.policy_arn)])
        self.assertEqual(u["PermissionsBoundary"]["PermissionsBoundaryArn"],
                         AWS + "PowerUserAccess")
        self.assertEqual(u["Tags"], [{"Key": "team", "Value": "blue"}])

    def test_groups_and_roles(self):
        d = self.details(Filter=["Group", "Role"])
        self.assertEqual((d["UserDetailList"], d["Policies"]), ([], []))
        [g] = d["GroupDetailList"]
        self.assertEqual((g["GroupName"], g["GroupId"], g["Arn"]),
                         ("details_group", self.group["GroupId"], self.group["Arn"]))
        self.assertEqual(g["GroupPolicyList"], [{"PolicyName": "group_inline",
                                                 "PolicyDocument": policy("s3:ListBucket")}])
        self.assertEqual(g["AttachedManagedPolicies"],
                         [{"PolicyName": "AmazonS3ReadOnlyAccess",
                           "PolicyArn": AWS + "AmazonS3ReadOnlyAccess"}])
        [r] = d["RoleDetailList"]
        self.assertEqual((r["RoleName"], r["RoleId"], r["Arn"], r["AssumeRolePolicyDocument"]),
                         ("details_role", self.role["RoleId"], self.role["Arn"], TRUST))
        self.assertEqual(r["InstanceProfileList"], [])
        self.assertEqual(r["RolePolicyList"], [{"PolicyName": "role_inline",
                                                "PolicyDocument": policy("sqs:SendMessage")}])
        self.assertEqual(r["AttachedManagedPolicies"],
                         [{"PolicyName": "IAMReadOnlyAccess",
                           "PolicyArn": AWS + "IAMReadOnlyAccess"}])
        self.assertEqual(r["PermissionsBoundary"],
                         {"PermissionsBoundaryType": "Policy",
                          "PermissionsBoundaryArn": self.policy_arn})
        self.assertEqual(r["Tags"], [{"Key": "app", "Value": "web"}])

    def test_policies(self):
        policies = {p["PolicyName"]: p for p in self.details()["Policies"]}
        # Every customer managed policy; only the AWS managed ones in use (attached or boundary).
        self.assertEqual(set(policies), {"details_policy", "unused_policy", "IAMReadOnlyAccess",
                                         "AmazonS3ReadOnlyAccess", "PowerUserAccess"})
        mine = policies["details_policy"]
        self.assertEqual((mine["Arn"], mine["Path"], mine["DefaultVersionId"], mine["Description"],
                          mine["AttachmentCount"], mine["PermissionsBoundaryUsageCount"],
                          mine["IsAttachable"]),
                         (self.policy_arn, "/details/", "v2", "described", 1, 1, True))
        self.assertEqual([(v["VersionId"], v["IsDefaultVersion"], v["Document"])
                          for v in mine["PolicyVersionList"]],
                         [("v1", False, policy("s3:GetObject")),
                          ("v2", True, policy("s3:PutObject"))])
        self.assertEqual(policies["unused_policy"]["AttachmentCount"], 0)
        iam_ro = policies["IAMReadOnlyAccess"]
        self.assertEqual((iam_ro["Arn"], iam_ro["AttachmentCount"],
                          iam_ro["PermissionsBoundaryUsageCount"]),
                         (AWS + "IAMReadOnlyAccess", 2, 0))
        [version] = iam_ro["PolicyVersionList"]
        self.assertTrue(version["IsDefaultVersion"])
        self.assertIn("iam:Get*", version["Document"]["Statement"][0]["Action"])
        power = policies["PowerUserAccess"]
        self.assertEqual((power["AttachmentCount"], power["PermissionsBoundaryUsageCount"]), (0, 1))

        aws_only = self.details(Filter=["AWSManagedPolicy"])
        self.assertEqual(sorted(p["PolicyName"] for p in aws_only["Policies"]),
                         ["AmazonS3ReadOnlyAccess", "IAMReadOnlyAccess", "PowerUserAccess"])
        local_only = self.details(Filter=["LocalManagedPolicy"])
        self.assertEqual([p["PolicyName"] for p in local_only["Policies"]],
                         ["details_policy", "unused_policy"])

    def test_pagination_across_lists(self):
        whole = self.details()
        self.assertFalse(whole["IsTruncated"])
        names = lambda d: ([u["UserName"] for u in d["UserDetailList"]],
                           [g["GroupName"] for g in d["GroupDetailList"]],
                           [r["RoleName"] for r in d["RoleDetailList"]],
                           [p["PolicyName"] for p in d["Policies"]])
        collected = ([], [], [], [])
        pages = 0
        for page in self.iam.get_paginator("get_account_authorization_details").paginate(
                PaginationConfig={"PageSize": 2}):
            pages += 1
            self.assertLessEqual(sum(len(x) for x in names(page)), 2)
            for acc, part in zip(collected, names(page)):
                acc.extend(part)
        self.assertEqual(collected, names(whole))
        self.assertEqual(pages, 4)  # 1 user + 1 group + 1 role + 5 policies, two at a time
        first = self.details(MaxItems=1)
        self.assertTrue(first["IsTruncated"])
        self.assertEqual(names(first), (["details_user"], [], [], []))


class AccountCliTest(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        cls.home = tempfile.mkdtemp(prefix="sigil-it-home-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, ignore_errors=True)
        super().tearDownClass()

    def aws_json(self, *args):
        res = self.cli.run(list(args), home=self.home, endpoint=self.server.url,
                           env={"AWS_SHARED_CREDENTIALS_FILE": self.server.credentials_path})
        self.assertEqual(res.rc, 0, f"aws {' '.join(args)} failed: {res.stderr}")
        return json.loads(res.stdout)

    def test_cli(self):
        self.iam.create_role(RoleName="cli_role", AssumeRolePolicyDocument=compact(TRUST))
        summary = self.aws_json("iam", "get-account-summary")["SummaryMap"]
        self.assertEqual((summary["Roles"], summary["RolesQuota"], summary["Users"]), (1, 1000, 0))
        details = self.aws_json("iam", "get-account-authorization-details", "--filter", "Role")
        self.assertEqual([r["RoleName"] for r in details["RoleDetailList"]], ["cli_role"])
        self.assertEqual(details["RoleDetailList"][0]["AssumeRolePolicyDocument"], TRUST)


if __name__ == "__main__":
    unittest.main(verbosity=2)
