//! Storing a credential: `createUserCredential`, with or without `createTmsKeys`.

use super::credentials::{
    cred_error, credential_target, not_supported, sk_error, ssh_failed, ssh_login, valid_fail,
    verifiable, Ssh,
};
use super::{login_user, method_str, type_str, Req, Who};
use crate::resp::{self, err, ok, Resp};
use crate::scenario::{AuthnMethod, CredState, SystemDef, SystemType};
use crate::state::Sim;
use serde_json::{Map, Value};

/// Properties of CredentialCreateRequest.json (`additionalProperties: false`).
const CREDENTIAL_PROPS: [&str; 9] = [
    "loginUser",
    "password",
    "privateKey",
    "publicKey",
    "accessKey",
    "accessSecret",
    "accessToken",
    "refreshToken",
    "certificate",
];

/// tapis-systems `CredentialResource.createUserCredential` -> `CredUtils.createCredentialForUser`.
/// Validation failures inside the service are BadRequestExceptions the resource's final catch turns
/// into 500 SYSAPI_CRED_ERROR; a failed verification is 401 and stores nothing.
pub(super) async fn create(sim: &Sim, req: &Req, id: &str, name: &str, who: &Who) -> Resp {
    let op = "createUserCredential";
    // checkSystemExists comes before the body is read; the permission check after.
    let s = match credential_target(sim, id, name, who, op, "setCred") {
        Ok(s) => s,
        Err(r) => return r,
    };
    // An empty body is taken as {} (what the app and tapipy send is {} or nothing).
    let body = if req.body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => m,
            _ => return json_invalid(who, id, name, "#: expected type: JSONObject"),
        }
    };
    if let Some(extra) = body
        .keys()
        .find(|k| !CREDENTIAL_PROPS.contains(&k.as_str()))
    {
        return json_invalid(
            who,
            id,
            name,
            &format!("#: extraneous key [{extra}] is not permitted"),
        );
    }
    let secret = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
    };
    // ApiUtils.checkSecrets: half a key pair is a 400.
    for (kind, a, b) in [
        ("PKI_KEYS", "privateKey", "publicKey"),
        ("ACCESS_KEY", "accessKey", "accessSecret"),
        ("TOKEN", "accessToken", "refreshToken"),
    ] {
        if secret(a).is_some() != secret(b).is_some() {
            let missing = if secret(a).is_none() { a } else { b };
            return err(
                400,
                format!(
                    "SYSAPI_CRED_SECRET_MISSING Secret pair missing one value. {} System: {id} Secret type: {kind} Missing value for: {missing} User: {name}",
                    who.api
                ),
            );
        }
    }
    let cred_error = |inner: String| cred_error(who, id, name, op, &inner);
    let tms = req.flag("createTmsKeys");
    let method = s.default_authn_method;
    if !tms && method == AuthnMethod::TmsKeys {
        // Not in the tms-mvp branch; later tapis-systems CredUtils.createCredentialForUser.
        return cred_error(format!(
            "SYSLIB_CRED_TMS_KEYS_BAD_ARG Credentials for a system whose defaultAuthnMethod is TMS_KEYS must be created with createTmsKeys=true. {} System: {id}",
            who.lib
        ));
    }
    if tms {
        // Only the request's own loginUser counts (later CredUtils.validateTmsConfig reads the
        // credential being created); tms-mvp fills a blank one with the caller's name.
        let defaulted = sim.scenario.tms.login_user_defaulted.then_some(name);
        let login_mapping = body
            .get("loginUser")
            .and_then(Value::as_str)
            .filter(|l| !l.trim().is_empty())
            .or(defaulted);
        if let Some(inner) = tms_refusal(sim, s, login_mapping, who) {
            return cred_error(inner);
        }
    }
    // Verification only for LINUX and S3, with the system's own method, unless skipped.
    let verify = !req.flag("skipCredentialCheck")
        && matches!(s.system_type, SystemType::Linux | SystemType::S3);
    if verify {
        let login = login_user(s, name);
        if !verifiable(s.system_type, method) {
            return valid_fail(who, s, name, method, &not_supported(who, s, login, method));
        }
        let has_secret = match method {
            // The freshly minted TMS key pair.
            AuthnMethod::TmsKeys => tms,
            AuthnMethod::PkiKeys => secret("privateKey").is_some(),
            AuthnMethod::Password => secret("password").is_some(),
            AuthnMethod::AccessKey => secret("accessKey").is_some(),
            // Not reached: `verifiable` refused them above.
            AuthnMethod::Token | AuthnMethod::Cert => true,
        };
        if !has_secret {
            // E.g. createTmsKeys on a PKI_KEYS system: the new TMS key is not what the system's
            // method checks, so the check finds no key pair (verifyConnection).
            return valid_fail(
                who,
                s,
                name,
                method,
                &format!(
                    "SYSLIB_CRED_NOT_FOUND Credential not found for operation. {} Operation: verifyCredentials System: {id} SystemType: {} EffectiveUser: {login} AuthnMethod: {}",
                    who.lib,
                    type_str(s.system_type),
                    method_str(method)
                ),
            );
        }
        // The first `createFail401Times` keys are refused as if the host did not know the user yet.
        let ssh = match ssh_login(s, login, CredState::Valid).await {
            Ssh::Ok if sim.take_create_failure(id) => Ssh::Rejected,
            other => other,
        };
        if !matches!(ssh, Ssh::Ok) {
            return ssh_failed(who, s, name, login, ssh);
        }
    }
    // createCredential writes to SK after the check; nothing is rolled back (the TMS key stays
    // on the host), and nothing is stored.
    if sim.scenario.secret_store_down {
        return cred_error(sk_error(who, id, "setCred"));
    }
    sim.store_credential(id, name, CredState::Valid);
    ok(
        201,
        &format!(
            "SYSAPI_CRED_UPDATED Credential updated. {} System: {id} User: {name}",
            who.api
        ),
        Value::Null,
    )
}

/// `CredUtils` validateTmsConfig, in this order, then the TMS server call (createTmsKeys): the
/// inner message of the 500 SYSAPI_CRED_ERROR, or None when a key pair is minted.
fn tms_refusal(sim: &Sim, s: &SystemDef, login_mapping: Option<&str>, who: &Who) -> Option<String> {
    let (t, id) = (&who.tenant, &s.id);
    if !sim.scenario.tms.tenant_allowed {
        Some(format!("SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED Creation of TMS keys not allowed for tenant. {} Tenant: {t} System: {id}", who.lib))
    } else if !sim.scenario.tms.configured {
        Some(format!(
            "SYSLIB_CRED_TMS_KEYS_NOT_CFG TMS keys support is not configured. {} System: {id}",
            who.lib
        ))
    } else if s.system_type != SystemType::Linux {
        Some(format!(
            "SYSLIB_CRED_TMS_KEYS_INVALID_SYS_TYPE Creation of TMS keys not supported for system type. {} System: {id} SystemType: {}",
            who.lib,
            type_str(s.system_type)
        ))
    } else if !s.is_dynamic() || login_mapping.is_some() {
        Some(format!(
            "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED Creation of TMS keys with loginUser mapping or static effectiveUserId not supported. {} System: {id} LoginUser: {} IsStaticEffectiveUser: {}",
            who.lib,
            login_mapping.unwrap_or("null"),
            !s.is_dynamic()
        ))
    } else {
        s.behaviour.tms_error.map(|e| {
            format!(
                "{} TMS server request failed. {} System: {id}",
                e.code(),
                who.lib
            )
        })
    }
}

fn json_invalid(who: &Who, id: &str, name: &str, why: &str) -> Resp {
    resp::mapped(
        500,
        format!(
            "SYSAPI_CRED_JSON_INVALID Request payload did not conform to specification during attempt to operate on credential for system. {} System: {id} User: {name} Error: {why}",
            who.api
        ),
    )
}
