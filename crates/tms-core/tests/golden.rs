//! The core over every golden answer in `tests/golden/`: Tapis's answers as its server code
//! produces them. The simulator's own tests replay the same files, so the parser, the
//! classifier and the simulator cannot drift apart.

use serde_json::Value;
use std::path::PathBuf;
use tms_core::http::Response;
use tms_core::problem::{classify, Operation};
use tms_core::tapis::{parse_result, SystemInfo};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

struct Golden {
    name: String,
    op: Operation,
    response: Response,
    expect: String,
    file: Value,
}

fn operation(name: &str) -> Option<Operation> {
    Some(match name {
        "check" => Operation::Check,
        "get-system" => Operation::GetSystem,
        "list-systems" => Operation::ListSystems,
        "create" => Operation::Create,
        "remove" => Operation::Remove,
        "login" => Operation::Login,
        _ => return None,
    })
}

/// Every golden file; `userinfo` answers are the simulator's alone (the app never calls it).
fn goldens() -> Vec<Golden> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        let name = file["name"].as_str().expect("name").to_string();
        let op_name = file["operation"].as_str().expect("operation");
        if op_name == "userinfo" {
            continue;
        }
        let op =
            operation(op_name).unwrap_or_else(|| panic!("{name}: unknown operation {op_name}"));
        let status = file["response"]["status"].as_u64().expect("status") as u16;
        let body = file["response"]["body"]
            .as_str()
            .expect("body as text")
            .to_string();
        let expect = file["expect"].as_str().expect("expect").to_string();
        out.push(Golden {
            name,
            op,
            response: Response::new(status, body),
            expect,
            file,
        });
    }
    out
}

#[test]
fn every_golden_answer_is_classified_as_expected() {
    let goldens = goldens();
    assert!(goldens.len() >= 20, "only {} golden answers", goldens.len());
    let mut failures = Vec::new();
    for g in &goldens {
        let got = match classify(g.op, &Ok(g.response.clone())) {
            Ok(()) => "ok".to_string(),
            Err(p) => p.code().to_string(),
        };
        if got != g.expect {
            failures.push(format!("{}: expected {}, got {got}", g.name, g.expect));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn decision(info: &SystemInfo) -> Value {
    serde_json::json!({
        "id": info.id, "systemType": info.system_type, "defaultAuthnMethod": info.default_authn_method,
        "effectiveUserId": info.effective_user_id, "isDynamicEffectiveUser": info.is_dynamic_effective_user,
        "enabled": info.enabled, "canExec": info.can_exec,
    })
}

/// Only the fields the golden file names are compared.
fn assert_fields(name: &str, got: &Value, want: &Value) {
    for (key, value) in want.as_object().expect("an object") {
        assert_eq!(&got[key], value, "{name}: {key}");
    }
}

#[test]
fn every_golden_system_is_read_as_tapis_meant_it() {
    let mut read = 0;
    for g in goldens() {
        if let Some(want) = g.file.get("system") {
            let info: SystemInfo =
                parse_result(&g.response).unwrap_or_else(|p| panic!("{}: {p:?}", g.name));
            assert_fields(&g.name, &decision(&info), want);
            read += 1;
        }
        if let Some(want) = g.file.get("systems").and_then(Value::as_array) {
            let infos: Vec<SystemInfo> =
                parse_result(&g.response).unwrap_or_else(|p| panic!("{}: {p:?}", g.name));
            assert_eq!(infos.len(), want.len(), "{}", g.name);
            for (info, want) in infos.iter().zip(want) {
                assert_fields(&g.name, &decision(info), want);
            }
            read += 1;
        }
    }
    assert!(read >= 2, "golden system answers: {read}");
}

/// Whatever Tapis sends, the log keeps a short excerpt and never panics.
#[test]
fn every_golden_answer_has_a_short_log_excerpt() {
    for g in goldens() {
        let excerpt = tms_core::envelope::message_excerpt(&g.response.body);
        assert!(
            excerpt.chars().count() <= tms_core::envelope::EXCERPT_CHARS + 1,
            "{}",
            g.name
        );
    }
}

/// The two `NOT_ALLOWED` answers mean different things to the user: the system's fixed account,
/// or a login-user mapping tms-mvp fills in itself (nothing the user did).
#[test]
fn a_refused_create_names_its_cause() {
    let goldens = goldens();
    let sentence = |name: &str| {
        let g = goldens.iter().find(|g| g.name == name).expect(name);
        classify(g.op, &Ok(g.response.clone()))
            .unwrap_err()
            .explanation()
    };
    assert!(sentence("create-static-effective-user").contains("one fixed account"));
    let mvp = sentence("create-tms-mvp-login-user");
    assert!(
        mvp.contains("Tapis itself") && !mvp.contains("fixed account"),
        "{mvp}"
    );
}
