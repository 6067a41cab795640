"""Conformance: the official Tapis client (tapipy) against the simulator binary.

Run: $HOME/.cache/tms-credentials/venv/bin/python -m pytest tests/conformance -q
The binary comes from $TAPIS_SIM_BIN (default target/debug/tapis-sim).
"""

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest
from tapipy import errors
from tapipy.tapis import Tapis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("TAPIS_SIM_BIN", ROOT / "target" / "debug" / "tapis-sim"))
TMS_SYSTEMS = ["stampede3", "ls6", "frontera"]


@pytest.fixture(scope="module")
def sim():
    if not BIN.exists():
        pytest.fail(f"simulator binary not found at {BIN}; run cargo build -p tapis-sim or set TAPIS_SIM_BIN")
    proc = subprocess.Popen([str(BIN), "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:"), line
        yield line.removeprefix("listening on ")
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def control(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method="POST" if data or path.endswith("reset") else "GET")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


@pytest.fixture
def url(sim):
    control(sim, "/sim/reset")
    return sim


@pytest.fixture
def client(url):
    token = control(url, "/sim/token", {"username": "demo", "lifetimeSecs": 3600})["accessToken"]
    return Tapis(base_url=url, access_token=token)


def test_starts_with_an_access_token_and_finds_the_tenant(url, client):
    assert client.tenant_id == "designsafe"
    assert client.access_token.claims["tapis/username"] == "demo"
    # tapipy can verify the signature with the tenant's published public key.
    claims = client.validate_token(client.get_access_jwt())
    assert claims["iss"] == f"{url}/v3/tokens"


def test_starts_with_username_and_password(url):
    t = Tapis(base_url=url, username="demo", password="demo")
    t.get_tokens()
    assert t.access_token.claims["sub"] == "demo@designsafe"
    assert t.access_token.original_ttl == 14400
    assert t.systems.getSystem(systemId="ls6").id == "ls6"


def test_wrong_password_is_rejected(url):
    t = Tapis(base_url=url, username="demo", password="wrong")
    with pytest.raises(errors.BadRequestError):
        t.get_tokens()


def test_check_missing_then_create_then_ok(client):
    with pytest.raises(errors.UnauthorizedError) as e:
        client.systems.checkUserCredential(systemId="stampede3", userName="demo")
    assert "SYSLIB_CRED_NOT_FOUND" in str(e.value.message)
    client.systems.createUserCredential(systemId="stampede3", userName="demo", createTmsKeys=True)
    client.systems.checkUserCredential(systemId="stampede3", userName="demo")


def test_vista_needs_retries(client):
    for _ in range(2):
        with pytest.raises(errors.UnauthorizedError):
            client.systems.createUserCredential(systemId="vista", userName="demo", createTmsKeys=True)
    client.systems.createUserCredential(systemId="vista", userName="demo", createTmsKeys=True)


def test_no_read_access_is_a_500_naming_syslib_unauth(client):
    # ApiUtils.checkSystemExists answers the failed READ check with 500 SYSAPI_CHECK_ERROR.
    for call in (client.systems.checkUserCredential, client.systems.removeUserCredential):
        with pytest.raises(errors.InternalServerError) as e:
            call(systemId="private-cluster", userName="demo")
        assert str(e.value.message).startswith("SYSAPI_CHECK_ERROR")
        assert "SYSLIB_UNAUTH" in str(e.value.message)
    with pytest.raises(errors.InternalServerError) as e:
        client.systems.createUserCredential(systemId="private-cluster", userName="demo", createTmsKeys=True)
    assert "SYSLIB_UNAUTH" in str(e.value.message)
    # getSystem lets the ForbiddenException through: 403.
    with pytest.raises(errors.ForbiddenError):
        client.systems.getSystem(systemId="private-cluster")


def test_another_users_name_is_forbidden(client):
    with pytest.raises(errors.ForbiddenError) as e:
        client.systems.checkUserCredential(systemId="stampede3", userName="someoneelse")
    assert "Operation: checkCred" in str(e.value.message)


def test_not_tms_create_is_a_401_that_stores_nothing(url, client):
    with pytest.raises(errors.UnauthorizedError) as e:
        client.systems.createUserCredential(systemId="corral-pki", userName="demo", createTmsKeys=True)
    msg = str(e.value.message)
    assert msg.startswith("SYSAPI_CRED_VALID_FAIL") and "SYSLIB_CRED_NOT_FOUND" in msg
    assert control(url, "/sim/credentials") == []


def test_static_effective_user_is_a_500_tms_not_allowed(client):
    with pytest.raises(errors.InternalServerError) as e:
        client.systems.createUserCredential(systemId="shared-account-cluster", userName="demo", createTmsKeys=True)
    assert "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED" in str(e.value.message)


def test_no_account_refuses_every_new_key(url, client):
    for _ in range(3):
        with pytest.raises(errors.UnauthorizedError) as e:
            client.systems.createUserCredential(systemId="no-account-cluster", userName="demo", createTmsKeys=True)
        assert "SYSLIB_CRED_VALID_FAIL" in str(e.value.message)
    assert control(url, "/sim/credentials") == []


def test_get_system_returns_default_authn_method(client):
    assert client.systems.getSystem(systemId="frontera").defaultAuthnMethod == "TMS_KEYS"
    assert client.systems.getSystem(systemId="corral-pki").defaultAuthnMethod == "PKI_KEYS"
    # Without select: JSON booleans; with select: TapisSystemDTO writes them as strings.
    assert client.systems.getSystem(systemId="ls6").isDynamicEffectiveUser is True
    s = client.systems.getSystem(systemId="ls6", select="isDynamicEffectiveUser,enabled,canExec")
    assert (s.id, s.isDynamicEffectiveUser, s.enabled, s.canExec) == ("ls6", "true", "true", "true")
    assert client.systems.getSystem(systemId="corral-pki", select="canExec").canExec == "false"
    with pytest.raises(errors.NotFoundError):
        client.systems.getSystem(systemId="no-such-system")


def test_get_systems_lists_what_the_user_may_see(client):
    ids = [s.id for s in client.systems.getSystems(listType="ALL")]
    assert ids == ["stampede3", "ls6", "frontera", "corral-pki", "vista", "no-account-cluster",
                   "shared-account-cluster"]
    assert client.systems.getSystems() == []  # OWNED by default
    assert [s.id for s in client.systems.getSystems(listType="all", limit=2)] == ["stampede3", "ls6"]
    with pytest.raises(errors.InternalServerError) as e:
        client.systems.getSystems(listType="EVERYTHING")
    assert "SYSLIB_LISTTYPE_ERROR" in str(e.value.message)
    found = client.systems.getSystems(listType="ALL", search="(id.in.ls6,frontera)", select="id")
    assert [s.id for s in found] == ["ls6", "frontera"]


def test_remove_user_credential_removes(url, client):
    client.systems.createUserCredential(systemId="ls6", userName="demo", createTmsKeys=True)
    for _ in range(2):  # 201 with a null result, stored or not
        _, debug = client.systems.removeUserCredential(systemId="ls6", userName="demo", _tapis_debug=True)
        assert debug.response.status_code == 201
        assert debug.response.json()["result"] is None
    assert control(url, "/sim/credentials") == []
    with pytest.raises(errors.UnauthorizedError):
        client.systems.checkUserCredential(systemId="ls6", userName="demo")


def test_expired_token_is_a_401(url):
    token = control(url, "/sim/token", {"username": "demo", "lifetimeSecs": -60})["accessToken"]
    t = Tapis(base_url=url, access_token=token)
    with pytest.raises(errors.UnauthorizedError) as e:
        t.systems.getSystem(systemId="ls6")
    assert b"TAPIS_SECURITY_JWT_EXPIRED" in e.value.response.content
    # The JWT filter's answer is plain text, though the content type says JSON.
    assert e.value.response.headers["content-type"] == "application/json"


def test_revoked_token_is_a_500(url):
    token = control(url, "/sim/token", {"username": "demo", "lifetimeSecs": 3600})["accessToken"]
    t = Tapis(base_url=url, access_token=token)
    control(url, "/sim/revoke", {"username": "demo"})
    with pytest.raises(errors.InternalServerError) as e:
        t.systems.getSystem(systemId="ls6")
    assert e.value.message == "Token is revoked."


def test_log_never_holds_the_token(url, client):
    client.systems.getSystem(systemId="ls6")
    log = control(url, "/sim/log")
    assert [e["path"] for e in log if e["method"] == "GET"][-1] == "/v3/systems/ls6"
    assert client.get_access_jwt() not in json.dumps(log)
