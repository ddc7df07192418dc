"""Virtual MFA devices and the credential report through boto3 and the AWS CLI.

CreateVirtualMFADevice (serial number, a base32 seed that really generates the codes, a real
PNG, tags, duplicates), EnableMFADevice with two consecutive RFC 6238 codes computed here (wrong,
reversed and replayed codes refused, one device per user at a time, at most eight per user),
ResyncMFADevice, DeactivateMFADevice, DeleteVirtualMFADevice (refused while assigned),
ListMFADevices, ListVirtualMFADevices (AssignmentStatus, pagination), GetMFADevice when the
server's model has it, device tags, DeleteUser refused while a device is assigned; the CLI's
--outfile/--bootstrap-method; GenerateCredentialReport/GetCredentialReport (ReportNotPresent,
STARTED then COMPLETE, AWS's columns, key usage, mfa_active)."""

import base64
import csv
import datetime
import hashlib
import hmac
import io
import json
import os
import shutil
import struct
import tempfile
import time
import unittest
import zlib

import sigil_harness as h

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPORT_COLUMNS = [
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active", "access_key_1_active",
    "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region",
    "access_key_1_last_used_service", "access_key_2_active", "access_key_2_last_rotated",
    "access_key_2_last_used_date", "access_key_2_last_used_region",
    "access_key_2_last_used_service", "cert_1_active", "cert_1_last_rotated", "cert_2_active",
    "cert_2_last_rotated"]
REPORT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"


def totp(seed_b32, step):
    """RFC 6238 (RFC 4226 HOTP over the 30 s step): HMAC-SHA1, dynamic truncation, 6 digits."""
    key = base64.b32decode(seed_b32)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1000000:06d}"


def current_step():
    return int(time.time()) // 30


def consecutive_codes(seed_b32, back=0):
    """The codes of steps N-1-back and N-back, N the current step (what a user reads off an
    authenticator app for EnableMFADevice: the previous code, then the current one)."""
    n = current_step() - back
    return totp(seed_b32, n - 1), totp(seed_b32, n)


def wrong(code):
    return f"{(int(code) + 500000) % 1000000:06d}"


def png_chunks(data):
    """(type, body) of each chunk of a PNG, checking the signature and every CRC."""
    assert data.startswith(PNG_SIGNATURE), data[:16]
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in chunk {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


class MfaTestBase(h.ServerTestCase):

    def create_device(self, name, **kwargs):
        device = self.iam.create_virtual_mfa_device(VirtualMFADeviceName=name,
                                                    **kwargs)["VirtualMFADevice"]
        seed = device["Base32StringSeed"].decode()
        h.SENSITIVE.add(seed)  # must never show up in the server's output
        return device["SerialNumber"], seed

    def enable(self, user, serial, seed, back=0):
        code1, code2 = consecutive_codes(seed, back)
        self.iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1=code1,
                                   AuthenticationCode2=code2)

    def mfa_arn(self, name, path="/"):
        return f"arn:aws:iam::{self.account}:mfa{path}{name}"

    def assertMessage(self, err, message):
        self.assertEqual(err["Error"]["Message"], message)

    def assertPngImage(self, data):
        """A complete PNG: signature, CRCs, IHDR (square, 1-bit grayscale), IDAT rows, IEND."""
        chunks = png_chunks(data)
        kinds = [k for k, _ in chunks]
        self.assertEqual((kinds[0], kinds[-1]), (b"IHDR", b"IEND"))
        self.assertIn(b"IDAT", kinds)
        width, height, depth, color = struct.unpack(">IIBB", chunks[0][1][:10])
        self.assertEqual((width, depth, color), (height, 1, 0))
        self.assertGreaterEqual(width, 21 * 6)  # version 1 at 6 px per module, at least
        pixels = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
        self.assertEqual(len(pixels), height * (1 + (width + 7) // 8))


class MfaDevicesTest(MfaTestBase):

    def test_create_virtual_mfa_device(self):
        created = self.iam.create_virtual_mfa_device(
            VirtualMFADeviceName="shape_dev", Path="/team/",
            Tags=[{"Key": "owner", "Value": "alice"}])["VirtualMFADevice"]
        seed = created["Base32StringSeed"]
        h.SENSITIVE.add(seed.decode())
        self.assertEqual(created["SerialNumber"], self.mfa_arn("shape_dev", "/team/"))
        # 40 random bytes, unpadded base32: 64 characters.
        self.assertRegex(seed.decode(), r"^[A-Z2-7]{64}$")
        self.assertEqual(len(base64.b32decode(seed)), 40)
        self.assertPngImage(created["QRCodePNG"])
        self.assertEqual(created["Tags"], [{"Key": "owner", "Value": "alice"}])
        for absent in ("User", "EnableDate"):
            self.assertNotIn(absent, created)
        # Every device gets its own seed.
        _, other_seed = self.create_device("shape_dev_2")
        self.assertNotEqual(other_seed, seed.decode())

    def test_duplicate_device(self):
        self.create_device("dup_dev")
        for name in ("dup_dev", "DUP_DEV"):
            with self.subTest(name=name):
                err = self.assertClientError("EntityAlreadyExists", 409,
                                             self.iam.create_virtual_mfa_device,
                                             VirtualMFADeviceName=name)
                self.assertMessage(err, "MFADevice entity at the same path and name already "
                                        "exists.")
        # Another path makes another serial number.
        serial, _ = self.create_device("dup_dev", Path="/other/")
        self.assertEqual(serial, self.mfa_arn("dup_dev", "/other/"))

    def test_enable_list_deactivate_delete(self):
        user = self.create_user("mfa_alice")
        serial, seed = self.create_device("alice_phone")
        unassigned = self.iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")
        self.assertIn({"SerialNumber": serial}, unassigned["VirtualMFADevices"])
        self.assertEqual(self.iam.list_mfa_devices(UserName="mfa_alice")["MFADevices"], [])

        before = h.utcnow()
        self.enable("mfa_alice", serial, seed)
        after = h.utcnow() + datetime.timedelta(seconds=1)

        listed = self.iam.list_mfa_devices(UserName="mfa_alice")
        self.assertFalse(listed["IsTruncated"])
        [device] = listed["MFADevices"]
        self.assertEqual((device["UserName"], device["SerialNumber"]), ("mfa_alice", serial))
        self.assertTrue(before <= device["EnableDate"] <= after, device["EnableDate"])

        assigned = [d for d in self.iam.list_virtual_mfa_devices(
            AssignmentStatus="Assigned")["VirtualMFADevices"] if d["SerialNumber"] == serial]
        self.assertEqual(len(assigned), 1)
        self.assertEqual(assigned[0]["EnableDate"], device["EnableDate"])
        self.assertEqual({k: assigned[0]["User"][k] for k in ("UserName", "UserId", "Arn", "Path")},
                         {k: user[k] for k in ("UserName", "UserId", "Arn", "Path")})
        self.assertNotIn("Tags", assigned[0])
        self.assertNotIn(serial, [d["SerialNumber"] for d in self.iam.list_virtual_mfa_devices(
            AssignmentStatus="Unassigned")["VirtualMFADevices"]])
        self.assertIn(serial, [d["SerialNumber"] for d in self.iam.list_virtual_mfa_devices()
                               ["VirtualMFADevices"]])

        # A device is assigned once: neither to another user nor again.
        self.create_user("mfa_mallory")
        for who in ("mfa_mallory", "mfa_alice"):
            with self.subTest(user=who):
                code1, code2 = consecutive_codes(seed)
                err = self.assertClientError("EntityAlreadyExists", 409,
                                             self.iam.enable_mfa_device, UserName=who,
                                             SerialNumber=serial, AuthenticationCode1=code1,
                                             AuthenticationCode2=code2)
                self.assertMessage(err, "MFA Device is already in use.")

        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_virtual_mfa_device,
                                     SerialNumber=serial)
        self.assertMessage(err, "MFA VirtualDevice in use. Must deactivate first.")
        err = self.assertClientError("DeleteConflict", 409, self.iam.delete_user,
                                     UserName="mfa_alice")
        self.assertMessage(err, "Cannot delete entity, must delete MFA device first.")

        # Only the user the device is assigned to can have it deactivated.
        err = self.assertClientError("NoSuchEntity", 404, self.iam.deactivate_mfa_device,
                                     UserName="mfa_mallory", SerialNumber=serial)
        self.assertMessage(err, "MFA Device invalid for user.")
        self.iam.deactivate_mfa_device(UserName="mfa_alice", SerialNumber=serial)
        self.assertEqual(self.iam.list_mfa_devices(UserName="mfa_alice")["MFADevices"], [])
        self.assertIn({"SerialNumber": serial}, self.iam.list_virtual_mfa_devices(
            AssignmentStatus="Unassigned")["VirtualMFADevices"])
        self.assertClientError("NoSuchEntity", 404, self.iam.deactivate_mfa_device,
                               UserName="mfa_alice", SerialNumber=serial)

        # Unassigned, the user and then the device can be deleted.
        self.iam.delete_user(UserName="mfa_alice")
        self.iam.delete_virtual_mfa_device(SerialNumber=serial)
        err = self.assertClientError("NoSuchEntity", 404, self.iam.delete_virtual_mfa_device,
                                     SerialNumber=serial)
        self.assertMessage(err, f"VirtualMFADevice with serial number {serial} does not exist.")
        self.assertNotIn(serial, [d["SerialNumber"] for d in self.iam.list_virtual_mfa_devices()
                                  ["VirtualMFADevices"]])

    def test_wrong_codes_are_refused(self):
        self.create_user("mfa_codes")
        serial, seed = self.create_device("codes_dev")
        code1, code2 = consecutive_codes(seed)
        cases = {
            "wrong first": (wrong(code1), code2),
            "wrong second": (code1, wrong(code2)),
            "reversed": (code2, code1),
            "same code twice": (code2, code2),
            # Codes from long ago (an hour back) are outside the window.
            "stale": (totp(seed, current_step() - 121), totp(seed, current_step() - 120)),
        }
        for label, (c1, c2) in cases.items():
            with self.subTest(label):
                err = self.assertClientError("InvalidAuthenticationCode", 403,
                                             self.iam.enable_mfa_device, UserName="mfa_codes",
                                             SerialNumber=serial, AuthenticationCode1=c1,
                                             AuthenticationCode2=c2)
                self.assertMessage(err, "Authentication code for device is not valid.")
        self.assertEqual(self.iam.list_mfa_devices(UserName="mfa_codes")["MFADevices"], [])
        # Codes a few steps old are still accepted (the user typed them slowly).
        self.enable("mfa_codes", serial, seed, back=3)
        self.assertEqual(len(self.iam.list_mfa_devices(UserName="mfa_codes")["MFADevices"]), 1)

    def test_unknown_user_and_device(self):
        serial, seed = self.create_device("lonely_dev")
        code1, code2 = consecutive_codes(seed)
        err = self.assertClientError("NoSuchEntity", 404, self.iam.enable_mfa_device,
                                     UserName="no_such_user", SerialNumber=serial,
                                     AuthenticationCode1=code1, AuthenticationCode2=code2)
        self.assertMessage(err, "The user with name no_such_user cannot be found.")
        self.create_user("mfa_lonely")
        for missing in (self.mfa_arn("no_such_dev"), "arn:aws:iam::999999999999:mfa/lonely_dev"):
            with self.subTest(serial=missing):
                err = self.assertClientError("NoSuchEntity", 404, self.iam.enable_mfa_device,
                                             UserName="mfa_lonely", SerialNumber=missing,
                                             AuthenticationCode1=code1,
                                             AuthenticationCode2=code2)
                self.assertMessage(err,
                                   f"VirtualMFADevice with serial number {missing} does not "
                                   "exist.")
                self.assertClientError("NoSuchEntity", 404, self.iam.list_mfa_device_tags,
                                       SerialNumber=missing)
                self.assertClientError("NoSuchEntity", 404, self.iam.delete_virtual_mfa_device,
                                       SerialNumber=missing)
        self.assertClientError("NoSuchEntity", 404, self.iam.list_mfa_devices,
                               UserName="no_such_user")

    def test_serial_numbers_are_found_case_insensitively(self):
        self.create_user("mfa_case")
        serial, seed = self.create_device("Case_Dev")
        self.enable("mfa_case", serial.upper().replace("ARN:AWS:IAM::", "arn:aws:iam::"), seed)
        [device] = self.iam.list_mfa_devices(UserName="mfa_case")["MFADevices"]
        self.assertEqual(device["SerialNumber"], serial)

    def test_resync(self):
        self.create_user("mfa_resync")
        self.create_user("mfa_other")
        serial, seed = self.create_device("resync_dev")
        # Enabled with older codes, so newer ones remain for the resync.
        self.enable("mfa_resync", serial, seed, back=4)
        n = current_step()
        err = self.assertClientError("InvalidAuthenticationCode", 403, self.iam.resync_mfa_device,
                                     UserName="mfa_resync", SerialNumber=serial,
                                     AuthenticationCode1=wrong(totp(seed, n - 1)),
                                     AuthenticationCode2=totp(seed, n))
        self.assertMessage(err, "Authentication code for device is not valid.")
        err = self.assertClientError("NoSuchEntity", 404, self.iam.resync_mfa_device,
                                     UserName="mfa_other", SerialNumber=serial,
                                     AuthenticationCode1=totp(seed, n - 1),
                                     AuthenticationCode2=totp(seed, n))
        self.assertMessage(err, "MFA Device invalid for user.")
        self.iam.resync_mfa_device(UserName="mfa_resync", SerialNumber=serial,
                                   AuthenticationCode1=totp(seed, n - 1),
                                   AuthenticationCode2=totp(seed, n))
        # Accepted codes cannot be presented again.
        self.assertClientError("InvalidAuthenticationCode", 403, self.iam.resync_mfa_device,
                               UserName="mfa_resync", SerialNumber=serial,
                               AuthenticationCode1=totp(seed, n - 1),
                               AuthenticationCode2=totp(seed, n))

    def test_at_most_eight_devices_per_user(self):
        self.create_user("mfa_many")
        for i in range(8):
            serial, seed = self.create_device(f"many_{i}")
            self.enable("mfa_many", serial, seed)
        serial, seed = self.create_device("many_8")
        code1, code2 = consecutive_codes(seed)
        err = self.assertClientError("LimitExceeded", 409, self.iam.enable_mfa_device,
                                     UserName="mfa_many", SerialNumber=serial,
                                     AuthenticationCode1=code1, AuthenticationCode2=code2)
        self.assertMessage(err, "Cannot exceed quota for MFADevicesPerUser: 8")
        listed = self.iam.list_mfa_devices(UserName="mfa_many")["MFADevices"]
        self.assertEqual([d["SerialNumber"] for d in listed],
                         sorted((self.mfa_arn(f"many_{i}") for i in range(8)), key=str.lower))
        # Pagination (MaxItems, Marker) covers each device once.
        seen, marker = [], None
        while True:
            page = self.iam.list_mfa_devices(UserName="mfa_many", MaxItems=3,
                                             **({"Marker": marker} if marker else {}))
            seen += [d["SerialNumber"] for d in page["MFADevices"]]
            if not page["IsTruncated"]:
                break
            marker = page["Marker"]
        self.assertEqual(seen, [d["SerialNumber"] for d in listed])
        # Another user still may enable the ninth device.
        self.create_user("mfa_few")
        self.enable("mfa_few", serial, seed)

    def test_list_virtual_mfa_devices_pagination(self):
        names = [f"page_dev_{i:02d}" for i in range(7)]
        for name in names:
            self.create_device(name, Path="/paging/")
        expected = [self.mfa_arn(n, "/paging/") for n in names]
        paginator = self.iam.get_paginator("list_virtual_mfa_devices")
        pages = list(paginator.paginate(AssignmentStatus="Unassigned",
                                        PaginationConfig={"PageSize": 2}))
        self.assertGreater(len(pages), 1)
        seen = [d["SerialNumber"] for p in pages for d in p["VirtualMFADevices"]]
        self.assertEqual([s for s in seen if "/paging/" in s], expected)
        self.assertEqual(len(seen), len(set(seen)))

    def test_device_tags(self):
        serial, _ = self.create_device("tag_dev", Tags=[{"Key": "a", "Value": "1"}])
        self.iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "A", "Value": "2"},
                                                           {"Key": "b", "Value": "3"}])
        self.assertEqual(self.iam.list_mfa_device_tags(SerialNumber=serial)["Tags"],
                         [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
        self.iam.untag_mfa_device(SerialNumber=serial, TagKeys=["A"])
        self.assertEqual(self.iam.list_mfa_device_tags(SerialNumber=serial)["Tags"],
                         [{"Key": "b", "Value": "3"}])
        too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
        err = self.assertClientError("LimitExceeded", 409, self.iam.tag_mfa_device,
                                     SerialNumber=serial, Tags=too_many)
        self.assertMessage(err, "Cannot exceed quota for TagsPerMFADevice: 50")
        self.assertEqual(len(self.iam.list_mfa_device_tags(SerialNumber=serial)["Tags"]), 1)

    def test_get_mfa_device(self):
        self.create_user("mfa_get")
        serial, seed = self.create_device("get_dev")
        self.enable("mfa_get", serial, seed)
        with open(h.sigil_binary(), "rb") as f:
            served = b'"GetMFADevice"' in f.read()  # the botocore model embedded in the binary
        if not served:
            # Built with a botocore model older than GetMFADevice (Debian 12's): the action is
            # unknown to the server.
            self.assertClientError("InvalidAction", 400, self.iam.get_mfa_device,
                                   SerialNumber=serial, UserName="mfa_get")
            return
        got = self.iam.get_mfa_device(SerialNumber=serial, UserName="mfa_get")
        self.assertEqual((got["UserName"], got["SerialNumber"]), ("mfa_get", serial))
        self.assertIn("EnableDate", got)
        self.assertNotIn("Certifications", got)

    def test_user_manages_own_device_without_user_name(self):
        _, creds = self.create_user_with_key("mfa_self")
        self.iam.attach_user_policy(UserName="mfa_self",
                                    PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
        serial, seed = self.create_device("self_dev")
        self.enable("mfa_self", serial, seed)
        own = h.make_client(self.server.url, "iam", creds)
        # Without UserName, ListMFADevices lists the caller's own devices.
        self.assertEqual([(d["UserName"], d["SerialNumber"])
                          for d in own.list_mfa_devices()["MFADevices"]], [("mfa_self", serial)])
        own.deactivate_mfa_device(UserName="mfa_self", SerialNumber=serial)
        self.assertEqual(own.list_mfa_devices()["MFADevices"], [])
        # The root user has no device.
        self.assertEqual(self.iam.list_mfa_devices()["MFADevices"], [])

    def test_denied_without_permission(self):
        _, creds = self.create_user_with_key("mfa_nobody")
        nobody = h.make_client(self.server.url, "iam", creds)
        self.assertClientError("AccessDenied", 403, nobody.create_virtual_mfa_device,
                               VirtualMFADeviceName="nobody_dev")
        self.assertClientError("AccessDenied", 403, nobody.list_virtual_mfa_devices)
        self.assertClientError("AccessDenied", 403, nobody.generate_credential_report)


class MfaCliTest(MfaTestBase):
    """The enrollment workflow with Debian's AWS CLI v2."""

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

    def test_enrollment_workflow(self):
        self.aws_json("iam", "create-user", "--user-name", "cli_mfa_user")
        qr_path = os.path.join(self.home, "qr.png")
        out = self.aws_json("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name",
                            "cli_qr", "--outfile", qr_path, "--bootstrap-method", "QRCodePNG")
        self.assertEqual(out["VirtualMFADevice"]["SerialNumber"], self.mfa_arn("cli_qr"))
        with open(qr_path, "rb") as f:
            self.assertPngImage(f.read())

        seed_path = os.path.join(self.home, "seed.txt")
        out = self.aws_json("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name",
                            "cli_seed", "--outfile", seed_path, "--bootstrap-method",
                            "Base32StringSeed")
        serial = out["VirtualMFADevice"]["SerialNumber"]
        with open(seed_path) as f:
            seed = f.read().strip()
        h.SENSITIVE.add(seed)
        self.assertRegex(seed, r"^[A-Z2-7]{64}$")

        code1, code2 = consecutive_codes(seed)
        self.aws_error("InvalidAuthenticationCode", "iam", "enable-mfa-device", "--user-name",
                       "cli_mfa_user", "--serial-number", serial, "--authentication-code1",
                       code2, "--authentication-code2", code1)
        self.aws_json("iam", "enable-mfa-device", "--user-name", "cli_mfa_user",
                      "--serial-number", serial, "--authentication-code1", code1,
                      "--authentication-code2", code2)
        listed = self.aws_json("iam", "list-mfa-devices", "--user-name", "cli_mfa_user")
        self.assertEqual([(d["UserName"], d["SerialNumber"]) for d in listed["MFADevices"]],
                         [("cli_mfa_user", serial)])
        assigned = self.aws_json("iam", "list-virtual-mfa-devices", "--assignment-status",
                                 "Assigned")["VirtualMFADevices"]
        self.assertEqual([(d["SerialNumber"], d["User"]["UserName"]) for d in assigned],
                         [(serial, "cli_mfa_user")])
        self.aws_error("DeleteConflict", "iam", "delete-user", "--user-name", "cli_mfa_user")
        self.aws_error("DeleteConflict", "iam", "delete-virtual-mfa-device", "--serial-number",
                       serial)
        self.aws_json("iam", "deactivate-mfa-device", "--user-name", "cli_mfa_user",
                      "--serial-number", serial)
        self.aws_json("iam", "delete-virtual-mfa-device", "--serial-number", serial)
        self.aws_json("iam", "delete-user", "--user-name", "cli_mfa_user")
        self.aws_error("NoSuchEntity", "iam", "delete-virtual-mfa-device", "--serial-number",
                       serial)


class CredentialReportTest(MfaTestBase):
    """A server of its own: no report exists until the test generates one."""

    def generate_until_complete(self):
        states = []
        while not states or states[-1]["State"] != "COMPLETE":
            self.assertLess(len(states), 5, f"no COMPLETE after {states}")
            resp = self.iam.generate_credential_report()
            states.append({k: resp[k] for k in ("State", "Description") if k in resp})
        return states

    def report_rows(self):
        report = self.iam.get_credential_report()
        self.assertEqual(report["ReportFormat"], "text/csv")
        text = report["Content"].decode()
        reader = csv.DictReader(io.StringIO(text))
        self.assertEqual(reader.fieldnames, REPORT_COLUMNS)
        return report, {row["user"]: row for row in reader}

    def assertReportTime(self, value, low, high):
        parsed = datetime.datetime.strptime(value, REPORT_TIME_FORMAT).replace(
            tzinfo=datetime.timezone.utc)
        self.assertTrue(low <= parsed <= high, f"{value} not in [{low}, {high}]")

    def test_credential_report(self):
        err = self.assertClientError("ReportNotPresent", 410, self.iam.get_credential_report)
        self.assertMessage(err, "The request was rejected because the credential report does not "
                                "exist. To generate a credential report, use "
                                "GenerateCredentialReport.")

        start = h.utcnow()
        carol, carol_creds = self.create_user_with_key("report_carol")
        h.make_client(self.server.url, "sts", carol_creds).get_caller_identity()
        self.wait_until(lambda: "LastUsedDate" in self.iam.get_access_key_last_used(
            AccessKeyId=carol_creds.access_key)["AccessKeyLastUsed"], what="key usage")
        self.iam.update_access_key(UserName="report_carol", AccessKeyId=carol_creds.access_key,
                                   Status="Inactive")
        self.iam.create_access_key(UserName="report_carol")
        self.create_user("report_dave")
        serial, seed = self.create_device("dave_phone")
        self.enable("report_dave", serial, seed)
        self.create_user("report,erin", Path="/odd/")  # a comma in a user name is quoted

        states = self.generate_until_complete()
        self.assertEqual(states, [
            {"State": "STARTED",
             "Description": "No report exists. Starting a new report generation task"},
            {"State": "COMPLETE"}])
        end = h.utcnow() + datetime.timedelta(seconds=1)

        report, rows = self.report_rows()
        self.assertTrue(start <= report["GeneratedTime"] <= end, report["GeneratedTime"])
        self.assertEqual(list(rows), ["<root_account>", "report,erin", "report_carol",
                                      "report_dave"])

        root = rows["<root_account>"]
        self.assertEqual(root["arn"], f"arn:aws:iam::{self.account}:root")
        self.assertEqual([root[c] for c in REPORT_COLUMNS[3:8]],
                         ["not_supported", "N/A", "not_supported", "not_supported", "false"])
        # The root credentials made every call of this test.
        self.assertEqual(root["access_key_1_active"], "true")
        self.assertReportTime(root["access_key_1_last_used_date"],
                              start - datetime.timedelta(seconds=1), end)
        self.assertEqual((root["access_key_1_last_used_region"],
                          root["access_key_1_last_used_service"]), (h.REGION, "iam"))
        self.assertEqual(root["access_key_2_active"], "false")

        carol_row = rows["report_carol"]
        self.assertEqual(carol_row["arn"], carol["Arn"])
        self.assertReportTime(carol_row["user_creation_time"],
                              start - datetime.timedelta(seconds=1), end)
        self.assertEqual([carol_row[c] for c in REPORT_COLUMNS[3:8]],
                         ["false", "N/A", "N/A", "N/A", "false"])
        self.assertEqual(carol_row["access_key_1_active"], "false")  # made Inactive
        self.assertReportTime(carol_row["access_key_1_last_rotated"],
                              start - datetime.timedelta(seconds=1), end)
        self.assertReportTime(carol_row["access_key_1_last_used_date"],
                              start - datetime.timedelta(seconds=1), end)
        self.assertEqual((carol_row["access_key_1_last_used_region"],
                          carol_row["access_key_1_last_used_service"]), (h.REGION, "sts"))
        self.assertEqual(carol_row["access_key_2_active"], "true")
        self.assertEqual([carol_row[c] for c in REPORT_COLUMNS[15:]],
                         ["N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"])

        dave_row = rows["report_dave"]
        self.assertEqual(dave_row["mfa_active"], "true")
        self.assertEqual([dave_row[c] for c in REPORT_COLUMNS[8:]],
                         ["false", "N/A", "N/A", "N/A", "N/A"] * 2 + ["false", "N/A"] * 2)
        self.assertEqual(rows["report,erin"]["arn"],
                         f"arn:aws:iam::{self.account}:user/odd/report,erin")

        # Within four hours the same report is served, even after changes.
        self.iam.deactivate_mfa_device(UserName="report_dave", SerialNumber=serial)
        self.assertEqual(self.iam.generate_credential_report()["State"], "COMPLETE")
        again, again_rows = self.report_rows()
        self.assertEqual(again["GeneratedTime"], report["GeneratedTime"])
        self.assertEqual(again_rows["report_dave"]["mfa_active"], "true")


if __name__ == "__main__":
    unittest.main(verbosity=2)
