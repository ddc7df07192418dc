"""IAM groups through boto3 and the AWS CLI: create/get (members, paginated)/list (PathPrefix,
Marker/MaxItems), memberships (ListGroupsForUser, Add/RemoveUserFromGroup), UpdateGroup (rename,
move), DeleteGroup's DeleteConflict rules, the GroupsPerUser and GroupsPerAccount quotas, and
the errors AWS answers with (codes, statuses and messages)."""

import datetime
import json
import shutil
import tempfile
import unittest

import sigil_harness as h

GROUP_ID_RE = r"^AGPA[A-Z2-7]{17}$"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ALLOW_ALL = json.dumps({"Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


class IamGroupsTest(h.ServerTestCase):

    def create_group(self, name, **kwargs):
        return self.iam.create_group(GroupName=name, **kwargs)["Group"]

    def assertMessage(self, err, message):
        self.assertEqual(err["Error"]["Message"], message)

    def test_create_group_shape(self):
        group = self.create_group("shape_group")
        self.assertEqual(group["GroupName"], "shape_group")
        self.assertEqual(group["Path"], "/")
        self.assertRegex(group["GroupId"], GROUP_ID_RE)
        self.assertEqual(group["Arn"], f"arn:aws:iam::{self.account}:group/shape_group")
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - group["CreateDate"]).total_seconds()), 300)

        got = self.iam.get_group(GroupName="shape_group")
        self.assertEqual(got["Group"], group)
        self.assertEqual(got["Users"], [])
        self.assertFalse(got["IsTruncated"])

    def test_create_group_with_path(self):
        group = self.create_group("pathed_group", Path="/division/team/")
        self.assertEqual(group["Path"], "/division/team/")
        self.assertEqual(group["Arn"],
                         f"arn:aws:iam::{self.account}:group/division/team/pathed_group")

    def test_duplicate_group_names_case_insensitively(self):
        self.create_group("DupGroup")
        for name in ("DupGroup", "dupgroup"):
            err = self.assertClientError("EntityAlreadyExists", 409, self.iam.create_group,
                                         GroupName=name)
            self.assertMessage(err, f"Group with name {name} already exists.")

    def test_invalid_group_name_is_a_validation_error(self):
        raw = self.server.client("iam", parameter_validation=False)
        self.assertClientError("ValidationError", 400, raw.create_group, GroupName="bad/name")
        self.assertClientError("ValidationError", 400, raw.create_group, GroupName="x" * 129)
        self.assertClientError("ValidationError", 400, raw.create_group, GroupName="ok_name",
                               Path="no-slashes")

    def test_missing_group_errors(self):
        self.create_user("lonely_user")
        cases = [
            (self.iam.get_group, {"GroupName": "nope"}),
            (self.iam.update_group, {"GroupName": "nope", "NewPath": "/x/"}),
            (self.iam.delete_group, {"GroupName": "nope"}),
            (self.iam.add_user_to_group, {"GroupName": "nope", "UserName": "lonely_user"}),
            (self.iam.remove_user_from_group, {"GroupName": "nope", "UserName": "lonely_user"}),
        ]
        for fn, kwargs in cases:
            with self.subTest(fn.__name__):
                err = self.assertClientError("NoSuchEntity", 404, fn, **kwargs)
                self.assertMessage(err, "The group with name nope cannot be found.")

    def test_membership_with_missing_user(self):
        self.create_group("needs_user")
        for fn in (self.iam.add_user_to_group, self.iam.remove_user_from_group):
            err = self.assertClientError("NoSuchEntity", 404, fn, GroupName="needs_user",
                                         UserName="ghost")
            self.assertMessage(err, "The user with name ghost cannot be found.")
        err = self.assertClientError("NoSuchEntity", 404, self.iam.list_groups_for_user,
                                     UserName="ghost")
        self.assertMessage(err, "The user with name ghost cannot be found.")

    def test_members_add_list_remove(self):
        self.create_group("crew")
        self.create_group("other_crew")
        alice = self.create_user("crew_alice", Tags=[{"Key": "k", "Value": "v"}])
        self.create_user("crew_bob")
        for user in ("crew_bob", "crew_alice"):
            self.iam.add_user_to_group(GroupName="crew", UserName=user)
        self.iam.add_user_to_group(GroupName="crew", UserName="crew_alice")  # idempotent
        self.iam.add_user_to_group(GroupName="other_crew", UserName="crew_alice")

        got = self.iam.get_group(GroupName="crew")
        self.assertEqual([u["UserName"] for u in got["Users"]], ["crew_alice", "crew_bob"])
        first = got["Users"][0]
        self.assertEqual({k: first[k] for k in ("UserName", "UserId", "Arn", "Path")},
                         {k: alice[k] for k in ("UserName", "UserId", "Arn", "Path")})
        self.assertNotIn("Tags", first, "GetGroup lists users without their tags, as AWS does")

        groups = self.iam.list_groups_for_user(UserName="crew_alice")
        self.assertEqual([g["GroupName"] for g in groups["Groups"]], ["crew", "other_crew"])
        self.assertFalse(groups["IsTruncated"])
        # Names are case-insensitive in requests.
        self.assertEqual(self.iam.get_group(GroupName="CREW")["Group"]["GroupName"], "crew")

        self.iam.remove_user_from_group(GroupName="crew", UserName="crew_alice")
        self.assertEqual([u["UserName"] for u in self.iam.get_group(GroupName="crew")["Users"]],
                         ["crew_bob"])
        self.assertEqual([g["GroupName"] for g in
                          self.iam.list_groups_for_user(UserName="crew_alice")["Groups"]],
                         ["other_crew"])
        err = self.assertClientError("NoSuchEntity", 404, self.iam.remove_user_from_group,
                                     GroupName="crew", UserName="crew_alice")
        self.assertMessage(err, "The user with name crew_alice cannot be found.")

    def test_get_group_members_paginate(self):
        self.create_group("big_crew")
        names = [f"member_{i:02d}" for i in range(7)]
        for name in reversed(names):
            self.create_user(name)
            self.iam.add_user_to_group(GroupName="big_crew", UserName=name)
        seen, marker, pages = [], None, 0
        while True:
            kwargs = {"GroupName": "big_crew", "MaxItems": 3}
            if marker:
                kwargs["Marker"] = marker
            page = self.iam.get_group(**kwargs)
            pages += 1
            self.assertEqual(page["Group"]["GroupName"], "big_crew")
            self.assertLessEqual(len(page["Users"]), 3)
            seen += [u["UserName"] for u in page["Users"]]
            if not page["IsTruncated"]:
                self.assertNotIn("Marker", page)
                break
            marker = page["Marker"]
        self.assertEqual((seen, pages), (names, 3))
        paginated = [u["UserName"]
                     for p in self.iam.get_paginator("get_group").paginate(
                         GroupName="big_crew", PaginationConfig={"PageSize": 2})
                     for u in p["Users"]]
        self.assertEqual(paginated, names)

    def test_list_groups_path_prefix_and_pagination(self):
        for i in range(5):
            self.create_group(f"lg_eng_{i}", Path="/lg/eng/")
        self.create_group("lg_ops", Path="/lg/ops/")
        eng = self.iam.list_groups(PathPrefix="/lg/eng/")["Groups"]
        self.assertEqual([g["GroupName"] for g in eng], [f"lg_eng_{i}" for i in range(5)])
        self.assertEqual(len(self.iam.list_groups(PathPrefix="/lg/")["Groups"]), 6)
        self.assertEqual(self.iam.list_groups(PathPrefix="/nothing/")["Groups"], [])

        page = self.iam.list_groups(PathPrefix="/lg/", MaxItems=4)
        self.assertTrue(page["IsTruncated"])
        rest = self.iam.list_groups(PathPrefix="/lg/", Marker=page["Marker"])
        self.assertFalse(rest["IsTruncated"])
        self.assertEqual([g["GroupName"] for g in page["Groups"] + rest["Groups"]],
                         [f"lg_eng_{i}" for i in range(5)] + ["lg_ops"])
        everything = [g["GroupName"] for g in self.iam.list_groups()["Groups"]]
        self.assertEqual(everything, sorted(everything, key=str.lower))

    def test_list_groups_for_user_paginates(self):
        self.create_user("joiner")
        for i in range(4):
            self.create_group(f"join_{i}")
            self.iam.add_user_to_group(GroupName=f"join_{i}", UserName="joiner")
        page = self.iam.list_groups_for_user(UserName="joiner", MaxItems=3)
        self.assertTrue(page["IsTruncated"])
        rest = self.iam.list_groups_for_user(UserName="joiner", Marker=page["Marker"])
        self.assertEqual([g["GroupName"] for g in page["Groups"] + rest["Groups"]],
                         [f"join_{i}" for i in range(4)])

    def test_update_group_rename_and_move(self):
        self.create_group("before_rename")
        self.create_user("renamed_member")
        self.iam.add_user_to_group(GroupName="before_rename", UserName="renamed_member")
        self.iam.update_group(GroupName="before_rename", NewGroupName="after_rename",
                              NewPath="/moved/")
        got = self.iam.get_group(GroupName="after_rename")
        self.assertEqual(got["Group"]["Arn"],
                         f"arn:aws:iam::{self.account}:group/moved/after_rename")
        self.assertEqual([u["UserName"] for u in got["Users"]], ["renamed_member"])
        self.assertClientError("NoSuchEntity", 404, self.iam.get_group, GroupName="before_rename")
        self.assertEqual([g["GroupName"] for g in
                          self.iam.list_groups_for_user(UserName="renamed_member")["Groups"]],
                         ["after_rename"])
        # Changing only the case of the name is allowed.
        self.iam.update_group(GroupName="after_rename", NewGroupName="After_Rename")
        self.assertEqual(self.iam.get_group(GroupName="after_rename")["Group"]["GroupName"],
                         "After_Rename")

        self.create_group("taken_name")
        err = self.assertClientError("EntityAlreadyExists", 409, self.iam.update_group,
                                     GroupName="After_Rename", NewGroupName="TAKEN_NAME")
        self.assertMessage(err, "Group with name TAKEN_NAME already exists.")

    def test_delete_group_conflicts_then_succeeds(self):
        self.create_group("sticky")
        self.create_user("sticky_member")
        self.iam.add_user_to_group(GroupName="sticky", UserName="sticky_member")
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_group,
                                     GroupName="sticky")
        self.assertMessage(err, "Cannot delete entity, must remove users from group first.")
        # The user cannot be deleted while a member either.
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_user,
                                     UserName="sticky_member")
        self.assertMessage(err, "Cannot delete entity, must remove users from group first.")
        self.iam.remove_user_from_group(GroupName="sticky", UserName="sticky_member")

        self.iam.attach_group_policy(GroupName="sticky", PolicyArn=ADMIN)
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_group,
                                     GroupName="sticky")
        self.assertMessage(err, "Cannot delete entity, must detach all policies first.")
        self.iam.detach_group_policy(GroupName="sticky", PolicyArn=ADMIN)

        self.iam.put_group_policy(GroupName="sticky", PolicyName="inline",
                                  PolicyDocument=ALLOW_ALL)
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_group,
                                     GroupName="sticky")
        self.assertMessage(err, "Cannot delete entity, must delete policies first.")
        self.iam.delete_group_policy(GroupName="sticky", PolicyName="inline")

        self.iam.delete_group(GroupName="sticky")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_group, GroupName="sticky")
        self.assertEqual(self.iam.list_groups_for_user(UserName="sticky_member")["Groups"], [])
        self.iam.delete_user(UserName="sticky_member")

    def test_groups_per_user_quota(self):
        self.create_user("joins_everything")
        for i in range(10):
            self.create_group(f"quota_{i}")
            self.iam.add_user_to_group(GroupName=f"quota_{i}", UserName="joins_everything")
        self.create_group("quota_10")
        err = self.assertClientError("LimitExceeded", 409, self.iam.add_user_to_group,
                                     GroupName="quota_10", UserName="joins_everything")
        self.assertMessage(err, "Cannot exceed quota for GroupsPerUser: 10")
        # Re-adding to a group the user is already in is still fine at the quota.
        self.iam.add_user_to_group(GroupName="quota_3", UserName="joins_everything")
        self.assertEqual(len(self.iam.list_groups_for_user(UserName="joins_everything")["Groups"]),
                         10)


class GroupsPerAccountTest(h.ServerTestCase):
    """The account quota of 300 groups, on a server of its own."""

    def test_groups_per_account_quota(self):
        for i in range(300):
            self.iam.create_group(GroupName=f"g{i:03d}")
        err = self.assertClientError("LimitExceeded", 409, self.iam.create_group,
                                     GroupName="one_too_many")
        self.assertEqual(err["Error"]["Message"], "Cannot exceed quota for GroupsPerAccount: 300")
        listed = [g["GroupName"] for p in self.iam.get_paginator("list_groups").paginate()
                  for g in p["Groups"]]
        self.assertEqual(listed, [f"g{i:03d}" for i in range(300)])
        self.iam.delete_group(GroupName="g000")
        self.iam.create_group(GroupName="one_too_many")


class GroupsCliTest(h.ServerTestCase):
    """The group workflow with Debian's AWS CLI v2."""

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

    def test_group_workflow(self):
        group = self.aws_json("iam", "create-group", "--group-name", "S3AccessGroup",
                              "--path", "/teams/")["Group"]
        self.assertEqual(group["Arn"], f"arn:aws:iam::{self.account}:group/teams/S3AccessGroup")
        self.aws_json("iam", "create-user", "--user-name", "cli_member")
        self.aws_json("iam", "add-user-to-group", "--group-name", "S3AccessGroup",
                      "--user-name", "cli_member")
        got = self.aws_json("iam", "get-group", "--group-name", "S3AccessGroup")
        self.assertEqual([u["UserName"] for u in got["Users"]], ["cli_member"])
        self.assertEqual(got["Group"]["GroupId"], group["GroupId"])
        mine = self.aws_json("iam", "list-groups-for-user", "--user-name", "cli_member")
        self.assertEqual([g["GroupName"] for g in mine["Groups"]], ["S3AccessGroup"])
        listed = self.aws_json("iam", "list-groups", "--path-prefix", "/teams/")
        self.assertEqual([g["GroupName"] for g in listed["Groups"]], ["S3AccessGroup"])

        res = self.aws("iam", "delete-group", "--group-name", "S3AccessGroup")
        self.assertEqual((h.cli_error_code(res.stderr), res.rc),
                         ("DeleteConflict", self.cli.service_error_rc), res.stderr)
        self.assertIn("must remove users from group first", res.stderr)

        self.aws_json("iam", "remove-user-from-group", "--group-name", "S3AccessGroup",
                      "--user-name", "cli_member")
        self.aws_json("iam", "update-group", "--group-name", "S3AccessGroup",
                      "--new-group-name", "S3Readers")
        self.aws_json("iam", "delete-group", "--group-name", "S3Readers")
        res = self.aws("iam", "get-group", "--group-name", "S3Readers")
        self.assertEqual((h.cli_error_code(res.stderr), res.rc),
                         ("NoSuchEntity", self.cli.service_error_rc), res.stderr)


if __name__ == "__main__":
    unittest.main()
