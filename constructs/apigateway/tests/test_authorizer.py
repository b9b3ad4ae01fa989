"""The origin authorizer, offline: a fake Secrets Manager and a locally made RSA key."""

import base64
import hashlib
import json
import os
import sys
import time
import unittest

from botocore.exceptions import ClientError

os.environ.update({
    "SECRET_NAME": "stratus/dev/origin-verify", "HEADER_NAME": "X-Origin-Verify", "HEALTH_ROUTE": "GET /health",
    "CHECKER_CIDRS": "15.177.0.0/18,107.23.255.0/26",
})
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "authorizer"))
import origin  # noqa: E402

# Two Mersenne primes make a (weak, test-only) RSA key without any crypto library.
P, Q, E = 2**521 - 1, 2**607 - 1, 65537
N = P * Q
D = pow(E, -1, (P - 1) * (Q - 1))
ISSUER = "https://issuer.example.com"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(claims, kid="k1", alg="RS256"):
    head = b64(json.dumps({"alg": alg, "kid": kid}).encode()) + "." + b64(json.dumps(claims).encode())
    size = (N.bit_length() + 7) // 8
    digest = origin.SHA256_PREFIX + hashlib.sha256(head.encode()).digest()
    padded = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
    return head + "." + b64(pow(int.from_bytes(padded, "big"), D, N).to_bytes(size, "big"))


class Secrets:
    def __init__(self, **stages):
        self.stages, self.calls = stages, 0

    def get_secret_value(self, SecretId, VersionStage):
        self.calls += 1
        if VersionStage not in self.stages:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "GetSecretValue")
        return {"SecretString": self.stages[VersionStage]}


def event(headers, route="ANY /api/orders/{proxy+}", ip="203.0.113.9"):
    return {"routeKey": route, "headers": headers, "requestContext": {"http": {"sourceIp": ip}}}


class OriginTest(unittest.TestCase):
    def setUp(self):
        origin._clients["secretsmanager"] = Secrets(AWSCURRENT="new", AWSPREVIOUS="old")
        origin._values.update(at=0.0, set=[])
        origin.ISSUER, origin.AUDIENCES = "", set()

    def allowed(self, ev):
        return origin.handler(ev, None)["isAuthorized"]

    def test_the_current_and_previous_secret_pass_and_nothing_else(self):
        self.assertTrue(self.allowed(event({"x-origin-verify": "new"})))
        self.assertTrue(self.allowed(event({"X-Origin-Verify": "old"})), "a rotation in progress must not lock CloudFront out")
        self.assertFalse(self.allowed(event({"x-origin-verify": "guess"})))
        self.assertFalse(self.allowed(event({})))

    def test_values_are_cached(self):
        for _ in range(3):
            self.allowed(event({"x-origin-verify": "new"}))
        self.assertEqual(3, origin._clients["secretsmanager"].calls, "one read per stage, once")

    def test_a_new_value_is_accepted_before_the_cached_ones_expire(self):
        self.assertTrue(self.allowed(event({"x-origin-verify": "new"})))
        secrets = origin._clients["secretsmanager"]
        secrets.stages["AWSPENDING"] = "newer"  # the rotation's createSecret, after that fetch
        origin._values["at"] = time.time() - origin.MISS_REFETCH - 1  # well within SECRET_TTL
        self.assertTrue(self.allowed(event({"x-origin-verify": "newer"})), "API Gateway would cache the refusal for 5 minutes")
        calls = secrets.calls
        for _ in range(5):
            self.assertFalse(self.allowed(event({"x-origin-verify": "guess"})))
        self.assertEqual(calls, secrets.calls, "wrong values refetch at most once every MISS_REFETCH seconds")

    def test_checkers_pass_only_on_the_health_route(self):
        self.assertTrue(self.allowed(event({}, route="GET /health", ip="15.177.1.2")))
        self.assertFalse(self.allowed(event({}, route="GET /health", ip="198.51.100.1")))
        self.assertFalse(self.allowed(event({}, ip="15.177.1.2")), "a checker address is no key to the services")


class JwtTest(unittest.TestCase):
    def setUp(self):
        origin._clients["secretsmanager"] = Secrets(AWSCURRENT="new")
        origin._values.update(at=0.0, set=[])
        origin.ISSUER, origin.AUDIENCES = ISSUER, {"client-a"}
        origin._keys.update(at=time.time(), by_kid={"k1": {"kty": "RSA", "kid": "k1", "n": b64(N.to_bytes(142, "big")), "e": b64(E.to_bytes(3, "big"))}})

    def allowed(self, bearer, secret="new"):
        return origin.handler(event({"x-origin-verify": secret, "authorization": "Bearer " + bearer}), None)["isAuthorized"]

    def claims(self, **over):
        c = {"iss": ISSUER, "aud": "client-a", "exp": time.time() + 300}
        c.update(over)
        return c

    def test_a_valid_token_with_the_origin_secret_passes(self):
        self.assertTrue(self.allowed(token(self.claims())))
        self.assertTrue(self.allowed(token(self.claims(aud=None, client_id="client-a"))), "Cognito access tokens carry client_id")

    def test_every_broken_part_fails(self):
        self.assertFalse(self.allowed(token(self.claims()), secret="guess"), "the token does not replace the origin secret")
        self.assertFalse(self.allowed(token(self.claims(iss="https://other.example.com"))))
        self.assertFalse(self.allowed(token(self.claims(aud="client-b"))))
        self.assertFalse(self.allowed(token(self.claims(exp=time.time() - 1))))
        self.assertFalse(self.allowed(token(self.claims(), alg="HS256")))
        good = token(self.claims())
        tampered = good.split(".")
        tampered[1] = b64(json.dumps(self.claims(aud="client-a", admin=True)).encode())
        self.assertFalse(self.allowed(".".join(tampered)), "a changed payload breaks the signature")
        self.assertFalse(self.allowed("not-a-token"))


if __name__ == "__main__":
    unittest.main()
