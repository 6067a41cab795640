//! The Tapis endpoints: authenticator, tenants/sites, systems and credentials.

use crate::jwt::{self, JwtError};
use crate::resp::{self, err, now_secs, ok, Resp};
use crate::scenario::{AuthnMethod, CredState, SystemDef, SystemType};
use crate::search;
use crate::state::Sim;
use hyper::body::Bytes;
use hyper::HeaderMap;
use serde_json::{json, Map, Value};
use std::time::Duration;

pub(crate) struct Req {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn flag(&self, name: &str) -> bool {
        self.q(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) async fn route(sim: &Sim, req: &Req) -> Resp {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("POST", ["v3", "oauth2", "tokens"]) => token_grant(sim, req),
        ("GET", ["v3", "sites"]) => ok(
            200,
            "Sites retrieved successfully.",
            json!([site(sim)]),
            json!({}),
        ),
        ("GET", ["v3", "sites", id]) if *id == "tacc" => {
            ok(200, "Site retrieved successfully.", site(sim), json!({}))
        }
        ("GET", ["v3", "tenants"]) => ok(
            200,
            "Tenants retrieved successfully.",
            json!([tenant(sim)]),
            json!({}),
        ),
        ("GET", ["v3", "tenants", id]) if *id == sim.scenario.tenant_id => ok(
            200,
            "Tenant retrieved successfully.",
            tenant(sim),
            json!({}),
        ),
        ("GET", ["v3", "sites" | "tenants", _]) => err(404, "Object not found."),
        (_, ["v3", "oauth2", "userinfo"] | ["v3", "systems", ..]) => {
            let user = match authenticate(sim, req) {
                Ok(u) => u,
                Err(r) => return r,
            };
            authed(sim, req, &segs[1..], &user).await
        }
        _ => err(
            404,
            format!("HTTP 404 Not Found: {} {}", req.method, req.path),
        ),
    }
}

async fn authed(sim: &Sim, req: &Req, segs: &[&str], user: &str) -> Resp {
    match (req.method.as_str(), segs) {
        ("GET", ["oauth2", "userinfo"]) => ok(
            200,
            "User info retrieved successfully.",
            json!({"username": user, "tenant_id": sim.scenario.tenant_id, "given_name": user, "last_name": user, "email": format!("{user}@example.org")}),
            json!({}),
        ),
        ("GET", ["systems"]) => list_systems(sim, req, user),
        ("GET", ["systems", id]) => get_system(sim, req, id, user),
        ("POST", ["systems", "credential", sys, "user", name, "check"]) => {
            check(sim, sys, name, user).await
        }
        ("POST", ["systems", "credential", sys, "user", name]) => {
            create(sim, req, sys, name, user).await
        }
        ("DELETE", ["systems", "credential", sys, "user", name]) => remove(sim, sys, name, user),
        // Reading a secret back is reserved to services; a user token always gets 403.
        ("GET", ["systems", "credential", sys, "user", _]) => {
            unauthorized(sim, user, "getUserCredential", sys)
        }
        _ => err(
            405,
            format!("HTTP 405 Method Not Allowed: {} {}", req.method, req.path),
        ),
    }
}

/// The JWT filter: its rejections are plain text, except revocation which is JSON 500.
fn authenticate(sim: &Sim, req: &Req) -> Result<String, Resp> {
    let Some(token) = req.header("x-tapis-token").filter(|t| !t.is_empty()) else {
        return Err(resp::text(
            401,
            "TAPIS_SECURITY_MISSING_JWT_INFO Missing or invalid JWT information in request header.",
        ));
    };
    let claims = match jwt::verify(token, &sim.scenario.tenant_id, now_secs()) {
        Ok(c) => c,
        Err(JwtError::Expired) => {
            return Err(resp::text(
                401,
                "TAPIS_SECURITY_JWT_EXPIRED JWT has expired.",
            ));
        }
        Err(JwtError::Parse(why)) => {
            return Err(resp::text(
                401,
                format!("TAPIS_SECURITY_JWT_PARSE_ERROR Unable to parse or validate JWT: {why}."),
            ));
        }
    };
    if sim.is_revoked(&claims.jti) {
        return Err(resp::json(
            500,
            &json!({"status": "error", "message": "Token is revoked."}),
        ));
    }
    for h in ["x-tapis-user", "x-tapis-tenant"] {
        if req.headers.contains_key(h) {
            return Err(resp::text(
                400,
                format!(
                    "TAPIS_SECURITY_UNEXPECTED_HEADER Header {h} is not allowed with a user token."
                ),
            ));
        }
    }
    Ok(claims.username)
}

fn token_grant(sim: &Sim, req: &Req) -> Resp {
    let form = |b: &[u8]| -> Map<String, Value> {
        form_urlencoded::parse(b)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    };
    let is_form = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let body: Map<String, Value> =
        if is_form {
            form(&req.body)
        } else {
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(Value::Object(m)) => m,
                _ => return err(
                    400,
                    "Invalid JSON body: expected an object with username, password and grant_type.",
                ),
            }
        };
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    if field("grant_type") != "password" {
        return err(
            400,
            "Invalid grant_type; this authenticator supports only the password grant.",
        );
    }
    let (username, password) = (field("username"), field("password"));
    let known = sim
        .scenario
        .users
        .iter()
        .any(|u| u.username == username && u.password == password);
    if !known {
        return err(400, "Invalid username/password combination.");
    }
    let lifetime = sim.scenario.token_lifetime_secs;
    let m = sim.mint(username, lifetime);
    ok(
        201,
        "Token created successfully.",
        json!({"access_token": {
            "access_token": m.token,
            "expires_at": resp::iso8601(m.exp),
            "expires_in": lifetime,
            "jti": m.jti,
        }}),
        json!({}),
    )
}

fn site(sim: &Sim) -> Value {
    json!({
        "site_id": "tacc",
        "primary": true,
        "base_url": sim.base_url,
        "tenant_base_url_template": sim.base_url,
        "site_admin_tenant_id": "admin",
        "services": ["authenticator", "tenants", "tokens", "systems"],
    })
}

fn tenant(sim: &Sim) -> Value {
    let base = &sim.base_url;
    json!({
        "tenant_id": sim.scenario.tenant_id,
        // tapipy finds the tenant by comparing this with the base_url it was given.
        "base_url": base,
        "site_id": "tacc",
        "status": "active",
        "public_key": jwt::keys().public_pem,
        "token_service": format!("{base}/v3/tokens"),
        "security_kernel": format!("{base}/v3/security"),
        "authenticator": format!("{base}/v3/oauth2"),
        "owner": "CICSupport@tacc.utexas.edu",
        "admin_user": "admin",
        "token_gen_services": ["authenticator"],
        "description": "Simulated tenant (tapis-sim)",
    })
}

fn enum_str<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// All attributes, with a dynamic effective user resolved to the caller as getSystem does.
fn system_json(s: &SystemDef, user: &str, tenant: &str) -> Map<String, Value> {
    let effective = if s.is_dynamic() {
        user
    } else {
        s.effective_user_id.as_str()
    };
    let v = json!({
        "tenant": tenant,
        "id": s.id,
        "description": format!("{} (simulated)", s.id),
        "systemType": enum_str(s.system_type),
        "owner": s.owner,
        "host": s.host,
        "enabled": s.enabled,
        "effectiveUserId": effective,
        "defaultAuthnMethod": enum_str(s.default_authn_method),
        "authnCredential": null,
        "bucketName": null,
        "rootDir": "/",
        "port": 22,
        "useProxy": false,
        "proxyHost": null,
        "proxyPort": -1,
        "dtnSystemId": null,
        "canExec": s.can_exec,
        "canRunBatch": s.can_exec,
        "mpiCmd": null,
        "jobWorkingDir": "HOST_EVAL($SCRATCH)",
        "tags": [],
        "notes": {},
        "importRefId": null,
        "uuid": null,
        "allowChildren": false,
        "parentId": null,
        "deleted": false,
        "isPublic": false,
        "isDynamicEffectiveUser": s.is_dynamic(),
        "sharedWithUsers": [],
        "created": "2024-01-01T00:00:00Z",
        "updated": "2024-01-01T00:00:00Z",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

const SUMMARY: [&str; 7] = [
    "id",
    "systemType",
    "owner",
    "host",
    "effectiveUserId",
    "defaultAuthnMethod",
    "canExec",
];

fn select(full: Map<String, Value>, select: Option<&str>, summary_default: bool) -> Value {
    let wanted: Vec<&str> = match select.map(str::trim) {
        None | Some("") if summary_default => SUMMARY.to_vec(),
        None | Some("") | Some("allAttributes") => return Value::Object(full),
        Some("summaryAttributes") => SUMMARY.to_vec(),
        Some(list) => list.split(',').map(str::trim).collect(),
    };
    if wanted.contains(&"allAttributes") {
        return Value::Object(full);
    }
    Value::Object(
        full.into_iter()
            .filter(|(k, _)| wanted.contains(&k.as_str()))
            .collect(),
    )
}

fn list_systems(sim: &Sim, req: &Req, user: &str) -> Resp {
    let list_type = req.q("listType").unwrap_or("OWNED").to_ascii_uppercase();
    let keep: fn(&SystemDef, &str) -> bool = match list_type.as_str() {
        "OWNED" => |s, u| s.owner == u,
        "SHARED_PUBLIC" => |s, u| s.owner != u && s.visible(u),
        "ALL" => |s, u| s.visible(u),
        other => {
            return err(
                400,
                format!("SYSLIB_LISTTYPE_ERROR Invalid listType: {other}"),
            )
        }
    };
    let conds = match search::parse(req.q("search").unwrap_or("")) {
        Ok(c) => c,
        Err(e) => return err(400, format!("SYSLIB_SEARCH_ERROR Invalid search: {e}")),
    };
    let number = |name: &str, default: i64| -> Result<i64, Resp> {
        req.q(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| err(400, format!("SYSLIB_QUERY_PARAM_ERROR Invalid {name}: {v}")))
            })
            .unwrap_or(Ok(default))
    };
    let (limit, skip) = match (number("limit", 100), number("skip", 0)) {
        (Ok(l), Ok(s)) => (l, s.max(0) as usize),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let matching: Vec<Map<String, Value>> = sim
        .scenario
        .systems
        .iter()
        .filter(|s| keep(s, user))
        .map(|s| system_json(s, user, &sim.scenario.tenant_id))
        .filter(|m| conds.iter().all(|c| c.matches(m)))
        .collect();
    let total = matching.len();
    let take = if limit < 0 {
        usize::MAX
    } else {
        limit as usize
    };
    let page: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|m| select(m, req.q("select"), true))
        .collect();
    let metadata = json!({
        "recordCount": page.len(), "recordLimit": limit, "recordsSkipped": skip,
        "orderBy": null, "startAfter": null, "totalCount": total,
    });
    ok(
        200,
        "TAPIS_FOUND Systems found",
        Value::Array(page),
        metadata,
    )
}

fn get_system(sim: &Sim, req: &Req, id: &str, user: &str) -> Resp {
    match lookup(sim, id, user, "getSystem") {
        Ok(s) => ok(
            200,
            &format!("TAPIS_FOUND System found: {id}"),
            select(
                system_json(s, user, &sim.scenario.tenant_id),
                req.q("select"),
                false,
            ),
            json!({}),
        ),
        Err(r) => r,
    }
}

fn lookup<'a>(sim: &'a Sim, id: &str, user: &str, op: &str) -> Result<&'a SystemDef, Resp> {
    let tenant = &sim.scenario.tenant_id;
    match sim.scenario.system(id) {
        None => Err(err(
            404,
            format!("SYSAPI_NOSYSTEM Tenant: {tenant} User: {user} System not found. System: {id}"),
        )),
        Some(s) if !s.visible(user) => Err(unauthorized(sim, user, op, id)),
        Some(s) => Ok(s),
    }
}

fn unauthorized(sim: &Sim, user: &str, op: &str, id: &str) -> Resp {
    err(
        403,
        format!(
            "SYSLIB_UNAUTH Authorization failed. Tenant: {} User: {user} Operation: {op} System: {id}",
            sim.scenario.tenant_id
        ),
    )
}

/// The 404 then 403 steps every credential operation starts with.
fn credential_target<'a>(
    sim: &'a Sim,
    id: &str,
    name: &str,
    user: &str,
    op: &str,
) -> Result<&'a SystemDef, Resp> {
    let s = lookup(sim, id, user, op)?;
    if name != user || !s.usable(user) {
        return Err(unauthorized(sim, user, op, id));
    }
    Ok(s)
}

enum Ssh {
    Ok,
    Rejected,
    Unreachable,
}

/// The simulated SSH login, taking as long as the scenario says.
async fn ssh_login(s: &SystemDef, cred: CredState) -> Ssh {
    tokio::time::sleep(Duration::from_millis(s.behaviour.ssh_check_delay_ms)).await;
    match (s.behaviour.host_unreachable, cred) {
        (true, _) => Ssh::Unreachable,
        (false, CredState::Rejected) => Ssh::Rejected,
        (false, CredState::Valid) => Ssh::Ok,
    }
}

fn valid_fail(sim: &Sim, s: &SystemDef, user: &str, reason: &str) -> Resp {
    let t = &sim.scenario.tenant_id;
    let why = match reason {
        "SYSLIB_CRED_CONN_FAIL" => format!(
            "Unable to connect to host {} port 22: Connection timed out",
            s.host
        ),
        _ => format!("Authentication failed for user {user} on host {}", s.host),
    };
    err(
        401,
        format!(
            "SYSAPI_CRED_VALID_FAIL Tenant: {t} User: {user} Credential validation failed. System: {} Reason: {reason} {why}",
            s.id
        ),
    )
}

async fn check(sim: &Sim, id: &str, name: &str, user: &str) -> Resp {
    let s = match credential_target(sim, id, name, user, "checkUserCredential") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = &sim.scenario.tenant_id;
    let Some(cred) = sim.credential(id, name) else {
        return err(
            401,
            format!("SYSLIB_CRED_NOT_FOUND Tenant: {t} User: {user} Credential not found. System: {id} TargetUser: {name}"),
        );
    };
    match ssh_login(s, cred).await {
        Ssh::Ok => ok(
            200,
            &format!(
                "SYSAPI_CRED_OK Tenant: {t} User: {user} Credential check succeeded. System: {id}"
            ),
            Value::Null,
            json!({}),
        ),
        Ssh::Rejected => valid_fail(sim, s, user, "SYSLIB_CRED_VALID_FAIL"),
        Ssh::Unreachable => valid_fail(sim, s, user, "SYSLIB_CRED_CONN_FAIL"),
    }
}

/// Properties the ReqUpdateCredential schema allows; anything else fails JSON validation.
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

async fn create(sim: &Sim, req: &Req, id: &str, name: &str, user: &str) -> Resp {
    let s = match credential_target(sim, id, name, user, "createUserCredential") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let body = if req.body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return err(
                    400,
                    "TAPIS_JSON_VALIDATION_ERROR Request body is not a JSON object.",
                )
            }
        }
    };
    if let Some(extra) = body
        .keys()
        .find(|k| !CREDENTIAL_PROPS.contains(&k.as_str()))
    {
        return err(
            500,
            format!("TAPIS_JSON_VALIDATION_ERROR Json validation error: #: extraneous key [{extra}] is not permitted"),
        );
    }
    let t = &sim.scenario.tenant_id;
    let cred_error = |status: u16, reason: &str, detail: &str| {
        err(
            status,
            format!("SYSAPI_CRED_ERROR Tenant: {t} User: {user} System: {id} Error creating credential. {reason} {detail}"),
        )
    };
    if !req.flag("createTmsKeys") {
        if s.default_authn_method == AuthnMethod::TmsKeys {
            return cred_error(
                400,
                "SYSLIB_CRED_TMS_KEYS_BAD_ARG",
                "TMS_KEYS systems need createTmsKeys=true.",
            );
        }
        if !body.keys().any(|k| k != "loginUser") {
            return cred_error(
                400,
                "SYSLIB_CRED_NO_CRED",
                "The request contains no credential.",
            );
        }
        sim.store_credential(id, name, CredState::Valid);
        return created(t, user, id);
    }
    let tms = &sim.scenario.tms;
    let validation = if !tms.tenant_allowed {
        Some((
            "SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED",
            "Tenant is not allowed to use TMS.",
        ))
    } else if !tms.configured {
        Some((
            "SYSLIB_CRED_TMS_KEYS_NOT_CFG",
            "TMS is not configured for this site.",
        ))
    } else if s.system_type != SystemType::Linux {
        Some((
            "SYSLIB_CRED_TMS_KEYS_INVALID_SYS_TYPE",
            "TMS keys require a LINUX system.",
        ))
    } else if !s.is_dynamic() || s.login_user.is_some() || body.contains_key("loginUser") {
        Some((
            "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED",
            "TMS keys require a dynamic effective user and no loginUser.",
        ))
    } else {
        s.behaviour
            .tms_error
            .map(|e| (e.code(), "TMS server request failed."))
    };
    if let Some((reason, detail)) = validation {
        return cred_error(500, reason, detail);
    }
    if !req.flag("skipCredentialCheck") {
        // The fresh key is verified over SSH; nothing is stored if that fails.
        let outcome = ssh_login(s, CredState::Valid).await;
        if matches!(outcome, Ssh::Unreachable) {
            return valid_fail(sim, s, user, "SYSLIB_CRED_CONN_FAIL");
        }
        if sim.take_create_failure(id) {
            return valid_fail(sim, s, user, "SYSLIB_CRED_VALID_FAIL");
        }
    }
    sim.store_credential(id, name, CredState::Valid);
    created(t, user, id)
}

fn created(t: &str, user: &str, id: &str) -> Resp {
    ok(
        201,
        &format!("SYSAPI_CRED_UPDATED Tenant: {t} User: {user} Credential updated. System: {id}"),
        Value::Null,
        json!({}),
    )
}

fn remove(sim: &Sim, id: &str, name: &str, user: &str) -> Resp {
    if let Err(r) = credential_target(sim, id, name, user, "removeUserCredential") {
        return r;
    }
    let changes = u8::from(sim.remove_credential(id, name));
    ok(
        200,
        &format!(
            "SYSAPI_CRED_DELETED Tenant: {} User: {user} Credential deleted. System: {id}",
            sim.scenario.tenant_id
        ),
        json!({"changes": changes}),
        json!({}),
    )
}
