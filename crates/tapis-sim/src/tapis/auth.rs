//! The authenticator (password grant, userinfo), the JWT filter in front of every service, and the
//! tenants and sites services.

use super::Req;
use crate::jwt::{self, JwtError};
use crate::resp::{self, now_secs, Resp};
use crate::state::Sim;
use serde_json::{json, Map, Value};

/// tapis-shared-java `JWTValidateRequestFilter`: its rejections are plain text (no envelope) sent
/// with the resource's JSON content type. A revoked token never reaches it: the deployment's nginx
/// asks the site-router first (`auth_request /_auth`, `locations/site-router-token-check.conf`),
/// before any signature or expiry check, and answers its refusal with `error_page 500`
/// (`proxy/templates/*/token-revoked.json`). It skips that lookup when the request names an
/// on-behalf-of tenant or user.
pub(super) fn authenticate(sim: &Sim, req: &Req) -> Result<String, Resp> {
    let filter = |body: String| resp::raw(401, "application/json", body);
    // The on-behalf-of header, if any: it skips nginx's revocation lookup, and the filter refuses
    // it with a user token (those headers are for service tokens).
    let obo = ["X-Tapis-User", "X-Tapis-Tenant"]
        .into_iter()
        .find(|h| req.header(h).is_some_and(|v| !v.trim().is_empty()));
    let token = req.header("x-tapis-token").filter(|t| !t.trim().is_empty());
    let revoked = token
        .and_then(jwt::peek_jti)
        .is_some_and(|jti| sim.is_revoked(&jti));
    if revoked && obo.is_none() {
        return Err(resp::raw(500, "application/json", REVOKED));
    }
    let Some(token) = token else {
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
    if let Some(h) = obo {
        return Err(filter(format!(
            "TAPIS_SECURITY_UNEXPECTED_HEADER A service request from {} in tenant {} contained header {h}, which cannot be used with user JWTs.  ",
            claims.username, sim.scenario.tenant_id
        )));
    }
    Ok(claims.username)
}

/// tapis-deployer `playbooks/roles/proxy/templates/kube/nginx/token-revoked.json`, byte for byte
/// with the template's version filled in.
const REVOKED: &str = r#"{"status": "error", "message": "Token is revoked.", "version": "26Q2.0", "result": null }
"#;

/// authenticator `service/controllers.py` TokensResource.post: `utils.ok` (200); a failed
/// password check raises `errors.ResourceError` (tapisservice: 400).
pub(super) fn token_grant(sim: &Sim, req: &Req) -> Resp {
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
    let Some(user) = sim
        .scenario
        .users
        .iter()
        .find(|u| u.username == username && u.password == password)
    else {
        return resp::py_err(400, "Invalid username/password combination.");
    };
    // ldap.py: the bind passed, the tenant's user filter did not. Not caught by
    // TokensResource.post: tapisservice's error handler answers the BaseTapisError (400).
    if !user.in_tenant {
        return resp::py_err(
            400,
            format!(
                "Invalid username; user {username} does not have access to the {} tenant.",
                sim.scenario.tenant_id
            ),
        );
    }
    if sim.scenario.tokens_api_down {
        return resp::py_err(
            400,
            "Failure to generate an access token; please try again later.",
        );
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

/// authenticator `service/controllers.py` UserInfoResource: `utils.ok(result=user.serialize)`, the
/// LDAP user's fields (`service/models.py`).
pub(super) fn userinfo(user: &str) -> Resp {
    resp::py_ok(
        200,
        "User profile retrieved successfully.",
        json!({"dn": format!("uid={user},ou=People,dc=tacc,dc=utexas,dc=edu"), "given_name": user,
            "last_name": user, "email": format!("{user}@example.org"), "phone": null,
            "mobile_phone": null, "create_time": null, "username": user, "uid": user}),
    )
}

pub(super) fn site(sim: &Sim) -> Value {
    json!({
        "site_id": "tacc",
        "primary": true,
        "base_url": sim.base_url,
        "tenant_base_url_template": sim.base_url,
        "site_admin_tenant_id": "admin",
        "services": ["authenticator", "tenants", "tokens", "systems"],
    })
}

pub(super) fn tenant(sim: &Sim) -> Value {
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
