//! The engine over real HTTP against the in-process Tapis simulator: outcomes, and what the
//! simulator actually received (its request log), per system and in order.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use support::{HttpTransport, SystemClock};
use tapis_sim::{CredState, LogEntry, Scenario, SimHandle};
use tms_core::engine::{run, Event, Mode, Options, Outcome, RunControl, RunSpec, Step};
use tms_core::http::Clock;
use tms_core::problem::Problem;
use tms_core::tapis::{Client, RequestRecord, SYSTEM_FIELDS};
use tms_core::{BaseUrl, SystemId, Token};

const USER: &str = "alice";

/// A TMS-capable Linux system, plus any extra scenario keys.
fn tms(id: &str, extra: Value) -> Value {
    let mut s = json!({"id": id, "host": format!("{id}.example"), "systemType": "LINUX",
                       "defaultAuthnMethod": "TMS_KEYS"});
    if let (Value::Object(s), Value::Object(extra)) = (&mut s, extra) {
        s.extend(extra);
    }
    s
}

fn scenario(systems: Vec<Value>, credentials: Value, faults: Value) -> Scenario {
    Scenario::from_json(
        &json!({
            "tenantId": "designsafe",
            "users": [{"username": USER, "password": "pw"}, {"username": "bob", "password": "pw"}],
            "systems": systems,
            "credentials": credentials,
            "faults": faults,
        })
        .to_string(),
    )
    .expect("scenario")
}

struct Env {
    sim: SimHandle,
    client: Client,
    raw_token: String,
}

async fn start(scenario: Scenario) -> Env {
    let sim = tapis_sim::spawn(scenario, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator");
    let raw_token = sim.mint_token(USER, 600);
    let client = client_for(&sim, &raw_token, SystemClock.now_ms() / 1000);
    Env {
        sim,
        client,
        raw_token,
    }
}

fn client_for(sim: &SimHandle, raw: &str, now_s: u64) -> Client {
    let base = BaseUrl::parse(&sim.base_url()).expect("loopback http base");
    let token = Token::parse(raw, now_s).expect("token");
    assert_eq!(token.info().base_url().unwrap(), base);
    Client::new(base, token)
}

/// Options for a run against the simulator: everything in parallel, one quick transient retry.
fn options(mode: Mode) -> Options {
    Options {
        mode,
        concurrency: 8,
        transient_retries: 1,
        request_timeout_ms: 10_000,
        ssh_timeout_ms: 10_000,
        // The simulator acts before it answers or drops: no create is still running there.
        create_settle_ms: 500,
        // Real seconds: long enough for one refused key to be accepted on the next try.
        create_retry_window_ms: 8_000,
        ..Options::default()
    }
}

#[derive(Default)]
struct Report {
    events: Vec<Event>,
    done: BTreeMap<String, Outcome>,
    records: Vec<RequestRecord>,
}

impl Report {
    fn state(&self, id: &str) -> &'static str {
        self.done
            .get(id)
            .unwrap_or_else(|| panic!("no outcome for {id}"))
            .state()
    }

    fn states(&self) -> BTreeMap<String, &'static str> {
        self.done
            .iter()
            .map(|(k, v)| (k.clone(), v.state()))
            .collect()
    }

    fn waits(&self, id: &str) -> Vec<Problem> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Step {
                    system,
                    step: Step::WaitingRetry { reason, .. },
                    ..
                } if system.as_str() == id => Some(reason.clone()),
                _ => None,
            })
            .collect()
    }
}

async fn go(env: &Env, systems: &[&str], options: &Options) -> Report {
    go_with(env, systems, options, |_| {}).await
}

async fn go_with(
    env: &Env,
    systems: &[&str],
    options: &Options,
    mut hook: impl FnMut(&Event),
) -> Report {
    let ids: Vec<SystemId> = systems
        .iter()
        .map(|s| SystemId::parse(s).unwrap())
        .collect();
    let mut report = Report::default();
    let transport = HttpTransport::new();
    let spec = RunSpec {
        client: env.client.clone(),
        systems: ids.clone(),
        options: options.clone(),
    };
    run(&transport, &SystemClock, &spec, &RunControl::new(), |e| {
        hook(&e);
        match &e {
            Event::Done {
                system, outcome, ..
            } => {
                let prev = report.done.insert(system.to_string(), outcome.clone());
                assert!(prev.is_none(), "two outcomes for {system}");
            }
            Event::Request(r) => report.records.push(r.clone()),
            Event::Step { .. } => {}
        }
        report.events.push(e);
    })
    .await;
    assert_eq!(report.done.len(), ids.len(), "every system ends once");
    assert_no_token(env, &report);
    report
}

/// Neither the simulator's log nor the engine's activity log may ever hold the token.
fn assert_no_token(env: &Env, report: &Report) {
    let sim_log = serde_json::to_string(&env.sim.log()).unwrap();
    let records = serde_json::to_string(&report.records).unwrap();
    let events = format!("{:?}", report.events);
    // The signature alone is secret enough: check it and the whole token.
    let signature = env.raw_token.rsplit('.').next().unwrap();
    for (what, text) in [
        ("simulator log", &sim_log),
        ("request records", &records),
        ("events", &events),
    ] {
        assert!(
            !text.contains(&env.raw_token) && !text.contains(signature),
            "token in {what}"
        );
    }
}

/// Whether the log entry concerns this system (an exact path segment, not a substring).
fn about(e: &LogEntry, id: &str) -> bool {
    e.path.split('/').any(|seg| seg == id)
}

/// (method, path with query, status) per request for one system, in arrival order.
fn calls(log: &[LogEntry], id: &str) -> Vec<(String, String, u16)> {
    log.iter()
        .filter(|e| about(e, id))
        .map(|e| {
            let path = if e.query.is_empty() {
                e.path.clone()
            } else {
                format!("{}?{}", e.path, e.query)
            };
            (e.method.clone(), path, e.status)
        })
        .collect()
}

fn check(id: &str, status: u16) -> (String, String, u16) {
    (
        "POST".into(),
        format!("/v3/systems/credential/{id}/user/{USER}/check"),
        status,
    )
}

fn get(id: &str, status: u16) -> (String, String, u16) {
    (
        "GET".into(),
        format!("/v3/systems/{id}?select={SYSTEM_FIELDS}"),
        status,
    )
}

fn create(id: &str, status: u16) -> (String, String, u16) {
    (
        "POST".into(),
        format!("/v3/systems/credential/{id}/user/{USER}?createTmsKeys=true"),
        status,
    )
}

fn delete(id: &str, status: u16) -> (String, String, u16) {
    (
        "DELETE".into(),
        format!("/v3/systems/credential/{id}/user/{USER}"),
        status,
    )
}

fn creds(sim: &SimHandle) -> BTreeMap<String, CredState> {
    sim.credentials()
        .into_iter()
        .filter(|c| c.username == USER)
        .map(|c| (c.system_id, c.state))
        .collect()
}

fn is_create(e: &LogEntry) -> bool {
    e.method == "POST" && e.query.contains("createTmsKeys")
}

#[tokio::test(flavor = "current_thread")]
async fn seed_case_creates_then_finds_present() {
    let systems = ["stampede3", "ls6", "frontera"];
    let env = start(scenario(
        systems.iter().map(|id| tms(id, json!({}))).collect(),
        json!([]),
        json!([]),
    ))
    .await;

    let first = go(&env, &systems, &options(Mode::Establish)).await;
    let log = env.sim.log();
    for id in systems {
        assert_eq!(first.state(id), "created", "{id}");
        assert_eq!(
            calls(&log, id),
            [check(id, 401), get(id, 200), create(id, 201)],
            "{id}"
        );
    }
    assert_eq!(log.len(), 9, "nothing but the three calls per system");
    let stored = creds(&env.sim);
    assert_eq!(
        stored.keys().map(String::as_str).collect::<Vec<_>>(),
        ["frontera", "ls6", "stampede3"]
    );
    assert!(stored.values().all(|s| *s == CredState::Valid));

    let second = go(&env, &systems, &options(Mode::Establish)).await;
    let log = env.sim.log();
    let later = &log[9..];
    for id in systems {
        assert_eq!(second.state(id), "present", "{id}");
        assert_eq!(calls(later, id), [check(id, 200)], "{id}");
    }
    assert_eq!(later.len(), 3);
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn mixed_systems_each_end_as_expected() {
    let env = start(scenario(
        vec![
            tms("s-present", json!({})),
            tms("s-new", json!({})),
            json!({"id": "s-pki", "host": "pki.example", "systemType": "LINUX",
                   "defaultAuthnMethod": "PKI_KEYS"}),
            tms("s-noalloc", json!({"usableBy": ["bob"]})),
            tms("s-rejected", json!({})),
            tms("s-down", json!({"behaviour": {"hostUnreachable": true}})),
            tms(
                "s-down-new",
                json!({"behaviour": {"hostUnreachable": true}}),
            ),
            tms("s-slow", json!({"behaviour": {"createFail401Times": 1}})),
        ],
        json!([
            {"systemId": "s-present", "username": USER, "state": "valid"},
            {"systemId": "s-rejected", "username": USER, "state": "rejected"},
            {"systemId": "s-down", "username": USER, "state": "valid"},
        ]),
        json!([]),
    ))
    .await;
    // (system, outcome, requests the simulator must have seen for it)
    let cases = [
        ("s-present", "present", vec![check("s-present", 200)]),
        (
            "s-new",
            "created",
            vec![check("s-new", 401), get("s-new", 200), create("s-new", 201)],
        ),
        (
            "s-pki",
            "not-tms",
            vec![check("s-pki", 401), get("s-pki", 200)],
        ),
        ("s-gone", "not-found", vec![check("s-gone", 404)]),
        (
            "s-rejected",
            "created",
            vec![
                check("s-rejected", 401),
                get("s-rejected", 200),
                create("s-rejected", 201),
            ],
        ),
        // A stored key cannot be checked on a host that is down: nothing to create.
        ("s-down", "failed", vec![check("s-down", 401)]),
        // Without a stored key the check cannot tell; the new key's verification can, and a
        // host that is down is not a key still propagating: no waiting and retrying.
        (
            "s-down-new",
            "failed",
            vec![
                check("s-down-new", 401),
                get("s-down-new", 200),
                create("s-down-new", 401),
            ],
        ),
        (
            "s-slow",
            "created",
            vec![
                check("s-slow", 401),
                get("s-slow", 200),
                create("s-slow", 401),
                create("s-slow", 201),
            ],
        ),
    ];
    let mut ids: Vec<&str> = cases.iter().map(|c| c.0).collect();
    ids.push("s-noalloc");
    let report = go(&env, &ids, &options(Mode::Establish)).await;
    let log = env.sim.log();
    for (id, state, want) in &cases {
        assert_eq!(report.state(id), *state, "{id}: {:?}", report.done[*id]);
        assert_eq!(calls(&log, id), *want, "{id}");
    }
    assert_eq!(
        report.done["s-pki"],
        Outcome::NotTms {
            authn_method: "PKI_KEYS".into()
        }
    );
    // Tapis has no notion of an allocation: a user without an account there passes every
    // check, and each new key is refused until the window closes. Nothing is stored.
    assert!(
        matches!(
            report.done["s-noalloc"],
            Outcome::Failed(Problem::KeyNotAccepted { stopped: false, .. })
        ),
        "{:?}",
        report.done["s-noalloc"]
    );
    let noalloc = calls(&log, "s-noalloc");
    assert_eq!(
        noalloc[..2],
        [check("s-noalloc", 401), get("s-noalloc", 200)]
    );
    assert!(noalloc.len() >= 4, "{noalloc:?}");
    assert!(
        noalloc[2..].iter().all(|c| *c == create("s-noalloc", 401)),
        "{noalloc:?}"
    );
    assert!(!env
        .sim
        .credentials()
        .iter()
        .any(|c| c.system_id == "s-noalloc"));
    for id in ["s-down", "s-down-new"] {
        assert!(
            matches!(
                report.done[id],
                Outcome::Failed(Problem::HostUnreachable { .. })
            ),
            "{id}: {:?}",
            report.done[id]
        );
    }
    let waits = report.waits("s-slow");
    assert!(
        matches!(waits.as_slice(), [Problem::KeyNotYetUsable { .. }]),
        "{waits:?}"
    );
    for id in ids
        .iter()
        .filter(|id| !["s-slow", "s-noalloc"].contains(*id))
    {
        assert!(report.waits(id).is_empty(), "{id} waited");
    }
    let stored = creds(&env.sim);
    for id in ["s-present", "s-new", "s-rejected", "s-slow", "s-down"] {
        assert_eq!(stored.get(id), Some(&CredState::Valid), "{id}");
    }
    assert_eq!(stored.len(), 5, "{stored:?}");
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn faults_are_retried_or_fail_without_creating() {
    let check_path = |id: &str| format!("/v3/systems/credential/{id}/user/*/check");
    let rule = |id: &str, limit: Option<u32>, action: Value| {
        let mut r = json!({"method": "POST", "path": check_path(id), "action": action});
        if let Some(l) = limit {
            r["limit"] = json!(l);
        }
        r
    };
    let unavailable = json!({"kind": "status", "status": 503,
                             "body": {"status": "error", "message": "Service Unavailable"}});
    let faults = json!([
        rule("f-503-once", Some(1), unavailable.clone()),
        rule("f-502-once", Some(1), json!({"kind": "badGateway"})),
        rule("f-503-always", None, unavailable),
        rule("f-drop-once", Some(1), json!({"kind": "drop"})),
        rule("f-drop-always", None, json!({"kind": "drop"})),
        {"method": "GET", "path": "/v3/systems/f-bad-json", "action": {"kind": "invalidJson"}},
    ]);
    let ids = [
        "f-503-once",
        "f-502-once",
        "f-503-always",
        "f-drop-once",
        "f-drop-always",
        "f-bad-json",
    ];
    let env = start(scenario(
        ids.iter().map(|id| tms(id, json!({}))).collect(),
        json!([]),
        faults,
    ))
    .await;
    let opts = options(Mode::Establish);
    let tries = 1 + opts.transient_retries as usize;
    let report = go(&env, &ids, &opts).await;
    let log = env.sim.log();

    let recovered = |id: &str, first: u16| {
        vec![
            check(id, first),
            check(id, 401),
            get(id, 200),
            create(id, 201),
        ]
    };
    let cases = [
        ("f-503-once", "created", recovered("f-503-once", 503)),
        ("f-502-once", "created", recovered("f-502-once", 502)),
        ("f-drop-once", "created", recovered("f-drop-once", 0)),
        (
            "f-503-always",
            "failed",
            vec![check("f-503-always", 503); tries],
        ),
        (
            "f-drop-always",
            "failed",
            vec![check("f-drop-always", 0); tries],
        ),
        (
            "f-bad-json",
            "failed",
            vec![check("f-bad-json", 401), get("f-bad-json", 200)],
        ),
    ];
    for (id, state, want) in &cases {
        assert_eq!(report.state(id), *state, "{id}: {:?}", report.done[*id]);
        assert_eq!(calls(&log, id), *want, "{id}");
    }
    let problem = |id: &str| report.done[id].problem().unwrap().code();
    assert_eq!(problem("f-503-always"), "server-error");
    assert_eq!(problem("f-drop-always"), "network");
    assert_eq!(problem("f-bad-json"), "unexpected-response");
    for (id, reason) in [
        ("f-503-once", "server-error"),
        ("f-502-once", "server-error"),
        ("f-drop-once", "network"),
    ] {
        let waits = report.waits(id);
        assert_eq!(waits.len(), 1, "{id}: {waits:?}");
        assert_eq!(waits[0].code(), reason, "{id}");
    }
    // The engine's own record of a dropped connection says it was a network error.
    assert!(report.records.iter().any(|r| {
        r.system
            .as_ref()
            .is_some_and(|s| s.as_str() == "f-drop-always")
            && r.status.is_none()
            && r.message
                .as_deref()
                .is_some_and(|m| m.starts_with("network error"))
    }));
    // Never create on an ambiguous answer.
    for id in ["f-503-always", "f-drop-always", "f-bad-json"] {
        assert!(!log.iter().any(|e| about(e, id) && is_create(e)), "{id}");
    }
    env.sim.shutdown().await;
}

/// Systems a..d need creating; b's check is slow, so it is in flight when the token goes.
fn revocation_scenario() -> Scenario {
    scenario(
        ["t-a", "t-b", "t-c", "t-d"]
            .iter()
            .map(|id| tms(id, json!({})))
            .collect(),
        json!([]),
        json!([{"method": "POST", "path": "/v3/systems/credential/t-b/user/*/check",
                "latencyMs": 500}]),
    )
}

#[tokio::test(flavor = "current_thread")]
async fn revoked_token_stops_every_system_and_sends_nothing_more() {
    let ids = ["t-a", "t-b", "t-c", "t-d"];
    let opts = Options {
        concurrency: 2,
        ..options(Mode::Establish)
    };
    for revoke_early in [true, false] {
        let env = start(revocation_scenario()).await;
        if revoke_early {
            env.sim.revoke(USER);
        }
        let mut revoked = revoke_early;
        let report = go_with(&env, &ids, &opts, |e| {
            // Revoke as soon as the first answer is in: t-a's check (t-b's is slow).
            if !revoked && matches!(e, Event::Request(_)) {
                env.sim.revoke(USER);
                revoked = true;
            }
        })
        .await;
        let case = if revoke_early {
            "before"
        } else {
            "while running"
        };
        for id in ids {
            assert_eq!(report.state(id), "token-rejected", "{case}: {id}");
            assert!(
                matches!(
                    report.done[id],
                    Outcome::TokenRejected(Problem::TokenRevoked { .. })
                ),
                "{case}: {id}: {:?}",
                report.done[id]
            );
        }
        let log = env.sim.log();
        let first = log
            .iter()
            .filter(|e| e.status == 500)
            .min_by_key(|e| (e.ended_ms, e.seq))
            .unwrap_or_else(|| panic!("{case}: no revoked answer in {log:?}"));
        assert!(about(first, "t-a"), "{case}: {first:?}");
        for e in &log {
            assert!(
                e.started_ms <= first.ended_ms,
                "{case}: {e:?} sent after the revoked answer {first:?}"
            );
        }
        let want = if revoke_early {
            vec![check("t-a", 500)]
        } else {
            vec![check("t-a", 401), get("t-a", 500)]
        };
        assert_eq!(calls(&log, "t-a"), want, "{case}");
        // t-b's slow check was abandoned; c and d never got a turn.
        for id in ["t-c", "t-d"] {
            assert!(calls(&log, id).is_empty(), "{case}: {id}");
        }
        assert!(!log.iter().any(is_create), "{case}");
        env.sim.shutdown().await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn expired_token_sends_nothing() {
    let ids = ["x-a", "x-b", "x-c"];
    let mut env = start(scenario(
        ids.iter().map(|id| tms(id, json!({}))).collect(),
        json!([]),
        json!([]),
    ))
    .await;
    let raw = env.sim.mint_token(USER, -60);
    // Parsed as if it were an hour ago, so it is still valid then and expired now.
    env.client = client_for(&env.sim, &raw, SystemClock.now_ms() / 1000 - 3600);
    env.raw_token = raw;
    let report = go(&env, &ids, &options(Mode::Establish)).await;
    for id in ids {
        assert!(
            matches!(
                report.done[id],
                Outcome::TokenRejected(Problem::TokenExpired { .. })
            ),
            "{id}: {:?}",
            report.done[id]
        );
    }
    assert!(report.records.is_empty());
    assert_eq!(env.sim.log(), [], "the core refuses before sending");
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn check_only_never_creates_and_remove_deletes() {
    let ids = ["c-valid", "c-none", "c-rejected"];
    let stored = json!([
        {"systemId": "c-valid", "username": USER, "state": "valid"},
        {"systemId": "c-rejected", "username": USER, "state": "rejected"},
        {"systemId": "c-valid", "username": "bob", "state": "valid"},
    ]);
    let env = start(scenario(
        ids.iter().map(|id| tms(id, json!({}))).collect(),
        stored,
        json!([]),
    ))
    .await;

    let report = go(&env, &ids, &options(Mode::CheckOnly)).await;
    let log = env.sim.log();
    let cases = [
        ("c-valid", "present", 200),
        ("c-none", "missing", 401),
        ("c-rejected", "missing", 401),
    ];
    for (id, state, status) in cases {
        assert_eq!(report.state(id), state, "{id}");
        assert_eq!(calls(&log, id), [check(id, status)], "{id}");
    }
    assert_eq!(log.len(), 3, "checks only");
    assert_eq!(creds(&env.sim).len(), 2, "nothing stored");

    let report = go(&env, &ids, &options(Mode::Remove)).await;
    let later = &env.sim.log()[3..];
    for id in ids {
        assert_eq!(report.state(id), "removed", "{id}");
        // Tapis answers a delete with 201 and `result: null`, stored or not.
        assert_eq!(calls(later, id), [delete(id, 201)], "{id}");
    }
    assert_eq!(later.len(), 3);
    assert!(creds(&env.sim).is_empty(), "{:?}", env.sim.credentials());
    let others = env.sim.credentials();
    assert_eq!(others.len(), 1, "only the user's own keys go: {others:?}");
    env.sim.shutdown().await;
}

/// Vault behind SK down: a stored key reads as none (no client can tell), so a create is
/// tried, fails as "secret store", is re-checked and tried once more, and the row says why. A
/// removal fails the same way and the key stays.
#[tokio::test(flavor = "current_thread")]
async fn secret_store_down_fails_create_and_remove_without_pretending() {
    let id = "s-store";
    let stored = json!([{"systemId": id, "username": USER, "state": "valid"}]);
    let mut down = scenario(vec![tms(id, json!({}))], stored, json!([]));
    down.secret_store_down = true;
    let env = start(down).await;

    let report = go(&env, &[id], &options(Mode::Establish)).await;
    let problem = report.done[id].problem().map(|p| p.code());
    assert_eq!(
        (report.state(id), problem),
        ("failed", Some("secret-store"))
    );
    let want = [
        check(id, 401),
        get(id, 200),
        create(id, 500),
        check(id, 401),
        create(id, 500),
    ];
    assert_eq!(calls(&env.sim.log(), id), want);

    let before = env.sim.log().len();
    let report = go(&env, &[id], &options(Mode::Remove)).await;
    let problem = report.done[id].problem().map(|p| p.code());
    assert_eq!(
        (report.state(id), problem),
        ("failed", Some("secret-store"))
    );
    let later = calls(&env.sim.log()[before..], id);
    assert!(
        !later.is_empty() && later.iter().all(|c| *c == delete(id, 500)),
        "{later:?}"
    );
    assert_eq!(creds(&env.sim).len(), 1, "the stored key stays");
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn concurrency_bound_holds_on_the_wire() {
    let ids = ["k-1", "k-2", "k-3", "k-4", "k-5", "k-6"];
    let env = start(scenario(
        ids.iter()
            .map(|id| tms(id, json!({"behaviour": {"sshCheckDelayMs": 300}})))
            .collect(),
        ids.iter()
            .map(|id| json!({"systemId": id, "username": USER}))
            .collect(),
        json!([]),
    ))
    .await;
    let opts = Options {
        concurrency: 2,
        ..options(Mode::Establish)
    };
    let report = go(&env, &ids, &opts).await;
    for id in ids {
        assert_eq!(report.state(id), "present", "{id}");
    }
    let log = env.sim.log();
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|e| e.path.ends_with("/check")));
    // Requests as half-open intervals [started, ended): the most in flight at any start.
    let most = log
        .iter()
        .map(|a| {
            log.iter()
                .filter(|b| b.started_ms <= a.started_ms && a.started_ms < b.ended_ms)
                .count()
        })
        .max()
        .unwrap();
    assert_eq!(most, 2, "{log:?}");
    let span = log.iter().map(|e| e.ended_ms).max().unwrap()
        - log.iter().map(|e| e.started_ms).min().unwrap();
    assert!(span >= 900, "three rounds of 300 ms, got {span} ms");
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn token_never_reaches_any_log() {
    // Every kind of answer: success, Tapis errors, a gateway page, a dropped connection.
    let env = start(scenario(
        vec![
            tms("n-ok", json!({})),
            tms("n-down", json!({"behaviour": {"hostUnreachable": true}})),
            tms("n-gw", json!({})),
            tms("n-drop", json!({})),
        ],
        json!([]),
        json!([
            {"path": "/v3/systems/credential/n-gw/user/*/check", "action": {"kind": "badGateway"}},
            {"path": "/v3/systems/n-drop", "action": {"kind": "drop"}},
        ]),
    ))
    .await;
    let ids = ["n-ok", "n-down", "n-gw", "n-drop", "n-missing"];
    let opts = Options {
        transient_retries: 0,
        ..options(Mode::Establish)
    };
    let report = go(&env, &ids, &opts).await;
    let states = report.states();
    assert_eq!(states["n-ok"], "created");
    assert_eq!(states["n-missing"], "not-found");
    for id in ["n-down", "n-gw", "n-drop"] {
        assert_eq!(states[id], "failed", "{id}");
    }
    let removed = go(&env, &["n-ok"], &options(Mode::Remove)).await;
    assert_eq!(removed.state("n-ok"), "removed");
    let log = env.sim.log();
    assert!(log.len() >= 10, "{log:?}");
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&env.raw_token));
    assert!(!text.contains(env.raw_token.rsplit('.').next().unwrap()));
    env.sim.shutdown().await;
}

// ---- Issue 10's fault matrix: each step x each fault, over real HTTP ----------------------------

/// The step a fault rule targets.
#[derive(Clone, Copy, Debug, PartialEq)]
enum At {
    Check,
    Read,
    Create,
    Remove,
}

impl At {
    fn rule(self, id: &str) -> Value {
        let cred = format!("/v3/systems/credential/{id}/user/*");
        let (method, path) = match self {
            At::Check => ("POST", format!("{cred}/check")),
            At::Read => ("GET", format!("/v3/systems/{id}")),
            At::Create => ("POST", cred),
            At::Remove => ("DELETE", cred),
        };
        json!({"method": method, "path": path})
    }

    fn name(self) -> &'static str {
        match self {
            At::Check => "check",
            At::Read => "read",
            At::Create => "create",
            At::Remove => "remove",
        }
    }
}

/// A fault kind: its name (part of the system id) and the rule's keys besides method and path.
fn fault(kind: &str) -> Value {
    let page = |status: u16| json!({"action": {"kind": "badGateway", "status": status}});
    match kind {
        "500-json" => json!({"action": {"kind": "status", "status": 500, "body": {"result": null,
            "status": "error", "message": "HTTP 500 Internal Server Error", "version": "1.8.2"}}}),
        "502-html" => page(502),
        "503-empty" => json!({"action": {"kind": "status", "status": 503}}),
        "504-html" => page(504),
        "drop" => json!({"action": {"kind": "drop"}}),
        // Tapis's own status, its body cut off.
        "bad-json" => json!({"afterHandler": true, "action": {"kind": "invalidJson"}}),
        "filter-401" => json!({"action": {"kind": "status", "status": 401,
            "contentType": "application/json",
            "body": "TAPIS_SECURITY_JWT_PARSE_ERROR Unable to parse JWT. Error: JWT signature does not match."}}),
        "revoked" => json!({"action": {"kind": "status", "status": 500,
            "contentType": "application/json",
            "body": "{\"status\": \"error\", \"message\": \"Token is revoked.\", \"version\": \"26Q2.0\", \"result\": null }\n"}}),
        "redirect" => json!({"action": {"kind": "redirect"}}),
        "slow" => json!({"latencyMs": SLOW_MS}),
        // Tapis stored the key; its answer is lost or late.
        "stored-504" => {
            json!({"afterHandler": true, "action": {"kind": "badGateway", "status": 504}})
        }
        "stored-slow" => json!({"afterHandler": true, "latencyMs": SLOW_MS}),
        other => panic!("no fault {other}"),
    }
}

const TIMEOUT_MS: u64 = 800;
const SLOW_MS: u64 = 1_500;
const RETRIES: u32 = 2;
/// Tries of a transient-retried step: the first and `RETRIES` more.
const T: usize = 1 + RETRIES as usize;

/// Requests for the affected system, by kind: [check, read system, create, delete].
type Counts = [usize; 4];

/// (step, fault, outcome state, problem code, requests). A token rejection (`token-rejected`)
/// stops the whole run, so those cells run alone; the others share one run per mode.
#[rustfmt::skip]
const MATRIX: &[(At, &str, &str, &str, Counts)] = &[
    // The check: anything but a definite answer ends the system, never a create.
    (At::Check, "500-json",   "failed",         "server-error",        [T, 0, 0, 0]),
    (At::Check, "502-html",   "failed",         "server-error",        [T, 0, 0, 0]),
    (At::Check, "503-empty",  "failed",         "server-error",        [T, 0, 0, 0]),
    (At::Check, "504-html",   "failed",         "server-error",        [T, 0, 0, 0]),
    (At::Check, "drop",       "failed",         "network",             [T, 0, 0, 0]),
    (At::Check, "slow",       "failed",         "timeout",             [T, 0, 0, 0]),
    (At::Check, "redirect",   "failed",         "redirected",          [1, 0, 0, 0]),
    // A cut-off JSON body is neither the JWT filter's plain text nor a definite answer.
    (At::Check, "bad-json",   "failed",         "unexpected-response", [1, 0, 0, 0]),
    (At::Check, "filter-401", "token-rejected", "token-invalid",       [1, 0, 0, 0]),
    (At::Check, "revoked",    "token-rejected", "token-revoked",       [1, 0, 0, 0]),
    // Reading the system: retried like the check; a body that does not parse is not a system.
    (At::Read,  "500-json",   "failed",         "server-error",        [1, T, 0, 0]),
    (At::Read,  "502-html",   "failed",         "server-error",        [1, T, 0, 0]),
    (At::Read,  "503-empty",  "failed",         "server-error",        [1, T, 0, 0]),
    (At::Read,  "504-html",   "failed",         "server-error",        [1, T, 0, 0]),
    (At::Read,  "drop",       "failed",         "network",             [1, T, 0, 0]),
    (At::Read,  "slow",       "failed",         "timeout",             [1, T, 0, 0]),
    (At::Read,  "redirect",   "failed",         "redirected",          [1, 1, 0, 0]),
    (At::Read,  "bad-json",   "failed",         "unexpected-response", [1, 1, 0, 0]),
    (At::Read,  "filter-401", "token-rejected", "token-invalid",       [1, 1, 0, 0]),
    (At::Read,  "revoked",    "token-rejected", "token-revoked",       [1, 1, 0, 0]),
    // Creating: an ambiguous answer is followed by a check, and a create only if still missing.
    (At::Create, "500-json",    "failed",         "server-error",  [T, 1, T, 0]),
    (At::Create, "502-html",    "failed",         "server-error",  [T, 1, T, 0]),
    (At::Create, "503-empty",   "failed",         "server-error",  [T, 1, T, 0]),
    (At::Create, "504-html",    "failed",         "server-error",  [T, 1, T, 0]),
    (At::Create, "drop",        "failed",         "network",       [T, 1, T, 0]),
    (At::Create, "slow",        "failed",         "timeout",       [T, 1, T, 0]),
    (At::Create, "stored-504",  "created",        "",              [2, 1, 1, 0]),
    (At::Create, "stored-slow", "created",        "",              [2, 1, 1, 0]),
    (At::Create, "redirect",    "failed",         "redirected",    [1, 1, 1, 0]),
    // A 201 whose body does not parse is not proof: a check finds the key Tapis stored.
    (At::Create, "bad-json",    "created",        "",              [2, 1, 1, 0]),
    (At::Create, "filter-401",  "token-rejected", "token-invalid", [1, 1, 1, 0]),
    (At::Create, "revoked",     "token-rejected", "token-revoked", [1, 1, 1, 0]),
    // Removing (a stored key): idempotent, so retried like a read.
    (At::Remove, "500-json",   "failed",         "server-error",  [0, 0, 0, T]),
    (At::Remove, "502-html",   "failed",         "server-error",  [0, 0, 0, T]),
    (At::Remove, "503-empty",  "failed",         "server-error",  [0, 0, 0, T]),
    (At::Remove, "504-html",   "failed",         "server-error",  [0, 0, 0, T]),
    (At::Remove, "drop",       "failed",         "network",       [0, 0, 0, T]),
    (At::Remove, "slow",       "failed",         "timeout",       [0, 0, 0, T]),
    (At::Remove, "redirect",   "failed",         "redirected",    [0, 0, 0, 1]),
    // An unreadable 2xx says nothing certain: reported, not taken as removed.
    (At::Remove, "bad-json",   "failed",         "unexpected-response", [0, 0, 0, 1]),
    (At::Remove, "filter-401", "token-rejected", "token-invalid", [0, 0, 0, 1]),
    (At::Remove, "revoked",    "token-rejected", "token-revoked", [0, 0, 0, 1]),
];

fn counts(log: &[LogEntry], id: &str) -> Counts {
    let mut c = [0; 4];
    for e in log.iter().filter(|e| about(e, id)) {
        let kind = match (e.method.as_str(), e.path.ends_with("/check")) {
            ("POST", true) => 0,
            ("GET", _) => 1,
            ("POST", false) => 2,
            ("DELETE", _) => 3,
            other => panic!("{id}: unexpected {other:?} {e:?}"),
        };
        c[kind] += 1;
    }
    c
}

/// A create only ever follows a definite "no key" from a check (401), directly or through a
/// successful read of the system right after one: never an ambiguous answer.
fn assert_creates_follow_definite_missing(log: &[LogEntry], id: &str) {
    let mine: Vec<&LogEntry> = log.iter().filter(|e| about(e, id)).collect();
    let missing = |e: &LogEntry| e.path.ends_with("/check") && e.status == 401;
    for (i, _) in mine.iter().enumerate().filter(|(_, e)| is_create(e)) {
        let ok = match i {
            0 => false,
            1 => missing(mine[0]),
            _ => {
                missing(mine[i - 1])
                    || (mine[i - 1].method == "GET"
                        && mine[i - 1].status == 200
                        && missing(mine[i - 2]))
            }
        };
        assert!(ok, "{id}: create #{i} after {:?}", &mine[..i]);
    }
}

fn matrix_options(mode: Mode, concurrency: usize) -> Options {
    Options {
        mode,
        concurrency,
        transient_retries: RETRIES,
        request_timeout_ms: TIMEOUT_MS,
        ssh_timeout_ms: TIMEOUT_MS,
        ..options(mode)
    }
}

/// Runs the cells of one mode (or one token cell with a bystander) against one simulator,
/// then checks each cell and the bystanders. `bystanders`: (id, stored key, outcome, requests).
async fn matrix_run(
    mode: Mode,
    cells: &[&(At, &str, &str, &str, Counts)],
    bystanders: &[(&str, bool, &str, Counts)],
) {
    let id = |at: At, kind: &str| format!("{}-{kind}", at.name());
    let stored = |at: At| at == At::Remove;
    let mut systems: Vec<Value> = Vec::new();
    let mut keys: Vec<Value> = Vec::new();
    let mut rules: Vec<Value> = Vec::new();
    for (at, kind, ..) in cells {
        let sid = id(*at, kind);
        systems.push(tms(&sid, json!({})));
        if stored(*at) {
            keys.push(json!({"systemId": sid, "username": USER}));
        }
        let mut rule = at.rule(&sid);
        if let (Value::Object(r), Value::Object(f)) = (&mut rule, fault(kind)) {
            r.extend(f);
        }
        rules.push(rule);
    }
    for (sid, key, ..) in bystanders {
        systems.push(tms(sid, json!({})));
        if *key {
            keys.push(json!({"systemId": sid, "username": USER}));
        }
    }
    let env = start(scenario(systems, Value::Array(keys), Value::Array(rules))).await;
    let mut ids: Vec<String> = cells.iter().map(|(at, kind, ..)| id(*at, kind)).collect();
    ids.extend(bystanders.iter().map(|b| b.0.to_string()));
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let concurrency = if cells.len() == 1 { 1 } else { refs.len() };
    let report = go(&env, &refs, &matrix_options(mode, concurrency)).await;
    // A request the engine gave up on is logged when the simulator sees the client go.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let log = env.sim.log();
    for (at, kind, state, problem, want) in cells {
        let sid = id(*at, kind);
        let outcome = &report.done[&sid];
        let cell = format!("{} x {kind}", at.name());
        assert_eq!(outcome.state(), *state, "{cell}: {outcome:?}");
        let code = outcome.problem().map(|p| p.code()).unwrap_or("");
        assert_eq!(code, *problem, "{cell}: {outcome:?}");
        assert_eq!(counts(&log, &sid), *want, "{cell}: {:?}", calls(&log, &sid));
        assert_creates_follow_definite_missing(&log, &sid);
    }
    for (sid, _, state, want) in bystanders {
        let outcome = &report.done[*sid];
        assert_eq!(outcome.state(), *state, "bystander {sid}: {outcome:?}");
        assert_eq!(
            counts(&log, sid),
            *want,
            "bystander {sid}: {:?}",
            calls(&log, sid)
        );
    }
    // A token rejection stops everything: nothing starts after the answer that said so.
    if let Some((at, kind, ..)) = cells.iter().find(|c| c.2 == "token-rejected") {
        let sid = id(*at, kind);
        let halt = log.iter().rfind(|e| about(e, &sid)).unwrap();
        assert!(
            log.iter().all(|e| e.started_ms <= halt.ended_ms),
            "sent after the token was rejected: {log:?}"
        );
        let problem = report.done[&sid].problem();
        for (sid, ..) in bystanders {
            assert_eq!(
                report.done[*sid].problem(),
                problem,
                "{sid} stops with the same reason"
            );
        }
    }
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn fault_matrix_each_step_each_fault() {
    let started = std::time::Instant::now();
    let halting = |c: &&(At, &str, &str, &str, Counts)| c.2 == "token-rejected";
    let of = |mode: Mode| -> Vec<&(At, &str, &str, &str, Counts)> {
        MATRIX
            .iter()
            .filter(|c| (c.0 == At::Remove) == (mode == Mode::Remove))
            .filter(|c| !halting(c))
            .collect()
    };
    let establish = of(Mode::Establish);
    let remove = of(Mode::Remove);
    let new = ("bystander-new", false, "created", [1, 1, 1, 0]);
    let present = ("bystander-present", true, "present", [1, 0, 0, 0]);
    let removed = ("bystander-remove", true, "removed", [0, 0, 0, 1]);
    // Token cells one by one, each with a bystander queued behind it that must send nothing.
    let token_cells = async {
        for cell in MATRIX.iter().filter(|c| halting(c)) {
            let (mode, quiet) = match cell.0 {
                At::Remove => (
                    Mode::Remove,
                    ("bystander-remove", true, "token-rejected", [0; 4]),
                ),
                _ => (
                    Mode::Establish,
                    ("bystander-new", false, "token-rejected", [0; 4]),
                ),
            };
            matrix_run(mode, &[cell], &[quiet]).await;
        }
    };
    let (establishing, removing) = ([new, present], [removed]);
    tokio::join!(
        matrix_run(Mode::Establish, &establish, &establishing),
        matrix_run(Mode::Remove, &remove, &removing),
        token_cells,
    );
    assert_eq!(
        establish.len() + remove.len() + MATRIX.iter().filter(halting).count(),
        MATRIX.len()
    );
    let took = started.elapsed();
    assert!(took.as_secs() < 20, "the matrix took {took:?}");
}
