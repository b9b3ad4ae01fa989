"""HTTP API request authorizer: admits only requests that come through CloudFront.

CloudFront adds the origin secret in a custom header to every API request; this function
compares it with the secret's current, pending and previous values (so a rotation in progress
never locks CloudFront out). Route 53's health checkers cannot send the header: on the health
route only, their published address ranges are admitted instead. With JWT_ISSUER set, a request
also needs a valid RS256 bearer token of that issuer for one of JWT_AUDIENCES.

Standard library and boto3 only: RS256 is checked with integer arithmetic (PKCS #1 v1.5).
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import time
import urllib.request

import boto3
from botocore.exceptions import ClientError

SECRET_NAME = os.environ["SECRET_NAME"]
HEADER = os.environ["HEADER_NAME"].lower()
HEALTH_ROUTE = os.environ["HEALTH_ROUTE"]
CHECKERS = [ipaddress.ip_network(c) for c in os.environ["CHECKER_CIDRS"].split(",") if c]
ISSUER = os.environ.get("JWT_ISSUER", "")
AUDIENCES = {a for a in os.environ.get("JWT_AUDIENCES", "").split(",") if a}

SECRET_TTL = 60  # seconds a fetched secret value is reused
# A value not among those fetched is checked again against fresh ones (at most this often): a
# rotation's new value reaches CloudFront's edges seconds after it was created, and API Gateway
# caches a refusal of it for 5 minutes, so it must not wait out SECRET_TTL.
MISS_REFETCH = 1
KEYS_TTL = 3600  # seconds the issuer's signing keys are reused
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")

_clients = {}  # made on first use, so tests can put a fake in
_values = {"at": 0.0, "set": []}
_keys = {"at": 0.0, "by_kid": {}}


def handler(event, _context):
    return {"isAuthorized": authorized(event)}


def authorized(event):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if event.get("routeKey") == HEALTH_ROUTE and from_checker(event):
        return True
    if not origin_ok(headers.get(HEADER, "")):
        return False
    return not ISSUER or token_ok(headers.get("authorization", ""))


def from_checker(event):
    ip = event.get("requestContext", {}).get("http", {}).get("sourceIp", "")
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in net for net in CHECKERS)


def origin_ok(value):
    if not value:
        return False
    if matches(value, SECRET_TTL):
        return True
    return matches(value, MISS_REFETCH)


def matches(value, max_age):
    """value is one of the secret's values, fetched no more than max_age seconds ago."""
    now = time.time()
    if now - _values["at"] > max_age:
        found = []
        secrets = secrets_client()
        for stage in ("AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"):
            try:
                found.append(secrets.get_secret_value(SecretId=SECRET_NAME, VersionStage=stage)["SecretString"])
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
                # no pending or previous version
        _values.update(at=now, set=found)
    return any(hmac.compare_digest(value, v) for v in _values["set"])


def secrets_client():
    if "secretsmanager" not in _clients:
        _clients["secretsmanager"] = boto3.client("secretsmanager")
    return _clients["secretsmanager"]


def b64(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def signing_key(kid):
    now = time.time()
    # An unknown kid refetches (at most once a minute: the issuer may have rotated its keys).
    if (kid not in _keys["by_kid"] and now - _keys["at"] > 60) or now - _keys["at"] > KEYS_TTL:
        config = fetch(ISSUER.rstrip("/") + "/.well-known/openid-configuration")
        jwks = fetch(config["jwks_uri"])
        _keys.update(at=now, by_kid={k["kid"]: k for k in jwks.get("keys", []) if k.get("kty") == "RSA"})
    return _keys["by_kid"].get(kid)


def fetch(url):
    if not url.startswith("https://"):
        raise ValueError("not https: " + url)
    with urllib.request.urlopen(url, timeout=3) as r:  # noqa: S310 (https only, checked above)
        return json.load(r)


def token_ok(authorization):
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        return False
    try:
        head_b, claims_b, sig_b = token.split(".")
        head, claims = json.loads(b64(head_b)), json.loads(b64(claims_b))
        if head.get("alg") != "RS256":
            return False
        key = signing_key(head.get("kid"))
        if key is None or not rs256_ok(key, f"{head_b}.{claims_b}".encode(), b64(sig_b)):
            return False
    except (ValueError, KeyError, OSError):
        return False
    now = time.time()
    audience = claims.get("aud") or claims.get("client_id")
    audiences = set(audience) if isinstance(audience, list) else {audience}
    return (
        claims.get("iss") == ISSUER
        and isinstance(claims.get("exp"), (int, float)) and claims["exp"] > now
        and claims.get("nbf", 0) <= now + 60
        and bool(audiences & AUDIENCES)
    )


def rs256_ok(jwk, message, signature):
    n = int.from_bytes(b64(jwk["n"]), "big")
    e = int.from_bytes(b64(jwk["e"]), "big")
    size = (n.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    decoded = pow(int.from_bytes(signature, "big"), e, n).to_bytes(size, "big")
    digest = SHA256_PREFIX + hashlib.sha256(message).digest()
    expected = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
    return hmac.compare_digest(decoded, expected)
