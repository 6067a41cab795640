//! Login and discovery through the shared send path.

mod support;

use serde_json::json;
use support::*;
use tms_core::http::{Cancel, TransportError};
use tms_core::tapis::{discover, login, RequestRecord};
use tms_core::{BaseUrl, Secret};

fn token_answer(raw: &str) -> Reply {
    let result = json!({"access_token": {"access_token": raw, "expires_in": 14400, "jti": "j1"}});
    reply(201, envelope("success", "Token created", result))
}

#[test]
fn login_returns_the_parsed_token_and_logs_without_secrets() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    let raw = raw_token("jdoe", START_MS / 1000 + 14_400);
    t.on("token", "", [token_answer(&raw)]);
    let mut records: Vec<RequestRecord> = Vec::new();
    let password = Secret::new("pa55word".into());
    let base = BaseUrl::default();
    let token = block_on(
        &clock,
        login(&t, &clock, &base, " jdoe ", &password, |r| records.push(r)),
    )
    .unwrap();
    assert_eq!(token.info().username, "jdoe");
    assert_eq!(token.secret().expose(), raw);
    let sent = &t.sent.borrow()[0].request;
    assert!(sent.header("X-Tapis-Token").is_none());
    assert!(sent
        .body
        .as_deref()
        .unwrap()
        .contains("\"username\":\"jdoe\""));
    assert_eq!(records.len(), 1);
    let log = serde_json::to_string(&records).unwrap();
    assert!(!log.contains("pa55word") && !log.contains(&raw));
    assert_eq!(
        (
            records[0].method,
            records[0].path.as_str(),
            records[0].status
        ),
        ("POST", "/v3/oauth2/tokens", Some(201))
    );
}

/// A token answer without an envelope message (a proxy, another Tapis version) must not put
/// the body, and so the token, into the activity log.
#[test]
fn a_success_body_without_a_message_is_not_logged() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    let raw = raw_token("jdoe", START_MS / 1000 + 14_400);
    let bare = json!({"result": {"access_token": {"access_token": raw, "expires_in": 14400}}});
    t.on("token", "", [reply(201, bare.to_string())]);
    let mut records: Vec<RequestRecord> = Vec::new();
    let password = Secret::new("pw".into());
    let base = BaseUrl::default();
    block_on(
        &clock,
        login(&t, &clock, &base, "jdoe", &password, |r| records.push(r)),
    )
    .unwrap();
    assert_eq!(records[0].message, None);
    assert!(!serde_json::to_string(&records).unwrap().contains(&raw));
}

#[test]
fn login_failures_are_classified() {
    let cases = [
        (
            error(401, "Invalid username/password combination."),
            "login-rejected",
        ),
        (
            reply(201, envelope("success", "ok", json!({}))),
            "unexpected-response",
        ),
        (token_answer("not-a-token"), "token-invalid"),
        (fail(TransportError::Network("CORS".into()), 5), "network"),
        (reply(500, "<html>oops</html>"), "server-error"),
    ];
    for (answer, code) in cases {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("token", "", [answer]);
        let got = block_on(
            &clock,
            login(
                &t,
                &clock,
                &BaseUrl::default(),
                "jdoe",
                &Secret::new("pw".into()),
                |_| {},
            ),
        );
        assert_eq!(got.unwrap_err().code(), code);
    }
}

#[test]
fn discover_lists_all_systems() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    let systems = json!([
        {"id": "stampede3", "host": "stampede3.tacc.utexas.edu", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
         "effectiveUserId": "${apiUserId}", "isDynamicEffectiveUser": true, "enabled": true, "canExec": true},
        {"id": "cloud.data", "systemType": "S3", "defaultAuthnMethod": "ACCESS_KEY", "enabled": null}
    ]);
    t.on("list", "", [reply(200, envelope("success", "ok", systems))]);
    let mut records = Vec::new();
    let found = block_on(
        &clock,
        discover(&t, &clock, &client(), &Cancel::new(), |r| records.push(r)),
    )
    .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].tms_problem(), None);
    assert_eq!(found[1].tms_problem().unwrap().code(), "not-tms");
    assert!(records[0]
        .path
        .starts_with("/v3/systems?listType=ALL&select="));

    let t = FakeTransport::new(&clock);
    t.on("list", "", [reply(401, "TAPIS_SECURITY_JWT_EXPIRED")]);
    let err = block_on(
        &clock,
        discover(&t, &clock, &client(), &Cancel::new(), |_| {}),
    )
    .unwrap_err();
    assert!(err.is_token_rejection());

    // An expired token is never sent.
    let t = FakeTransport::new(&clock);
    let expired = tms_core::tapis::Client::new(BaseUrl::default(), token_expiring_in(1_000));
    block_on(&clock, async {
        tms_core::http::Clock::sleep(&clock, 2_000).await
    });
    let err = block_on(
        &clock,
        discover(&t, &clock, &expired, &Cancel::new(), |_| {}),
    )
    .unwrap_err();
    assert_eq!(err.code(), "token-expired");
    assert_eq!(t.count(), 0);
}
