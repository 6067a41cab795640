//! The Tapis endpoints: routing, the caller, and the message pieces every service shares.
//! `auth` is the authenticator, tenants and sites; `systems` reads systems; `credentials` checks
//! and removes a user's credential; `create` stores one.

mod auth;
mod create;
mod credentials;
mod systems;

use crate::resp::{self, Resp};
use crate::scenario::{AuthnMethod, SystemDef, SystemType};
use crate::state::Sim;
use hyper::body::Bytes;
use hyper::HeaderMap;
use serde_json::{json, Value};

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
    pub(super) fn flag(&self, name: &str) -> bool {
        self.q(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) async fn route(sim: &Sim, req: &Req) -> Resp {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("POST", ["v3", "oauth2", "tokens"]) => auth::token_grant(sim, req),
        ("GET", ["v3", "sites"]) => resp::py_ok(
            200,
            "Sites retrieved successfully.",
            json!([auth::site(sim)]),
        ),
        ("GET", ["v3", "sites", id]) if *id == "tacc" => {
            resp::py_ok(200, "Site retrieved successfully.", auth::site(sim))
        }
        ("GET", ["v3", "tenants"]) => resp::py_ok(
            200,
            "Tenants retrieved successfully.",
            json!([auth::tenant(sim)]),
        ),
        ("GET", ["v3", "tenants", id]) if *id == sim.scenario.tenant_id => {
            resp::py_ok(200, "Tenant retrieved successfully.", auth::tenant(sim))
        }
        ("GET", ["v3", "sites" | "tenants", _]) => resp::py_err(404, "Object not found."),
        (_, ["v3", "oauth2", "userinfo"] | ["v3", "systems", ..]) => {
            let user = match auth::authenticate(sim, req) {
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
        ("GET", ["oauth2", "userinfo"]) => auth::userinfo(user),
        ("GET", ["systems"]) => systems::list(sim, req, &who),
        ("GET", ["systems", id]) => systems::get(sim, req, id, &who),
        ("POST", ["systems", "credential", sys, "user", name, "check"]) => {
            credentials::check(sim, sys, name, &who).await
        }
        ("POST", ["systems", "credential", sys, "user", name]) => {
            create::create(sim, req, sys, name, &who).await
        }
        ("DELETE", ["systems", "credential", sys, "user", name]) => {
            credentials::remove(sim, sys, name, &who)
        }
        ("GET", ["systems", "credential", sys, "user", _]) => {
            credentials::get_credential(sim, sys, &who)
        }
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
pub(super) struct Who {
    pub(super) user: String,
    pub(super) tenant: String,
    pub(super) api: String,
    pub(super) lib: String,
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

/// SysLibMessages.properties SYSLIB_UNAUTH, thrown by `AuthUtils.checkAuthOboUser`.
pub(super) fn unauth(who: &Who, id: &str, op: &str) -> String {
    format!(
        "SYSLIB_UNAUTH Permission denied. {} System: {id} Operation: {op}",
        who.lib
    )
}

pub(super) fn enum_str<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub(super) fn method_str(m: AuthnMethod) -> String {
    enum_str(m).as_str().unwrap_or_default().to_string()
}

pub(super) fn type_str(t: SystemType) -> String {
    enum_str(t).as_str().unwrap_or_default().to_string()
}

/// The host login: the caller for a dynamic effective user, else the system's static user.
pub(super) fn login_user<'a>(s: &'a SystemDef, name: &'a str) -> &'a str {
    if s.is_dynamic() {
        name
    } else {
        &s.effective_user_id
    }
}
