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
        ("GET", ["v3", "sites"]) => {
            resp::py_ok(200, "Sites retrieved successfully.", json!([site(sim)]))
        }
        ("GET", ["v3", "sites", id]) if *id == "tacc" => {
            resp::py_ok(200, "Site retrieved successfully.", site(sim))
        }
        ("GET", ["v3", "tenants"]) => {
            resp::py_ok(200, "Tenants retrieved successfully.", json!([tenant(sim)]))
        }
        ("GET", ["v3", "tenants", id]) if *id == sim.scenario.tenant_id => {
            resp::py_ok(200, "Tenant retrieved successfully.", tenant(sim))
        }
        ("GET", ["v3", "sites" | "tenants", _]) => resp::py_err(404, "Object not found."),
        (_, ["v3", "oauth2", "userinfo"] | ["v3", "systems", ..]) => {
            let user = match authenticate(sim, req) {
                Ok(u) => u,
                Err(r) => return r,
            };
            authed(sim, req, &segs[1..], &user).await
        }
        _ => resp::mapped(
            404,
            format!("HTTP 404 Not Found: {} {}", req.method, req.path),
        ),
    }
}

async fn authed(sim: &Sim, req: &Req, segs: &[&str], user: &str) -> Resp {
    let who = Who::new(sim, user);
    match (req.method.as_str(), segs) {
        // authenticator service/controllers.py UserInfoResource: utils.ok(result=user.serialize),
        // the LDAP user's fields (service/models.py).
        ("GET", ["oauth2", "userinfo"]) => resp::py_ok(
            200,
            "User profile retrieved successfully.",
            json!({"dn": format!("uid={user},ou=People,dc=tacc,dc=utexas,dc=edu"), "given_name": user,
                "last_name": user, "email": format!("{user}@example.org"), "phone": null,
                "mobile_phone": null, "create_time": null, "username": user, "uid": user}),
        ),
        ("GET", ["systems"]) => list_systems(sim, req, &who),
        ("GET", ["systems", id]) => get_system(sim, req, id, &who),
        ("POST", ["systems", "credential", sys, "user", name, "check"]) => {
            check(sim, sys, name, &who).await
        }
        ("POST", ["systems", "credential", sys, "user", name]) => {
            create(sim, req, sys, name, &who).await
        }
        ("DELETE", ["systems", "credential", sys, "user", name]) => remove(sim, sys, name, &who),
        ("GET", ["systems", "credential", sys, "user", _]) => get_credential(sim, sys, &who),
        _ => resp::mapped(
            405,
            format!("HTTP 405 Method Not Allowed: {} {}", req.method, req.path),
        ),
    }
}

/// The caller, and the "jwtTenant: .. jwtUser: .. OboTenant: .. OboUser: .." preamble every
/// Systems message starts with (tapis-systems `ApiUtils.getMsgAuth` / `LibUtils.getMsgAuth`).
/// With a user token the obo tenant and user are the token's own. SysApiMessages.properties
/// says `jwtUser:`, most SysLibMessages.properties keys say `jwtUserId:`.
struct Who {
    user: String,
    tenant: String,
    api: String,
    lib: String,
}

impl Who {
    fn new(sim: &Sim, user: &str) -> Who {
        let t = &sim.scenario.tenant_id;
        Who {
            user: user.to_string(),
            tenant: t.to_string(),
            api: format!("jwtTenant: {t} jwtUser: {user} OboTenant: {t} OboUser: {user}"),
            lib: format!("jwtTenant: {t} jwtUserId: {user} OboTenant: {t} OboUser: {user}"),
        }
    }
}

/// tapis-shared-java `JWTValidateRequestFilter`: its rejections are plain text (no envelope) sent
/// with the resource's JSON content type. A revoked token never reaches it: the deployment's nginx
/// (tapis-deployer `proxy/templates/*/token-revoked.json`, `error_page 500`) answers first.
fn authenticate(sim: &Sim, req: &Req) -> Result<String, Resp> {
    let filter = |body: String| resp::raw(401, "application/json", body);
    let Some(token) = req.header("x-tapis-token").filter(|t| !t.trim().is_empty()) else {
        return Err(filter(format!(
            "TAPIS_SECURITY_MISSING_JWT_INFO HTTP {} request rejected due to missing JSON Web Token information.",
            req.method
        )));
    };
    let now = now_secs();
    let claims = match jwt::verify(token, &sim.scenario.tenant_id, now) {
        Ok(c) => c,
        Err(JwtError::Expired(c)) => {
            // jjwt's ExpiredJwtException message, then the filter's buildClaimsMsg.
            let exp = c["exp"].as_i64().unwrap_or(0);
            let z = |t: i64| resp::iso8601(t).replace("+00:00", "Z");
            let s = |k: &str| c[k].as_str().unwrap_or("null").to_string();
            return Err(filter(format!(
                "TAPIS_SECURITY_JWT_EXPIRED Exception message: JWT expired at {}. Current time: {}, a difference of {} milliseconds.  Allowed clock skew: 0 milliseconds. Claims: iss: {} sub: {} tapis/tenant_id: {} tapis/username: {} tapis/account_type: {}",
                z(exp), z(now), (now - exp) * 1000, s("iss"), s("sub"), s("tapis/tenant_id"),
                s("tapis/username"), s("tapis/account_type")
            )));
        }
        Err(JwtError::Parse(why)) => {
            return Err(filter(format!(
                "TAPIS_SECURITY_JWT_PARSE_ERROR Unable to parse JWT. Error: {why}"
            )));
        }
    };
    if sim.is_revoked(&claims.jti) {
        return Err(resp::raw(500, "application/json", REVOKED));
    }
    // A user token must not name an on-behalf-of user or tenant (those are for service tokens).
    for h in ["X-Tapis-User", "X-Tapis-Tenant"] {
        if req.header(h).is_some_and(|v| !v.trim().is_empty()) {
            return Err(filter(format!(
                "TAPIS_SECURITY_UNEXPECTED_HEADER A service request from {} in tenant {} contained header {h}, which cannot be used with user JWTs.  ",
                claims.username, sim.scenario.tenant_id
            )));
        }
    }
    Ok(claims.username)
}

/// tapis-deployer `playbooks/roles/proxy/templates/kube/nginx/token-revoked.json`, byte for byte
/// with the template's version filled in.
const REVOKED: &str = r#"{"status": "error", "message": "Token is revoked.", "version": "26Q2.0", "result": null }
"#;

/// authenticator `service/controllers.py` TokensResource.post: `utils.ok` (200); a failed
/// password check raises `errors.ResourceError` (tapisservice: 400).
fn token_grant(sim: &Sim, req: &Req) -> Resp {
    let form = |b: &[u8]| -> Map<String, Value> {
        form_urlencoded::parse(b)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    };
    let is_form = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let body: Map<String, Value> = if is_form {
        form(&req.body)
    } else {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => m,
            _ => return resp::py_err(400, "Invalid POST data: expected a JSON object."),
        }
    };
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    // TokensResource.post checks the tenant's allowable_grant_types before anything else.
    let allowed: &[&str] = if sim.scenario.allow_password_grant {
        &["password"]
    } else {
        &["authorization_code", "implicit"]
    };
    match field("grant_type") {
        "" => return resp::py_err(400, "Missing the required grant_type parameter."),
        g if allowed.contains(&g) => {}
        other => {
            return resp::py_err(
                400,
                format!("Invalid grant_type ({other}); this grant type is not allowed for this tenant. Allowable grant types: {allowed:?}").replace('"', "'"),
            )
        }
    }
    let (username, password) = (field("username"), field("password"));
    if username.is_empty() || password.is_empty() {
        return resp::py_err(
            400,
            "Missing required payload data; username and password are required for the password grant type.",
        );
    }
    let known = sim
        .scenario
        .users
        .iter()
        .any(|u| u.username == username && u.password == password);
    if !known {
        return resp::py_err(400, "Invalid username/password combination.");
    }
    let lifetime = sim.scenario.token_lifetime_secs;
    let m = sim.mint(username, lifetime);
    resp::py_ok(
        200,
        "Token created successfully.",
        json!({"access_token": {
            "access_token": m.token,
            "expires_at": resp::iso8601(m.exp),
            "expires_in": lifetime,
            "jti": m.jti,
        }}),
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

/// Attributes that tapis-systems `TapisSystemDTO.addDisplayField` writes with
/// `Boolean.toString`: under `select` they are the strings "true"/"false".
const STRING_BOOLEANS: [&str; 9] = [
    "enabled",
    "useProxy",
    "canExec",
    "canRunBatch",
    "enableCmdPrefix",
    "allowChildren",
    "deleted",
    "isPublic",
    "isDynamicEffectiveUser",
];

/// All attributes as `TapisSystemDTO.allAttrs` serialises them (Gson, JSON booleans), with a
/// dynamic effective user resolved to the caller as `SystemsServiceImpl.getSystem` does.
fn system_json(s: &SystemDef, user: &str, tenant: &str) -> Map<String, Value> {
    let effective = if s.is_dynamic() {
        user
    } else {
        s.effective_user_id.as_str()
    };
    let v = json!({
        "isPublic": false,
        "isDynamicEffectiveUser": s.is_dynamic(),
        "sharedWithUsers": [],
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
        "enableCmdPrefix": false,
        "mpiCmd": null,
        "jobRuntimes": [{"runtimeType": "SINGULARITY", "version": null}],
        "jobWorkingDir": "HOST_EVAL($SCRATCH)",
        "jobEnvVariables": [],
        "jobMaxJobs": 2147483647,
        "jobMaxJobsPerUser": 2147483647,
        "batchScheduler": "SLURM",
        "batchLogicalQueues": [],
        "batchDefaultLogicalQueue": null,
        "batchSchedulerProfile": "tacc",
        "jobCapabilities": [],
        "tags": [],
        "notes": {},
        "importRefId": null,
        "uuid": "00000000-0000-4000-8000-000000000000",
        "allowChildren": false,
        "parentId": null,
        "deleted": false,
        "created": "2024-01-01T00:00:00Z",
        "updated": "2024-01-01T00:00:00Z",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// tapis-systems `SystemResource.SUMMARY_ATTRS`: the default `select` of a list.
const SUMMARY: [&str; 8] = [
    "id",
    "systemType",
    "owner",
    "host",
    "effectiveUserId",
    "defaultAuthnMethod",
    "canExec",
    "parentId",
];

/// `TapisSystemDTO.getDisplayObject`: no select (or `allAttributes`) = every attribute as Gson
/// writes it; otherwise `id` first, then the summary if asked, then each named attribute, booleans
/// as strings. Unknown names are skipped.
fn display(full: Map<String, Value>, select: &[&str]) -> Value {
    if select.is_empty() || select.contains(&"allAttributes") {
        return Value::Object(full);
    }
    let mut names: Vec<&str> = Vec::new();
    if select.contains(&"summaryAttributes") {
        names.extend(SUMMARY);
    }
    if !select.contains(&"id") {
        names.push("id");
    }
    names.extend(select.iter().copied());
    let mut out = Map::new();
    for name in names {
        let Some(v) = full.get(name) else { continue };
        let v = match v {
            Value::Bool(b) if STRING_BOOLEANS.contains(&name) => Value::String(b.to_string()),
            other => other.clone(),
        };
        out.insert(name.to_string(), v);
    }
    Value::Object(out)
}

fn select_list(req: &Req) -> Vec<&str> {
    req.q("select")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// tapis-systems `SystemResource.getSystems` -> `getSearchResponse`, `SystemsServiceImpl.getSystems`.
fn list_systems(sim: &Sim, req: &Req, who: &Who) -> Resp {
    let user = who.user.as_str();
    // SystemsServiceImpl.getSystems: upper-cased, then checked against AuthListType; a bad value is
    // an IllegalArgumentException the resource wraps in SYSAPI_SELECT_ERROR (500).
    let list_type = req
        .q("listType")
        .filter(|v| !v.trim().is_empty())
        .unwrap_or("OWNED")
        .to_uppercase();
    let keep: fn(&SystemDef, &str) -> bool = match list_type.as_str() {
        "OWNED" => |s, u| s.owner == u,
        "SHARED_PUBLIC" => |s, u| s.owner != u && s.visible(u),
        "ALL" => |s, u| s.visible(u),
        other => {
            return resp::mapped(
                500,
                format!(
                    "SYSAPI_SELECT_ERROR Unable to retrieve system records. {} Error: SYSLIB_LISTTYPE_ERROR Invalid listType value. {} ListType: {other}",
                    who.api, who.api
                ),
            )
        }
    };
    let conds = match search::parse(req.q("search").unwrap_or("")) {
        Ok(c) => c,
        Err(e) => {
            return resp::mapped(
                400,
                format!(
                    "SYSAPI_SEARCH_ERROR Unable to validate search list. {} Error: {e}",
                    who.api
                ),
            )
        }
    };
    let number = |name: &str, default: i64| -> Result<i64, Resp> {
        req.q(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    resp::mapped(
                        400,
                        format!("TAPIS_INVALID_PARAMETER Invalid query parameter {name}: {v}"),
                    )
                })
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
    // -1 unless computeTotal=true (getSearchResponse).
    let total = if req.flag("computeTotal") {
        matching.len() as i64
    } else {
        -1
    };
    let take = if limit <= 0 {
        usize::MAX
    } else {
        limit as usize
    };
    let mut select = select_list(req);
    if select.is_empty() {
        select = SUMMARY.to_vec();
    }
    let page: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|m| display(m, &select))
        .collect();
    // RespSystems: ResultListMetadata.
    let metadata = json!({
        "recordCount": page.len(), "recordLimit": limit, "recordsSkipped": skip,
        "orderBy": req.q("orderBy"), "startAfter": req.q("startAfter"), "totalCount": total,
    });
    resp::ok_meta(
        200,
        &format!("TAPIS_FOUND Systems found: {} systems", page.len()),
        Value::Array(page),
        metadata,
    )
}

/// tapis-systems `SystemResource.getSystem` and `SystemsServiceImpl.getSystem`: a missing system is
/// a NotFoundException (SYSAPI_NOT_FOUND), a refused read a ForbiddenException (SYSLIB_UNAUTH),
/// both through ApiExceptionMapper.
fn get_system(sim: &Sim, req: &Req, id: &str, who: &Who) -> Resp {
    let s = match sim.scenario.system(id) {
        None => {
            return resp::mapped(
                404,
                format!(
                    "SYSAPI_NOT_FOUND Record not found. {} System: {id}",
                    who.api
                ),
            )
        }
        Some(s) if !s.visible(&who.user) && s.owner != who.user => {
            return resp::mapped(403, unauth(who, id, "read"))
        }
        Some(s) => s,
    };
    resp::ok(
        200,
        &format!("TAPIS_FOUND System found: {id}"),
        display(
            system_json(s, &who.user, &sim.scenario.tenant_id),
            &select_list(req),
        ),
    )
}

/// SysLibMessages.properties SYSLIB_UNAUTH, thrown by `AuthUtils.checkAuthOboUser`.
fn unauth(who: &Who, id: &str, op: &str) -> String {
    format!(
        "SYSLIB_UNAUTH Permission denied. {} System: {id} Operation: {op}",
        who.lib
    )
}

/// The first two steps of every credential endpoint (tapis-systems `CredentialResource`):
/// `ApiUtils.checkSystemExists` (404 SYSAPI_NOSYSTEM; the READ check inside it throws, and it
/// answers every exception with 500 SYSAPI_CHECK_ERROR), then the service's
/// `AuthUtils.checkAuthOboUser` for `op`: owner, or the caller's own name (403 otherwise).
fn credential_target<'a>(
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
enum Ssh {
    Ok,
    Rejected,
    Unreachable,
}

/// The simulated SSH login, taking as long as the scenario says. A user without an account on the
/// host is refused exactly like a bad key ("No more authentication methods available").
async fn ssh_login(s: &SystemDef, login: &str, cred: CredState) -> Ssh {
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
fn valid_fail(who: &Who, s: &SystemDef, name: &str, method: AuthnMethod, why: &str) -> Resp {
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

fn method_str(m: AuthnMethod) -> String {
    enum_str(m).as_str().unwrap_or_default().to_string()
}

fn type_str(t: SystemType) -> String {
    enum_str(t).as_str().unwrap_or_default().to_string()
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

/// The host login: the caller for a dynamic effective user, else the system's static user.
fn login_user<'a>(s: &'a SystemDef, name: &'a str) -> &'a str {
    if s.is_dynamic() {
        name
    } else {
        &s.effective_user_id
    }
}

/// tapis-systems `CredentialResource.checkUserCredential` -> `CredUtils.checkCredentialForUser`.
async fn check(sim: &Sim, id: &str, name: &str, who: &Who) -> Resp {
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
    let Some(cred) = sim.credential(id, name) else {
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
    if matches!(s.system_type, SystemType::Irods | SystemType::Globus) {
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
        failed => valid_fail(
            who,
            s,
            name,
            method,
            &ssh_message(who, s, login, method, failed),
        ),
    }
}

fn not_supported(who: &Who, s: &SystemDef, login: &str, method: AuthnMethod) -> String {
    format!(
        "SYSLIB_CRED_NOT_SUPPORTED Credential validation failed. Not supported for system type. {} System: {} SystemType: {} EffectiveUser: {login} AuthnMethod: {}",
        who.lib,
        s.id,
        type_str(s.system_type),
        method_str(method)
    )
}

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
async fn create(sim: &Sim, req: &Req, id: &str, name: &str, who: &Who) -> Resp {
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
    let cred_error = |inner: String| {
        resp::mapped(
            500,
            format!(
                "SYSAPI_CRED_ERROR Unable to operate on credential for system. {} System: {id} User: {name} Operation: {op} Error: {inner}",
                who.api
            ),
        )
    };
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
        // CredUtils validateTmsConfig, in this order, then the TMS server call (createTmsKeys).
        let login_mapping = body
            .get("loginUser")
            .and_then(Value::as_str)
            .or(s.login_user.as_deref());
        let t = &who.tenant;
        let refusal = if !sim.scenario.tms.tenant_allowed {
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
        };
        if let Some(inner) = refusal {
            return cred_error(inner);
        }
    }
    // Verification only for LINUX and S3, with the system's own method, unless skipped.
    let verify = !req.flag("skipCredentialCheck")
        && matches!(s.system_type, SystemType::Linux | SystemType::S3);
    if verify {
        let login = login_user(s, name);
        let has_secret = match method {
            // The freshly minted TMS key pair.
            AuthnMethod::TmsKeys => tms,
            AuthnMethod::PkiKeys => secret("privateKey").is_some(),
            AuthnMethod::Password => secret("password").is_some(),
            AuthnMethod::AccessKey => secret("accessKey").is_some(),
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
        match ssh_login(s, login, CredState::Valid).await {
            Ssh::Ok if sim.take_create_failure(id) => {
                return valid_fail(
                    who,
                    s,
                    name,
                    method,
                    &ssh_message(who, s, login, method, Ssh::Rejected),
                )
            }
            Ssh::Ok => {}
            failed => {
                return valid_fail(
                    who,
                    s,
                    name,
                    method,
                    &ssh_message(who, s, login, method, failed),
                )
            }
        }
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

fn json_invalid(who: &Who, id: &str, name: &str, why: &str) -> Resp {
    resp::mapped(
        500,
        format!(
            "SYSAPI_CRED_JSON_INVALID Request payload did not conform to specification during attempt to operate on credential for system. {} System: {id} User: {name} Error: {why}",
            who.api
        ),
    )
}

/// tapis-systems `CredentialResource.removeUserCredential`: 201 with `result: null` whether or not
/// anything was stored (`CredUtils.deleteCredential` returns 0 then, and the resource ignores it).
fn remove(sim: &Sim, id: &str, name: &str, who: &Who) -> Resp {
    if let Err(r) = credential_target(sim, id, name, who, "removeUserCredential", "removeCred") {
        return r;
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

/// Reading a secret back is for services only: `AuthUtils.checkAuthOboUser` op getCred.
fn get_credential(sim: &Sim, id: &str, who: &Who) -> Resp {
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
