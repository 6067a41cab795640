//! The Tapis endpoints over real HTTP: auth, JWT filter, CORS, systems and credentials.

mod common;

use base64::Engine;
use common::{start, test_scenario};
use serde_json::{json, Value};
use tapis_sim::{CredState, Scenario, StoredCredential};

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("three-part JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn password_grant_issues_tapis_shaped_jwt() {
    let sim = start(test_scenario()).await;
    let r = sim.grant("alice", "alice-pw").await;
    // authenticator TokensResource.post answers utils.ok: 200, tapisservice envelope.
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.content_type(), "application/json");
    let j = r.json();
    assert_eq!(j["status"], "success");
    assert_eq!(j["metadata"], json!({}));
    let at = &j["result"]["access_token"];
    assert_eq!(at["expires_in"], 600);
    assert!(at["expires_at"].as_str().unwrap().ends_with("+00:00"));
    let jwt = at["access_token"].as_str().unwrap();
    let c = claims(jwt);
    assert_eq!(c["iss"], format!("{}/v3/tokens", sim.url));
    assert_eq!(c["sub"], "alice@designsafe");
    assert_eq!(c["jti"], at["jti"]);
    assert_eq!(c["tapis/tenant_id"], "designsafe");
    assert_eq!(c["tapis/username"], "alice");
    assert_eq!(c["tapis/token_type"], "access");
    assert_eq!(c["tapis/account_type"], "user");
    assert_eq!(c["tapis/delegation"], false);
    assert_eq!(c["tapis/delegation_sub"], Value::Null);
    assert_eq!(c["tapis/client_id"], Value::Null);
    assert_eq!(c["tapis/grant_type"], "password");
    let lifetime = c["exp"].as_i64().unwrap() - chrono_free_now();
    assert!((590..=600).contains(&lifetime), "{lifetime}");

    let me = sim
        .call("GET", "/v3/oauth2/userinfo", Some(jwt), None)
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["result"]["username"], "alice");

    // tapipy may send the grant form-encoded.
    let form = sim
        .http
        .post(format!("{}/v3/oauth2/tokens", sim.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=bob&password=bob-pw&grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);

    let r = sim.grant("alice", "nope").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["status"], "error");
    assert!(r.message().contains("Invalid username/password"));
    let grant = json!({"username": "alice", "password": "alice-pw", "grant_type": "implicit"});
    assert_eq!(
        sim.call("POST", "/v3/oauth2/tokens", None, Some(grant))
            .await
            .status,
        400
    );
}

fn chrono_free_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn tenants_and_sites_publish_the_signing_key() {
    let sim = start(test_scenario()).await;
    let t = sim.call("GET", "/v3/tenants", None, None).await.json();
    let tenant = &t["result"][0];
    assert_eq!(tenant["tenant_id"], "designsafe");
    assert_eq!(tenant["base_url"], sim.url);
    assert!(tenant["public_key"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(
        sim.call("GET", "/v3/tenants/designsafe", None, None)
            .await
            .status,
        200
    );
    assert_eq!(
        sim.call("GET", "/v3/tenants/other", None, None)
            .await
            .status,
        404
    );
    let s = sim.call("GET", "/v3/sites", None, None).await.json();
    assert_eq!(s["result"][0]["site_id"], tenant["site_id"]);
}

#[tokio::test]
async fn behind_a_proxy_tokens_and_tenants_name_the_public_url() {
    let public = "https://tenant.example:8443";
    let handle = tapis_sim::spawn_behind(
        test_scenario(),
        "127.0.0.1:0".parse().unwrap(),
        Some("https://tenant.example:8443/"),
    )
    .await
    .expect("spawn");
    assert_eq!(handle.base_url(), public, "no trailing slash");
    assert!(handle.listen_url().starts_with("http://127.0.0.1:"));
    let sim = common::Sim {
        url: handle.listen_url().to_string(),
        http: reqwest::Client::new(),
        handle,
    };
    let token = sim.token("alice");
    assert_eq!(claims(&token)["iss"], format!("{public}/v3/tokens"));
    let t = sim
        .call("GET", "/v3/tenants/designsafe", None, None)
        .await
        .json();
    assert_eq!(t["result"]["base_url"], public);
    // What the proxy forwards is accepted: the token names the tenant, not the listen port.
    let r = sim.call("GET", "/v3/systems/ok", Some(&token), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn expect_plain_401(sim: &common::Sim, token: Option<&str>, prefix: &str) {
    let r = sim.call("GET", "/v3/systems/ok", token, None).await;
    assert_eq!(r.status, 401, "{}", r.text);
    // JWTValidateRequestFilter aborts with a bare string: plain text under the resource's JSON type.
    assert_eq!(r.content_type(), "application/json");
    assert!(
        serde_json::from_str::<Value>(&r.text).is_err(),
        "{}",
        r.text
    );
    assert!(r.text.starts_with(prefix), "{}", r.text);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn jwt_filter_rejections() {
    let sim = start(test_scenario()).await;
    expect_plain_401(&sim, None, "TAPIS_SECURITY_MISSING_JWT_INFO").await;
    expect_plain_401(&sim, Some("not-a-jwt"), "TAPIS_SECURITY_JWT_PARSE_ERROR").await;
    // Valid structure, claims changed after signing.
    let good = sim.token("alice");
    let parts: Vec<&str> = good.split('.').collect();
    let mut c = claims(&good);
    c["tapis/username"] = json!("bob");
    let forged_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c.to_string());
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    expect_plain_401(&sim, Some(&forged), "TAPIS_SECURITY_JWT_PARSE_ERROR").await;
    let expired = sim.handle.mint_token("alice", -5);
    expect_plain_401(&sim, Some(&expired), "TAPIS_SECURITY_JWT_EXPIRED").await;
    // The filter reads the claims before the signature: expired is said first.
    let p: Vec<&str> = expired.split('.').collect();
    let expired_forged = format!("{}.{}.{}", p[0], p[1], parts[2]);
    expect_plain_401(&sim, Some(&expired_forged), "TAPIS_SECURITY_JWT_EXPIRED").await;

    for header in ["X-Tapis-User", "X-Tapis-Tenant"] {
        let r = sim
            .http
            .get(format!("{}/v3/systems/ok", sim.url))
            .header("X-Tapis-Token", &good)
            .header(header, "alice")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let text = r.text().await.unwrap();
        assert!(
            text.starts_with("TAPIS_SECURITY_UNEXPECTED_HEADER")
                && text.contains(&format!("contained header {header}")),
            "{text}"
        );
    }

    assert_eq!(
        sim.call("GET", "/v3/systems/ok", Some(&good), None)
            .await
            .status,
        200
    );
    sim.handle.revoke("alice");
    let r = sim.call("GET", "/v3/systems/ok", Some(&good), None).await;
    assert_eq!(r.status, 500);
    // The proxy's token-revoked.json (tapis-deployer), not a Systems envelope.
    assert_eq!(
        r.json(),
        json!({"status": "error", "message": "Token is revoked.", "version": "26Q2.0", "result": null})
    );
    // nginx asks the site-router before the filter runs: revoked wins over expired, and an
    // on-behalf-of header skips the lookup, so the filter's own answer comes back.
    let old = sim.handle.mint_token("alice", -5);
    sim.handle.revoke("alice");
    let r = sim.call("GET", "/v3/systems/ok", Some(&old), None).await;
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (500, Some("Token is revoked."))
    );
    let r = sim
        .http
        .get(format!("{}/v3/systems/ok", sim.url))
        .header("X-Tapis-Token", &good)
        .header("X-Tapis-User", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r
        .text()
        .await
        .unwrap()
        .starts_with("TAPIS_SECURITY_UNEXPECTED_HEADER"));
    // Only tokens issued so far are revoked.
    let fresh = sim.token("alice");
    assert_eq!(
        sim.call("GET", "/v3/systems/ok", Some(&fresh), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn cors_on_every_response_and_preflight_without_token() {
    let sim = start(test_scenario()).await;
    let expect_cors = |r: &common::Reply| {
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(
            r.header("access-control-allow-methods"),
            Some("GET, POST, PUT, PATCH, DELETE, OPTIONS")
        );
        let allowed = r.header("access-control-allow-headers").unwrap();
        assert!(
            allowed.contains("x-tapis-token") && allowed.contains("Content-Type"),
            "{allowed}"
        );
        assert!(r.header("access-control-max-age").is_none());
    };
    let pre = sim
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v3/systems/credential/ok/user/alice/check", sim.url),
        )
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "x-tapis-token")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
    expect_cors(&sim.as_user("alice", "GET", "/v3/systems/ok", None).await);
    expect_cors(&sim.call("GET", "/v3/systems/ok", None, None).await);
    expect_cors(&sim.as_user("alice", "GET", "/v3/systems/nope", None).await);
    expect_cors(&sim.call("GET", "/v3/unknown", None, None).await);
    expect_cors(&sim.call("GET", "/sim/log", None, None).await);
}

fn ids(r: &common::Reply) -> Vec<String> {
    r.json()["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn list_systems_filters_and_pages() {
    let sim = start(test_scenario()).await;
    // OWNED is the default.
    assert_eq!(
        ids(&sim.as_user("alice", "GET", "/v3/systems", None).await),
        ["pki"]
    );
    let all = sim
        .as_user("alice", "GET", "/v3/systems?listType=ALL", None)
        .await;
    let all_ids = ids(&all);
    assert!(!all_ids.contains(&"hidden".to_string()) && all_ids.contains(&"nouse".to_string()));
    assert_eq!(all_ids.len(), 9);
    assert!(ids(&sim
        .as_user("bob", "GET", "/v3/systems?listType=ALL", None)
        .await)
    .contains(&"hidden".into()));
    let shared = ids(&sim
        .as_user("alice", "GET", "/v3/systems?listType=SHARED_PUBLIC", None)
        .await);
    assert!(!shared.contains(&"pki".to_string()) && shared.len() == 8);
    // SystemResource.SUMMARY_ATTRS by default, written as display fields (string booleans).
    let first = all.json()["result"][0].clone();
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "canExec",
            "defaultAuthnMethod",
            "effectiveUserId",
            "host",
            "id",
            "owner",
            "parentId",
            "systemType"
        ]
    );
    assert_eq!(first["canExec"], "true");
    // totalCount is -1 unless computeTotal=true.
    assert_eq!(all.json()["metadata"]["totalCount"], -1);
    let counted = sim
        .as_user(
            "alice",
            "GET",
            "/v3/systems?listType=all&computeTotal=true&limit=2",
            None,
        )
        .await;
    assert_eq!(counted.json()["metadata"]["totalCount"], 9);
    assert_eq!(ids(&counted).len(), 2);

    let sel = sim
        .as_user(
            "alice",
            "GET",
            "/v3/systems?listType=ALL&select=id,enabled",
            None,
        )
        .await;
    assert_eq!(
        sel.json()["result"][0],
        json!({"id": "ok", "enabled": "true"})
    );
    let search = |s: &str| format!("/v3/systems?listType=ALL&search={s}");
    let r = sim
        .as_user("alice", "GET", &search("(id.eq.down)"), None)
        .await;
    assert_eq!(ids(&r), ["down"]);
    let r = sim
        .as_user("alice", "GET", &search("(id.in.ok,flaky,hidden)"), None)
        .await;
    assert_eq!(ids(&r), ["ok", "flaky"]);
    let r = sim
        .as_user("alice", "GET", &search("(host.like.*ed.example)"), None)
        .await;
    assert_eq!(ids(&r), ["rejected", "disabled"]);
    let r = sim
        .as_user(
            "alice",
            "GET",
            &search("(defaultAuthnMethod.neq.TMS_KEYS)"),
            None,
        )
        .await;
    assert_eq!(ids(&r), ["pki"]);
    let r = sim
        .as_user(
            "alice",
            "GET",
            &search("(systemType.eq.LINUX)~(canExec.eq.false)"),
            None,
        )
        .await;
    assert_eq!(ids(&r), ["disabled"]);
    let r = sim
        .as_user(
            "alice",
            "GET",
            "/v3/systems?listType=ALL&limit=2&skip=1",
            None,
        )
        .await;
    assert_eq!(ids(&r), ["rejected", "down"]);
    assert_eq!(r.json()["metadata"]["recordCount"], 2);
    let r = sim
        .as_user("alice", "GET", "/v3/systems?listType=ALL&limit=-1", None)
        .await;
    assert_eq!(ids(&r).len(), 9);
    let r = sim
        .as_user("alice", "GET", "/v3/systems?listType=MINE", None)
        .await;
    assert_mapped(
        &r,
        500,
        &[
            "SYSAPI_SELECT_ERROR",
            "SYSLIB_LISTTYPE_ERROR",
            "ListType: MINE",
        ],
    );
    assert_eq!(
        sim.as_user("alice", "GET", &search("(id.approx.x)"), None)
            .await
            .status,
        400
    );
    assert_eq!(
        sim.as_user("alice", "GET", "/v3/systems?limit=ten", None)
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn get_system_select_and_errors() {
    let sim = start(test_scenario()).await;
    let r = sim.as_user("alice", "GET", "/v3/systems/ok", None).await;
    assert_eq!(r.status, 200);
    let s = &r.json()["result"];
    assert_eq!(s["defaultAuthnMethod"], "TMS_KEYS");
    assert_eq!(s["isDynamicEffectiveUser"], true);
    // A dynamic effective user resolves to the caller.
    assert_eq!(s["effectiveUserId"], "alice");
    let s = sim
        .as_user("alice", "GET", "/v3/systems/static", None)
        .await
        .json()["result"]
        .clone();
    assert_eq!(
        (
            s["effectiveUserId"].clone(),
            s["isDynamicEffectiveUser"].clone()
        ),
        (json!("svc"), json!(false))
    );
    let s = sim
        .as_user("alice", "GET", "/v3/systems/disabled", None)
        .await
        .json()["result"]
        .clone();
    assert_eq!(
        (s["enabled"].clone(), s["canExec"].clone()),
        (json!(false), json!(false))
    );
    let r = sim
        .as_user(
            "alice",
            "GET",
            "/v3/systems/s3?select=id,systemType,host",
            None,
        )
        .await;
    assert_eq!(
        r.json()["result"],
        json!({"id": "s3", "systemType": "S3", "host": "s3.example"})
    );
    // Under select, TapisSystemDTO writes booleans as strings and always adds id.
    let r = sim
        .as_user(
            "alice",
            "GET",
            "/v3/systems/disabled?select=enabled,canExec,isDynamicEffectiveUser",
            None,
        )
        .await;
    assert_eq!(
        r.json()["result"],
        json!({"id": "disabled", "enabled": "false", "canExec": "false", "isDynamicEffectiveUser": "true"})
    );
    assert_eq!(r.json()["metadata"], Value::Null);
    let r = sim.as_user("alice", "GET", "/v3/systems/nope", None).await;
    assert_mapped(&r, 404, &["SYSAPI_NOT_FOUND", "System: nope"]);
    let r = sim
        .as_user("alice", "GET", "/v3/systems/hidden", None)
        .await;
    assert_mapped(&r, 403, &["SYSLIB_UNAUTH", "Operation: read"]);
    assert_eq!(
        sim.as_user("bob", "GET", "/v3/systems/hidden", None)
            .await
            .status,
        200
    );
}

/// An error the Systems resource builds itself: status "error" (TapisRestUtils.createErrorResponse).
fn assert_err(r: &common::Reply, status: u16, parts: &[&str]) {
    assert_envelope(r, status, "error", parts)
}

/// An exception through ApiExceptionMapper: the reason phrase in status.
fn assert_mapped(r: &common::Reply, status: u16, parts: &[&str]) {
    let reason = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    assert_envelope(r, status, reason, parts)
}

fn assert_envelope(r: &common::Reply, status: u16, word: &str, parts: &[&str]) {
    assert_eq!(r.status, status, "{}", r.text);
    let j = r.json();
    assert_eq!(j["status"], word, "{}", r.text);
    assert_eq!(j["version"], "1.8.2");
    assert!(j["commit"].is_string() && j["build"].is_string());
    assert_eq!((&j["result"], &j["metadata"]), (&Value::Null, &Value::Null));
    let m = j["message"].as_str().unwrap();
    let mut at = 0;
    for p in parts {
        let i = m[at..]
            .find(p)
            .unwrap_or_else(|| panic!("{p:?} not in order in {m:?}"));
        at += i + p.len();
    }
    assert!(m.starts_with(parts[0]), "{m}");
}

#[tokio::test]
async fn check_reports_in_tapis_order() {
    let sim = start(test_scenario()).await;
    assert_err(&sim.check("alice", "nope").await, 404, &["SYSAPI_NOSYSTEM"]);
    // Not even readable: checkSystemExists answers every exception with 500.
    assert_err(
        &sim.check("alice", "hidden").await,
        500,
        &[
            "SYSAPI_CHECK_ERROR",
            "Operation: checkUserCredential",
            "SYSLIB_UNAUTH",
            "Operation: read",
        ],
    );
    // No account on the host: Tapis does not know; nothing stored yet.
    assert_mapped(
        &sim.check("alice", "nouse").await,
        401,
        &["SYSLIB_CRED_NOT_FOUND"],
    );
    // userName must be the token's user unless the caller owns the system.
    let r = sim
        .as_user(
            "bob",
            "POST",
            "/v3/systems/credential/ok/user/alice/check",
            None,
        )
        .await;
    assert_mapped(&r, 403, &["SYSLIB_UNAUTH", "Operation: checkCred"]);
    assert_mapped(
        &sim.check("alice", "ok").await,
        401,
        &["SYSLIB_CRED_NOT_FOUND"],
    );
    assert_err(
        &sim.check("alice", "rejected").await,
        401,
        &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_VALID_FAIL"],
    );
    assert_err(
        &sim.check("alice", "down").await,
        401,
        &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_CONN_FAIL"],
    );

    assert_eq!(sim.create("alice", "ok").await.status, 201);
    let r = sim.check("alice", "ok").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.message().starts_with("SYSAPI_CRED_OK"));
    assert_eq!(r.json()["status"], "success");
    assert!(
        r.elapsed.as_millis() >= 200,
        "SSH delay not applied: {:?}",
        r.elapsed
    );
    // Without an SSH delay the check is quick.
    assert!(sim.check("alice", "rejected").await.elapsed.as_millis() < 200);
}

#[tokio::test]
async fn create_validations_in_order() {
    let sim = start(test_scenario()).await;
    assert_err(
        &sim.create("alice", "nope").await,
        404,
        &["SYSAPI_NOSYSTEM"],
    );
    assert_err(
        &sim.create("alice", "hidden").await,
        500,
        &["SYSAPI_CHECK_ERROR", "SYSLIB_UNAUTH"],
    );
    // No account on the host: the new key is refused like a bad one, and nothing is stored.
    assert_err(
        &sim.create("alice", "nouse").await,
        401,
        &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_VALID_FAIL"],
    );
    assert!(sim
        .handle
        .credentials()
        .iter()
        .all(|c| c.system_id != "nouse"));
    assert_eq!(sim.create("bob", "nouse").await.status, 201);
    let r = sim
        .as_user(
            "bob",
            "POST",
            "/v3/systems/credential/ok/user/alice?createTmsKeys=true",
            Some(json!({})),
        )
        .await;
    assert_mapped(&r, 403, &["SYSLIB_UNAUTH", "Operation: setCred"]);
    assert_mapped(
        &sim.create("alice", "s3").await,
        500,
        &["SYSAPI_CRED_ERROR", "SYSLIB_CRED_TMS_KEYS_INVALID_SYS_TYPE"],
    );
    assert_mapped(
        &sim.create("alice", "static").await,
        500,
        &[
            "SYSAPI_CRED_ERROR",
            "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED",
            "IsStaticEffectiveUser: true",
        ],
    );
    // tms-mvp fills a blank loginUser with the caller's name: every createTmsKeys is refused.
    let mut mvp = common::test_scenario();
    mvp.tms.login_user_defaulted = true;
    let mvp = common::start(mvp).await;
    assert_mapped(
        &mvp.create("alice", "ok").await,
        500,
        &[
            "SYSAPI_CRED_ERROR",
            "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED",
            "LoginUser: alice IsStaticEffectiveUser: false",
        ],
    );
    assert!(mvp.handle.credentials().iter().all(|c| c.system_id != "ok"));
    let body_login = Some(json!({"loginUser": "svc"}));
    let r = sim
        .as_user(
            "alice",
            "POST",
            "/v3/systems/credential/ok/user/alice?createTmsKeys=true",
            body_login,
        )
        .await;
    assert_mapped(
        &r,
        500,
        &["SYSAPI_CRED_ERROR", "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED"],
    );
    // createTmsKeys belongs in the query; in the body it fails schema validation.
    let r = sim
        .as_user(
            "alice",
            "POST",
            "/v3/systems/credential/ok/user/alice",
            Some(json!({"createTmsKeys": true})),
        )
        .await;
    assert_mapped(&r, 500, &["SYSAPI_CRED_JSON_INVALID", "createTmsKeys"]);
    let r = sim
        .as_user(
            "alice",
            "POST",
            "/v3/systems/credential/ok/user/alice",
            Some(json!({})),
        )
        .await;
    assert_mapped(
        &r,
        500,
        &["SYSAPI_CRED_ERROR", "SYSLIB_CRED_TMS_KEYS_BAD_ARG"],
    );
    assert!(sim.handle.credentials().iter().all(|c| c.system_id != "ok"));

    // Non-TMS systems take a key pair without createTmsKeys; createTmsKeys (or no key) is checked
    // with the system's own method and finds no key pair.
    let pki = "/v3/systems/credential/pki/user/alice";
    for path in [pki.to_string(), format!("{pki}?createTmsKeys=true")] {
        assert_err(
            &sim.as_user("alice", "POST", &path, Some(json!({}))).await,
            401,
            &[
                "SYSAPI_CRED_VALID_FAIL",
                "AuthnMethod: PKI_KEYS",
                "SYSLIB_CRED_NOT_FOUND",
                "Operation: verifyCredentials",
            ],
        );
    }
    assert!(sim
        .handle
        .credentials()
        .iter()
        .all(|c| c.system_id != "pki"));
    assert_err(
        &sim.as_user("alice", "POST", pki, Some(json!({"privateKey": "k"})))
            .await,
        400,
        &["SYSAPI_CRED_SECRET_MISSING", "publicKey"],
    );
    let keys =
        json!({"privateKey": "-----BEGIN RSA PRIVATE KEY-----", "publicKey": "ssh-rsa AAAA"});
    assert_eq!(
        sim.as_user("alice", "POST", pki, Some(keys)).await.status,
        201
    );

    let r = sim.create("alice", "ok").await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.message().starts_with("SYSAPI_CRED_UPDATED"));
    let mine: Vec<StoredCredential> = sim
        .handle
        .credentials()
        .into_iter()
        .filter(|c| c.username == "alice")
        .collect();
    assert!(mine.contains(&StoredCredential {
        system_id: "ok".into(),
        username: "alice".into(),
        state: CredState::Valid
    }));
    assert!(mine.iter().any(|c| c.system_id == "pki"));
}

#[tokio::test]
async fn tenant_level_tms_validations_come_first() {
    for (field, code) in [
        ("tenantAllowed", "SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED"),
        ("configured", "SYSLIB_CRED_TMS_KEYS_NOT_CFG"),
    ] {
        let mut s = test_scenario();
        match field {
            "tenantAllowed" => s.tms.tenant_allowed = false,
            _ => s.tms.configured = false,
        }
        let sim = start(s).await;
        // Even a system that would fail later checks reports the tenant-level reason.
        assert_mapped(
            &sim.create("alice", "s3").await,
            500,
            &["SYSAPI_CRED_ERROR", code],
        );
        assert_mapped(
            &sim.create("alice", "ok").await,
            500,
            &["SYSAPI_CRED_ERROR", code],
        );
        sim.handle.shutdown().await;
    }
}

#[tokio::test]
async fn each_configured_tms_error_is_returned() {
    let codes = [
        "SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED",
        "SYSLIB_CRED_TMS_KEYS_NOT_CFG",
        "SYSLIB_CRED_TMS_KEYS_INVALID_SYS_TYPE",
        "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED",
        "SYSLIB_CRED_TMS_KEYS_HTTP_ERR",
        "SYSLIB_CRED_TMS_KEYS_ERR",
        "SYSLIB_CRED_TMS_KEYS_NO_BODY",
        "SYSLIB_CRED_TMS_KEYS_NULL_FIELD",
        "SYSLIB_CRED_TMS_KEYS_EMPTY_FIELD",
    ];
    let systems: Vec<Value> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"id": format!("sys{i}"), "host": "h", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
                   "behaviour": {"tmsError": c}})
        })
        .collect();
    let s = json!({"tenantId": "designsafe", "users": [{"username": "alice", "password": "p"}], "systems": systems});
    let sim = start(Scenario::from_json(&s.to_string()).unwrap()).await;
    for (i, code) in codes.iter().enumerate() {
        assert_mapped(
            &sim.create("alice", &format!("sys{i}")).await,
            500,
            &["SYSAPI_CRED_ERROR", code],
        );
    }
    assert!(sim.handle.credentials().is_empty());
    assert!(Scenario::from_json(
        &s.to_string()
            .replace("SYSLIB_CRED_TMS_KEYS_ERR", "SYSLIB_BOGUS")
    )
    .is_err());
}

#[tokio::test]
async fn create_fails_401_while_the_allocation_propagates() {
    let sim = start(test_scenario()).await;
    for _ in 0..2 {
        assert_err(
            &sim.create("alice", "flaky").await,
            401,
            &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_VALID_FAIL"],
        );
        assert_mapped(
            &sim.check("alice", "flaky").await,
            401,
            &["SYSLIB_CRED_NOT_FOUND"],
        );
    }
    assert_eq!(sim.create("alice", "flaky").await.status, 201);
    assert_eq!(sim.check("alice", "flaky").await.status, 200);
    // The counter is per system, not per user, and reset restores it.
    sim.handle.reset();
    assert_eq!(sim.create("bob", "flaky").await.status, 401);
    // skipCredentialCheck skips the verification that fails.
    let r = sim
        .as_user(
            "bob",
            "POST",
            "/v3/systems/credential/flaky/user/bob?createTmsKeys=true&skipCredentialCheck=true",
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 201);
    // An unreachable host fails verification too, and nothing is stored.
    assert_err(
        &sim.create("bob", "down").await,
        401,
        &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_CONN_FAIL"],
    );
    assert!(!sim
        .handle
        .credentials()
        .iter()
        .any(|c| c.system_id == "down" && c.username == "bob"));
}

#[tokio::test]
async fn remove_is_idempotent() {
    let sim = start(test_scenario()).await;
    let path = "/v3/systems/credential/ok/user/alice";
    assert_eq!(sim.create("alice", "ok").await.status, 201);
    // CredentialResource.removeUserCredential: 201, result null, whether or not anything was stored.
    for _ in 0..2 {
        let r = sim.as_user("alice", "DELETE", path, None).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.message().starts_with("SYSAPI_CRED_DELETED"));
        assert_eq!(r.json()["result"], Value::Null);
    }
    assert_mapped(
        &sim.check("alice", "ok").await,
        401,
        &["SYSLIB_CRED_NOT_FOUND"],
    );
    assert_mapped(
        &sim.as_user("bob", "DELETE", path, None).await,
        403,
        &["SYSLIB_UNAUTH", "Operation: removeCred"],
    );
    // Reading a secret back is never allowed for a user token.
    assert_mapped(
        &sim.as_user("alice", "GET", path, None).await,
        403,
        &["SYSLIB_UNAUTH_GETCRED"],
    );
}

#[tokio::test]
async fn demo_scenario_systems() {
    let sim = start(Scenario::demo()).await;
    let r = sim.grant("demo", "demo").await;
    assert_eq!(r.status, 200);
    let all = ids(&sim
        .as_user("demo", "GET", "/v3/systems?listType=ALL", None)
        .await);
    assert_eq!(
        all,
        [
            "stampede3",
            "ls6",
            "frontera",
            "corral-pki",
            "vista",
            "no-account-cluster",
            "shared-account-cluster"
        ]
    );
    for id in ["stampede3", "ls6", "frontera"] {
        let s = sim
            .as_user("demo", "GET", &format!("/v3/systems/{id}"), None)
            .await
            .json()["result"]
            .clone();
        assert_eq!(
            (
                s["defaultAuthnMethod"].as_str(),
                s["isDynamicEffectiveUser"].as_bool()
            ),
            (Some("TMS_KEYS"), Some(true))
        );
        assert_mapped(
            &sim.check("demo", id).await,
            401,
            &["SYSLIB_CRED_NOT_FOUND"],
        );
    }
    let pki = sim
        .as_user("demo", "GET", "/v3/systems/corral-pki", None)
        .await
        .json()["result"]
        .clone();
    assert_eq!(pki["defaultAuthnMethod"], "PKI_KEYS");
    assert_err(
        &sim.check("demo", "private-cluster").await,
        500,
        &["SYSAPI_CHECK_ERROR", "SYSLIB_UNAUTH"],
    );
    assert_err(
        &sim.create("demo", "corral-pki").await,
        401,
        &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_NOT_FOUND"],
    );
    assert_mapped(
        &sim.create("demo", "shared-account-cluster").await,
        500,
        &["SYSAPI_CRED_ERROR", "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED"],
    );
    // No account: refused every time, never stored.
    for _ in 0..4 {
        assert_err(
            &sim.create("demo", "no-account-cluster").await,
            401,
            &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_VALID_FAIL"],
        );
    }
    assert!(sim.handle.credentials().is_empty());
    assert_eq!(sim.create("demo", "vista").await.status, 401);
    assert_eq!(sim.create("demo", "vista").await.status, 401);
    assert_eq!(sim.create("demo", "vista").await.status, 201);
    assert_eq!(sim.create("demo", "stampede3").await.status, 201);
}

/// CredUtils.verifyConnection tests SSH methods on LINUX and access keys on S3 only; anything
/// else, stored or being created, is "not supported" inside a 401 SYSAPI_CRED_VALID_FAIL.
#[tokio::test]
async fn only_what_tapis_can_test_is_tested() {
    let cases = [
        ("s3-tms", "S3", "TMS_KEYS", false),
        ("s3-key", "S3", "ACCESS_KEY", true),
        ("linux-key", "LINUX", "ACCESS_KEY", false),
        ("linux-token", "LINUX", "TOKEN", false),
        ("linux-cert", "LINUX", "CERT", false),
        ("linux-pki", "LINUX", "PKI_KEYS", true),
        ("linux-tms", "LINUX", "TMS_KEYS", true),
    ];
    let systems: Vec<Value> = cases
        .iter()
        .map(|(id, t, m, _)| json!({"id": id, "host": "h", "systemType": t, "defaultAuthnMethod": m}))
        .collect();
    let credentials: Vec<Value> = cases
        .iter()
        .map(|(id, ..)| json!({"systemId": id, "username": "alice"}))
        .collect();
    let s = json!({"tenantId": "designsafe", "users": [{"username": "alice", "password": "p"}],
                   "systems": systems, "credentials": credentials});
    let sim = start(Scenario::from_json(&s.to_string()).unwrap()).await;
    for (id, _, _, testable) in cases {
        let r = sim.check("alice", id).await;
        if testable {
            assert_eq!(r.status, 200, "{id}: {}", r.text);
        } else {
            assert_err(
                &r,
                401,
                &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_NOT_SUPPORTED"],
            );
        }
    }
    // A create Tapis cannot test is refused the same way, and stores nothing.
    let path = "/v3/systems/credential/linux-cert/user/alice";
    assert_eq!(sim.as_user("alice", "DELETE", path, None).await.status, 201);
    let r = sim
        .as_user(
            "alice",
            "POST",
            "/v3/systems/credential/linux-cert/user/alice",
            Some(json!({"certificate": "c"})),
        )
        .await;
    assert_err(
        &r,
        401,
        &["SYSAPI_CRED_VALID_FAIL", "SYSLIB_CRED_NOT_SUPPORTED"],
    );
    assert!(sim
        .handle
        .credentials()
        .iter()
        .all(|c| c.system_id != "linux-cert"));
}
