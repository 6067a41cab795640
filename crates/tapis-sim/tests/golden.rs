//! Replays every golden answer in `tests/golden/` (Tapis's answers as its source produces them)
//! against the simulator and asserts the simulator answers with the same shape: status, content
//! class (JSON or plain text), top-level keys, envelope `status`, message codes, result kind,
//! booleans as strings or as booleans, list metadata. A golden that cannot be replayed fails.

mod common;

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use tapis_sim::Scenario;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

fn goldens() -> Vec<(PathBuf, Value)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .map(|e| e.expect("readable entry").path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no golden files");
    paths
        .into_iter()
        .map(|p| {
            assert_eq!(
                p.extension().and_then(|e| e.to_str()),
                Some("json"),
                "{}: tests/golden holds only golden JSON files",
                p.display()
            );
            let text = std::fs::read_to_string(&p).unwrap();
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display()));
            (p, v)
        })
        .collect()
}

const OPERATIONS: [&str; 7] = [
    "check",
    "get-system",
    "list-systems",
    "create",
    "remove",
    "login",
    "userinfo",
];
const EXPECT: [&str; 19] = [
    "ok",
    "token-expired",
    "token-invalid",
    "token-revoked",
    "login-rejected",
    "login-not-allowed",
    "login-not-in-tenant",
    "credentials-missing",
    "key-rejected",
    "host-unreachable",
    "no-access",
    "not-found",
    "not-tms",
    "tms-refused",
    "key-not-yet-usable",
    "cannot-verify",
    "server-error",
    "secret-store",
    "unexpected-response",
];

/// The schema the core's tests rely on.
fn check_schema(name: &str, g: &Value) {
    let stem = name.trim_end_matches(".json");
    assert_eq!(g["name"], stem, "{name}: name must be the file stem");
    assert!(
        g["behaviour"].as_str().is_some_and(|s| !s.is_empty()),
        "{name}: behaviour"
    );
    let sources = g["source"].as_array().expect("source is a list");
    assert!(
        !sources.is_empty()
            && sources
                .iter()
                .all(|s| s.as_str().is_some_and(|s| s.starts_with("tapis-project/"))),
        "{name}: source"
    );
    assert!(
        OPERATIONS.contains(&g["operation"].as_str().unwrap_or("")),
        "{name}: operation"
    );
    assert!(
        EXPECT.contains(&g["expect"].as_str().unwrap_or("")),
        "{name}: expect"
    );
    assert!(
        g["request"]["method"].is_string()
            && g["request"]["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/v3/")),
        "{name}: request"
    );
    assert!(
        g["response"]["status"].is_u64()
            && g["response"]["body"].is_string()
            && g["response"]["headers"].is_object(),
        "{name}: response"
    );
    let decision = |s: &Value| {
        for k in ["id", "systemType", "defaultAuthnMethod", "effectiveUserId"] {
            assert!(s[k].is_string(), "{name}: system.{k}");
        }
        for k in ["isDynamicEffectiveUser", "enabled", "canExec"] {
            assert!(
                s[k].is_boolean(),
                "{name}: system.{k} must be a JSON boolean"
            );
        }
    };
    let ok = g["expect"] == "ok";
    match g["operation"].as_str() {
        Some("get-system") if ok => decision(&g["system"]),
        Some("list-systems") if ok => g["systems"]
            .as_array()
            .expect("systems")
            .iter()
            .for_each(decision),
        _ => assert!(
            g.get("system").is_none() && g.get("systems").is_none(),
            "{name}: system(s) only on get/list success"
        ),
    }
}

/// Every `SYSAPI_`/`SYSLIB_`/`TAPIS_` code in a message, in order.
fn codes(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        .filter(|w| {
            ["SYSAPI_", "SYSLIB_", "TAPIS_"]
                .iter()
                .any(|p| w.starts_with(p))
        })
        .map(str::to_string)
        .collect()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(s) if s == "true" || s == "false" => "string-boolean",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Same keys, and for each key the same kind of value (a string boolean stays a string boolean).
fn same_object(name: &str, what: &str, want: &Map<String, Value>, got: &Map<String, Value>) {
    let mut wk: Vec<&String> = want.keys().collect();
    let mut gk: Vec<&String> = got.keys().collect();
    wk.sort();
    gk.sort();
    assert_eq!(gk, wk, "{name}: keys of {what}");
    for (k, w) in want {
        assert_eq!(
            kind(&got[k]),
            kind(w),
            "{name}: {what}.{k}: got {} want {w}",
            got[k]
        );
    }
}

fn bad_signature(token: &str) -> String {
    let (head, sig) = token.rsplit_once('.').unwrap();
    let flipped: String = sig.chars().rev().collect();
    format!("{head}.{flipped}")
}

async fn replay(name: &str, g: &Value) {
    let sim_spec = g["sim"]
        .as_object()
        .unwrap_or_else(|| panic!("{name}: no sim field"));
    let mut scenario: Value = serde_json::from_str(include_str!("golden_scenario.json")).unwrap();
    if let Some(creds) = sim_spec.get("credentials") {
        scenario["credentials"] = creds.clone();
    }
    if let Some(Value::Object(patch)) = sim_spec.get("scenarioPatch") {
        for (k, v) in patch {
            scenario[k] = v.clone();
        }
    }
    let scenario = Scenario::from_json(&scenario.to_string())
        .unwrap_or_else(|e| panic!("{name}: scenario: {e}"));
    let sim = common::start(scenario).await;
    let user = sim_spec["user"].as_str().unwrap_or("demo");
    let token = match sim_spec["token"].as_str().unwrap_or("valid") {
        "valid" => Some(sim.handle.mint_token(user, 600)),
        "expired" => Some(sim.handle.mint_token(user, -60)),
        "bad-signature" => Some(bad_signature(&sim.handle.mint_token(user, 600))),
        "revoked" => {
            let t = sim.handle.mint_token(user, 600);
            sim.handle.revoke(user);
            Some(t)
        }
        "none" => None,
        other => panic!("{name}: unknown sim.token {other:?}"),
    };
    let method = g["request"]["method"].as_str().unwrap();
    let path = g["request"]["path"].as_str().unwrap();
    let mut rb = sim
        .http
        .request(method.parse().unwrap(), format!("{}{}", sim.url, path));
    if let Some(t) = &token {
        rb = rb.header("X-Tapis-Token", t);
    }
    for (k, v) in g["request"]["headers"].as_object().into_iter().flatten() {
        rb = rb.header(k.as_str(), v.as_str().unwrap());
    }
    if let Some(body) = sim_spec.get("body") {
        rb = rb
            .header("content-type", "application/json")
            .body(body.as_str().unwrap().to_string());
    }
    let r = rb.send().await.unwrap_or_else(|e| panic!("{name}: {e}"));
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = r.text().await.unwrap();

    let want = &g["response"];
    assert_eq!(
        status,
        want["status"].as_u64().unwrap() as u16,
        "{name}: status; body {text}"
    );
    let want_ct = want["headers"]["content-type"].as_str().unwrap_or("");
    assert_eq!(content_type, want_ct, "{name}: content-type");
    let want_body = want["body"].as_str().unwrap();
    let want_json = serde_json::from_str::<Value>(want_body).ok();
    let got_json = serde_json::from_str::<Value>(&text).ok();
    assert_eq!(
        got_json.is_some(),
        want_json.is_some(),
        "{name}: JSON vs plain text; got {text}"
    );
    match (want_json, got_json) {
        (Some(Value::Object(wm)), Some(Value::Object(gm))) => {
            let mut wk: Vec<&String> = wm.keys().collect();
            let mut gk: Vec<&String> = gm.keys().collect();
            wk.sort();
            gk.sort();
            assert_eq!(gk, wk, "{name}: top-level keys");
            let (w, gj) = (Value::Object(wm.clone()), Value::Object(gm.clone()));
            assert_eq!(gj["status"], w["status"], "{name}: envelope status");
            let msg = |m: &Value| m["message"].as_str().unwrap_or("").to_string();
            assert_eq!(
                codes(&msg(&gj)),
                codes(&msg(&w)),
                "{name}: message codes; got {}",
                msg(&gj)
            );
            if codes(&msg(&w)).is_empty() {
                assert_eq!(msg(&gj), msg(&w), "{name}: message");
            }
            assert_eq!(
                kind(&gj["result"]),
                kind(&w["result"]),
                "{name}: result kind"
            );
            assert_eq!(
                kind(&gj["metadata"]),
                kind(&w["metadata"]),
                "{name}: metadata kind"
            );
            match (&w["result"], &gj["result"]) {
                (Value::Object(wr), Value::Object(gr)) if g["operation"] == "get-system" => {
                    same_object(name, "result", wr, gr)
                }
                (Value::Object(wr), Value::Object(gr)) => {
                    for (k, v) in wr {
                        assert_eq!(kind(&gr[k]), kind(v), "{name}: result.{k}");
                    }
                }
                (Value::Array(wr), Value::Array(gr)) => {
                    assert_eq!(gr.len(), wr.len(), "{name}: result length");
                    for (w, gv) in wr.iter().zip(gr) {
                        assert_eq!(gv["id"], w["id"], "{name}: list order");
                        same_object(
                            name,
                            "result[]",
                            w.as_object().unwrap(),
                            gv.as_object().unwrap(),
                        );
                    }
                }
                _ => {}
            }
            if let (Value::Object(wm), Value::Object(gm)) = (&w["metadata"], &gj["metadata"]) {
                same_object(name, "metadata", wm, gm);
                assert_eq!(
                    gm.get("totalCount"),
                    wm.get("totalCount"),
                    "{name}: totalCount"
                );
            }
        }
        (Some(w), Some(gj)) => assert_eq!(kind(&gj), kind(&w), "{name}: body kind"),
        _ => {
            assert_eq!(
                codes(&text),
                codes(want_body),
                "{name}: text codes; got {text}"
            );
            assert_eq!(
                text.split(' ').next(),
                want_body.split(' ').next(),
                "{name}: first word"
            );
        }
    }
    if sim_spec.get("storesNothing") == Some(&json!(true)) {
        assert!(
            sim.handle.credentials().is_empty(),
            "{name}: nothing may be stored"
        );
    }
    if sim_spec.get("keepsCredentials") == Some(&json!(true)) {
        assert!(
            !sim.handle.credentials().is_empty(),
            "{name}: the stored credential must stay"
        );
    }
    sim.handle.shutdown().await;
}

#[tokio::test]
async fn every_golden_answer_replays_with_the_same_shape() {
    let all = goldens();
    for (path, g) in &all {
        let name = path.file_name().unwrap().to_str().unwrap();
        check_schema(name, g);
        replay(name, g).await;
    }
    // Every operation and classification the app meets has a golden answer.
    let have = |field: &str, value: &str| all.iter().any(|(_, g)| g[field] == value);
    for op in OPERATIONS {
        assert!(have("operation", op), "no golden for operation {op}");
    }
    for code in EXPECT.iter().filter(|c| **c != "unexpected-response") {
        assert!(have("expect", code), "no golden expecting {code}");
    }
}
