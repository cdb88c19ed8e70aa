"""Benchmark: time to build and sign one Open Badges 3.0 credential (eddsa-rdfc-2022), and to verify it.

    .venv/bin/python bench/sign_credentials.py [--count 200]
"""

import argparse
import json
import statistics
import time
from datetime import datetime, timedelta, timezone

from issuance.openbadges.canonical import rdf_canonicalize
from issuance.openbadges.credential import open_badge_credential_build
from issuance.openbadges.did import issuer_did_web, verification_method_id
from courses.keys.crypto import key_pair_generate
from issuance.openbadges.sign import credential_sign, credential_verify
from issuance.openbadges.bitstring import status_list_entry_build


def build(index: int, did: str) -> dict:
    now = datetime.now(timezone.utc)
    return open_badge_credential_build(
        credential_id=f"https://laurel.example.org/credentials/{index:08d}-0000-4000-8000-000000000000.json",
        issuer_id=did, issuer_name="Acme Training Ltd", issuer_url="https://acme.example",
        issuer_image="https://acme.example/logo.png",
        achievement_id="https://acme.example/achievements/fire-safety", achievement_name="Fire Safety Awareness",
        achievement_description="Recognises safe conduct around fire hazards.",
        criteria_narrative="Complete all modules and pass the final quiz with at least 80%.",
        achievement_image="https://acme.example/badges/fire.png", achievement_tags=["safety", "compliance"],
        recipient_email=f"learner{index}@example.org", recipient_salt=f"salt{index}", recipient_name="Ann Learner",
        valid_from=now, valid_until=now + timedelta(days=730), score=86, score_max="100",
        credential_status=status_list_entry_build(
            list_url="https://laurel.example.org/status/acme/revocation/1", index=index, purpose="revocation"
        ),
    )


def median_ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(samples) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    count = parser.parse_args().count
    keys = key_pair_generate()
    did = issuer_did_web(base_url="https://laurel.example.org", slug="acme")
    method = verification_method_id(did=did, key_id="key-1")
    credential_sign(credential=build(0, did), private_key=keys.private_key, verification_method=method,
                    created=datetime.now(timezone.utc))  # warm the context caches

    build_times, sign_times, verify_times, canon_times, signed = [], [], [], [], None
    for index in range(1, count + 1):
        start = time.perf_counter()
        credential = build(index, did)
        built = time.perf_counter()
        signed = credential_sign(credential=credential, private_key=keys.private_key, verification_method=method,
                                 created=datetime.now(timezone.utc))
        sign_done = time.perf_counter()
        assert credential_verify(credential=signed, public_key=keys.public_key).verified
        verify_done = time.perf_counter()
        rdf_canonicalize(credential)
        canon_done = time.perf_counter()
        build_times.append(built - start)
        sign_times.append(sign_done - built)
        verify_times.append(verify_done - sign_done)
        canon_times.append(canon_done - verify_done)

    size = len(json.dumps(signed).encode())
    print(f"{count} credentials of {size} bytes (signed JSON)")
    print(f"build:                      {median_ms(build_times)}")
    print(f"sign (eddsa-rdfc-2022):     {median_ms(sign_times)}")
    print(f"verify:                     {median_ms(verify_times)}")
    print(f"one document canonicalize:  {median_ms(canon_times)}")


if __name__ == "__main__":
    main()
