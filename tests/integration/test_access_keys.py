"""Access keys through boto3: create (AWS shapes, at most two per user), list, update
Active/Inactive (effective on the very next request), delete, and GetAccessKeyLastUsed."""

import concurrent.futures
import datetime
import threading
import time
import unittest

import sigil_harness as h


class AccessKeysTest(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam_raw = cls.server.client("iam", parameter_validation=False)

    def sts_for(self, creds):
        return h.make_client(self.server.url, "sts", creds)

    def create_key(self, user):
        key = self.iam.create_access_key(UserName=user)["AccessKey"]
        return key, h.Creds(key["AccessKeyId"], key["SecretAccessKey"])

    def test_create_access_key_shape_and_use(self):
        user = self.create_user("key_shape")
        key, creds = self.create_key("key_shape")
        self.assertRegex(key["AccessKeyId"], h.ACCESS_KEY_RE)
        self.assertRegex(key["SecretAccessKey"], h.SECRET_RE)
        self.assertEqual((key["UserName"], key["Status"]), ("key_shape", "Active"))
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - key["CreateDate"]).total_seconds()), 300)
        # Usable on the very next request.
        ident = self.sts_for(creds).get_caller_identity()
        self.assertEqual((ident["Arn"], ident["UserId"], ident["Account"]),
                         (user["Arn"], user["UserId"], self.account))

    def test_keys_and_secrets_are_unique(self):
        ids, secrets = set(), set()
        for i in range(4):
            self.create_user(f"uniq_key_{i}")
            for _ in range(2):
                key, creds = self.create_key(f"uniq_key_{i}")
                ids.add(creds.access_key)
                secrets.add(creds.secret)
        self.assertEqual((len(ids), len(secrets)), (8, 8))
        self.assertNotIn(self.root.access_key, ids)

    def test_at_most_two_keys(self):
        self.create_user("two_keys")
        k1, _ = self.create_key("two_keys")
        k2, _ = self.create_key("two_keys")
        self.assertClientError("LimitExceeded", 409, self.iam.create_access_key,
                               UserName="two_keys")
        listed = self.iam.list_access_keys(UserName="two_keys")
        self.assertFalse(listed["IsTruncated"])
        meta = listed["AccessKeyMetadata"]
        self.assertEqual(sorted(m["AccessKeyId"] for m in meta),
                         sorted([k1["AccessKeyId"], k2["AccessKeyId"]]))
        for m in meta:
            self.assertEqual((m["UserName"], m["Status"]), ("two_keys", "Active"))
            self.assertNotIn("SecretAccessKey", m)
            self.assertIn("CreateDate", m)
        # Deleting one frees a slot.
        self.iam.delete_access_key(UserName="two_keys", AccessKeyId=k1["AccessKeyId"])
        self.create_key("two_keys")
        self.assertClientError("LimitExceeded", 409, self.iam.create_access_key,
                               UserName="two_keys")

    def test_concurrent_creates_respect_the_limit(self):
        self.create_user("key_race")
        clients = [self.server.client("iam") for _ in range(6)]
        barrier = threading.Barrier(6)

        def attempt(i):
            client = clients[i]
            barrier.wait(10)
            try:
                return client.create_access_key(UserName="key_race")["AccessKey"]["AccessKeyId"]
            except h.botocore.exceptions.ClientError as e:
                return (e.response["Error"]["Code"],
                        e.response["ResponseMetadata"]["HTTPStatusCode"])

        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            results = list(pool.map(attempt, range(6)))
        created = sorted(r for r in results if isinstance(r, str))
        self.assertEqual(len(created), 2, results)
        self.assertEqual([r for r in results if not isinstance(r, str)],
                         [("LimitExceeded", 409)] * 4)
        listed = self.iam.list_access_keys(UserName="key_race")["AccessKeyMetadata"]
        self.assertEqual(sorted(m["AccessKeyId"] for m in listed), created)

    def test_inactive_key_stops_working_on_next_request(self):
        self.create_user("toggler")
        key, creds = self.create_key("toggler")
        sts = self.sts_for(creds)
        sts.get_caller_identity()
        self.iam.update_access_key(UserName="toggler", AccessKeyId=creds.access_key,
                                   Status="Inactive")
        self.assertClientError("InvalidClientTokenId", 403, sts.get_caller_identity)
        meta = self.iam.list_access_keys(UserName="toggler")["AccessKeyMetadata"]
        self.assertEqual([(m["AccessKeyId"], m["Status"]) for m in meta],
                         [(creds.access_key, "Inactive")])
        self.iam.update_access_key(UserName="toggler", AccessKeyId=creds.access_key,
                                   Status="Active")
        self.assertEqual(sts.get_caller_identity()["Arn"],
                         f"arn:aws:iam::{self.account}:user/toggler")

    def test_deleted_key_stops_working_on_next_request(self):
        self.create_user("deleter")
        key, creds = self.create_key("deleter")
        sts = self.sts_for(creds)
        sts.get_caller_identity()
        self.iam.delete_access_key(UserName="deleter", AccessKeyId=creds.access_key)
        self.assertClientError("InvalidClientTokenId", 403, sts.get_caller_identity)
        self.assertEqual(self.iam.list_access_keys(UserName="deleter")["AccessKeyMetadata"], [])
        self.assertClientError("NoSuchEntity", 404, self.iam.delete_access_key,
                               UserName="deleter", AccessKeyId=creds.access_key)

    def test_errors_for_missing_users_and_keys(self):
        self.create_user("key_errors")
        missing_key = "AKIAZZZZZZZZZZZZZZZ9"
        cases = [
            (self.iam.create_access_key, {"UserName": "ghost_user"}),
            (self.iam.list_access_keys, {"UserName": "ghost_user"}),
            (self.iam.update_access_key,
             {"UserName": "key_errors", "AccessKeyId": missing_key, "Status": "Inactive"}),
            (self.iam.delete_access_key, {"UserName": "key_errors", "AccessKeyId": missing_key}),
        ]
        for fn, kwargs in cases:
            with self.subTest(op=fn.__name__, **kwargs):
                self.assertClientError("NoSuchEntity", 404, fn, **kwargs)

    def test_key_of_another_user_is_not_found(self):
        self.create_user("owner_a")
        self.create_user("owner_b")
        _, creds_b = self.create_key("owner_b")
        self.assertClientError("NoSuchEntity", 404, self.iam.update_access_key,
                               UserName="owner_a", AccessKeyId=creds_b.access_key,
                               Status="Inactive")
        self.assertClientError("NoSuchEntity", 404, self.iam.delete_access_key,
                               UserName="owner_a", AccessKeyId=creds_b.access_key)
        # owner_b's key is untouched.
        self.sts_for(creds_b).get_caller_identity()

    def test_update_access_key_invalid_status(self):
        self.create_user("bad_status")
        _, creds = self.create_key("bad_status")
        self.assertClientError("ValidationError", 400, self.iam_raw.update_access_key,
                               UserName="bad_status", AccessKeyId=creds.access_key,
                               Status="Sleeping")
        self.sts_for(creds).get_caller_identity()

    def test_get_access_key_last_used(self):
        self.create_user("last_used")
        _, creds = self.create_key("last_used")
        fresh = self.iam.get_access_key_last_used(AccessKeyId=creds.access_key)
        self.assertEqual(fresh["UserName"], "last_used")
        self.assertEqual(fresh["AccessKeyLastUsed"], {"ServiceName": "N/A", "Region": "N/A"})

        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.sts_for(creds).get_caller_identity()

        def used():
            info = self.iam.get_access_key_last_used(AccessKeyId=creds.access_key)
            return info if "LastUsedDate" in info["AccessKeyLastUsed"] else None

        info = self.wait_until(used, timeout=4, interval=0.2, what="LastUsedDate to appear")
        last = info["AccessKeyLastUsed"]
        self.assertEqual((last["ServiceName"], last["Region"]), ("sts", h.REGION))
        after = datetime.datetime.now(datetime.timezone.utc)
        self.assertTrue(before - datetime.timedelta(seconds=1) <= last["LastUsedDate"]
                        <= after + datetime.timedelta(seconds=1),
                        f"LastUsedDate {last['LastUsedDate']} not in [{before}, {after}]")

    def test_last_used_moves_forward(self):
        self.create_user("last_used_2")
        _, creds = self.create_key("last_used_2")
        sts = self.sts_for(creds)
        sts.get_caller_identity()
        first = self.wait_until(
            lambda: self.iam.get_access_key_last_used(AccessKeyId=creds.access_key)
            ["AccessKeyLastUsed"].get("LastUsedDate"), timeout=4, what="first LastUsedDate")
        time.sleep(1.1)  # timestamps have one-second resolution
        sts.get_caller_identity()
        self.wait_until(
            lambda: self.iam.get_access_key_last_used(AccessKeyId=creds.access_key)
            ["AccessKeyLastUsed"].get("LastUsedDate", first) > first, timeout=4,
            what="LastUsedDate to advance")

    def test_root_credentials_unaffected_by_user_keys(self):
        self.create_user("neighbour")
        _, creds = self.create_key("neighbour")
        self.iam.delete_access_key(UserName="neighbour", AccessKeyId=creds.access_key)
        self.assertEqual(self.sts.get_caller_identity()["Arn"],
                         f"arn:aws:iam::{self.account}:root")


if __name__ == "__main__":
    unittest.main(verbosity=2)
