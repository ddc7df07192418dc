"""SigV4 authentication against a real server: what real clients send must verify (header and
presigned forms, signed by botocore and by the harness's own independent signer), and every
negative gets AWS's exact error code and HTTP status: wrong secret, unknown/inactive/deleted key,
skewed clock, malformed Authorization, no credentials, unknown session token, tampered payload,
tampered and expired presigned URLs, oversized body."""

import datetime
import http.client
import time
import unittest
import urllib.parse

import botocore.exceptions

import sigil_harness as h

ROOT_ARN = "arn:aws:iam::{}:root"


class AuthTest(h.ServerTestCase):

    def assertRootIdentity(self, resp):
        self.assertEqual(resp.status, 200, f"body: {resp.body[:1000]!r}")
        root = h.parse_xml(resp.body)
        arn = h.xml_find(root, "GetCallerIdentityResult/Arn")
        self.assertIsNotNone(arn, resp.body)
        self.assertEqual(arn.text, ROOT_ARN.format(self.account))
        req_id = h.xml_find(root, "ResponseMetadata/RequestId")
        self.assertIsNotNone(req_id, resp.body)
        self.assertEqual(req_id.text, resp.header("x-amzn-RequestId"))

    def sign(self, creds=None, params=h.GCI, **kwargs):
        return h.sign_v4(self.server.url, creds or self.root, params, **kwargs)

    # -- the harness's signer agrees with botocore (pure; no server) ---------------------------

    def test_own_signer_matches_botocore(self):
        when = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
        creds = h.Creds("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        mine = h.sign_v4("http://127.0.0.1:9", creds, h.GCI, when=when)
        theirs = h.botocore_signed_request("http://127.0.0.1:9", creds, h.GCI, when=when)
        self.assertEqual(mine.signature, theirs.signature)
        path_mine, sig_mine = h.presign_v4("http://127.0.0.1:9", creds, h.GCI, when=when,
                                           expires=300)
        path_theirs, sig_theirs = h.botocore_presigned_path("http://127.0.0.1:9", creds, h.GCI,
                                                            when=when, expires=300)
        self.assertEqual(sig_mine, sig_theirs)

    # -- accepted -------------------------------------------------------------------------

    def test_header_auth_botocore_signed(self):
        self.assertRootIdentity(h.botocore_signed_request(self.server.url, self.root,
                                                          h.GCI).send())

    def test_header_auth_own_signer(self):
        self.assertRootIdentity(self.sign().send())

    def test_real_client_variants_verify(self):
        variants = {
            "comma without space": dict(separator=","),
            "lower-case host header": dict(host_header_name="host"),
            "extra signed headers (JS SDK style)": dict(
                extra_headers=[("amz-sdk-invocation-id", "3f0c1c9e-5b1e-4c2e-9d7a-0b1b2c3d4e5f"),
                               ("amz-sdk-request", "attempt=1; max=3")],
                extra_signed=["amz-sdk-invocation-id", "amz-sdk-request", "content-length"]),
            "x-amz-content-sha256 signed": dict(content_sha256_header=True),
            "GET with parameters in the query string": dict(method="GET"),
        }
        for name, kwargs in variants.items():
            with self.subTest(variant=name):
                self.assertRootIdentity(self.sign(**kwargs).send())

    def test_chunked_transfer_encoding_body(self):
        signed = self.sign()
        body = signed.body
        chunked = (f"{10:x}\r\n".encode() + body[:10] + b"\r\n"
                   + f"{len(body) - 10:x}\r\n".encode() + body[10:] + b"\r\n0\r\n\r\n")
        headers = [(k, v) for k, v in signed.headers if k.lower() != "content-length"]
        headers.append(("Transfer-Encoding", "chunked"))
        resp = h.http_request(self.server.url, "POST", "/", headers, chunked)
        self.assertRootIdentity(resp)

    def test_boto3_iam_and_sts_share_the_endpoint(self):
        self.assertEqual(self.sts.get_caller_identity()["Arn"], ROOT_ARN.format(self.account))
        self.assertIn("Users", self.iam.list_users())

    # -- rejected -------------------------------------------------------------------------

    def test_wrong_secret(self):
        bad = h.Creds(self.root.access_key, "A" * 40)
        self.assertHttpError(self.sign(bad).send(), "SignatureDoesNotMatch", 403)
        self.assertHttpError(h.botocore_signed_request(self.server.url, bad, h.GCI).send(),
                             "SignatureDoesNotMatch", 403)
        self.assertClientError("SignatureDoesNotMatch", 403,
                               h.make_client(self.server.url, "iam", bad).list_users)

    def test_unknown_key(self):
        unknown = h.Creds("AKIAIOSFODNN7EXAMPLE", self.root.secret)
        resp = self.sign(unknown).send()
        self.assertHttpError(resp, "InvalidClientTokenId", 403,
                             message="The security token included in the request is invalid.")
        self.assertClientError("InvalidClientTokenId", 403,
                               h.make_client(self.server.url, "sts", unknown).get_caller_identity)

    def test_inactive_and_deleted_keys(self):
        self.create_user("auth_keys")
        k1 = self.iam.create_access_key(UserName="auth_keys")["AccessKey"]
        k2 = self.iam.create_access_key(UserName="auth_keys")["AccessKey"]
        c1 = h.Creds(k1["AccessKeyId"], k1["SecretAccessKey"])
        c2 = h.Creds(k2["AccessKeyId"], k2["SecretAccessKey"])
        self.assertEqual(self.sign(c1).send().status, 200)
        self.iam.update_access_key(UserName="auth_keys", AccessKeyId=c1.access_key,
                                   Status="Inactive")
        self.iam.delete_access_key(UserName="auth_keys", AccessKeyId=c2.access_key)
        for label, creds in (("inactive", c1), ("deleted", c2)):
            with self.subTest(key=label):
                self.assertHttpError(self.sign(creds).send(), "InvalidClientTokenId", 403)
                self.assertClientError(
                    "InvalidClientTokenId", 403,
                    h.make_client(self.server.url, "sts", creds).get_caller_identity)

    def test_clock_skew(self):
        now = h.utcnow()
        ok_offsets = [-600, 600]
        # AWS's wording: "Signature expired: <date> is now earlier than <now - 15 min> ..." for
        # the past, "Signature not yet current: <date> is still later than ..." for the future.
        bad_offsets = [(-16 * 60, "Signature expired: "), (-24 * 3600, "Signature expired: "),
                       (16 * 60, "Signature not yet current: ")]
        for offset in ok_offsets:
            with self.subTest(offset=offset):
                self.assertRootIdentity(
                    self.sign(when=now + datetime.timedelta(seconds=offset)).send())
        for offset, prefix in bad_offsets:
            with self.subTest(offset=offset):
                signed = self.sign(when=now + datetime.timedelta(seconds=offset))
                err = self.assertHttpError(signed.send(), "SignatureDoesNotMatch", 403,
                                           message_prefix=prefix)
                self.assertIn(dict((k.lower(), v) for k, v in signed.headers)["x-amz-date"],
                              err.message)
                self.assertNotIn(signed.signature, err.message)

    def test_clock_skew_botocore_clock(self):
        skewed = h.utcnow() - datetime.timedelta(minutes=20)
        resp = h.botocore_signed_request(self.server.url, self.root, h.GCI, when=skewed).send()
        self.assertHttpError(resp, "SignatureDoesNotMatch", 403,
                             message_prefix="Signature expired")
        sts = self.server.client("sts")
        with h.botocore_clock(skewed):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                sts.get_caller_identity()
        err = cm.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]),
                         ("SignatureDoesNotMatch", 403))
        self.assertTrue(err["Error"]["Message"].startswith("Signature expired"),
                        err["Error"]["Message"])

    def test_malformed_authorization(self):
        signed = self.sign()
        cred = signed.authorization.split(" ", 1)[1].split(",")[0].strip()
        cases = {
            "no Signature": f"AWS4-HMAC-SHA256 {cred}, SignedHeaders=host;x-amz-date",
            "no SignedHeaders": f"AWS4-HMAC-SHA256 {cred}, Signature={signed.signature}",
            "no Credential": "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, "
                             f"Signature={signed.signature}",
            "garbage": "AWS4-HMAC-SHA256 garbage",
            "algorithm only": "AWS4-HMAC-SHA256",
        }
        for name, value in cases.items():
            with self.subTest(case=name):
                resp = signed.with_header("Authorization", value).send()
                err = self.assertHttpError(resp, "IncompleteSignature", 400)
                self.assertNotIn(signed.signature, err.message)

    def test_no_credentials(self):
        body = urllib.parse.urlencode(h.GCI).encode()
        resp = h.http_request(self.server.url, "POST", "/",
                              {"Content-Type": "application/x-www-form-urlencoded"}, body)
        self.assertHttpError(resp, "MissingAuthenticationToken", 403)
        resp = h.http_request(self.server.url, "GET",
                              "/?" + urllib.parse.urlencode({"Action": "ListUsers",
                                                             "Version": h.IAM_VERSION}))
        self.assertHttpError(resp, "MissingAuthenticationToken", 403)

    def test_unknown_security_token(self):
        token = "FwoGZXIvYXdzEBogus" + "x" * 200
        creds = h.Creds(self.root.access_key, self.root.secret, token)
        self.assertHttpError(self.sign(creds).send(), "InvalidClientTokenId", 403)
        self.assertClientError("InvalidClientTokenId", 403,
                               h.make_client(self.server.url, "sts", creds).get_caller_identity)

    def test_unknown_security_token_presigned(self):
        creds = h.Creds(self.root.access_key, self.root.secret, "FwoGZXIvYXdzEBogusToken")
        path, _ = h.presign_v4(self.server.url, creds, h.GCI)
        self.assertIn("X-Amz-Security-Token=", path)
        self.assertHttpError(h.http_request(self.server.url, "GET", path),
                             "InvalidClientTokenId", 403)

    def test_tampered_body(self):
        signed = self.sign(params={"Action": "ListUsers", "Version": h.IAM_VERSION,
                                   "PathPrefix": "/aaaa/"}, service="iam")
        self.assertEqual(signed.send().status, 200)
        tampered = signed.with_body(signed.body.replace(b"aaaa", b"bbbb"))
        self.assertHttpError(tampered.send(), "SignatureDoesNotMatch", 403)
        # Also when the client declared (and signed) the payload hash.
        signed = self.sign(params={"Action": "ListUsers", "Version": h.IAM_VERSION,
                                   "PathPrefix": "/aaaa/"}, service="iam",
                           content_sha256_header=True)
        self.assertEqual(signed.send().status, 200)
        tampered = signed.with_body(signed.body.replace(b"aaaa", b"bbbb"))
        self.assertHttpError(tampered.send(), "SignatureDoesNotMatch", 403)

    def test_tampered_signed_header(self):
        signed = self.sign()
        date = dict((k.lower(), v) for k, v in signed.headers)["x-amz-date"]
        later = (datetime.datetime.strptime(date, h.AMZ_DATE_FORMAT)
                 + datetime.timedelta(seconds=1)).strftime(h.AMZ_DATE_FORMAT)
        self.assertHttpError(signed.with_header("X-Amz-Date", later).send(),
                             "SignatureDoesNotMatch", 403)

    # -- presigned URLs --------------------------------------------------------------------

    def test_presigned_get_caller_identity(self):
        path, _ = h.botocore_presigned_path(self.server.url, self.root, h.GCI)
        self.assertRootIdentity(h.http_request(self.server.url, "GET", path))
        path, _ = h.presign_v4(self.server.url, self.root, h.GCI)
        self.assertRootIdentity(h.http_request(self.server.url, "GET", path))
        # HttpMethod="GET" as `aws eks get-token` does; botocore signs for POST otherwise.
        url = self.sts.generate_presigned_url("get_caller_identity", ExpiresIn=120,
                                              HttpMethod="GET")
        parts = urllib.parse.urlsplit(url)
        self.assertRootIdentity(h.http_request(self.server.url, "GET",
                                               f"{parts.path}?{parts.query}"))

    def test_presigned_for_a_user(self):
        self.create_user("presigner")
        key = self.iam.create_access_key(UserName="presigner")["AccessKey"]
        creds = h.Creds(key["AccessKeyId"], key["SecretAccessKey"])
        path, _ = h.presign_v4(self.server.url, creds, h.GCI)
        resp = h.http_request(self.server.url, "GET", path)
        self.assertEqual(resp.status, 200, resp.body)
        self.assertEqual(h.xml_find(h.parse_xml(resp.body), "GetCallerIdentityResult/Arn").text,
                         f"arn:aws:iam::{self.account}:user/presigner")

    def test_presigned_tampered(self):
        path, signature = h.presign_v4(self.server.url, self.root, h.GCI)
        flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        cases = {
            "signature changed": path.replace(signature, flipped),
            "parameter added": path + "&Extra=1",
            "action changed": path.replace("Action=GetCallerIdentity", "Action=ListUsers"),
            "expiry extended": path.replace("X-Amz-Expires=60", "X-Amz-Expires=61"),
        }
        for name, tampered in cases.items():
            with self.subTest(case=name):
                self.assertNotEqual(tampered, path)
                resp = h.http_request(self.server.url, "GET", tampered)
                self.assertHttpError(resp, "SignatureDoesNotMatch", 403)

    def test_presigned_expired(self):
        signed_at = h.utcnow() - datetime.timedelta(seconds=120)
        path, _ = h.presign_v4(self.server.url, self.root, h.GCI, when=signed_at, expires=60)
        resp = h.http_request(self.server.url, "GET", path)
        self.assertHttpError(resp, "AccessDenied", 403, message="Request has expired")

    def test_presigned_expires_in_real_time(self):
        url = self.sts.generate_presigned_url("get_caller_identity", ExpiresIn=1,
                                              HttpMethod="GET")
        parts = urllib.parse.urlsplit(url)
        path = f"{parts.path}?{parts.query}"
        time.sleep(2.5)
        self.assertHttpError(h.http_request(self.server.url, "GET", path), "AccessDenied", 403,
                             message="Request has expired")

    def test_presigned_lifetime_limits(self):
        path, _ = h.presign_v4(self.server.url, self.root, h.GCI, expires=604800)
        self.assertRootIdentity(h.http_request(self.server.url, "GET", path))
        for expires in (604801, 0):
            with self.subTest(expires=expires):
                path, _ = h.presign_v4(self.server.url, self.root, h.GCI, expires=expires)
                resp = h.http_request(self.server.url, "GET", path)
                err = self.assertHttpError(resp, "AuthorizationQueryParametersError", 400)
                self.assertIn("X-Amz-Expires", err.message)

    # -- body size ---------------------------------------------------------------------------

    def test_body_over_default_limit(self):
        pad = "a" * (1024 * 1024)
        signed = self.sign(params={"Action": "ListUsers", "Version": h.IAM_VERSION,
                                   "PathPrefix": "/" + pad}, service="iam")
        self.assertGreater(len(signed.body), 1024 * 1024)
        resp = send_tolerating_early_close(signed)
        self.assertHttpError(resp, "RequestEntityTooLarge", 413)


def send_tolerating_early_close(signed, timeout=15.0):
    """Sends a large request; the server may answer (and close) before reading the whole body."""
    parts = urllib.parse.urlsplit(signed.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(signed.method, signed.path, skip_host=True, skip_accept_encoding=True)
        for k, v in signed.headers:
            conn.putheader(k, v)
        conn.endheaders()
        try:
            conn.send(signed.body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = conn.getresponse()
        return h.Response(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
