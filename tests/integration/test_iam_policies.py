"""Managed policies through boto3, raw HTTP and the AWS CLI: the built-in AWS managed policies
(GetPolicy, GetPolicyVersion, ListPolicies Scope=AWS, read-only), customer managed policies
(CreatePolicy: shape, path, description, tags, duplicates, MalformedPolicyDocument, the 6,144
size quota counted without whitespace, the PoliciesPerAccount quota), versions (at most five,
SetAsDefault, SetDefaultPolicyVersion, DeletePolicyVersion, ids never reused, documents
URL-encoded on the wire), DeletePolicy's DeleteConflict rules, ListPolicies (Scope, PathPrefix,
OnlyAttached, PolicyUsageFilter, pagination), ListEntitiesForPolicy and policy tags."""

import json
import re
import shutil
import tempfile
import unittest
import urllib.parse

import sigil_harness as h

AWS = "arn:aws:iam::aws:policy/"
BUILT_IN = ["AdministratorAccess", "AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess",
            "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "IAMFullAccess", "IAMReadOnlyAccess",
            "IAMSelfManageServiceSpecificCredentials", "IAMUserChangePassword", "PowerUserAccess",
            "ReadOnlyAccess"]
POLICY_ID_RE = re.compile(r"^ANPA[A-Z2-7]{17}$")
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


class PoliciesTestBase(h.ServerTestCase):

    def assertMessage(self, err, message):
        self.assertEqual(err["Error"]["Message"], message)

    def create_policy(self, name, doc=None, **kwargs):
        return self.iam.create_policy(PolicyName=name, PolicyDocument=compact(doc or policy()),
                                      **kwargs)["Policy"]

    def arn(self, name, path="/"):
        return f"arn:aws:iam::{self.account}:policy{path}{name}"


class AwsManagedPoliciesTest(PoliciesTestBase):

    def test_every_built_in_policy_is_in_every_account(self):
        for name in BUILT_IN:
            with self.subTest(name=name):
                got = self.iam.get_policy(PolicyArn=AWS + name)["Policy"]
                self.assertEqual((got["PolicyName"], got["Arn"], got["Path"]),
                                 (name, AWS + name, "/"))
                self.assertRegex(got["PolicyId"], POLICY_ID_RE)
                self.assertTrue(got["IsAttachable"])
                self.assertEqual((got["AttachmentCount"], got["PermissionsBoundaryUsageCount"]),
                                 (0, 0))
                self.assertTrue(got["Description"])
                self.assertLessEqual(got["CreateDate"], got["UpdateDate"])
                version = self.iam.get_policy_version(
                    PolicyArn=AWS + name, VersionId=got["DefaultVersionId"])["PolicyVersion"]
                self.assertTrue(version["IsDefaultVersion"])
                self.assertEqual(version["Document"]["Version"], "2012-10-17")
                versions = self.iam.list_policy_versions(PolicyArn=AWS + name)["Versions"]
                self.assertEqual([(v["VersionId"], v["IsDefaultVersion"]) for v in versions],
                                 [(got["DefaultVersionId"], True)])

    def test_real_ids_and_documents(self):
        admin = self.iam.get_policy(PolicyArn=AWS + "AdministratorAccess")["Policy"]
        self.assertEqual((admin["PolicyId"], admin["DefaultVersionId"], admin["Description"]),
                         ("ANPAIWMBCKSKIEE64ZLYK", "v1",
                          "Provides full access to AWS services and resources."))
        self.assertEqual(admin["CreateDate"].isoformat(), "2015-02-06T18:39:46+00:00")
        doc = self.iam.get_policy_version(PolicyArn=AWS + "AdministratorAccess",
                                          VersionId="v1")["PolicyVersion"]["Document"]
        self.assertEqual(doc, {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]})

        power = self.iam.get_policy(PolicyArn=AWS + "PowerUserAccess")["Policy"]
        doc = self.iam.get_policy_version(PolicyArn=AWS + "PowerUserAccess",
                                          VersionId=power["DefaultVersionId"])
        first = doc["PolicyVersion"]["Document"]["Statement"][0]
        self.assertEqual((first["Effect"], first["NotAction"], first["Resource"]),
                         ("Allow", ["iam:*", "organizations:*", "account:*"], "*"))

        s3 = self.iam.get_policy(PolicyArn=AWS + "AmazonS3ReadOnlyAccess")["Policy"]
        self.assertEqual(s3["PolicyId"], "ANPAIZTJ4DXE7G6AGAE6M")
        doc = self.iam.get_policy_version(PolicyArn=AWS + "AmazonS3ReadOnlyAccess",
                                          VersionId=s3["DefaultVersionId"])
        self.assertEqual(doc["PolicyVersion"]["Document"]["Statement"][0]["Action"],
                         ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*",
                          "s3-object-lambda:List*"])

    def test_unknown_aws_policy_and_version(self):
        err = self.assertClientError("NoSuchEntity", 404, self.iam.get_policy,
                                     PolicyArn=AWS + "NoSuchManagedPolicy")
        self.assertMessage(err, f"Policy {AWS}NoSuchManagedPolicy does not exist or is not "
                                "attachable.")
        # ARNs are case-sensitive.
        self.assertClientError("NoSuchEntity", 404, self.iam.get_policy,
                               PolicyArn=AWS + "administratoraccess")
        err = self.assertClientError("NoSuchEntity", 404, self.iam.get_policy_version,
                                     PolicyArn=AWS + "AdministratorAccess", VersionId="v7")
        self.assertMessage(err, f"Policy {AWS}AdministratorAccess version v7 does not exist or "
                                "is not attachable.")

    def test_list_policies_scope_aws(self):
        names = [p["PolicyName"] for page in self.iam.get_paginator("list_policies").paginate(
            Scope="AWS") for p in page["Policies"]]
        self.assertEqual(names, BUILT_IN)
        # ListPolicies leaves out descriptions and tags, as AWS documents.
        first = self.iam.list_policies(Scope="AWS", MaxItems=1)
        self.assertTrue(first["IsTruncated"])
        self.assertNotIn("Description", first["Policies"][0])

    def test_aws_managed_policies_cannot_be_changed(self):
        calls = [
            (self.iam.delete_policy, {}),
            (self.iam.create_policy_version, {"PolicyDocument": compact(policy())}),
            (self.iam.set_default_policy_version, {"VersionId": "v1"}),
            (self.iam.delete_policy_version, {"VersionId": "v1"}),
            (self.iam.tag_policy, {"Tags": [{"Key": "k", "Value": "v"}]}),
            (self.iam.untag_policy, {"TagKeys": ["k"]}),
        ]
        for fn, kwargs in calls:
            with self.subTest(op=fn.__name__):
                self.assertClientError("AccessDenied", 403, fn,
                                       PolicyArn=AWS + "AdministratorAccess", **kwargs)
        self.assertEqual(self.iam.list_policy_tags(PolicyArn=AWS + "AdministratorAccess")["Tags"],
                         [])
        self.assertEqual(self.iam.get_policy(PolicyArn=AWS + "AdministratorAccess")["Policy"]
                         ["DefaultVersionId"], "v1")


class CustomerManagedPoliciesTest(PoliciesTestBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam_raw = cls.server.client("iam", parameter_validation=False)

    def test_create_policy_shape(self):
        created = self.create_policy("shape_policy", Path="/team/", Description="for tests",
                                     Tags=[{"Key": "env", "Value": "dev"}])
        self.assertEqual((created["PolicyName"], created["Path"], created["Arn"]),
                         ("shape_policy", "/team/", self.arn("shape_policy", "/team/")))
        self.assertRegex(created["PolicyId"], POLICY_ID_RE)
        self.assertEqual((created["DefaultVersionId"], created["AttachmentCount"],
                          created["PermissionsBoundaryUsageCount"], created["IsAttachable"]),
                         ("v1", 0, 0, True))
        self.assertEqual(created["CreateDate"], created["UpdateDate"])
        self.assertEqual(created["Tags"], [{"Key": "env", "Value": "dev"}])

        got = self.iam.get_policy(PolicyArn=created["Arn"])["Policy"]
        self.assertEqual(got["Description"], "for tests")
        self.assertEqual(got["Tags"], [{"Key": "env", "Value": "dev"}])
        for key in ("PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "CreateDate"):
            self.assertEqual(got[key], created[key], key)
        listed = [p for p in self.iam.list_policies(Scope="Local", PathPrefix="/team/")["Policies"]
                  if p["PolicyName"] == "shape_policy"]
        self.assertEqual(len(listed), 1)
        self.assertNotIn("Description", listed[0])
        self.assertNotIn("Tags", listed[0])

        version = self.iam.get_policy_version(PolicyArn=created["Arn"],
                                              VersionId="v1")["PolicyVersion"]
        self.assertEqual((version["Document"], version["IsDefaultVersion"]), (policy(), True))

    def test_create_duplicate_policy(self):
        self.create_policy("dup_policy")
        for name in ("dup_policy", "DUP_Policy"):
            with self.subTest(name=name):
                err = self.assertClientError("EntityAlreadyExists", 409, self.iam.create_policy,
                                             PolicyName=name, PolicyDocument=compact(policy()))
                self.assertMessage(err, f"A policy called {name} already exists. Duplicate "
                                        "names are not allowed.")
        # Another path does not make the name unique either.
        self.assertClientError("EntityAlreadyExists", 409, self.iam.create_policy,
                               PolicyName="dup_policy", Path="/elsewhere/",
                               PolicyDocument=compact(policy()))

    def test_malformed_documents(self):
        bad = ["not json", "[]", compact({"Version": "2012-10-17"}),
               compact({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe",
                                                                "Action": "*",
                                                                "Resource": "*"}]})]
        for doc in bad:
            with self.subTest(doc=doc):
                self.assertClientError("MalformedPolicyDocument", 400, self.iam.create_policy,
                                       PolicyName="malformed_policy", PolicyDocument=doc)
        self.assertClientError("NoSuchEntity", 404, self.iam.get_policy,
                               PolicyArn=self.arn("malformed_policy"))

    def test_size_quota_counts_without_whitespace(self):
        self.iam.create_policy(PolicyName="exactly_6144", PolicyDocument=document_of_size(6144))
        err = self.assertClientError("LimitExceeded", 409, self.iam.create_policy,
                                     PolicyName="over_6144",
                                     PolicyDocument=document_of_size(6145))
        self.assertMessage(err, "Cannot exceed quota for PolicySize: 6144")
        # Indentation does not count: 6,144 characters of policy spread over many more.
        pretty = json.dumps(json.loads(document_of_size(6144)), indent=8)
        self.assertGreater(len(pretty), 6144)
        self.iam.create_policy(PolicyName="pretty_6144", PolicyDocument=pretty)
        self.assertClientError("LimitExceeded", 409, self.iam.create_policy_version,
                               PolicyArn=self.arn("pretty_6144"),
                               PolicyDocument=document_of_size(6145))

    def test_invalid_and_missing_arns(self):
        err = self.assertClientError("InvalidInput", 400, self.iam.get_policy,
                                     PolicyArn="this-is-not-an-arn-at-all")
        self.assertMessage(err, "ARN this-is-not-an-arn-at-all is not valid.")
        self.create_policy("pathed_policy", Path="/a/")
        # The path is part of the ARN.
        for arn in (self.arn("pathed_policy"), self.arn("pathed_policy", "/b/"),
                    self.arn("no_such_policy"), "arn:aws:iam::000000000000:policy/a/pathed_policy"):
            with self.subTest(arn=arn):
                err = self.assertClientError("NoSuchEntity", 404, self.iam.get_policy,
                                             PolicyArn=arn)
                self.assertMessage(err, f"Policy {arn} does not exist or is not attachable.")
        self.iam.get_policy(PolicyArn=self.arn("pathed_policy", "/a/"))

    def test_versions_lifecycle(self):
        arn = self.create_policy("versioned", policy("s3:GetObject"))["Arn"]
        v2 = self.iam.create_policy_version(PolicyArn=arn,
                                            PolicyDocument=compact(policy("s3:PutObject")))
        self.assertEqual(set(v2["PolicyVersion"]), {"VersionId", "IsDefaultVersion", "CreateDate"})
        v2 = v2["PolicyVersion"]
        self.assertEqual((v2["VersionId"], v2["IsDefaultVersion"]), ("v2", False))
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v1")
        v3 = self.iam.create_policy_version(PolicyArn=arn, SetAsDefault=True,
                                            PolicyDocument=compact(policy("s3:ListBucket")))
        v3 = v3["PolicyVersion"]
        self.assertEqual((v3["VersionId"], v3["IsDefaultVersion"]), ("v3", True))
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v3")
        listed = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
        self.assertEqual([(v["VersionId"], v["IsDefaultVersion"]) for v in listed],
                         [("v3", True), ("v2", False), ("v1", False)])
        self.assertNotIn("Document", listed[0])
        self.assertEqual(self.iam.get_policy_version(PolicyArn=arn, VersionId="v2")
                         ["PolicyVersion"]["Document"], policy("s3:PutObject"))

        self.iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v1")
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_policy_version,
                                     PolicyArn=arn, VersionId="v1")
        self.assertMessage(err, "Cannot delete the default version of a policy.")
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
        for fn in (self.iam.get_policy_version, self.iam.delete_policy_version,
                   self.iam.set_default_policy_version):
            with self.subTest(op=fn.__name__):
                err = self.assertClientError("NoSuchEntity", 404, fn, PolicyArn=arn,
                                             VersionId="v2")
                self.assertMessage(err, f"Policy {arn} version v2 does not exist or is not "
                                        "attachable.")
        # Version ids are never reused.
        v4 = self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=compact(policy()))
        self.assertEqual(v4["PolicyVersion"]["VersionId"], "v4")
        self.assertEqual([v["VersionId"] for v in
                          self.iam.list_policy_versions(PolicyArn=arn)["Versions"]],
                         ["v4", "v3", "v1"])

    def test_at_most_five_versions(self):
        arn = self.create_policy("five_versions")["Arn"]
        for i in range(4):
            self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=compact(policy()))
        err = self.assertClientError("LimitExceeded", 409, self.iam.create_policy_version,
                                     PolicyArn=arn, PolicyDocument=compact(policy()))
        self.assertMessage(err, "A managed policy can have up to 5 versions. Before you create a "
                                "new version, you must delete an existing version.")
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
        self.assertEqual(self.iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=compact(policy()))["PolicyVersion"]["VersionId"], "v6")

    def test_create_policy_version_errors(self):
        arn = self.create_policy("version_errors")["Arn"]
        self.assertClientError("MalformedPolicyDocument", 400, self.iam.create_policy_version,
                               PolicyArn=arn, PolicyDocument="{")
        self.assertClientError("NoSuchEntity", 404, self.iam.create_policy_version,
                               PolicyArn=self.arn("no_such_versioned"),
                               PolicyDocument=compact(policy()))
        self.assertClientError("ValidationError", 400, self.iam_raw.get_policy_version,
                               PolicyArn=arn, VersionId="version-one")
        self.assertEqual(len(self.iam.list_policy_versions(PolicyArn=arn)["Versions"]), 1)

    def test_documents_are_url_encoded_on_the_wire(self):
        doc = compact(policy("s3:GetObject", "arn:aws:s3:::bucket/a b+c&d~e"))
        arn = self.iam.create_policy(PolicyName="encoded_policy",
                                     PolicyDocument=doc)["Policy"]["Arn"]
        resp = h.botocore_signed_request(
            self.server.url, self.root,
            {"Action": "GetPolicyVersion", "Version": h.IAM_VERSION, "PolicyArn": arn,
             "VersionId": "v1"}, service="iam").send()
        self.assertEqual(resp.status, 200, resp.text())
        self.assertIn(f"<Document>{urllib.parse.quote(doc, safe='')}</Document>", resp.text())

    def test_delete_policy_conflicts(self):
        arn = self.create_policy("to_delete_policy")["Arn"]
        self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=compact(policy()))
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_policy, PolicyArn=arn)
        self.assertMessage(err, "This policy has more than one version. Before you delete a "
                                "policy, you must delete the policy's versions. The default "
                                "version is deleted with the policy.")
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v2")

        self.create_user("policy_holder")
        self.iam.attach_user_policy(UserName="policy_holder", PolicyArn=arn)
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 1)
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_policy, PolicyArn=arn)
        self.assertMessage(err, "Cannot delete a policy attached to entities.")
        self.iam.detach_user_policy(UserName="policy_holder", PolicyArn=arn)

        # A policy used as a permissions boundary is in use too.
        self.iam.create_role(RoleName="bounded_by_deleted", AssumeRolePolicyDocument=TRUST_EC2,
                             PermissionsBoundary=arn)
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]
                         ["PermissionsBoundaryUsageCount"], 1)
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_policy, PolicyArn=arn)
        self.assertMessage(err, "Cannot delete a policy attached to entities.")
        self.iam.delete_role(RoleName="bounded_by_deleted")

        self.iam.delete_policy(PolicyArn=arn)
        self.assertClientError("NoSuchEntity", 404, self.iam.get_policy, PolicyArn=arn)
        self.assertClientError("NoSuchEntity", 404, self.iam.delete_policy, PolicyArn=arn)
        # The name is free again, and versions start over.
        again = self.create_policy("to_delete_policy")
        self.assertEqual(again["DefaultVersionId"], "v1")
        self.iam.delete_user(UserName="policy_holder")

    def test_list_policies_filters(self):
        local = self.create_policy("filter_local", Path="/filters/")["Arn"]
        self.create_policy("filter_unused", Path="/filters/")
        bound = self.create_policy("filter_bound", Path="/filters/")["Arn"]
        self.create_user("filter_user")
        self.iam.attach_user_policy(UserName="filter_user", PolicyArn=local)
        self.iam.attach_user_policy(UserName="filter_user", PolicyArn=AWS + "IAMReadOnlyAccess")
        self.iam.create_role(RoleName="filter_role", AssumeRolePolicyDocument=TRUST_EC2,
                             PermissionsBoundary=bound)

        def names(**kw):
            return [p["PolicyName"] for page in
                    self.iam.get_paginator("list_policies").paginate(**kw)
                    for p in page["Policies"]]

        self.assertEqual(names(Scope="Local", PathPrefix="/filters/"),
                         ["filter_bound", "filter_local", "filter_unused"])
        self.assertEqual(names(PathPrefix="/filters/"),
                         ["filter_bound", "filter_local", "filter_unused"])
        self.assertEqual(names(Scope="AWS", PathPrefix="/filters/"), [])
        self.assertEqual(names(Scope="Local", OnlyAttached=True, PathPrefix="/filters/"),
                         ["filter_local"])
        self.assertEqual(names(Scope="AWS", OnlyAttached=True), ["IAMReadOnlyAccess"])
        self.assertEqual(names(OnlyAttached=True, PolicyUsageFilter="PermissionsPolicy",
                               PathPrefix="/filters/"), ["filter_local"])
        self.assertEqual(names(PolicyUsageFilter="PermissionsBoundary", PathPrefix="/filters/"),
                         ["filter_bound"])
        everything = names()
        self.assertTrue(set(BUILT_IN) <= set(everything))
        self.assertIn("filter_local", everything)
        self.assertEqual(everything, sorted(everything, key=str.lower))
        attached = [p for p in self.iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]]
        self.assertEqual(attached[0]["AttachmentCount"], 1)

        self.iam.detach_user_policy(UserName="filter_user", PolicyArn=local)
        self.iam.detach_user_policy(UserName="filter_user", PolicyArn=AWS + "IAMReadOnlyAccess")
        self.iam.delete_user(UserName="filter_user")
        self.iam.delete_role(RoleName="filter_role")

    def test_list_policies_pagination(self):
        expected = [f"page_policy_{i}" for i in range(5)]
        for name in expected:
            self.create_policy(name, Path="/paging/")
        seen, markers = [], 0
        resp = self.iam.list_policies(Scope="Local", PathPrefix="/paging/", MaxItems=2)
        while True:
            self.assertLessEqual(len(resp["Policies"]), 2)
            seen += [p["PolicyName"] for p in resp["Policies"]]
            if not resp["IsTruncated"]:
                self.assertNotIn("Marker", resp)
                break
            markers += 1
            self.assertLess(markers, 5, "pagination does not terminate")
            resp = self.iam.list_policies(Scope="Local", PathPrefix="/paging/", MaxItems=2,
                                          Marker=resp["Marker"])
        self.assertEqual((seen, markers), (expected, 2))
        self.assertClientError("ValidationError", 400, self.iam.list_policies, Marker="bogus!")

    def test_list_entities_for_policy(self):
        arn = self.create_policy("entities_policy")["Arn"]
        self.create_user("ent_user", Path="/ents/")
        self.create_user("ent_bounded_user")
        self.iam.create_group(GroupName="ent_group", Path="/ents/")
        role = self.iam.create_role(RoleName="ent_role", Path="/ents/",
                                    AssumeRolePolicyDocument=TRUST_EC2)["Role"]
        bounded = self.iam.create_role(RoleName="ent_bounded_role",
                                       AssumeRolePolicyDocument=TRUST_EC2,
                                       PermissionsBoundary=arn)["Role"]
        self.iam.attach_user_policy(UserName="ent_user", PolicyArn=arn)
        self.iam.attach_group_policy(GroupName="ent_group", PolicyArn=arn)
        self.iam.attach_role_policy(RoleName="ent_role", PolicyArn=arn)
        self.iam.put_user_permissions_boundary(UserName="ent_bounded_user", PermissionsBoundary=arn)

        def entities(**kw):
            r = self.iam.list_entities_for_policy(PolicyArn=arn, **kw)
            self.assertFalse(r["IsTruncated"])
            return ([g["GroupName"] for g in r["PolicyGroups"]],
                    [u["UserName"] for u in r["PolicyUsers"]],
                    [x["RoleName"] for x in r["PolicyRoles"]])

        self.assertEqual(entities(), (["ent_group"], ["ent_bounded_user", "ent_user"],
                                      ["ent_bounded_role", "ent_role"]))
        self.assertEqual(entities(PolicyUsageFilter="PermissionsPolicy"),
                         (["ent_group"], ["ent_user"], ["ent_role"]))
        self.assertEqual(entities(PolicyUsageFilter="PermissionsBoundary"),
                         ([], ["ent_bounded_user"], ["ent_bounded_role"]))
        self.assertEqual(entities(EntityFilter="Role"), ([], [], ["ent_bounded_role", "ent_role"]))
        self.assertEqual(entities(PathPrefix="/ents/"), (["ent_group"], ["ent_user"], ["ent_role"]))
        full = self.iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
        self.assertEqual(full["PolicyRoles"],
                         [{"RoleName": "ent_bounded_role", "RoleId": bounded["RoleId"]},
                          {"RoleName": "ent_role", "RoleId": role["RoleId"]}])
        got = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual((got["AttachmentCount"], got["PermissionsBoundaryUsageCount"]), (3, 2))

        pages = list(self.iam.get_paginator("list_entities_for_policy").paginate(
            PolicyArn=arn, PaginationConfig={"PageSize": 2}))
        self.assertEqual(len(pages), 3)
        self.assertEqual(sum(len(p["PolicyGroups"]) + len(p["PolicyUsers"]) + len(p["PolicyRoles"])
                             for p in pages), 5)
        # AWS managed policies list the account's entities too.
        self.assertEqual(self.iam.list_entities_for_policy(
            PolicyArn=AWS + "AmazonEC2ReadOnlyAccess")["PolicyUsers"], [])
        self.assertClientError("NoSuchEntity", 404, self.iam.list_entities_for_policy,
                               PolicyArn=self.arn("no_such_entities_policy"))

    def test_policy_tags(self):
        arn = self.create_policy("tagged_policy")["Arn"]
        self.assertEqual(self.iam.list_policy_tags(PolicyArn=arn)["Tags"], [])
        self.iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "env", "Value": "dev"},
                                                 {"Key": "team", "Value": "blue"}])
        self.iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "ENV", "Value": "prod"}])
        self.assertEqual(self.iam.list_policy_tags(PolicyArn=arn)["Tags"],
                         [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "blue"}])
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["Tags"],
                         [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "blue"}])
        self.iam.untag_policy(PolicyArn=arn, TagKeys=["env", "absent"])
        self.assertEqual(self.iam.list_policy_tags(PolicyArn=arn)["Tags"],
                         [{"Key": "team", "Value": "blue"}])
        many = [{"Key": f"k{i}", "Value": "v"} for i in range(49)]
        self.iam.tag_policy(PolicyArn=arn, Tags=many)
        err = self.assertClientError("LimitExceeded", 409, self.iam.tag_policy, PolicyArn=arn,
                                     Tags=[{"Key": "one_more", "Value": "v"}])
        self.assertMessage(err, "Cannot exceed quota for TagsPerPolicy: 50")
        page = self.iam.list_policy_tags(PolicyArn=arn, MaxItems=20)
        self.assertEqual((len(page["Tags"]), page["IsTruncated"]), (20, True))
        self.assertClientError("InvalidInput", 400, self.iam.create_policy,
                               PolicyName="dup_tag_keys", PolicyDocument=compact(policy()),
                               Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
        for fn, kwargs in ((self.iam.tag_policy, {"Tags": [{"Key": "a", "Value": "b"}]}),
                           (self.iam.untag_policy, {"TagKeys": ["a"]}),
                           (self.iam.list_policy_tags, {})):
            with self.subTest(op=fn.__name__):
                self.assertClientError("NoSuchEntity", 404, fn,
                                       PolicyArn=self.arn("untagged_ghost"), **kwargs)


class PolicyQuotaTest(PoliciesTestBase):
    """The PoliciesPerAccount quota (1,500 customer managed policies)."""

    def test_policies_per_account(self):
        doc = compact(policy())
        for i in range(1500):
            self.iam.create_policy(PolicyName=f"q{i:04d}", PolicyDocument=doc)
        err = self.assertClientError("LimitExceeded", 409, self.iam.create_policy,
                                     PolicyName="one_too_many", PolicyDocument=doc)
        self.assertMessage(err, "Cannot exceed quota for PoliciesPerAccount: 1500")
        self.assertEqual(self.iam.get_account_summary()["SummaryMap"]["Policies"], 1500)
        self.iam.delete_policy(PolicyArn=self.arn("q0000"))
        self.iam.create_policy(PolicyName="one_too_many", PolicyDocument=doc)


class PoliciesCliTest(PoliciesTestBase):
    """The policy workflow with Debian's AWS CLI v2."""

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

    def test_policy_workflow(self):
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ec2:*", "s3:*"], "Resource": "*"}]}
        created = self.aws_json("iam", "create-policy", "--policy-name", "EC2AndS3Full",
                                "--policy-document", json.dumps(doc, indent=2),
                                "--description", "full EC2 and S3")["Policy"]
        self.assertEqual(created["Arn"], self.arn("EC2AndS3Full"))
        version = self.aws_json("iam", "get-policy-version", "--policy-arn", created["Arn"],
                                "--version-id", "v1")["PolicyVersion"]
        self.assertEqual(version["Document"], doc)
        self.aws_json("iam", "create-policy-version", "--policy-arn", created["Arn"],
                      "--policy-document", json.dumps(policy()), "--set-as-default")
        versions = self.aws_json("iam", "list-policy-versions", "--policy-arn",
                                 created["Arn"])["Versions"]
        self.assertEqual([v["VersionId"] for v in versions], ["v2", "v1"])
        names = [p["PolicyName"] for p in
                 self.aws_json("iam", "list-policies", "--scope", "Local")["Policies"]]
        self.assertEqual(names, ["EC2AndS3Full"])
        aws = [p["PolicyName"] for p in
               self.aws_json("iam", "list-policies", "--scope", "AWS", "--page-size", "4")
               ["Policies"]]
        self.assertEqual(aws, BUILT_IN)
        admin = self.aws_json("iam", "get-policy-version", "--policy-arn",
                              AWS + "AdministratorAccess", "--version-id", "v1")
        self.assertEqual(admin["PolicyVersion"]["Document"]["Statement"],
                         [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
        self.aws_error("DeleteConflict", "iam", "delete-policy", "--policy-arn", created["Arn"])
        self.aws_json("iam", "delete-policy-version", "--policy-arn", created["Arn"],
                      "--version-id", "v1")
        self.aws_json("iam", "delete-policy", "--policy-arn", created["Arn"])
        self.aws_error("NoSuchEntity", "iam", "get-policy", "--policy-arn", created["Arn"])
        self.aws_error("MalformedPolicyDocument", "iam", "create-policy", "--policy-name", "bad",
                       "--policy-document", "{\"Version\": \"2012-10-17\"}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
