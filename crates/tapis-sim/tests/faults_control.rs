//! Fault rules, `/sim/` control endpoints, scenario files and the command-line binary.

mod common;

use common::{start, test_scenario};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;
use tapis_sim::{FaultRule, Scenario};

fn rules(v: Value) -> Vec<FaultRule> {
    serde_json::from_value(v).expect("fault rules parse")
}

#[tokio::test]
async fn status_fault_every_nth_limit_and_method() {
    let sim = start(test_scenario()).await;
    let tok = sim.token("alice");
    sim.handle.set_faults(rules(json!([
        {"method": "GET", "path": "/v3/systems/*", "action": {"kind": "status", "status": 503, "body": {"status": "error", "message": "maintenance"}}}
    ])));
    let r = sim.call("GET", "/v3/systems/ok", Some(&tok), None).await;
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (503, Some("maintenance"))
    );
    assert_eq!(r.content_type(), "application/json");
    assert_eq!(
        sim.call("GET", "/v3/systems/ok", Some(&tok), None)
            .await
            .status,
        503
    );
    // Other methods and paths pass.
    assert_eq!(
        sim.call("GET", "/v3/systems", Some(&tok), None)
            .await
            .status,
        200
    );
    assert_eq!(sim.check("alice", "ok").await.status, 401);

    sim.handle.set_faults(rules(json!([
        {"path": "/v3/systems/ok", "nth": 2, "action": {"kind": "status", "status": 429, "body": "slow down"}}
    ])));
    let statuses: Vec<u16> = futures_seq(&sim, &tok, 4).await;
    assert_eq!(statuses, [200, 429, 200, 200]);

    sim.handle.set_faults(rules(json!([
        {"path": "/v3/systems/ok", "limit": 2, "action": {"kind": "status", "status": 500}}
    ])));
    assert_eq!(futures_seq(&sim, &tok, 4).await, [500, 500, 200, 200]);
    let r = {
        sim.handle.set_faults(rules(json!([{"path": "/v3/systems/ok", "action": {"kind": "status", "status": 502, "body": "oops"}}])));
        sim.call("GET", "/v3/systems/ok", Some(&tok), None).await
    };
    assert_eq!(
        (r.status, r.text.as_str(), r.content_type()),
        (502, "oops", "text/plain")
    );
}

async fn futures_seq(sim: &common::Sim, tok: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            sim.call("GET", "/v3/systems/ok", Some(tok), None)
                .await
                .status,
        );
    }
    out
}

#[tokio::test]
async fn latency_fault_delays_but_answers() {
    let sim = start(test_scenario()).await;
    sim.handle
        .set_faults(rules(json!([{"path": "/v3/tenants", "latencyMs": 300}])));
    let r = sim.call("GET", "/v3/tenants", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.elapsed.as_millis() >= 300, "{:?}", r.elapsed);
    let fast = sim.call("GET", "/v3/sites", None, None).await;
    assert!(fast.elapsed.as_millis() < 300);
    let entry = sim
        .handle
        .log()
        .into_iter()
        .find(|e| e.path == "/v3/tenants")
        .unwrap();
    assert!(entry.ended_ms - entry.started_ms >= 300);
}

#[tokio::test]
async fn drop_fault_closes_the_connection_without_a_response() {
    let sim = start(test_scenario()).await;
    sim.handle.set_faults(rules(
        json!([{"path": "/v3/sites", "limit": 1, "action": {"kind": "drop"}}]),
    ));
    let e = sim
        .send("GET", "/v3/sites", None, None)
        .await
        .err()
        .expect("connection error, not a response");
    assert!(e.is_request() || e.is_connect(), "{e:?}");
    assert!(e.status().is_none());
    // Only the dropped connection is affected; the next request gets through.
    assert_eq!(sim.call("GET", "/v3/sites", None, None).await.status, 200);
    let log = sim.handle.log();
    assert_eq!(log[0].status, 0);
    assert_eq!(log[1].status, 200);
}

/// A client that gives up before the answer (an aborted fetch) still leaves a log entry, with
/// status 0 and the time it gave up, so tests can tell "never sent" from "sent, then abandoned".
#[tokio::test]
async fn a_request_the_client_abandons_is_logged_unanswered() {
    let sim = start(test_scenario()).await;
    sim.handle
        .set_faults(rules(json!([{"path": "/v3/sites", "latencyMs": 2000}])));
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    let e = impatient
        .get(format!("{}/v3/sites", sim.url))
        .send()
        .await
        .expect_err("the client times out");
    assert!(e.is_timeout(), "{e:?}");
    let mut entry = None;
    for _ in 0..50 {
        entry = sim.handle.log().into_iter().find(|e| e.path == "/v3/sites");
        if entry.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let entry = entry.expect("the abandoned request is in the log");
    assert_eq!(entry.status, 0);
    assert!(
        entry.ended_ms - entry.started_ms < 2000,
        "logged when abandoned: {entry:?}"
    );
}

#[tokio::test]
async fn gateway_pages_invalid_json_and_missing_cors() {
    let sim = start(test_scenario()).await;
    let tok = sim.token("alice");
    sim.handle.set_faults(rules(json!([
        {"path": "/v3/systems/ok", "action": {"kind": "badGateway"}},
        {"path": "/v3/systems/down", "action": {"kind": "badGateway", "format": "text"}},
        {"path": "/v3/systems/s3", "action": {"kind": "invalidJson"}},
        {"path": "/v3/systems/pki", "action": {"kind": "invalidJson", "status": 401}},
        {"method": "GET", "path": "/v3/systems/static", "action": {"kind": "noCors"}}
    ])));
    let r = sim.call("GET", "/v3/systems/ok", Some(&tok), None).await;
    assert_eq!((r.status, r.content_type()), (502, "text/html"));
    assert!(r.text.contains("<title>502 Bad Gateway</title>"));
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let r = sim.call("GET", "/v3/systems/down", Some(&tok), None).await;
    assert_eq!(
        (r.status, r.content_type(), r.text.as_str()),
        (502, "text/plain", "502 Bad Gateway")
    );
    for (path, status) in [("/v3/systems/s3", 200), ("/v3/systems/pki", 401)] {
        let r = sim.call("GET", path, Some(&tok), None).await;
        assert_eq!((r.status, r.content_type()), (status, "application/json"));
        assert!(serde_json::from_str::<Value>(&r.text).is_err());
    }
    let r = sim
        .call("GET", "/v3/systems/static", Some(&tok), None)
        .await;
    assert_eq!(r.status, 200, "handled normally");
    assert!(r.header("access-control-allow-origin").is_none());
    assert!(r.header("access-control-allow-headers").is_none());
    let pre = sim.call("OPTIONS", "/v3/systems/static", None, None).await;
    assert!(
        pre.header("access-control-allow-origin").is_none(),
        "preflight keeps CORS"
    );
    let other = sim.call("OPTIONS", "/v3/systems/ok", None, None).await;
    assert_eq!(other.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn redirect_fault_points_elsewhere_with_cors_and_runs_nothing() {
    let sim = start(test_scenario()).await;
    let tok = sim.token("alice");
    sim.handle.set_faults(rules(json!([
        {"method": "POST", "path": "/v3/systems/credential/*/user/*", "action": {"kind": "redirect"}},
        {"method": "GET", "path": "/v3/systems/ok",
         "action": {"kind": "redirect", "status": 308, "location": "https://elsewhere.example/v3/systems/ok"}},
    ])));
    // As the app's transports: a redirect is refused, never followed.
    let manual = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let path = "/v3/systems/credential/ok/user/alice?createTmsKeys=true";
    let r = manual
        .post(format!("{}{path}", sim.url))
        .header("X-Tapis-Token", &tok)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 307);
    let port: u16 = sim.url.rsplit(':').next().unwrap().parse().unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("http://127.0.0.1:{}{path}", port + 1));
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers().contains_key("access-control-allow-headers"));
    assert!(
        sim.handle.credentials().iter().all(|c| c.system_id != "ok"),
        "the handler did not run"
    );
    let r = manual
        .get(format!("{}/v3/systems/ok", sim.url))
        .header("X-Tapis-Token", &tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 308);
    assert_eq!(
        r.headers()["location"],
        "https://elsewhere.example/v3/systems/ok"
    );
    // The preflight is not redirected, so a browser gets as far as the opaque redirect.
    let pre = sim.call("OPTIONS", path, None, None).await;
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    let log = sim.handle.log();
    assert_eq!(
        log.iter().map(|e| e.status).collect::<Vec<_>>(),
        [307, 308, 204]
    );
    // A redirect status must be 3xx; a gateway page's 5xx.
    for bad in [
        json!([{"path": "/v3/sites", "action": {"kind": "redirect", "status": 200}}]),
        json!([{"path": "/v3/sites", "action": {"kind": "badGateway", "status": 404}}]),
    ] {
        let r = sim.call("PUT", "/sim/faults", None, Some(bad)).await;
        assert_eq!(r.status, 400, "{}", r.text);
    }
}

/// Every step the app takes can be faulted on its own, by method and path glob.
#[tokio::test]
async fn each_step_can_be_targeted_alone() {
    let sim = start(test_scenario()).await;
    let tok = sim.token("alice");
    let cred = "/v3/systems/credential/*/user/*";
    let steps = [
        ("token", "POST", "/v3/oauth2/tokens".to_string(), 520),
        ("check", "POST", format!("{cred}/check"), 521),
        ("read system", "GET", "/v3/systems/*".to_string(), 522),
        ("create", "POST", cred.to_string(), 523),
        ("remove", "DELETE", cred.to_string(), 524),
        ("discover", "GET", "/v3/systems".to_string(), 525),
    ];
    sim.handle.set_faults(rules(Value::Array(
        steps
            .iter()
            .map(|(_, method, path, status)| {
                json!({"method": method, "path": path,
                       "action": {"kind": "status", "status": status}})
            })
            .collect(),
    )));
    let requests = [
        ("POST", "/v3/oauth2/tokens".to_string()),
        (
            "POST",
            "/v3/systems/credential/ok/user/alice/check".to_string(),
        ),
        ("GET", "/v3/systems/ok?select=id,host".to_string()),
        (
            "POST",
            "/v3/systems/credential/ok/user/alice?createTmsKeys=true".to_string(),
        ),
        ("DELETE", "/v3/systems/credential/ok/user/alice".to_string()),
        ("GET", "/v3/systems?listType=ALL".to_string()),
    ];
    for ((step, .., status), (method, path)) in steps.iter().zip(&requests) {
        let r = sim.call(method, path, Some(&tok), None).await;
        assert_eq!(r.status, *status, "{step}: {method} {path}");
    }
    // Userinfo, tenants and preflights are none of these steps.
    assert_eq!(
        sim.call("GET", "/v3/oauth2/userinfo", Some(&tok), None)
            .await
            .status,
        200
    );
    assert_eq!(sim.call("GET", "/v3/tenants", None, None).await.status, 200);
    for (method, path) in &requests {
        let pre = sim.call("OPTIONS", path, None, None).await;
        assert_eq!(pre.status, 204, "preflight of {method} {path}");
    }
}

/// The answers Tapis and its gateway give when things go wrong, as fault bodies.
#[tokio::test]
async fn fault_bodies_gateway_pages_filter_text_and_revoked() {
    let sim = start(test_scenario()).await;
    let tok = sim.token("alice");
    let revoked = "{\"status\": \"error\", \"message\": \"Token is revoked.\", \"version\": \"26Q2.0\", \"result\": null }\n";
    let filter = "TAPIS_SECURITY_JWT_PARSE_ERROR Unable to parse JWT. Error: bad signature";
    let cases = [
        (
            json!({"kind": "status", "status": 500, "body": {"status": "error", "message": "boom"}}),
            500,
            "application/json",
            "{\"message\":\"boom\",\"status\":\"error\"}",
        ),
        (
            json!({"kind": "status", "status": 500, "body": "<h1>oops</h1>", "contentType": "text/html"}),
            500,
            "text/html",
            "<h1>oops</h1>",
        ),
        (
            json!({"kind": "status", "status": 503}),
            503,
            "text/plain",
            "",
        ),
        (
            json!({"kind": "status", "status": 504, "body": {"message": "late"}}),
            504,
            "application/json",
            "{\"message\":\"late\"}",
        ),
        (
            json!({"kind": "status", "status": 401, "body": filter, "contentType": "application/json"}),
            401,
            "application/json",
            filter,
        ),
        (
            json!({"kind": "status", "status": 500, "body": revoked, "contentType": "application/json"}),
            500,
            "application/json",
            revoked,
        ),
        (
            json!({"kind": "badGateway", "status": 503, "format": "text"}),
            503,
            "text/plain",
            "503 Service Temporarily Unavailable",
        ),
    ];
    for (action, status, content_type, body) in &cases {
        sim.handle
            .set_faults(rules(json!([{"path": "/v3/systems/ok", "action": action}])));
        let r = sim.call("GET", "/v3/systems/ok", Some(&tok), None).await;
        assert_eq!(
            (r.status, r.content_type(), r.text.as_str()),
            (*status, *content_type, *body),
            "{action}"
        );
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }
    for (status, title) in [
        (500, "500 Internal Server Error"),
        (502, "502 Bad Gateway"),
        (503, "503 Service Temporarily Unavailable"),
        (504, "504 Gateway Time-out"),
    ] {
        sim.handle
            .set_faults(rules(json!([{"path": "/v3/systems/ok",
            "action": {"kind": "badGateway", "status": status}}])));
        let r = sim.call("GET", "/v3/systems/ok", Some(&tok), None).await;
        assert_eq!((r.status, r.content_type()), (status, "text/html"));
        assert!(
            r.text.contains(&format!("<title>{title}</title>")),
            "{}",
            r.text
        );
    }
}

/// `afterHandler`: Tapis acts, then its answer is lost, garbled or late.
#[tokio::test]
async fn after_handler_faults_keep_the_effect_and_lose_the_answer() {
    let sim = start(test_scenario()).await;
    let stored = |id: &str| sim.handle.credentials().iter().any(|c| c.system_id == id);
    sim.handle.set_faults(rules(json!([
        {"method": "POST", "path": "/v3/systems/credential/*/user/*", "afterHandler": true,
         "action": {"kind": "badGateway", "status": 504}},
        {"method": "POST", "path": "/v3/systems/credential/*/user/*/check", "afterHandler": true,
         "action": {"kind": "invalidJson"}},
    ])));
    assert_eq!(sim.create("alice", "ok").await.status, 504);
    assert!(
        stored("ok"),
        "the key was stored before the answer was lost"
    );
    // invalidJson keeps the handler's own status: 200, the key is there.
    let r = sim.check("alice", "ok").await;
    assert_eq!((r.status, r.content_type()), (200, "application/json"));
    assert!(serde_json::from_str::<Value>(&r.text).is_err());
    let r = sim.check("alice", "s3").await;
    assert_eq!(r.status, 401, "nothing stored for s3: {}", r.text);

    // An answer that comes too late: the handler has run before the client gives up.
    sim.handle.set_faults(rules(json!([
        {"method": "POST", "path": "/v3/systems/credential/*/user/*", "afterHandler": true,
         "latencyMs": 2000}
    ])));
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let e = impatient
        .post(format!(
            "{}/v3/systems/credential/rejected/user/alice?createTmsKeys=true",
            sim.url
        ))
        .header("X-Tapis-Token", sim.token("alice"))
        .send()
        .await
        .expect_err("the client times out");
    assert!(e.is_timeout(), "{e:?}");
    let fresh = sim
        .handle
        .credentials()
        .into_iter()
        .find(|c| c.system_id == "rejected")
        .unwrap();
    assert_eq!(
        fresh.state,
        tapis_sim::CredState::Valid,
        "replaced by the new key"
    );
}

#[tokio::test]
async fn faults_never_hit_control_endpoints() {
    let sim = start(test_scenario()).await;
    sim.handle.set_faults(rules(
        json!([{"path": "/sim/log", "action": {"kind": "drop"}}]),
    ));
    assert_eq!(sim.call("GET", "/sim/log", None, None).await.status, 200);
}

#[tokio::test]
async fn log_records_requests_without_secrets() {
    let sim = start(test_scenario()).await;
    let r = sim.grant("alice", "alice-pw").await;
    let tok = r.json()["result"]["access_token"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    sim.call("OPTIONS", "/v3/systems", None, None).await;
    sim.call(
        "GET",
        "/v3/systems?listType=ALL&access_token=leak",
        Some(&tok),
        None,
    )
    .await;
    let log = sim.call("GET", "/sim/log", None, None).await;
    assert!(
        !log.text.contains(&tok) && !log.text.contains("alice-pw") && !log.text.contains("leak"),
        "{}",
        log.text
    );
    let entries = log.json();
    let entries = entries.as_array().unwrap();
    assert_eq!(
        entries.len(),
        3,
        "control requests are not logged: {entries:?}"
    );
    let methods: Vec<&str> = entries
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["POST", "OPTIONS", "GET"]);
    let get = &entries[2];
    assert_eq!(get["path"], "/v3/systems");
    assert_eq!(get["query"], "listType=ALL&access_token=REDACTED");
    assert_eq!(get["status"], 200);
    assert_eq!(get["seq"], 3);
    assert!(get["startedMs"].as_u64().unwrap() <= get["endedMs"].as_u64().unwrap());
    let mut keys: Vec<&String> = get.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "endedMs",
            "method",
            "path",
            "query",
            "seq",
            "startedMs",
            "status"
        ]
    );
    assert_eq!(entries[1]["status"], 204);

    assert_eq!(sim.call("DELETE", "/sim/log", None, None).await.status, 204);
    assert!(sim.handle.log().is_empty());
}

#[tokio::test]
async fn control_endpoints_drive_the_world() {
    let sim = start(test_scenario()).await;
    // Tokens on demand, including already-expired ones.
    let r = sim
        .call(
            "POST",
            "/sim/token",
            None,
            Some(json!({"username": "alice", "lifetimeSecs": -10})),
        )
        .await;
    let expired = r.json()["accessToken"].as_str().unwrap().to_string();
    let r = sim
        .call("GET", "/v3/systems/ok", Some(&expired), None)
        .await;
    assert!(r.text.starts_with("TAPIS_SECURITY_JWT_EXPIRED"));
    let r = sim
        .call(
            "POST",
            "/sim/token",
            None,
            Some(json!({"username": "alice", "lifetimeSecs": 60})),
        )
        .await;
    let tok = r.json()["accessToken"].as_str().unwrap().to_string();
    assert_eq!(
        sim.call("GET", "/v3/systems/ok", Some(&tok), None)
            .await
            .status,
        200
    );
    assert_eq!(
        sim.call(
            "POST",
            "/sim/revoke",
            None,
            Some(json!({"username": "alice"}))
        )
        .await
        .status,
        204
    );
    assert_eq!(
        sim.call("GET", "/v3/systems/ok", Some(&tok), None)
            .await
            .status,
        500
    );
    assert_eq!(
        sim.call("POST", "/sim/token", None, Some(json!({"user": "alice"})))
            .await
            .status,
        400
    );

    // Credentials as seen by assertions.
    let creds = sim.call("GET", "/sim/credentials", None, None).await.json();
    assert!(creds
        .as_array()
        .unwrap()
        .contains(&json!({"systemId": "rejected", "username": "alice", "state": "rejected"})));
    assert_eq!(sim.create("alice", "ok").await.status, 201);
    assert_eq!(sim.create("alice", "flaky").await.status, 401);

    // Faults at run time, same shape as in the scenario.
    let f = json!([{"method": "GET", "path": "/v3/sites", "nth": 1, "limit": 1, "latencyMs": 0, "action": {"kind": "status", "status": 418, "body": "teapot"}}]);
    let put = sim.call("PUT", "/sim/faults", None, Some(f.clone())).await;
    assert_eq!(put.status, 200);
    assert_eq!(sim.call("GET", "/sim/faults", None, None).await.json(), f);
    assert_eq!(sim.call("GET", "/v3/sites", None, None).await.status, 418);
    let bad = sim
        .call(
            "PUT",
            "/sim/faults",
            None,
            Some(json!([{"path": "/x", "bogus": 1}])),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text.contains("bogus"));
    assert_eq!(
        sim.call(
            "PUT",
            "/sim/faults",
            None,
            Some(json!([{"path": "no-slash"}]))
        )
        .await
        .status,
        400
    );

    // Reset: credentials, counters, log, faults and revocations back to the scenario.
    assert_eq!(sim.call("POST", "/sim/reset", None, None).await.status, 204);
    assert!(sim.handle.log().is_empty());
    assert_eq!(
        sim.call("GET", "/sim/faults", None, None).await.json(),
        json!([])
    );
    assert_eq!(sim.call("GET", "/v3/sites", None, None).await.status, 200);
    assert_eq!(
        sim.call("GET", "/v3/systems/ok", Some(&tok), None)
            .await
            .status,
        200,
        "revocation cleared"
    );
    let creds = sim.handle.credentials();
    assert_eq!(creds.len(), 2);
    assert!(!creds.iter().any(|c| c.system_id == "ok"));
    assert_eq!(
        sim.create("alice", "flaky").await.status,
        401,
        "create-401 counter restored"
    );
    assert_eq!(
        sim.call("GET", "/sim/nothing", None, None).await.status,
        404
    );
    assert_eq!(
        sim.call("OPTIONS", "/sim/token", None, None).await.status,
        204
    );
}

#[tokio::test]
async fn scenario_faults_apply_from_start_and_after_reset() {
    let mut s = test_scenario();
    s.faults = rules(
        json!([{"path": "/v3/sites", "limit": 1, "action": {"kind": "status", "status": 503}}]),
    );
    let sim = start(s).await;
    assert_eq!(sim.call("GET", "/v3/sites", None, None).await.status, 503);
    assert_eq!(sim.call("GET", "/v3/sites", None, None).await.status, 200);
    sim.handle.reset();
    assert_eq!(sim.call("GET", "/v3/sites", None, None).await.status, 503);
}

fn scenarios_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
}

#[test]
fn example_scenarios_parse_identically_from_json_and_toml() {
    let j = Scenario::from_path(&scenarios_dir().join("example.json")).unwrap();
    let t = Scenario::from_path(&scenarios_dir().join("example.toml")).unwrap();
    assert_eq!(j, t);
    assert_eq!(j.token_lifetime_secs, 3600);
    let f = j.system("frontera").unwrap();
    assert!(!f.is_dynamic() && !f.enabled);
    assert_eq!(Scenario::demo().systems.len(), 8);
    assert!(j.system("ranch").unwrap().behaviour.no_account && !j.allow_password_grant);
}

#[test]
fn unknown_keys_are_rejected_with_the_key_named() {
    let ok = std::fs::read_to_string(scenarios_dir().join("example.json")).unwrap();
    let e =
        Scenario::from_json(&ok.replace("\"hostUnreachable\"", "\"hostUnreachabel\"")).unwrap_err();
    assert!(e.contains("hostUnreachabel"), "{e}");
    let e = Scenario::from_json(&ok.replacen("\"seed\"", "\"sead\"", 1)).unwrap_err();
    assert!(e.contains("sead"), "{e}");
    let toml = std::fs::read_to_string(scenarios_dir().join("example.toml")).unwrap();
    let e = Scenario::from_toml(&toml.replace("canExec", "canExecute")).unwrap_err();
    assert!(e.contains("canExecute"), "{e}");
    let dup = ok.replace("\"id\": \"ls6\"", "\"id\": \"stampede3\"");
    assert!(Scenario::from_json(&dup).unwrap_err().contains("twice"));
    let bad_cred = ok.replace("\"systemId\": \"stampede3\"", "\"systemId\": \"nowhere\"");
    assert!(Scenario::from_json(&bad_cred)
        .unwrap_err()
        .contains("nowhere"));
    let path = std::env::temp_dir().join("tapis-sim-missing-scenario.json");
    assert!(Scenario::from_path(&path)
        .unwrap_err()
        .contains("cannot read"));
}

async fn grant(s: &common::Sim) -> (Value, Value) {
    let r = s.grant("alice", "alice-pw").await.json();
    let at = &r["result"]["access_token"];
    (at["jti"].clone(), at["expires_in"].clone())
}

#[tokio::test]
async fn token_lifetime_and_seed_come_from_the_scenario() {
    let mut s = test_scenario();
    s.seed = 7;
    s.token_lifetime_secs = 42;
    let (a, b) = (start(s.clone()).await, start(s).await);
    let (ja, la) = grant(&a).await;
    assert_eq!(la, 42);
    assert_eq!(
        (ja.clone(), la),
        grant(&b).await,
        "same seed, same token ids"
    );
    let mut s = test_scenario();
    s.seed = 8;
    assert_ne!(grant(&start(s).await).await.0, ja);
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tapis-sim"))
}

#[test]
fn binary_prints_url_serves_and_stops_on_sigterm() {
    let mut child = bin()
        .args(["--listen", "127.0.0.1:0", "--scenario"])
        .arg(scenarios_dir().join("example.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect(&line)
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let body = rt.block_on(async {
        reqwest::get(format!("{url}/v3/tenants"))
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    assert_eq!(body["result"][0]["base_url"], url);
    let started = Instant::now();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn binary_refuses_remote_listen_and_bad_scenarios() {
    let out = bin().args(["--listen", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-remote"));
    let bad = std::env::temp_dir().join(format!("tapis-sim-bad-{}.json", std::process::id()));
    std::fs::write(
        &bad,
        r#"{"tenantId": "x", "users": [], "systems": [], "oops": 1}"#,
    )
    .unwrap();
    let out = bin().arg("--scenario").arg(&bad).output().unwrap();
    std::fs::remove_file(&bad).ok();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("oops"));
}
