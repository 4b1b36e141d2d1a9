"""The key pairs CloudTrail signs digest files with: one per Region, renewed yearly.

AWS signs each digest file with a private key of the Region the digest is
for, and publishes the public halves through `ListPublicKeys` (each with
the period it was valid for, and a fingerprint that the digest names), so
that anyone (the AWS CLI's `validate-logs`, the grader) can check a
signature without trusting the bucket.

The simulated account's keys are its own state, like its ids and secrets:
each is derived from the account's seed, the Region and the year of the
account's life it signs for, so a restarted account (or an instructor's
replay of its record) has the very same keys and signs the very same
digests. The primes are the next primes (GMP's `next_prime`) after numbers
drawn from a generator seeded that way; the keys are 2048-bit RSA, as
AWS's, and guard nothing but a course's logs.

`ListPublicKeys` here answers, as AWS does, with the DER-encoded PKCS #1
public key as the blob (base64 in the JSON: boto3 hands out the DER, the
AWS CLI keeps the base64) and the fingerprint as the hex MD5 of the DER.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import random
from dataclasses import dataclass

import gmpy2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
KEY_LIFETIME = dt.timedelta(days=365)


@dataclass(frozen=True)
class SigningKey:
    """One Region's key for one period of the account's life."""

    region: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    private: rsa.RSAPrivateKey
    der: bytes  # the public key, DER-encoded PKCS #1

    @property
    def fingerprint(self) -> str:
        return hashlib.md5(self.der, usedforsecurity=False).hexdigest()

    def sign(self, message: bytes) -> str:
        """SHA256withRSA (PKCS #1 v1.5) of `message`, as hex: what digests carry."""
        return self.private.sign(message, padding.PKCS1v15(), hashes.SHA256()).hex()

    def listed(self) -> dict[str, object]:
        """This key as `ListPublicKeys` lists it (JSON: the blob is base64 on the wire)."""
        return {
            "Value": base64.b64encode(self.der).decode(),
            "ValidityStartTime": self.valid_from.timestamp(),
            "ValidityEndTime": self.valid_until.timestamp(),
            "Fingerprint": self.fingerprint,
        }


def key_for(seed: int, opened: dt.datetime, region: str, moment: dt.datetime) -> SigningKey:
    """The key `region` signs with at `moment` of an account opened at `opened`."""
    period = max(0, int((moment - opened) / KEY_LIFETIME))
    return _key(seed, opened, region, period)


def keys_between(seed: int, opened: dt.datetime, region: str, start: dt.datetime,
                 end: dt.datetime) -> list[SigningKey]:
    """The keys of `region` valid at some moment between `start` and `end`."""
    first = max(0, int((start - opened) / KEY_LIFETIME))
    last = max(0, int((end - opened) / KEY_LIFETIME))
    return [_key(seed, opened, region, period) for period in range(first, last + 1)]


@functools.cache
def _key(seed: int, opened: dt.datetime, region: str, period: int) -> SigningKey:
    draw = random.Random(f"cloudtrail-digest-key|{seed}|{region}|{period}")
    while True:
        p, q = _prime(draw, KEY_BITS // 2), _prime(draw, KEY_BITS // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % PUBLIC_EXPONENT and (p * q).bit_length() == KEY_BITS:
            break
    d = pow(PUBLIC_EXPONENT, -1, phi)
    public = rsa.RSAPublicNumbers(PUBLIC_EXPONENT, p * q)
    private = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                    rsa.rsa_crt_iqmp(p, q), public).private_key(
        unsafe_skip_rsa_key_validation=True)  # made here from two checked primes
    der = private.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.PKCS1)
    valid_from = opened + period * KEY_LIFETIME
    return SigningKey(region, valid_from, valid_from + KEY_LIFETIME, private, der)


def _prime(draw: random.Random, bits: int) -> int:
    """A probable prime of exactly `bits` bits (top two bits set): GMP's next prime
    (Baillie-PSW, no known counterexample) after a number drawn from `draw`."""
    while True:
        candidate = int(gmpy2.next_prime(draw.getrandbits(bits) | (3 << (bits - 2))))
        if candidate.bit_length() == bits:
            return candidate
