"""Persistence: everything acknowledged survives `kill -9` and graceful restarts on the same data
directory, with the same root credentials; the database files reveal no secret; shutdown on
SIGTERM/SIGINT is clean even with idle keep-alive connections open."""

import os
import signal
import socket
import time
import unittest

import sigil_harness as h


def gci(url, creds):
    return h.make_client(url, "sts", creds).get_caller_identity()


class RestartTest(unittest.TestCase):

    def setUp(self):
        self.server = h.SigilServer()
        self.addCleanup(self.server.close)
        self.server.start()

    def assertCode(self, code, status, fn, *args, **kwargs):
        with self.assertRaises(h.botocore.exceptions.ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]),
                         (code, status))

    def test_kill_9_keeps_everything_acknowledged(self):
        srv = self.server
        with open(srv.credentials_path, "rb") as f:
            creds_file = f.read()
        root = srv.root()
        iam = srv.client("iam")
        account = srv.account_id()

        users = {}
        for name, path in (("alice", "/"), ("bob", "/eng/"), ("carol", "/eng/backend/"),
                           ("dave", "/"), ("renamed_from", "/")):
            users[name] = iam.create_user(UserName=name, Path=path)["User"]
        iam.tag_user(UserName="alice", Tags=[{"Key": "team", "Value": "red"}])
        k_active = iam.create_access_key(UserName="alice")["AccessKey"]
        k_inactive = iam.create_access_key(UserName="bob")["AccessKey"]
        k_deleted = iam.create_access_key(UserName="carol")["AccessKey"]
        iam.update_access_key(UserName="bob", AccessKeyId=k_inactive["AccessKeyId"],
                              Status="Inactive")
        iam.delete_access_key(UserName="carol", AccessKeyId=k_deleted["AccessKeyId"])
        iam.delete_user(UserName="dave")
        iam.update_user(UserName="renamed_from", NewUserName="renamed_to", NewPath="/moved/")
        # The last acknowledged write, then kill -9 straight away.
        last = iam.create_user(UserName="last_write")["User"]
        srv.kill9()

        srv.start()
        url = srv.url
        with open(srv.credentials_path, "rb") as f:
            self.assertEqual(f.read(), creds_file, "root-credentials changed across restart")
        self.assertEqual(srv.root(), root)
        ident = gci(url, root)
        self.assertEqual((ident["Account"], ident["Arn"]),
                         (account, f"arn:aws:iam::{account}:root"))

        iam = h.make_client(url, "iam", root)
        listed = {u["UserName"]: u for u in iam.list_users()["Users"]}
        self.assertEqual(set(listed),
                         {"alice", "bob", "carol", "renamed_to", "last_write"})
        for name in ("alice", "bob", "carol"):
            self.assertEqual((listed[name]["UserId"], listed[name]["Arn"], listed[name]["Path"]),
                             (users[name]["UserId"], users[name]["Arn"], users[name]["Path"]))
        self.assertEqual(listed["last_write"]["UserId"], last["UserId"])
        self.assertEqual((listed["renamed_to"]["UserId"], listed["renamed_to"]["Arn"]),
                         (users["renamed_from"]["UserId"],
                          f"arn:aws:iam::{account}:user/moved/renamed_to"))
        self.assertCode("NoSuchEntity", 404, iam.get_user, UserName="dave")
        self.assertEqual(iam.list_user_tags(UserName="alice")["Tags"],
                         [{"Key": "team", "Value": "red"}])

        # Keys: the active one still works (same secret), the others still do not.
        alice = h.Creds(k_active["AccessKeyId"], k_active["SecretAccessKey"])
        self.assertEqual(gci(url, alice)["Arn"], users["alice"]["Arn"])
        for key in (k_inactive, k_deleted):
            creds = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])
            self.assertCode("InvalidClientTokenId", 403,
                            h.make_client(url, "sts", creds).get_caller_identity)
        self.assertEqual(
            [(k["AccessKeyId"], k["Status"]) for k in
             iam.list_access_keys(UserName="bob")["AccessKeyMetadata"]],
            [(k_inactive["AccessKeyId"], "Inactive")])
        self.assertEqual(iam.list_access_keys(UserName="carol")["AccessKeyMetadata"], [])

        # Still writable after recovery: reactivate bob's key, it works.
        iam.update_access_key(UserName="bob", AccessKeyId=k_inactive["AccessKeyId"],
                              Status="Active")
        self.assertEqual(gci(url, h.Creds(k_inactive["AccessKeyId"],
                                          k_inactive["SecretAccessKey"]))["Arn"],
                         users["bob"]["Arn"])

    def test_burst_of_writes_then_kill_9(self):
        iam = self.server.client("iam")
        created = {}
        for i in range(25):
            name = f"burst_{i:02d}"
            iam.create_user(UserName=name)
            key = iam.create_access_key(UserName=name)["AccessKey"]
            created[name] = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])
        self.server.kill9()
        self.server.start()
        iam = self.server.client("iam")
        names = [u["UserName"] for p in iam.get_paginator("list_users").paginate()
                 for u in p["Users"]]
        self.assertEqual(sorted(names), sorted(created))
        # The last key created before the kill authenticates.
        name = max(created)
        self.assertTrue(gci(self.server.url, created[name])["Arn"].endswith(f":user/{name}"))

    def test_graceful_restarts_sigterm_and_sigint(self):
        srv = self.server
        root = srv.root()
        iam = srv.client("iam")
        iam.create_user(UserName="survivor")
        key = iam.create_access_key(UserName="survivor")["AccessKey"]
        creds = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig.name):
                rc = srv.stop(sig)
                self.assertEqual(rc, 0, f"exit code after {sig.name}; stderr tail:\n"
                                        f"{srv.stderr()[-2000:]}")
                srv.start()
                self.assertEqual(srv.root(), root)
                self.assertTrue(gci(srv.url, creds)["Arn"].endswith(":user/survivor"))

    def test_shutdown_with_idle_keep_alive_connection(self):
        srv = self.server
        signed = h.sign_v4(srv.url, srv.root(), h.GCI)
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        self.addCleanup(sock.close)
        request = [f"{signed.method} {signed.path} HTTP/1.1"]
        request += [f"{k}: {v}" for k, v in signed.headers]
        sock.sendall(("\r\n".join(request) + "\r\n\r\n").encode() + signed.body)
        data = b""
        while b"</GetCallerIdentityResponse>" not in data:
            chunk = sock.recv(65536)
            self.assertTrue(chunk, f"connection closed early: {data!r}")
            data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
        # The connection stays open (keep-alive) and idle; SIGTERM must still finish quickly.
        start = time.monotonic()
        rc = srv.stop(signal.SIGTERM, timeout=10)
        self.assertEqual(rc, 0)
        self.assertLess(time.monotonic() - start, 10)

    def test_data_files_reveal_no_secret(self):
        srv = self.server
        root = srv.root()
        iam = srv.client("iam")
        iam.create_user(UserName="secretive")
        key = iam.create_access_key(UserName="secretive")["AccessKey"]
        secrets = [root.secret, key["SecretAccessKey"]]
        for stop in ("kill9", "sigterm"):
            with self.subTest(after=stop):
                if stop == "kill9":
                    srv.kill9()
                else:
                    srv.start()
                    self.assertEqual(srv.stop(), 0)
                scanned = []
                for dirpath, _, files in os.walk(srv.data_dir):
                    for fname in files:
                        path = os.path.join(dirpath, fname)
                        if os.path.abspath(path) == os.path.abspath(srv.credentials_path):
                            continue
                        with open(path, "rb") as f:
                            data = f.read()
                        scanned.append(fname)
                        for secret in secrets:
                            self.assertNotIn(secret.encode(), data,
                                             f"a secret access key appears in {path}")
                self.assertTrue(scanned, "no data files besides root-credentials?")
        # The server's own stdout/stderr did not print the secrets either.
        for secret in secrets:
            self.assertNotIn(secret, srv.stderr())
        self.assertNotIn(key["SecretAccessKey"], srv.stdout())
        self.assertNotIn(root.secret, srv.stdout())


if __name__ == "__main__":
    unittest.main(verbosity=2)
