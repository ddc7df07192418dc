"""Two `sigil server` nodes on one PostgreSQL database are interchangeable.

A throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh, Debian's postgresql package) holds
the database; node A and node B have their own data folders and share the database (--database,
given once as a URI and once as a libpq key=value string), the master key (A's file, copied to
B) and the session token key ring (--session-keys-file). Covered: a user and key created on A
with the AWS CLI work on B; a key deactivated on B is refused by A within a second; a session
token issued by A verifies on B; an account created by `sigil admin account create --database`
is served by both; only A, which created the account, has a root credentials file; a node
without the master key refuses to join; the connection string's password is never printed;
EC2 records (default VPC, key pairs, instances) made through one node are seen and changed
through the other.
"""

import configparser
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

import sigil_harness as h

CLUSTER_SCRIPT = h.REPO_ROOT / "scripts" / "pg-test-cluster.sh"
# Accepted and ignored by the cluster (it trusts local connections): it must never be printed.
PASSWORD = "multinode-db-password-7c1e"
# A change through one node is enforced by the other within a second (the refresher looks every
# second; LISTEN/NOTIFY wakes it); the assertion allows for the reload and the request itself.
PROPAGATION_LIMIT = 1.5


def start_cluster():
    """Starts a throwaway cluster; returns (directory, libpq key=value connection string)."""
    cluster_dir = tempfile.mkdtemp(prefix="sigil-pg-", dir="/tmp")  # short: the socket is in it
    out = subprocess.run([str(CLUSTER_SCRIPT), "start", cluster_dir, "--watch", str(os.getpid())],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if out.returncode != 0:
        subprocess.run([str(CLUSTER_SCRIPT), "stop", cluster_dir], capture_output=True,
                       timeout=60)
        raise AssertionError("could not start PostgreSQL (scripts/install-deps.sh --test installs "
                             f"it):\n{out.stderr}")
    return cluster_dir, out.stdout.strip()


def sigil_admin(*args, env=None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
    full_env.update(env or {})
    return subprocess.run([h.sigil_binary(), "admin", *args], capture_output=True, text=True,
                          timeout=60, env=full_env, stdin=subprocess.DEVNULL)


class MultiNodeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cli = h.AwsCli("debian-v2", h.DEBIAN_AWS_CLI)
        cls.cluster_dir, conninfo = start_cluster()
        cls.nodes = []
        try:
            # One database, spelled two ways: a URI (with a password) and key=value pairs.
            cls.uri = (f"postgresql://postgres:{PASSWORD}@/postgres?host={cls.cluster_dir}"
                       "&port=5432")
            cls.keyvalue = conninfo
            cls.shared = tempfile.mkdtemp(prefix="sigil-it-shared-")
            cls.session_keys = os.path.join(cls.shared, "session-token.keys")
            cls.node_a = cls.start_node(["--database", cls.uri])
            # B gets A's master key file, as an operator would copy it.
            cls.node_b_dir = os.path.join(cls.shared, "node-b")
            os.makedirs(cls.node_b_dir, mode=0o700)
            shutil.copy2(os.path.join(cls.node_a.data_dir, "master.key"),
                         os.path.join(cls.node_b_dir, "master.key"))
            cls.node_b = cls.start_node([], data_dir=cls.node_b_dir,
                                        env={"SIGIL_DATABASE": cls.keyvalue})
            cls.root = cls.node_a.root()
            cls.account = cls.node_a.account_id()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start_node(cls, args, data_dir=None, env=None):
        node = h.SigilServer(data_dir=data_dir,
                             args=[*args, "--session-keys-file", cls.session_keys], env=env)
        cls.nodes.append(node)
        node.start(timeout=60)
        return node

    @classmethod
    def tearDownClass(cls):
        try:
            for node in cls.nodes:
                rc = node.stop()
                if rc not in (0, None):
                    raise AssertionError(f"a node exited with {rc}; stderr:\n{node.stderr()[-3000:]}")
                h.assert_no_sensitive_output(node)
                assert PASSWORD not in node.stdout() + node.stderr(), "the password was printed"
        finally:
            for node in cls.nodes:
                node.close()
            shutil.rmtree(getattr(cls, "shared", "/nonexistent"), ignore_errors=True)
            subprocess.run([str(CLUSTER_SCRIPT), "stop", cls.cluster_dir], capture_output=True,
                           timeout=60)
            super().tearDownClass()

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="sigil-it-home-")
        self.addCleanup(shutil.rmtree, self.home, True)

    # -- helpers ----------------------------------------------------------------------------

    def aws(self, node, creds, *args):
        """The AWS CLI against `node` with `creds`; returns (rc, parsed JSON or None, stderr)."""
        env = {"AWS_ACCESS_KEY_ID": creds.access_key, "AWS_SECRET_ACCESS_KEY": creds.secret}
        if creds.token:
            env["AWS_SESSION_TOKEN"] = creds.token
        res = self.cli.run(["--output", "json", *args], home=self.home, endpoint=node.url,
                           env=env)
        body = json.loads(res.stdout) if res.rc == 0 and res.stdout.strip() else None
        return res.rc, body, res.stderr

    def aws_ok(self, node, creds, *args):
        rc, body, stderr = self.aws(node, creds, *args)
        self.assertEqual(rc, 0, f"aws {' '.join(args)} on {node.url} failed: {stderr}")
        return body

    def new_user_with_key(self, name):
        """CreateUser and CreateAccessKey on node A with the AWS CLI; returns Creds."""
        self.aws_ok(self.node_a, self.root, "iam", "create-user", "--user-name", name)
        key = self.aws_ok(self.node_a, self.root, "iam", "create-access-key", "--user-name",
                          name)["AccessKey"]
        h.SENSITIVE.add(key["SecretAccessKey"])
        return h.Creds(key["AccessKeyId"], key["SecretAccessKey"])

    def wait_for(self, predicate, timeout, what):
        """Polls predicate() (fast, boto3) until true; returns the seconds it took."""
        start = time.monotonic()
        while not predicate():
            elapsed = time.monotonic() - start
            if elapsed > timeout:
                self.fail(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.02)
        return time.monotonic() - start

    @staticmethod
    def caller_arn(node, creds):
        """GetCallerIdentity through boto3: the ARN, or the error code."""
        try:
            return node.client("sts", creds).get_caller_identity()["Arn"]
        except h.botocore.exceptions.ClientError as e:
            return e.response["Error"]["Code"]

    # -- tests ------------------------------------------------------------------------------

    def test_banners_root_credentials_and_one_root_key(self):
        out_a, out_b = self.node_a.stdout(), self.node_b.stdout()
        self.assertIn("(created now)", out_a)
        self.assertIn(f"root credentials: {self.node_a.credentials_path} (profile [default], "
                      "written now)", out_a)
        self.assertIn(f"account:          {self.account}\n", out_b)
        self.assertIn("root credentials: written by the node that created the account, in its "
                      "data folder", out_b)
        self.assertFalse(os.path.exists(self.node_b.credentials_path))
        # Both name the database they use, without the password.
        self.assertRegex(out_a, r"database: +postgresql host=\S+ port=5432 dbname=postgres "
                                r"user=postgres\n")
        self.assertRegex(out_b, r"database: +postgresql host=\S+ port=5432 dbname=postgres "
                                r"user=postgres\n")
        # B issued no root key of its own: the root user has exactly A's.
        keys = self.aws_ok(self.node_b, self.root, "iam", "list-access-keys")["AccessKeyMetadata"]
        self.assertEqual([k["AccessKeyId"] for k in keys], [self.root.access_key])
        # Restarting B changes nothing.
        self.node_b.restart()
        self.assertFalse(os.path.exists(self.node_b.credentials_path))
        keys = self.aws_ok(self.node_a, self.root, "iam", "list-access-keys")["AccessKeyMetadata"]
        self.assertEqual(len(keys), 1)

    def test_user_made_on_a_works_on_b_and_deactivation_on_b_is_enforced_by_a(self):
        creds = self.new_user_with_key("multinode-alice")
        arn = f"arn:aws:iam::{self.account}:user/multinode-alice"
        took = self.wait_for(lambda: self.caller_arn(self.node_b, creds) == arn,
                             PROPAGATION_LIMIT, "node B to accept the key created on A")
        self.assertLess(took, PROPAGATION_LIMIT)
        identity = self.aws_ok(self.node_b, creds, "sts", "get-caller-identity")
        self.assertEqual(identity["Arn"], arn)
        self.assertEqual(self.caller_arn(self.node_a, creds), arn)

        self.aws_ok(self.node_b, self.root, "iam", "update-access-key", "--user-name",
                    "multinode-alice", "--access-key-id", creds.access_key, "--status",
                    "Inactive")
        took = self.wait_for(
            lambda: self.caller_arn(self.node_a, creds) == "InvalidClientTokenId",
            PROPAGATION_LIMIT, "node A to refuse the key deactivated on B")
        self.assertLess(took, PROPAGATION_LIMIT)
        self.assertEqual(self.caller_arn(self.node_b, creds), "InvalidClientTokenId")
        rc, _, stderr = self.aws(self.node_a, creds, "sts", "get-caller-identity")
        self.assertEqual((rc, h.cli_error_code(stderr)),
                         (self.cli.service_error_rc, "InvalidClientTokenId"), stderr)

    def test_session_token_from_a_verifies_on_b(self):
        creds = self.new_user_with_key("multinode-bob")
        arn = f"arn:aws:iam::{self.account}:user/multinode-bob"
        self.wait_for(lambda: self.caller_arn(self.node_b, creds) == arn, PROPAGATION_LIMIT,
                      "node B to accept the key created on A")
        session = self.aws_ok(self.node_a, creds, "sts", "get-session-token",
                              "--duration-seconds", "900")["Credentials"]
        temporary = h.Creds(session["AccessKeyId"], session["SecretAccessKey"],
                            session["SessionToken"])
        h.SENSITIVE.update({temporary.secret, temporary.token})
        identity = self.aws_ok(self.node_b, temporary, "sts", "get-caller-identity")
        self.assertEqual(identity["Arn"], arn)
        self.assertEqual(self.caller_arn(self.node_a, temporary), arn)

    def test_account_created_by_admin_is_served_by_both_nodes(self):
        res = sigil_admin("account", "create", "multinode-second", "--data-dir",
                          self.node_a.data_dir, "--database", self.uri)
        self.assertEqual((res.returncode, res.stderr), (0, ""), res.stdout)
        self.assertNotIn(PASSWORD, res.stdout + res.stderr)
        m = re.search(r"^account:\s+(\d{12}) \(multinode-second, created now\)$", res.stdout,
                      re.M)
        self.assertTrue(m, res.stdout)
        account_id = m.group(1)
        path = os.path.join(os.path.realpath(self.node_a.data_dir), "accounts", account_id,
                            "root-credentials")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        parser = configparser.ConfigParser()
        parser.read(path)
        creds = h.Creds(parser["default"]["aws_access_key_id"],
                        parser["default"]["aws_secret_access_key"])
        h.SENSITIVE.add(creds.secret)
        root_arn = f"arn:aws:iam::{account_id}:root"
        for node in (self.node_a, self.node_b):
            self.wait_for(lambda: self.caller_arn(node, creds) == root_arn, PROPAGATION_LIMIT,
                          f"{node.url} to serve the account made by sigil admin")
            self.assertEqual(self.aws_ok(node, creds, "sts", "get-caller-identity")["Account"],
                             account_id)

        # `account list` through the other spelling of the database (the PG* variables would
        # do too) shows both accounts.
        res = sigil_admin("account", "list", "--data-dir", self.node_b.data_dir,
                          env={"SIGIL_DATABASE": self.keyvalue})
        self.assertEqual((res.returncode, res.stderr), (0, ""))
        listed = [line.split("\t")[:2] for line in res.stdout.splitlines()[1:]]
        self.assertIn([self.account, "default"], listed)
        self.assertIn([account_id, "multinode-second"], listed)

    def test_a_node_without_the_master_key_refuses_to_join(self):
        data_dir = tempfile.mkdtemp(prefix="sigil-it-nokey-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
        res = subprocess.run([h.sigil_binary(), "server", "--data-dir", data_dir, "--listen",
                              "127.0.0.1:0", "--database", self.uri], capture_output=True,
                             text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
        key_path = os.path.join(os.path.realpath(data_dir), "master.key")
        self.assertEqual(res.returncode, 1, res.stdout)
        self.assertEqual(
            res.stderr,
            "sigil: master key: the shared database already holds accounts, sealed under the "
            "master key of the node that created them, and this node has none (no "
            f"{key_path}, no SIGIL_MASTER_KEY): copy master.key from that node's data folder "
            f"to {key_path} (mode 0600), or give every node the same SIGIL_MASTER_KEY\n")
        self.assertFalse(os.path.exists(key_path))  # no key made up
        self.assertNotIn(PASSWORD, res.stdout + res.stderr)

    def test_a_node_with_another_master_key_says_so(self):
        data_dir = tempfile.mkdtemp(prefix="sigil-it-badkey-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
        env["SIGIL_MASTER_KEY"] = "B" * 43 + "="
        res = subprocess.run([h.sigil_binary(), "server", "--data-dir", data_dir, "--listen",
                              "127.0.0.1:0", "--database", self.uri], capture_output=True,
                             text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
        self.assertEqual(res.returncode, 1, res.stdout)
        self.assertRegex(res.stderr,
                         r"^sigil: loading identities: cannot decrypt the secret of access key "
                         r"AKIA[A-Z0-9]{16}: wrong master key or tampered database \(every node "
                         r"sharing a database needs the master key of the node that created "
                         r"it\)\n$")

    def test_ec2_records_are_shared_through_the_database(self):
        """EC2 state lives in PostgreSQL: what one node creates, the other lists and changes."""
        ec2_a = self.node_a.client("ec2", creds=self.root)
        ec2_b = self.node_b.client("ec2", creds=self.root)
        # Both nodes agree on the region's one default VPC and group.
        default_a = ec2_a.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
        default_b = ec2_b.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
        self.assertEqual(default_a[0]["GroupId"], default_b[0]["GroupId"])
        ec2_a.create_key_pair(KeyName="multinode", KeyType="ed25519")
        self.assertEqual(ec2_b.describe_key_pairs(KeyNames=["multinode"])["KeyPairs"][0]["KeyType"],
                         "ed25519")
        instance = ec2_a.run_instances(ImageId="ami-0a1b2c3d4e5f60001", MinCount=1, MaxCount=1,
                                       KeyName="multinode")["Instances"][0]["InstanceId"]
        ec2_b.get_waiter("instance_running").wait(InstanceIds=[instance],
                                                  WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        ec2_b.stop_instances(InstanceIds=[instance])
        state = ec2_a.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
        self.assertIn(state["State"]["Name"], ("stopping", "stopped"))
        ec2_a.terminate_instances(InstanceIds=[instance])

    def test_bad_database_option_is_refused_without_quoting_it(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGIL_")}
        for value, message in [
                (f"postgresq://postgres:{PASSWORD}@/postgres",
                 "must be sqlite, postgresql, a postgresql:// URI or a libpq key=value "
                 "connection string"),
                (f"host=/tmp password={PASSWORD} user",
                 "the PostgreSQL connection string is malformed")]:
            res = subprocess.run([h.sigil_binary(), "server", "--data-dir",
                                  os.path.join(self.home, "unused"), "--database", value],
                                 capture_output=True, text=True, timeout=60, env=env,
                                 stdin=subprocess.DEVNULL)
            self.assertEqual((res.returncode, res.stderr), (1, f"sigil: --database: {message}\n"))
            self.assertFalse(os.path.exists(os.path.join(self.home, "unused")))


if __name__ == "__main__":
    unittest.main()
