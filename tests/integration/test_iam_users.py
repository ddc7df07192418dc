"""IAM users through boto3: create/get/list (paths, PathPrefix, Marker/MaxItems/IsTruncated),
update, delete (DeleteConflict while keys exist), tags, input validation, and the deny-by-default
authorization of IAM users (everything but sts:GetCallerIdentity is AccessDenied)."""

import concurrent.futures
import datetime
import threading
import unittest

import sigil_harness as h


class IamUsersTest(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # botocore validates some constraints client-side; this client lets the server judge.
        cls.iam_raw = cls.server.client("iam", parameter_validation=False)

    def assertRecent(self, when):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - when).total_seconds()), 300, f"{when} is not close to {now}")

    def test_create_user_shape(self):
        user = self.create_user("shape_user")
        self.assertEqual(user["UserName"], "shape_user")
        self.assertEqual(user["Path"], "/")
        self.assertRegex(user["UserId"], h.USER_ID_RE)
        self.assertEqual(user["Arn"], f"arn:aws:iam::{self.account}:user/shape_user")
        self.assertRecent(user["CreateDate"])

        got = self.iam.get_user(UserName="shape_user")["User"]
        self.assertEqual({k: got[k] for k in ("UserName", "Path", "UserId", "Arn", "CreateDate")},
                         {k: user[k] for k in ("UserName", "Path", "UserId", "Arn", "CreateDate")})

    def test_user_ids_are_unique(self):
        ids = {self.create_user(f"unique_{i}")["UserId"] for i in range(5)}
        self.assertEqual(len(ids), 5)

    def test_create_user_with_path_and_tags(self):
        user = self.create_user("pathed_user", Path="/division/team/",
                                Tags=[{"Key": "cost-center", "Value": "42"}])
        self.assertEqual(user["Path"], "/division/team/")
        self.assertEqual(user["Arn"],
                         f"arn:aws:iam::{self.account}:user/division/team/pathed_user")
        tags = self.iam.list_user_tags(UserName="pathed_user")["Tags"]
        self.assertEqual(tags, [{"Key": "cost-center", "Value": "42"}])
        got = self.iam.get_user(UserName="pathed_user")["User"]
        self.assertEqual(got.get("Tags"), [{"Key": "cost-center", "Value": "42"}],
                         "GetUser should return the user's tags, as AWS does")

    def test_create_duplicate_user(self):
        self.create_user("dup_user")
        err = self.assertClientError("EntityAlreadyExists", 409, self.iam.create_user,
                                     UserName="dup_user")
        self.assertIn("dup_user", err["Error"]["Message"])

    def test_user_names_are_case_insensitive_for_uniqueness(self):
        self.create_user("CaseUser")
        self.assertClientError("EntityAlreadyExists", 409, self.iam.create_user,
                               UserName="caseuser")

    def test_concurrent_creates_of_one_name(self):
        clients = [self.server.client("iam") for _ in range(8)]
        barrier = threading.Barrier(8)

        def attempt(i):
            client = clients[i]
            barrier.wait(10)
            try:
                return client.create_user(UserName="race_user")["User"]["UserId"]
            except h.botocore.exceptions.ClientError as e:
                return (e.response["Error"]["Code"],
                        e.response["ResponseMetadata"]["HTTPStatusCode"])

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(attempt, range(8)))
        winners = [r for r in results if isinstance(r, str)]
        self.assertEqual(len(winners), 1, results)
        self.assertEqual(sorted(r for r in results if not isinstance(r, str)),
                         [("EntityAlreadyExists", 409)] * 7)
        self.assertEqual(self.iam.get_user(UserName="race_user")["User"]["UserId"], winners[0])

    def test_invalid_user_names_and_paths(self):
        self.create_user("a" * 64)  # the maximum length is fine
        cases = [
            {"UserName": "a" * 65},
            {"UserName": "bad name"},
            {"UserName": "bad/name"},
            {"UserName": ""},
            {"UserName": "ok_name_bad_path", "Path": "no-leading-slash/"},
            {"UserName": "ok_name_bad_path", "Path": "/no-trailing-slash"},
            {"UserName": "ok_name_bad_path", "Path": "/" + "p" * 511 + "/"},
        ]
        for params in cases:
            with self.subTest(params={k: v[:20] for k, v in params.items()}):
                self.assertClientError("ValidationError", 400, self.iam_raw.create_user,
                                       **params)
        self.assertClientError("NoSuchEntity", 404, self.iam.get_user,
                               UserName="ok_name_bad_path")

    def test_get_user_missing(self):
        err = self.assertClientError("NoSuchEntity", 404, self.iam.get_user,
                                     UserName="no_such_user")
        self.assertIn("no_such_user", err["Error"]["Message"])

    def test_get_user_without_name_is_the_caller(self):
        me = self.iam.get_user()["User"]
        self.assertEqual(me["Arn"], f"arn:aws:iam::{self.account}:root")
        self.assertEqual(me["UserId"], self.account)

    def test_list_users_path_prefix(self):
        self.create_user("prefix_a", Path="/prefix/")
        self.create_user("prefix_b", Path="/prefix/deeper/")
        self.create_user("prefix_c", Path="/prefixnot/")
        names = lambda **kw: sorted(u["UserName"] for u in self.iam.list_users(**kw)["Users"])
        self.assertEqual(names(PathPrefix="/prefix/"), ["prefix_a", "prefix_b"])
        self.assertEqual(names(PathPrefix="/prefix/deeper/"), ["prefix_b"])
        self.assertEqual(names(PathPrefix="/prefix"), ["prefix_a", "prefix_b", "prefix_c"])
        empty = self.iam.list_users(PathPrefix="/nothing-here/")
        self.assertEqual((empty["Users"], empty["IsTruncated"]), ([], False))
        everyone = self.iam.list_users(PathPrefix="/")
        for u in everyone["Users"]:
            self.assertEqual(u["Arn"], f"arn:aws:iam::{self.account}:user{u['Path']}"
                                       f"{u['UserName']}")

    def test_list_users_pagination(self):
        expected = sorted(f"page_user_{i}" for i in range(5))
        for name in expected:
            self.create_user(name, Path="/paging/")
        seen, markers = [], []
        resp = self.iam.list_users(PathPrefix="/paging/", MaxItems=2)
        while True:
            self.assertLessEqual(len(resp["Users"]), 2)
            seen += [u["UserName"] for u in resp["Users"]]
            if not resp["IsTruncated"]:
                self.assertNotIn("Marker", resp)
                break
            self.assertTrue(resp.get("Marker"), "IsTruncated without a Marker")
            markers.append(resp["Marker"])
            self.assertLess(len(markers), 5, "pagination does not terminate")
            resp = self.iam.list_users(PathPrefix="/paging/", MaxItems=2,
                                       Marker=resp["Marker"])
        self.assertEqual(len(markers), 2)  # 2 + 2 + 1
        self.assertEqual(sorted(seen), expected)
        self.assertEqual(len(seen), len(set(seen)), f"duplicates across pages: {seen}")

        # Exactly MaxItems left: not truncated.
        whole = self.iam.list_users(PathPrefix="/paging/", MaxItems=5)
        self.assertEqual((len(whole["Users"]), whole["IsTruncated"]), (5, False))

        # botocore's paginator (PageSize -> MaxItems, follows Marker).
        pages = self.iam.get_paginator("list_users").paginate(
            PathPrefix="/paging/", PaginationConfig={"PageSize": 3})
        names = [u["UserName"] for page in pages for u in page["Users"]]
        self.assertEqual(sorted(names), expected)

    def test_list_users_max_items_limits(self):
        for bad in (0, 1001):
            with self.subTest(MaxItems=bad):
                self.assertClientError("ValidationError", 400, self.iam_raw.list_users,
                                       MaxItems=bad)
        self.assertFalse(self.iam.list_users(MaxItems=1000)["IsTruncated"])

    def test_update_user_rename_and_move(self):
        user = self.create_user("before_rename", Tags=[{"Key": "k", "Value": "v"}])
        self.iam.update_user(UserName="before_rename", NewUserName="after_rename",
                             NewPath="/moved/")
        got = self.iam.get_user(UserName="after_rename")["User"]
        self.assertEqual((got["UserId"], got["Path"], got["Arn"]),
                         (user["UserId"], "/moved/",
                          f"arn:aws:iam::{self.account}:user/moved/after_rename"))
        self.assertClientError("NoSuchEntity", 404, self.iam.get_user, UserName="before_rename")
        self.assertEqual(self.iam.list_user_tags(UserName="after_rename")["Tags"],
                         [{"Key": "k", "Value": "v"}])
        # Path only.
        self.iam.update_user(UserName="after_rename", NewPath="/")
        self.assertEqual(self.iam.get_user(UserName="after_rename")["User"]["Arn"],
                         f"arn:aws:iam::{self.account}:user/after_rename")

    def test_update_user_errors(self):
        self.create_user("upd_one")
        self.create_user("upd_two")
        self.assertClientError("NoSuchEntity", 404, self.iam.update_user,
                               UserName="upd_missing", NewUserName="whatever")
        self.assertClientError("EntityAlreadyExists", 409, self.iam.update_user,
                               UserName="upd_one", NewUserName="upd_two")
        self.assertClientError("ValidationError", 400, self.iam_raw.update_user,
                               UserName="upd_one", NewUserName="not valid!")
        self.assertEqual(self.iam.get_user(UserName="upd_one")["User"]["UserName"], "upd_one")

    def test_delete_user(self):
        self.create_user("to_delete")
        self.iam.delete_user(UserName="to_delete")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_user, UserName="to_delete")
        self.assertClientError("NoSuchEntity", 404, self.iam.delete_user, UserName="to_delete")
        # The name is free again.
        self.create_user("to_delete")

    def test_delete_user_with_keys_conflicts(self):
        _, creds = self.create_user_with_key("has_keys")
        self.assertClientError("DeleteConflict", 409, self.iam.delete_user, UserName="has_keys")
        # Still there, key still works.
        self.iam.get_user(UserName="has_keys")
        self.assertEqual(h.make_client(self.server.url, "sts", creds).get_caller_identity()["Arn"],
                         f"arn:aws:iam::{self.account}:user/has_keys")
        self.iam.delete_access_key(UserName="has_keys", AccessKeyId=creds.access_key)
        self.iam.delete_user(UserName="has_keys")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_user, UserName="has_keys")

    def test_tags(self):
        self.create_user("tagged")
        self.assertEqual(self.iam.list_user_tags(UserName="tagged")["Tags"], [])
        self.iam.tag_user(UserName="tagged", Tags=[{"Key": "env", "Value": "dev"},
                                                   {"Key": "team", "Value": "blue"}])
        self.iam.tag_user(UserName="tagged", Tags=[{"Key": "env", "Value": "prod"},
                                                   {"Key": "empty", "Value": ""}])
        resp = self.iam.list_user_tags(UserName="tagged")
        self.assertFalse(resp["IsTruncated"])
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in resp["Tags"]),
                         [("empty", ""), ("env", "prod"), ("team", "blue")])
        self.iam.untag_user(UserName="tagged", TagKeys=["env", "not-there"])
        self.assertEqual(sorted(t["Key"] for t in
                                self.iam.list_user_tags(UserName="tagged")["Tags"]),
                         ["empty", "team"])
        for fn, kwargs in ((self.iam.tag_user, {"Tags": [{"Key": "a", "Value": "b"}]}),
                           (self.iam.untag_user, {"TagKeys": ["a"]}),
                           (self.iam.list_user_tags, {})):
            with self.subTest(op=fn.__name__):
                self.assertClientError("NoSuchEntity", 404, fn, UserName="untagged_ghost",
                                       **kwargs)
        # Tags do not block deletion.
        self.iam.delete_user(UserName="tagged")


class UserDenyByDefaultTest(h.ServerTestCase):
    """An IAM user without policies may only call sts:GetCallerIdentity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        user = cls.iam.create_user(UserName="restricted", Path="/team/")["User"]
        key = cls.iam.create_access_key(UserName="restricted")["AccessKey"]
        cls.user = user
        cls.creds = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])
        cls.user_iam = cls.server.client("iam", cls.creds)
        cls.user_sts = cls.server.client("sts", cls.creds)

    def test_get_caller_identity_allowed(self):
        ident = self.user_sts.get_caller_identity()
        self.assertEqual((ident["Account"], ident["UserId"], ident["Arn"]),
                         (self.account, self.user["UserId"],
                          f"arn:aws:iam::{self.account}:user/team/restricted"))

    def test_list_users_denied_with_aws_message(self):
        err = self.assertClientError("AccessDenied", 403, self.user_iam.list_users)
        self.assertEqual(
            err["Error"]["Message"],
            f"User: arn:aws:iam::{self.account}:user/team/restricted is not authorized to "
            f"perform: iam:ListUsers on resource: arn:aws:iam::{self.account}:user/ because no "
            "identity-based policy allows the iam:ListUsers action")

    def test_create_user_denied_and_nothing_created(self):
        err = self.assertClientError("AccessDenied", 403, self.user_iam.create_user,
                                     UserName="mallory")
        self.assertEqual(
            err["Error"]["Message"],
            f"User: arn:aws:iam::{self.account}:user/team/restricted is not authorized to "
            f"perform: iam:CreateUser on resource: arn:aws:iam::{self.account}:user/mallory "
            "because no identity-based policy allows the iam:CreateUser action")
        self.assertClientError("NoSuchEntity", 404, self.iam.get_user, UserName="mallory")

    def test_everything_else_denied(self):
        calls = [
            ("GetUser", self.user_iam.get_user, {}),
            ("GetUser", self.user_iam.get_user, {"UserName": "restricted"}),
            ("CreateAccessKey", self.user_iam.create_access_key, {}),
            ("ListAccessKeys", self.user_iam.list_access_keys, {}),
            ("UpdateAccessKey", self.user_iam.update_access_key,
             {"AccessKeyId": self.creds.access_key, "Status": "Inactive"}),
            ("DeleteAccessKey", self.user_iam.delete_access_key,
             {"AccessKeyId": self.creds.access_key}),
            ("GetAccessKeyLastUsed", self.user_iam.get_access_key_last_used,
             {"AccessKeyId": self.creds.access_key}),
            ("TagUser", self.user_iam.tag_user,
             {"UserName": "restricted", "Tags": [{"Key": "a", "Value": "b"}]}),
            ("DeleteUser", self.user_iam.delete_user, {"UserName": "restricted"}),
        ]
        for action, fn, kwargs in calls:
            with self.subTest(action=action, kwargs=kwargs):
                err = self.assertClientError("AccessDenied", 403, fn, **kwargs)
                self.assertIn(f"perform: iam:{action} on resource", err["Error"]["Message"])
        # None of it took effect: the key is still active, the user untagged.
        keys = self.iam.list_access_keys(UserName="restricted")["AccessKeyMetadata"]
        self.assertEqual([(k["AccessKeyId"], k["Status"]) for k in keys],
                         [(self.creds.access_key, "Active")])
        self.assertEqual(self.iam.list_user_tags(UserName="restricted")["Tags"], [])
        self.user_sts.get_caller_identity()


if __name__ == "__main__":
    unittest.main(verbosity=2)
