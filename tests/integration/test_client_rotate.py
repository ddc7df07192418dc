"""`sigil rotate` against a live server: the full rotation, the two-key limit, plaintext
profiles, the grace period, and a crash (the process ending abruptly) after every step, each
resumed by the next run with no moment where the profile stops working."""

import unittest

import sigil_harness as h
from client_harness import ClientTestCase

# Where SIGIL_TEST_ROTATE_CRASH_AFTER can end the process, in the order a rotation meets them.
CRASH_POINTS = ["journal", "create", "record", "verify", "switch", "deactivate", "delete"]


class RotateTest(ClientTestCase):

    def assertProfileWorks(self, profile, user):
        who = self.aws_json("sts", "get-caller-identity", "--profile", profile)
        self.assertEqual(who["Arn"], self.user_arn(user))

    def test_rotate_replaces_the_key(self):
        old = self.configured_user("rot-alice")
        self.sigil_ok("session", "--profile", "dev")  # a cached session, cleared by the rotation
        out = self.sigil_ok("rotate", "--profile", "dev")
        keys = self.keys_of("rot-alice")
        self.assertEqual(len(keys), 1)
        (new_id, status), = keys.items()
        self.assertEqual(status, "Active")
        self.assertNotEqual(new_id, old.access_key)
        self.assertIn(f"Rotated profile dev: {new_id} replaces {old.access_key}, which is "
                      "deleted.", out.stdout)
        for step in ("checking", "creating a new access key", "verifying", "switching",
                     "cleared 1 cached session(s)", "deactivating", "deleting the old key"):
            self.assertIn(step, out.stderr)
        self.assertProfileWorks("dev", "rot-alice")
        self.assertNoPlaintext(old.secret)
        # The old key is gone for good.
        self.assertClientError("InvalidClientTokenId", 403,
                               self.server.client("sts", old).get_caller_identity)

    def test_crash_after_every_step_resumes_without_losing_access(self):
        for i, point in enumerate(CRASH_POINTS):
            with self.subTest(point=point):
                user = f"rot-crash-{i}"
                profile = f"p{i}"
                old = self.configured_user(user, profile=profile)
                out = self.sigil("rotate", "--profile", profile,
                                 env={"SIGIL_TEST_ROTATE_CRASH_AFTER": point})
                self.assertEqual(out.returncode, 75, out.stderr)
                self.assertIn(f"test crash after {point}", out.stderr)
                # Interrupted: the profile still works.
                self.assertProfileWorks(profile, user)
                out = self.sigil_ok("rotate", "--profile", profile)
                if point != "delete":
                    self.assertIn("resuming the rotation of " + old.access_key, out.stderr)
                keys = self.keys_of(user)
                self.assertEqual(len(keys), 1, f"keys after resuming at {point}: {keys}")
                self.assertNotIn(old.access_key, keys)
                self.assertEqual(list(keys.values()), ["Active"])
                self.assertProfileWorks(profile, user)
                # Nothing left half-done: a further rotation starts afresh.
                out = self.sigil_ok("rotate", "--profile", profile)
                self.assertNotIn("resuming", out.stderr)

    def test_two_key_limit(self):
        self.configured_user("rot-two")
        other = self.iam.create_access_key(UserName="rot-two")["AccessKey"]
        h.SENSITIVE.add(other["SecretAccessKey"])
        self.sigil_fails("rotate", "--profile", "dev",
                         message=f"user rot-two already has two access keys")
        self.iam.update_access_key(UserName="rot-two", AccessKeyId=other["AccessKeyId"],
                                   Status="Inactive")
        self.sigil_fails("rotate", "--profile", "dev", message="or pass --delete-inactive")
        self.assertEqual(len(self.keys_of("rot-two")), 2)  # nothing was created
        out = self.sigil_ok("rotate", "--profile", "dev", "--delete-inactive")
        self.assertIn(f"deleting the inactive key {other['AccessKeyId']}", out.stderr)
        self.assertEqual(len(self.keys_of("rot-two")), 1)
        self.assertProfileWorks("dev", "rot-two")

    def test_plaintext_profile_is_rotated_in_place(self):
        old = self.user_with_key("rot-plain")
        self.write(self.credentials_path,
                   "# keep this comment\n[plain]\n"
                   f"aws_access_key_id = {old.access_key}\n"
                   f"aws_secret_access_key = {old.secret}\n")
        self.sigil_ok("rotate", "--profile", "plain", "--endpoint-url", self.server.url)
        (new_id, _), = self.keys_of("rot-plain").items()
        text = self.read(self.credentials_path)
        self.assertTrue(text.startswith("# keep this comment\n[plain]\n"
                                        f"aws_access_key_id = {new_id}\n"), text)
        self.assertNotIn(old.secret, text)
        self.assertEqual(self.mode_of(self.credentials_path), 0o600)
        who = self.aws_json("sts", "get-caller-identity", "--profile", "plain")
        self.assertEqual(who["Arn"], self.user_arn("rot-plain"))

    def test_grace_period_keeps_the_old_key_inactive(self):
        old = self.configured_user("rot-grace")
        out = self.sigil_ok("rotate", "--profile", "dev", "--grace-period", "3600")
        self.assertIn(f"The old key {old.access_key} is inactive and will be deleted", out.stdout)
        keys = self.keys_of("rot-grace")
        self.assertEqual(keys[old.access_key], "Inactive")
        self.assertEqual(sorted(keys.values()), ["Active", "Inactive"])
        # Within the grace period a rerun only reports; without it the old key goes.
        out = self.sigil_ok("rotate", "--profile", "dev", "--grace-period", "3600")
        self.assertIn("resuming", out.stderr)
        self.assertEqual(len(self.keys_of("rot-grace")), 2)
        self.sigil_ok("rotate", "--profile", "dev")
        self.assertEqual(list(self.keys_of("rot-grace").values()), ["Active"])
        self.assertProfileWorks("dev", "rot-grace")

    def test_root_and_missing_keys_are_refused(self):
        self.assertEqual(self.configure("root", self.root, "--force").returncode, 0)
        self.sigil_fails("rotate", "--profile", "root",
                         message="this is a root user's key: delete it instead of rotating it")
        self.sigil_fails("rotate", "--profile", "ghost",
                         message="profile ghost has no long-term access key")


if __name__ == "__main__":
    unittest.main()
