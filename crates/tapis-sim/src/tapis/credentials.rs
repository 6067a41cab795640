//! The credential endpoints' shared first steps, the simulated SSH login, check, remove, and
//! reading a secret back.

use super::{login_user, method_str, type_str, unauth, Who};
use crate::resp::{self, err, ok, Resp};
use crate::scenario::{AuthnMethod, CredState, SystemDef, SystemType};
use crate::state::Sim;
use serde_json::Value;
use std::time::Duration;

/// The first two steps of every credential endpoint (tapis-systems `CredentialResource`):
/// `ApiUtils.checkSystemExists` (404 SYSAPI_NOSYSTEM; the READ check inside it throws, and it
/// answers every exception with 500 SYSAPI_CHECK_ERROR), then the service's
/// `AuthUtils.checkAuthOboUser` for `op`: owner, or the caller's own name (403 otherwise).
pub(super) fn credential_target<'a>(
    sim: &'a Sim,
    id: &str,
    name: &str,
    who: &Who,
    resource_op: &str,
    op: &str,
) -> Result<&'a SystemDef, Resp> {
    let s = match sim.scenario.system(id) {
        None => {
            return Err(err(
                404,
                format!(
                    "SYSAPI_NOSYSTEM No system found. {} System: {id} Operation: {resource_op}",
                    who.api
                ),
            ))
        }
        Some(s) => s,
    };
    let owner = s.owner == who.user;
    if !owner && !s.visible(&who.user) {
        return Err(err(
            500,
            format!(
                "SYSAPI_CHECK_ERROR Unable to check for system. {} System: {id} Operation: {resource_op} Error: {}",
                who.api,
                unauth(who, id, "read")
            ),
        ));
    }
    if !owner && name != who.user {
        return Err(resp::mapped(403, unauth(who, id, op)));
    }
    Ok(s)
}

/// `CredUtils.verifyConnection` outcome for one SSH login.
pub(super) enum Ssh {
    Ok,
    Rejected,
    Unreachable,
}

/// The simulated SSH login, taking as long as the scenario says. A user without an account on the
/// host is refused exactly like a bad key ("No more authentication methods available").
pub(super) async fn ssh_login(s: &SystemDef, login: &str, cred: CredState) -> Ssh {
    tokio::time::sleep(Duration::from_millis(s.behaviour.ssh_check_delay_ms)).await;
    if s.behaviour.host_unreachable {
        Ssh::Unreachable
    } else if cred == CredState::Rejected || !s.has_account(login) {
        Ssh::Rejected
    } else {
        Ssh::Ok
    }
}

/// `ApiUtils.checkCredValidationResult`: 401 SYSAPI_CRED_VALID_FAIL wrapping the validation
/// message `CredUtils.verifyConnection` chose (SysLibMessages.properties).
pub(super) fn valid_fail(
    who: &Who,
    s: &SystemDef,
    name: &str,
    method: AuthnMethod,
    why: &str,
) -> Resp {
    err(
        401,
        format!(
            "SYSAPI_CRED_VALID_FAIL Credential validation failed. {} System: {} User: {name} AuthnMethod: {} Message: {why}",
            who.api,
            s.id,
            method_str(method)
        ),
    )
}

fn ssh_message(who: &Who, s: &SystemDef, login: &str, method: AuthnMethod, ssh: Ssh) -> String {
    let (sys, ty, host, m) = (&s.id, type_str(s.system_type), &s.host, method_str(method));
    match ssh {
        Ssh::Rejected => format!(
            "SYSLIB_CRED_VALID_FAIL Invalid credentials. jwtTenant: {t} jwtUser: {u} OboTenant: {t} OboUser: {u} System: {sys} SystemType: {ty} Host: {host} EffectiveUser: {login} AuthnMethod: {m} Message: No more authentication methods available",
            t = who.tenant,
            u = who.user
        ),
        _ => format!(
            "SYSLIB_CRED_CONN_FAIL Unable to connect to system using provided credential. {} System: {sys} SystemType: {ty} Host: {host} EffectiveUser: {login} AuthnMethod: {m} Error: TAPIS_SSH_CONNECT_ERROR Unable to establish SSH session on host {host} (port 22) for user {login} using {m} authentication: Connection timed out",
            who.lib
        ),
    }
}

/// A failed SSH login as the credential endpoints answer it, with the system's own method.
pub(super) fn ssh_failed(who: &Who, s: &SystemDef, name: &str, login: &str, ssh: Ssh) -> Resp {
    let method = s.default_authn_method;
    valid_fail(
        who,
        s,
        name,
        method,
        &ssh_message(who, s, login, method, ssh),
    )
}

/// tapis-systems `CredentialResource.checkUserCredential` -> `CredUtils.checkCredentialForUser`.
pub(super) async fn check(sim: &Sim, id: &str, name: &str, who: &Who) -> Resp {
    let s = match credential_target(sim, id, name, who, "checkUserCredential", "checkCred") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let method = s.default_authn_method;
    if s.behaviour.check_error {
        // An exception inside the service: the resource's final catch. The real message has the
        // unfilled {5}: the code passes one argument fewer than SYSLIB_AUTHN_METHOD_NOT_FOUND takes.
        return err(
            500,
            format!(
                "SYSAPI_CRED_CHECK_ERROR Unable to operate on credential for system. {} System: {id} User: {name} AuthnMethod:  Error: SYSLIB_AUTHN_METHOD_NOT_FOUND Authentication method not found for operation. {} Operation: {id} System: {{5}}",
                who.api, who.lib
            ),
        );
    }
    // CredUtils.getCredential: a failed secret-store read is logged and taken as "no key".
    let stored = (!sim.scenario.secret_store_down)
        .then(|| sim.credential(id, name))
        .flatten();
    let Some(cred) = stored else {
        // NotAuthorizedException through ApiExceptionMapper.
        return resp::mapped(
            401,
            format!(
                "SYSLIB_CRED_NOT_FOUND Credential not found for operation. {} Operation: checkCred System: {id} SystemType: {} EffectiveUser: {name} AuthnMethod: {}",
                who.lib,
                type_str(s.system_type),
                method_str(method)
            ),
        );
    };
    let login = login_user(s, name);
    if !verifiable(s.system_type, method) {
        return valid_fail(who, s, name, method, &not_supported(who, s, login, method));
    }
    match ssh_login(s, login, cred).await {
        Ssh::Ok => ok(
            200,
            &format!(
                "SYSAPI_CRED_OK Credential validation succeeded. {} System: {id} User: {name}",
                who.api
            ),
            Value::Null,
        ),
        failed => ssh_failed(who, s, name, login, failed),
    }
}

/// Which credentials Tapis can test at all: `CredUtils.verifyCredentials` refuses IRODS and
/// GLOBUS, and `verifyConnection` tests SSH methods (PKI_KEYS, PASSWORD, TMS_KEYS) only on LINUX
/// and ACCESS_KEY only on S3; TOKEN and CERT fall to its `default:`. All of these answer
/// `SYSLIB_CRED_NOT_SUPPORTED`. (tms-mvp also sends TMS_KEYS to `default:`; the simulator follows
/// the later code, which tests it over SSH.)
pub(super) fn verifiable(system_type: SystemType, method: AuthnMethod) -> bool {
    match method {
        AuthnMethod::PkiKeys | AuthnMethod::Password | AuthnMethod::TmsKeys => {
            system_type == SystemType::Linux
        }
        AuthnMethod::AccessKey => system_type == SystemType::S3,
        AuthnMethod::Token | AuthnMethod::Cert => false,
    }
}

pub(super) fn not_supported(who: &Who, s: &SystemDef, login: &str, method: AuthnMethod) -> String {
    format!(
        "SYSLIB_CRED_NOT_SUPPORTED Credential validation failed. Not supported for system type. {} System: {} SystemType: {} EffectiveUser: {login} AuthnMethod: {}",
        who.lib,
        s.id,
        type_str(s.system_type),
        method_str(method)
    )
}

/// tapis-systems `CredentialResource.removeUserCredential`: 201 with `result: null` whether or not
/// anything was stored (`CredUtils.deleteCredential` returns 0 then, and the resource ignores it).
pub(super) fn remove(sim: &Sim, id: &str, name: &str, who: &Who) -> Resp {
    let op = "removeUserCredential";
    if let Err(r) = credential_target(sim, id, name, who, op, "removeCred") {
        return r;
    }
    if sim.scenario.secret_store_down {
        return cred_error(who, id, name, op, &sk_error(who, id, "removeCred"));
    }
    sim.remove_credential(id, name);
    ok(
        201,
        &format!(
            "SYSAPI_CRED_DELETED Credential removed. {} System: {id} User: {name}",
            who.api
        ),
        Value::Null,
    )
}

/// The resource's final catch (`CredentialResource`, `catch (Exception e)`): a
/// WebApplicationException, 500 through the exception mapper.
pub(super) fn cred_error(who: &Who, id: &str, name: &str, op: &str, inner: &str) -> Resp {
    resp::mapped(
        500,
        format!(
            "SYSAPI_CRED_ERROR Unable to operate on credential for system. {} System: {id} User: {name} Operation: {op} Error: {inner}",
            who.api
        ),
    )
}

/// `CredUtils.createCredentialForUser` / `deleteCredentialForUser`: the secret store's
/// TapisClientException, rethrown.
pub(super) fn sk_error(who: &Who, id: &str, lib_op: &str) -> String {
    format!(
        "SYSLIB_CRED_SK_ERROR Error operating on credentials. See underlying exception. {} System: {id} Operation: {lib_op}",
        who.lib
    )
}

/// Reading a secret back is for services only: `AuthUtils.checkAuthOboUser` op getCred.
pub(super) fn get_credential(sim: &Sim, id: &str, who: &Who) -> Resp {
    if let Err(r) = credential_target(sim, id, &who.user, who, "getUserCredential", "getCred") {
        return r;
    }
    resp::mapped(
        403,
        format!(
            "SYSLIB_UNAUTH_GETCRED Authorization denied. Only authorized services may retrieve credentials. {} System: {id} Operation: getCred",
            who.lib
        ),
    )
}
