//! Hostile and random input: the token decoder, the id-list parser, the response parser and
//! the classifier never panic, and what they accept is safe to put in a URL.

use proptest::prelude::*;
use tms_core::encoding::base64url_encode;
use tms_core::envelope::{message_excerpt, EXCERPT_CHARS};
use tms_core::http::Response;
use tms_core::problem::{classify, Operation};
use tms_core::system_id::{parse_list, SystemId};
use tms_core::tapis::{parse_result, SystemInfo};
use tms_core::{BaseUrl, Token};

const NOW: u64 = 1_700_000_000;

const OPS: [Operation; 6] = [
    Operation::Check,
    Operation::GetSystem,
    Operation::ListSystems,
    Operation::Create,
    Operation::Remove,
    Operation::Login,
];

/// Text that looks like what Tapis and proxies send, mixed with anything at all.
fn body() -> impl Strategy<Value = String> {
    let codes = prop::sample::select(vec![
        "SYSLIB_CRED_NOT_FOUND",
        "SYSAPI_CRED_VALID_FAIL",
        "SYSLIB_CRED_VALID_FAIL",
        "SYSLIB_CRED_NOT_SUPPORTED",
        "SYSLIB_CRED_CONN_FAIL",
        "SYSLIB_UNAUTH",
        "SYSLIB_CRED_TMS_KEYS_",
        "TAPIS_SECURITY_JWT_EXPIRED",
        "Token is revoked.",
        "<title>",
        "</title>",
        "<html>",
        "{\"message\":",
        "\"result\":",
        "é漢\u{a0}\u{3000}",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop_oneof![codes.clone().prop_map(str::to_string), any::<String>()],
            0..8
        )
        .prop_map(|parts| parts.concat()),
        (codes, any::<String>()).prop_map(|(code, rest)| {
            format!(
                r#"{{"status":"error","message":"{code} {}","result":null}}"#,
                rest.escape_default()
            )
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn classifier_and_parser_never_panic(status in 100u16..600, body in body()) {
        let resp = Response::new(status, body.clone());
        for op in OPS {
            let got = classify(op, &Ok(resp.clone()));
            if let Err(p) = got {
                // Explanations are the app's own words: never Tapis codes or the raw body.
                prop_assert!(!p.explanation().contains("SYSLIB"));
                prop_assert!(!p.next_step().is_empty());
            } else {
                prop_assert!((200..300).contains(&status));
            }
        }
        let _ = parse_result::<SystemInfo>(&resp);
        let _ = parse_result::<Vec<SystemInfo>>(&resp);
        prop_assert!(message_excerpt(&body).chars().count() <= EXCERPT_CHARS + 1);
    }

    /// A 401 whose body is not a JSON object (the JWT filter's plain text) is always a token
    /// problem, whatever it says: never "credentials missing", never a reason to create.
    #[test]
    fn plain_text_401_is_always_a_token_problem(text in any::<String>()) {
        prop_assume!(!text.trim_start().starts_with('{'));
        for op in [Operation::Check, Operation::Create, Operation::GetSystem, Operation::Remove] {
            let p = classify(op, &Ok(Response::new(401, text.clone()))).unwrap_err();
            prop_assert!(p.is_token_rejection(), "{op:?} {text:?} -> {p:?}");
        }
    }

    #[test]
    fn token_decoder_never_panics(raw in any::<String>()) {
        let _ = Token::parse(&raw, NOW);
    }

    #[test]
    fn token_claims_never_panic(exp in prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        Just("1e400".to_string()),
        Just("-0".to_string()),
        Just("\"soon\"".to_string()),
    ], user in any::<String>(), now in any::<u64>()) {
        let claims = format!(
            r#"{{"iss":"https://designsafe.tapis.io/v3/tokens","exp":{exp},"tapis/tenant_id":"designsafe","tapis/username":{user:?},"tapis/token_type":"access"}}"#
        );
        let raw = format!("e30.{}.c2ln", base64url_encode(claims.as_bytes()));
        if let Ok(t) = Token::parse(&raw, now) {
            let info = t.info();
            prop_assert!(info.expires_at <= tms_core::token::MAX_EXP);
            prop_assert!(info.seconds_left(now) > 0);
        }
    }

    /// Whatever is typed, an accepted id is safe as one URL path segment.
    #[test]
    fn id_list_parser_never_panics_and_accepts_only_safe_ids(input in prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(vec![
            "ls6", "..", ".", "/", "%2f", "-rf", "_x", "\u{a0}", "\u{3000}", "\u{2003}", ",", ";",
            "\n", "ＬＳ6", "ls６", "frontеra", "a\u{200b}b", "Stampede3",
        ]), 0..20).prop_map(|parts| parts.concat()),
    ]) {
        let list = parse_list(&input);
        for id in &list.valid {
            let s = id.as_str();
            prop_assert!(s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()));
            prop_assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c)));
            prop_assert!(s != "." && s != "..");
            prop_assert_eq!(&SystemId::parse(s).unwrap(), id);
        }
    }

    #[test]
    fn base_url_parser_never_panics(input in any::<String>()) {
        if let Ok(url) = BaseUrl::parse(&input) {
            let s = url.as_str();
            prop_assert!(s.starts_with("https://") || s.starts_with("http://"));
            prop_assert!(!s.contains('@') && !s.contains('#') && !s.contains('?'));
        }
    }
}

/// The ids and separators people paste from web pages and documents.
#[test]
fn unicode_separators_and_look_alikes() {
    let list =
        parse_list("stampede3\u{a0}ls6\u{3000}frontera\u{2003}vista\u{200b}x ＬＳ6 frontеra");
    let valid: Vec<&str> = list.valid.iter().map(SystemId::as_str).collect();
    assert_eq!(valid, ["stampede3", "ls6", "frontera"]);
    let invalid: Vec<&str> = list.invalid.iter().map(|(raw, _)| raw.as_str()).collect();
    assert_eq!(invalid, ["vista\u{200b}x", "ＬＳ6", "frontеra"]);
}

/// Base URLs a crafted link or a careless paste could bring.
#[test]
fn hostile_base_urls_are_refused() {
    for input in [
        "javascript:alert(1)",
        "https://user:pw@designsafe.tapis.io",
        "https://designsafe.tapis.io#frag",
        "http://designsafe.tapis.io",
        "data:text/html,x",
        "https://",
        "//designsafe.tapis.io",
    ] {
        assert!(BaseUrl::parse(input).is_err(), "{input}");
    }
}

/// What the app's JSON entry point accepts and refuses, including nesting deep enough to
/// exhaust a naive reader's stack.
#[test]
fn json_edge_cases() {
    use serde_json::Value;
    let deep_ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let too_deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<(&str, Option<Value>)> = vec![
        (r#""\ud83d\ude42 \u00e9 \/""#, Some(Value::from("🙂 é /"))),
        ("  1.5e3 ", Some(Value::from(1500.0))),
        ("-12", Some(Value::from(-12))),
        (
            "18446744073709551616",
            Some(Value::from(18446744073709551616.0)),
        ),
        ("01", None),
        ("1.", None),
        ("1e400", None),
        ("[1,]", None),
        (r#"{"a":1,}"#, None),
        (r#"{a:1}"#, None),
        ("\"tab\tin string\"", None),
        ("nul", None),
        ("true false", None),
        ("", None),
    ];
    for (text, want) in cases {
        let ours: Option<Value> = tms_core::json::parse(text);
        assert_eq!(ours, want, "{text}");
    }
    assert!(tms_core::json::parse::<Value>(&deep_ok).is_some());
    assert!(
        tms_core::json::parse::<Value>(&too_deep).is_none(),
        "no stack overflow"
    );
}
