"""The notebook way: how a researcher sets up TMS keys today, one system after another with tapipy.

    notebook_way.py BASE_URL TOKEN USERNAME SYSTEM [SYSTEM ...]

For each system, in order, the cell a DesignSafe notebook runs: check the credential; if Tapis says
there is none, read the system and, for a TMS_KEYS system, ask Tapis to create TMS keys. Nothing runs
in parallel. Prints one JSON object on stdout: the time to build the client (not counted in the total,
a notebook does it once) and the time of the loop, in milliseconds, with each system's outcome.
Used by ./bench; not a test.
"""

import json
import os
import sys
import time

from tapipy import errors
from tapipy.tapis import Tapis


def set_up(t, system_id, username):
    try:
        t.systems.checkUserCredential(systemId=system_id, userName=username)
        return "present"
    except errors.UnauthorizedError as e:
        if "SYSLIB_CRED_NOT_FOUND" not in str(e.message):
            return "check refused"
    system = t.systems.getSystem(systemId=system_id)
    if system.defaultAuthnMethod != "TMS_KEYS":
        return "not TMS"
    t.systems.createUserCredential(systemId=system_id, userName=username, createTmsKeys=True)
    return "created"


def main():
    base_url, token, username, *systems = sys.argv[1:]
    t0 = time.perf_counter()
    # tapipy hands `verify` to requests as is, so a CA bundle path (./bench's proxy certificate)
    # works where requests alone would read REQUESTS_CA_BUNDLE, which tapipy bypasses.
    t = Tapis(base_url=base_url, access_token=token, verify=os.environ.get("REQUESTS_CA_BUNDLE") or True)
    t1 = time.perf_counter()
    outcomes = []
    for system_id in systems:
        s0 = time.perf_counter()
        outcome = set_up(t, system_id, username)
        outcomes.append({"system": system_id, "outcome": outcome, "ms": (time.perf_counter() - s0) * 1000})
    t2 = time.perf_counter()
    json.dump({"clientMs": (t1 - t0) * 1000, "totalMs": (t2 - t1) * 1000, "systems": outcomes}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
