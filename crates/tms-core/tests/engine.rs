//! Every engine path against a scripted transport and a virtual clock.

mod support;

use std::collections::BTreeMap;
use support::*;
use tms_core::engine::{
    run, Event, Mode, Options, Outcome, RunControl, RunSpec, Step, TAPIS_SSH_MAX_MS,
};
use tms_core::http::{Clock, TransportError};
use tms_core::problem::{Problem, TmsRefusal};
use tms_core::tapis::Client;
use tms_core::SystemId;

#[derive(Default)]
struct Report {
    events: Vec<Event>,
    done: BTreeMap<String, Outcome>,
}

impl Report {
    fn outcome(&self, id: &str) -> &Outcome {
        &self.done[id]
    }

    fn steps(&self, id: &str) -> Vec<(String, u32)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Step {
                    system,
                    step,
                    attempt,
                    ..
                } if system.as_str() == id => Some((step.state().to_string(), *attempt)),
                _ => None,
            })
            .collect()
    }

    fn waits(&self, id: &str) -> Vec<(u64, Problem)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Step {
                    system,
                    step:
                        Step::WaitingRetry {
                            retry_at_ms,
                            reason,
                        },
                    ..
                } if system.as_str() == id => Some((*retry_at_ms, reason.clone())),
                _ => None,
            })
            .collect()
    }
}

fn ids(systems: &[&str]) -> Vec<SystemId> {
    systems
        .iter()
        .map(|s| SystemId::parse(s).unwrap())
        .collect()
}

/// Runs the engine; `side` runs alongside (e.g. a timed cancel), `hook` sees every event.
fn go_with(
    t: &FakeTransport,
    client: &Client,
    systems: &[&str],
    options: Options,
    control: &RunControl,
    side: impl std::future::Future<Output = ()>,
    mut hook: impl FnMut(&Event),
) -> Report {
    let clock = t.clock();
    let systems = ids(systems);
    let mut report = Report::default();
    let spec = RunSpec {
        client: client.clone(),
        systems: systems.clone(),
        options,
    };
    let engine = run(t, clock, &spec, control, |e| {
        hook(&e);
        if let Event::Done {
            system, outcome, ..
        } = &e
        {
            assert!(
                report
                    .done
                    .insert(system.to_string(), outcome.clone())
                    .is_none(),
                "one Done per system"
            );
        }
        report.events.push(e);
    });
    block_on(clock, alongside(engine, side));
    let unique: std::collections::BTreeSet<_> = systems.iter().collect();
    assert_eq!(report.done.len(), unique.len(), "every system ends");
    report
}

fn go(t: &FakeTransport, clock: &FakeClock, systems: &[&str], options: Options) -> Report {
    assert!(std::ptr::eq(t.clock(), clock));
    go_with(
        t,
        &client(),
        systems,
        options,
        &RunControl::new(),
        async {},
        |_| {},
    )
}

fn establish() -> Options {
    Options::default()
}

fn mode(mode: Mode) -> Options {
    Options {
        mode,
        ..Options::default()
    }
}

#[test]
fn present_needs_one_request() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [ok()]);
    let r = go(&t, &clock, &["ls6"], establish());
    assert_eq!(r.outcome("ls6"), &Outcome::Present);
    assert_eq!(t.ops("ls6"), ["check"]);
    assert_eq!(
        r.steps("ls6"),
        [("queued".into(), 0), ("checking".into(), 1)]
    );
    assert!(!r.outcome("ls6").needs_attention() && r.outcome("ls6").next_step().is_none());
}

#[test]
fn missing_or_rejected_key_is_created_with_three_requests() {
    for (first, replaced) in [(missing(), false), (key_rejected(), true)] {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "stampede3", [first])
            .on("get", "stampede3", [tms_system()])
            .on("create", "stampede3", [created()]);
        let r = go(&t, &clock, &["stampede3"], establish());
        assert_eq!(r.outcome("stampede3"), &Outcome::Created { replaced });
        assert_eq!(
            r.outcome("stampede3").explanation().contains("replaced"),
            replaced
        );
        assert_eq!(t.ops("stampede3"), ["check", "get", "create"]);
        let states: Vec<String> = r.steps("stampede3").into_iter().map(|s| s.0).collect();
        assert_eq!(states, ["queued", "checking", "reading-system", "creating"]);
        let sent = t.sent.borrow();
        let create = &sent[2].request;
        assert_eq!(
            create.path(),
            "/v3/systems/credential/stampede3/user/jdoe?createTmsKeys=true"
        );
        assert_eq!(create.body.as_deref(), Some("{}"));
        assert_eq!(create.header("content-type"), Some("application/json"));
        assert!(sent
            .iter()
            .all(|s| s.request.header("X-Tapis-Token").is_some()
                && s.request.header("X-Tapis-User").is_none()
                && s.request.header("X-Tapis-Tenant").is_none()));
        assert!(sent[1]
            .request
            .path()
            .contains("select=id,host,defaultAuthnMethod"));
    }
}

#[test]
fn non_tms_systems_are_reported_and_never_created() {
    let cases = [
        (
            system("PKI_KEYS", "LINUX", true, true),
            Outcome::NotTms {
                authn_method: "PKI_KEYS".into(),
            },
            "key pair",
        ),
        (
            system("PASSWORD", "LINUX", true, true),
            Outcome::NotTms {
                authn_method: "PASSWORD".into(),
            },
            "password",
        ),
        (
            system("ACCESS_KEY", "S3", true, true),
            Outcome::NotTms {
                authn_method: "ACCESS_KEY".into(),
            },
            "credential",
        ),
        (
            system("TOKEN", "LINUX", true, true),
            Outcome::NotTms {
                authn_method: "TOKEN".into(),
            },
            "credential",
        ),
        (
            system("CERT", "LINUX", true, true),
            Outcome::NotTms {
                authn_method: "CERT".into(),
            },
            "credential",
        ),
        (
            system("TMS_KEYS", "S3", true, true),
            Outcome::Failed(Problem::NotLinux {
                system_type: "S3".into(),
            }),
            "help ticket",
        ),
        (
            system("TMS_KEYS", "LINUX", false, true),
            Outcome::Failed(Problem::SystemDisabled),
            "enabled",
        ),
    ];
    for (info, want, hint) in cases {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [missing()]).on("get", "ls6", [info]);
        let r = go(&t, &clock, &["ls6"], establish());
        let got = r.outcome("ls6");
        assert_eq!(got, &want);
        assert_eq!(t.ops("ls6"), ["check", "get"], "{want:?}: no create");
        assert!(got.needs_attention());
        assert!(
            got.next_step().unwrap().contains(hint),
            "{want:?}: {:?}",
            got.next_step()
        );
        assert!(!got.explanation().is_empty());
    }
    // A static effective user cannot get TMS keys: said precisely, without trying.
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [system("TMS_KEYS", "LINUX", true, false)]);
    let r = go(&t, &clock, &["ls6"], establish());
    assert!(matches!(
        r.outcome("ls6"),
        Outcome::Failed(Problem::TmsRefused {
            reason: TmsRefusal::StaticUser,
            ..
        })
    ));
    assert!(r.outcome("ls6").explanation().contains("one fixed account"));
}

#[test]
fn final_check_answers_never_create() {
    let cases = [
        (
            error(403, "SYSLIB_UNAUTH not authorized"),
            Outcome::NoAccess,
        ),
        // ApiUtils.checkSystemExists: a system the user may not read is a 500, not a fault.
        (
            error(
                500,
                "SYSAPI_CHECK_ERROR Check failed. SYSLIB_UNAUTH jdoe may not read ls6",
            ),
            Outcome::NoAccess,
        ),
        (error(404, "SYSAPI_NOSYSTEM no system"), Outcome::NotFound),
        (
            error(
                401,
                "SYSAPI_CRED_VALID_FAIL x SYSLIB_CRED_CONN_FAIL refused",
            ),
            Outcome::Failed(Problem::HostUnreachable {
                message: "SYSAPI_CRED_VALID_FAIL x SYSLIB_CRED_CONN_FAIL refused".into(),
            }),
        ),
    ];
    for (answer, want) in cases {
        for m in [Mode::Establish, Mode::CheckOnly] {
            let clock = FakeClock::new();
            let t = FakeTransport::new(&clock);
            t.on("check", "frontera", [answer.clone()]);
            let r = go(&t, &clock, &["frontera"], mode(m));
            assert_eq!(r.outcome("frontera"), &want);
            assert_eq!(t.ops("frontera"), ["check"]);
            assert!(r.outcome("frontera").next_step().is_some());
        }
    }
}

#[test]
fn check_only_stops_after_the_check() {
    for (answer, want) in [
        (ok(), Outcome::Present),
        (missing(), Outcome::Missing { rejected: false }),
        (key_rejected(), Outcome::Missing { rejected: true }),
    ] {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [answer]);
        let r = go(&t, &clock, &["ls6"], mode(Mode::CheckOnly));
        assert_eq!(r.outcome("ls6"), &want);
        assert_eq!(t.ops("ls6"), ["check"]);
    }
}

#[test]
fn remove_deletes_the_credential() {
    let cases = [
        (
            reply(
                201,
                envelope("success", "SYSAPI_CRED_DELETED", serde_json::Value::Null),
            ),
            Outcome::Removed,
        ),
        (error(404, "SYSAPI_NOSYSTEM"), Outcome::NotFound),
        (error(403, "SYSLIB_UNAUTH"), Outcome::NoAccess),
    ];
    for (answer, want) in cases {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("remove", "ls6", [answer]);
        let r = go(&t, &clock, &["ls6"], mode(Mode::Remove));
        assert_eq!(r.outcome("ls6"), &want);
        assert_eq!(t.ops("ls6"), ["remove"]);
        assert_eq!(
            t.sent.borrow()[0].request.path(),
            "/v3/systems/credential/ls6/user/jdoe"
        );
        assert_eq!(t.sent.borrow()[0].request.method.as_str(), "DELETE");
    }
}

/// On a create, the host refusing the new key: the same answer as a refused stored key.
fn not_yet() -> Reply {
    key_rejected()
}

#[test]
fn create_401_is_retried_within_the_window_then_created() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [not_yet(), not_yet(), created()]);
    let r = go(&t, &clock, &["ls6"], establish());
    assert_eq!(r.outcome("ls6"), &Outcome::Created { replaced: false });
    assert_eq!(t.ops("ls6"), ["check", "get", "create", "create", "create"]);
    let waits = r.waits("ls6");
    assert_eq!(waits.len(), 2);
    assert!(waits.iter().all(|(_, p)| p.code() == "key-not-yet-usable"));
    // Each retry goes out no earlier than the time announced to the UI.
    let creates = t.times("create");
    assert_eq!(creates[1], waits[0].0);
    assert_eq!(creates[2], waits[1].0);
    assert!(
        creates[1] - creates[0] >= 1_500,
        "backoff of at least half of 3 s"
    );
    let attempts: Vec<u32> = r
        .steps("ls6")
        .into_iter()
        .filter(|s| s.0 == "creating")
        .map(|s| s.1)
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
}

#[test]
fn create_401_gives_up_when_the_window_is_exhausted() {
    for window in [
        Options::default().create_retry_window_ms,
        120_000,
        20_000,
        0,
    ] {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [missing()])
            .on("get", "ls6", [tms_system()])
            .on("create", "ls6", [not_yet()]);
        let opts = Options {
            create_retry_window_ms: window,
            ..establish()
        };
        let r = go(&t, &clock, &["ls6"], opts);
        assert!(matches!(
            r.outcome("ls6"),
            Outcome::Failed(Problem::KeyNotAccepted { stopped: false, .. })
        ));
        let creates = t.times("create");
        assert!(creates.last().unwrap() - creates[0] <= window, "{window}");
        assert!(
            creates.len() > (window / 40_000) as usize,
            "{window}: {}",
            creates.len()
        );
        let explanation = r.outcome("ls6").explanation();
        assert!(
            explanation.contains("allocation") && explanation.contains("no account"),
            "names both causes: {explanation}"
        );
        assert!(r.outcome("ls6").next_step().unwrap().contains("Retry"));
        if window == 300_000 {
            assert!(
                creates.last().unwrap() - creates[0] > 200_000,
                "waits most of 5 minutes"
            );
        }
    }
}

#[test]
fn transient_errors_are_retried_a_bounded_number_of_times_and_never_create() {
    let cases = [
        (error(500, "SYSAPI_CRED_CHECK_ERROR boom"), "server-error"),
        (
            reply(502, "<html><title>502 Bad Gateway</title></html>"),
            "server-error",
        ),
        (
            fail(TransportError::Network("connection refused".into()), 10),
            "network",
        ),
        (reply(200, "late").after(90_000), "timeout"),
    ];
    for (answer, code) in cases {
        for retries in [0, 2] {
            let clock = FakeClock::new();
            let t = FakeTransport::new(&clock);
            t.on("check", "ls6", [answer.clone()]);
            let r = go(
                &t,
                &clock,
                &["ls6"],
                Options {
                    transient_retries: retries,
                    ..establish()
                },
            );
            match r.outcome("ls6") {
                Outcome::Failed(p) => assert_eq!(p.code(), code),
                other => panic!("{code}: {other:?}"),
            }
            assert_eq!(t.ops("ls6").len(), 1 + retries as usize, "{code}");
            assert_eq!(r.waits("ls6").len(), retries as usize);
        }
    }
}

#[test]
fn transient_error_then_success() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [error(503, "busy"), missing()]).on(
        "get",
        "ls6",
        [reply(200, "x").after(45_000), tms_system()],
    );
    t.on(
        "create",
        "ls6",
        [fail(TransportError::Timeout, 5), created()],
    );
    let r = go(&t, &clock, &["ls6"], establish());
    assert_eq!(r.outcome("ls6"), &Outcome::Created { replaced: false });
    // The create that timed out is followed by a check, not by a second create at once.
    assert_eq!(
        t.ops("ls6"),
        ["check", "check", "get", "get", "create", "check", "create"]
    );
}

/// A create that failed ambiguously may have stored a key: check before creating again, and
/// never re-post when the check finds it (a second key pair would stay valid).
#[test]
fn an_ambiguous_create_is_checked_before_any_new_create() {
    let ambiguous = [
        error(500, "SYSAPI_CRED_ERROR boom"),
        reply(502, "<html><title>502 Bad Gateway</title></html>"),
        fail(TransportError::Network("connection reset".into()), 10),
        reply(201, "late").after(90_000),
    ];
    for answer in ambiguous {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [missing(), ok()])
            .on("get", "ls6", [tms_system()])
            .on("create", "ls6", [answer.clone(), created()]);
        let r = go(&t, &clock, &["ls6"], establish());
        assert_eq!(
            r.outcome("ls6"),
            &Outcome::Created { replaced: false },
            "{answer:?}"
        );
        assert_eq!(
            t.ops("ls6"),
            ["check", "get", "create", "check"],
            "{answer:?}"
        );
    }
    // The re-check is itself ambiguous: stop, no create.
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on(
        "check",
        "ls6",
        [missing(), error(500, "SYSAPI_CRED_CHECK_ERROR x")],
    )
    .on("get", "ls6", [tms_system()])
    .on("create", "ls6", [error(503, "busy")]);
    let r = go(&t, &clock, &["ls6"], establish());
    assert!(matches!(
        r.outcome("ls6"),
        Outcome::Failed(Problem::ServerError { .. })
    ));
    assert_eq!(t.ops("ls6").iter().filter(|o| *o == "create").count(), 1);
    // Bounded: as many creates as transient retries allow, each after a check that said missing.
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [error(503, "busy")]);
    let r = go(&t, &clock, &["ls6"], establish());
    assert!(matches!(
        r.outcome("ls6"),
        Outcome::Failed(Problem::ServerError { status: 503, .. })
    ));
    assert_eq!(
        t.ops("ls6"),
        ["check", "get", "create", "check", "create", "check", "create"]
    );
}

/// Tapis stores a new key only after its SSH login to the host succeeds (up to 50 s): after a
/// create whose answer was lost, the check that decides on another create waits until that
/// login must be over, or it would find nothing and a second key pair would be minted.
#[test]
fn a_lost_create_answer_is_checked_only_once_tapis_must_be_done() {
    let lost = [
        fail(TransportError::Network("connection reset".into()), 10),
        fail(TransportError::Timeout, 10),
    ];
    for answer in lost {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [missing(), ok()])
            .on("get", "ls6", [tms_system()])
            .on("create", "ls6", [answer.clone()]);
        let r = go(&t, &clock, &["ls6"], establish());
        assert_eq!(r.outcome("ls6"), &Outcome::Created { replaced: false });
        let (checks, creates) = (t.times("check"), t.times("create"));
        let settle = Options::default().create_settle_ms;
        assert!(settle > TAPIS_SSH_MAX_MS);
        assert!(
            checks[1] >= creates[0] + settle,
            "{answer:?}: re-checked {} ms after the create",
            checks[1] - creates[0]
        );
    }
    // A 5xx is Tapis's own answer, given when it was done: the re-check follows at once.
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing(), ok()])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [error(500, "SYSAPI_CRED_ERROR boom")]);
    go(&t, &clock, &["ls6"], establish());
    assert!(t.times("check")[1] - t.times("create")[0] < 5_000);
}

/// Checks and creates wait for Tapis's SSH login, so their timeout outlasts it; other
/// requests keep the shorter one.
#[test]
fn checks_and_creates_outlast_tapis_ssh_login() {
    let o = Options::default();
    assert!(o.ssh_timeout_ms > TAPIS_SSH_MAX_MS && o.ssh_timeout_ms >= o.create_settle_ms);
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    let slow = TAPIS_SSH_MAX_MS - 1_000;
    t.on("check", "ls6", [missing().after(slow)])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [created().after(slow)]);
    let r = go(&t, &clock, &["ls6"], establish());
    assert_eq!(r.outcome("ls6"), &Outcome::Created { replaced: false });
    assert_eq!(t.ops("ls6"), ["check", "get", "create"]);
    // A read as slow as that times out.
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system().after(slow)]);
    let r = go(
        &t,
        &clock,
        &["ls6"],
        Options {
            transient_retries: 0,
            ..establish()
        },
    );
    assert_eq!(
        r.outcome("ls6").problem().map(|p| p.code()),
        Some("timeout")
    );
}

/// tms-mvp's CredUtils.verifyConnection has no TMS_KEYS case: its `default:` answers "not
/// supported" inside the same 401 SYSAPI_CRED_VALID_FAIL as a refused key.
const NOT_SUPPORTED: &str = "SYSAPI_CRED_VALID_FAIL x Message: SYSLIB_CRED_NOT_SUPPORTED Credential validation failed. Not supported for system type.";

/// "Not supported" is not "refused": the system is read for a reason, nothing is created.
#[test]
fn a_check_tapis_cannot_perform_never_creates() {
    for m in [Mode::Establish, Mode::CheckOnly] {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [error(401, NOT_SUPPORTED)])
            .on("get", "ls6", [tms_system()]);
        let r = go(&t, &clock, &["ls6"], mode(m));
        assert_eq!(
            r.outcome("ls6").problem().map(|p| p.code()),
            Some("cannot-verify")
        );
        assert_eq!(t.ops("ls6"), ["check", "get"], "never a create");
    }
}

/// Only Tapis's own "new key failed its check" answer means "wait for the host"; any other
/// 401 on create is not retried as one.
#[test]
fn create_401_answers_by_meaning() {
    let cases = [
        (
            error(
                401,
                "SYSAPI_CRED_VALID_FAIL x. SYSLIB_CRED_NOT_FOUND no PKI key for jdoe",
            ),
            "not-tms",
        ),
        (error(401, "SOMETHING_UNKNOWN"), "unexpected-response"),
        (
            reply(401, "TAPIS_SECURITY_JWT_PARSE_ERROR bad"),
            "token-invalid",
        ),
        (
            error(401, "SYSAPI_CRED_VALID_FAIL x SYSLIB_CRED_CONN_FAIL down"),
            "host-unreachable",
        ),
        (error(401, NOT_SUPPORTED), "cannot-verify"),
        (
            error(401, "SYSAPI_CRED_VALID_FAIL x"),
            "unexpected-response",
        ),
    ];
    for (answer, code) in cases {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [missing()])
            .on("get", "ls6", [tms_system()])
            .on("create", "ls6", [answer]);
        let r = go(&t, &clock, &["ls6"], establish());
        let got = r.outcome("ls6").problem().map(|p| p.code());
        assert_eq!(got, Some(code));
        assert_eq!(
            t.ops("ls6"),
            ["check", "get", "create"],
            "{code}: never retried"
        );
    }
}

/// The user may stop waiting on one row; the others go on.
#[test]
fn stop_waiting_ends_one_row_with_both_causes() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [not_yet()]);
    t.on("check", "vista", [missing()])
        .on("get", "vista", [tms_system()])
        .on("create", "vista", [not_yet(), not_yet(), created()]);
    let control = RunControl::new();
    let c = control.clone();
    let ls6 = SystemId::parse("ls6").unwrap();
    let r = go_with(
        &t,
        &client(),
        &["ls6", "vista"],
        establish(),
        &control,
        async {},
        |e| {
            if let Event::Step {
                system,
                step: Step::WaitingRetry { .. },
                attempt: 2,
                ..
            } = e
            {
                if system == &ls6 {
                    c.stop_waiting(&ls6);
                }
            }
        },
    );
    match r.outcome("ls6") {
        Outcome::Failed(p @ Problem::KeyNotAccepted { stopped: true, .. }) => {
            assert!(p.explanation().contains("You stopped waiting"), "{p:?}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.ops("ls6").iter().filter(|o| *o == "create").count(), 2);
    assert_eq!(r.outcome("vista"), &Outcome::Created { replaced: false });
}

#[test]
fn four_xx_is_never_retried() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [error(400, "bad request")]);
    let r = go(&t, &clock, &["ls6"], establish());
    assert!(matches!(
        r.outcome("ls6"),
        Outcome::Failed(Problem::Unexpected { status: 400, .. })
    ));
    assert_eq!(t.ops("ls6"), ["check", "get", "create"]);
}

#[test]
fn tms_refusals_are_explained() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system()]);
    t.on(
        "create",
        "ls6",
        [error(
            500,
            "SYSAPI_CRED_ERROR x SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED tenant",
        )],
    );
    let r = go(&t, &clock, &["ls6"], establish());
    assert!(matches!(
        r.outcome("ls6"),
        Outcome::Failed(Problem::TmsRefused {
            reason: TmsRefusal::TenantNotAllowed,
            ..
        })
    ));
    assert_eq!(
        t.ops("ls6"),
        ["check", "get", "create"],
        "a refusal is not transient"
    );
}

#[test]
fn token_rejection_stops_every_system_without_further_requests() {
    let rejections = [
        (
            reply(401, "TAPIS_SECURITY_JWT_EXPIRED Token has expired"),
            "token-expired",
        ),
        (
            reply(401, "TAPIS_SECURITY_JWT_PARSE_ERROR invalid"),
            "token-invalid",
        ),
        (error(500, "Token is revoked."), "token-revoked"),
    ];
    for (answer, code) in rejections {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        // a answers fast and frees its slot for c; b is rejected at 200 ms while c's slow check
        // is in flight and d still queued.
        t.on("check", "a", [ok().after(50)])
            .on("check", "b", [answer.after(200)]);
        t.on("check", "c", [ok().after(5_000)])
            .on("check", "d", [ok()]);
        let r = go(
            &t,
            &clock,
            &["a", "b", "c", "d"],
            Options {
                concurrency: 2,
                ..establish()
            },
        );
        assert_eq!(r.outcome("a"), &Outcome::Present);
        for id in ["b", "c", "d"] {
            match r.outcome(id) {
                Outcome::TokenRejected(p) => assert_eq!(p.code(), code, "{id}"),
                other => panic!("{id}: {other:?}"),
            }
        }
        assert!(r
            .outcome("b")
            .explanation()
            .contains("Nothing more was sent with this token"));
        assert_eq!(t.count(), 3, "d never sends");
        assert_eq!(
            clock.elapsed(),
            200,
            "c's in-flight request is abandoned at once"
        );
    }
}

#[test]
fn token_expiry_by_clock_stops_before_sending() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "a", [missing().after(3_000)])
        .on("get", "a", [tms_system()]);
    t.on("check", "b", [ok()]);
    let client = Client::new(tms_core::BaseUrl::default(), token_expiring_in(2_000));
    let opts = Options {
        concurrency: 1,
        ..establish()
    };
    let r = go_with(
        &t,
        &client,
        &["a", "b"],
        opts,
        &RunControl::new(),
        async {},
        |_| {},
    );
    for id in ["a", "b"] {
        assert!(
            matches!(
                r.outcome(id),
                Outcome::TokenRejected(Problem::TokenExpired { .. })
            ),
            "{id}"
        );
    }
    assert_eq!(t.ops("a"), ["check"], "no read of the system once expired");
    assert!(t.ops("b").is_empty());
}

#[test]
fn cancel_during_a_retry_wait() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [not_yet()]);
    t.on("check", "queued", [ok()]);
    let cancel = RunControl::new();
    let c = cancel.clone();
    let opts = Options {
        concurrency: 1,
        ..establish()
    };
    let r = go_with(
        &t,
        &client(),
        &["ls6", "queued"],
        opts,
        &cancel,
        async {},
        |e| {
            if let Event::Step {
                step: Step::WaitingRetry { .. },
                ..
            } = e
            {
                c.cancel();
            }
        },
    );
    assert_eq!(r.outcome("ls6"), &Outcome::Cancelled);
    assert_eq!(r.outcome("queued"), &Outcome::Cancelled);
    assert_eq!(t.ops("ls6"), ["check", "get", "create"]);
    assert!(t.ops("queued").is_empty());
    assert_eq!(clock.elapsed(), 300, "the sleep is abandoned at once");
    assert!(!r.outcome("ls6").needs_attention());
}

/// Runs `systems`, pressing Cancel `after_ms` into the run.
fn cancelled_after(t: &FakeTransport, after_ms: u64, systems: &[&str]) -> Report {
    let cancel = RunControl::new();
    let side = async {
        t.clock().sleep(after_ms).await;
        cancel.cancel();
    };
    go_with(t, &client(), systems, establish(), &cancel, side, |_| {})
}

#[test]
fn cancel_during_a_request() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "a", [ok().after(20_000)])
        .on("check", "b", [ok().after(20_000)]);
    let r = cancelled_after(&t, 1_000, &["a", "b"]);
    assert_eq!(r.outcome("a"), &Outcome::Cancelled);
    assert_eq!(r.outcome("b"), &Outcome::Cancelled);
    assert_eq!(clock.elapsed(), 1_000);
    let records: Vec<_> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Request(rec) => Some(rec),
            _ => None,
        })
        .collect();
    assert_eq!(records.len(), 2);
    assert!(records
        .iter()
        .all(|rec| rec.status.is_none() && rec.message.as_deref() == Some("cancelled")));
}

/// A create cut off by Cancel may still be carried out by Tapis: the row says so and points to
/// a check, instead of reading "cancelled" (nothing made).
#[test]
fn cancel_during_a_create_says_a_key_may_exist() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [created().after(20_000)]);
    t.on("check", "a", [ok().after(20_000)]);
    let r = cancelled_after(&t, 1_000, &["ls6", "a"]);
    let interrupted = r.outcome("ls6");
    assert_eq!(
        interrupted.problem().map(|p| p.code()),
        Some("create-interrupted")
    );
    assert!(interrupted.needs_attention());
    assert!(interrupted.next_step().unwrap().contains("Retry"));
    assert_eq!(
        r.outcome("a"),
        &Outcome::Cancelled,
        "a check cut off is just cancelled"
    );
}

/// Every way a cancel can stop a run while a create's result is still unknown: the row says a
/// key may be in place, never "cancelled" (which reads as "nothing was made").
#[test]
fn a_cancel_before_a_create_is_settled_says_a_key_may_exist() {
    let lost = || fail(TransportError::Timeout, 100);
    // (create answers, re-check answers, when the user cancels)
    let cases: [(Vec<Reply>, Vec<Reply>, u64); 4] = [
        // while the create is on its way
        (vec![created().after(20_000)], vec![], 1_000),
        // while the engine waits for Tapis to finish a create whose answer was lost
        (vec![lost()], vec![], 10_000),
        // while the re-check after a lost create is on its way
        (vec![lost()], vec![ok().after(20_000)], 61_000),
        // during the short wait before the re-check of a 5xx create
        (vec![error(500, "SYSAPI_CRED_ERROR boom")], vec![], 500),
    ];
    for (i, (create, recheck, at_ms)) in cases.into_iter().enumerate() {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        let checks: Vec<Reply> = std::iter::once(missing()).chain(recheck).collect();
        t.on("check", "ls6", checks)
            .on("get", "ls6", [tms_system()])
            .on("create", "ls6", create);
        let r = cancelled_after(&t, at_ms, &["ls6"]);
        assert_eq!(
            r.outcome("ls6").problem().map(|p| p.code()),
            Some("create-interrupted"),
            "case {i}: {:?}",
            r.outcome("ls6")
        );
        assert_eq!(clock.elapsed(), at_ms, "case {i}: stopped at once");
        assert_eq!(t.ops("ls6").iter().filter(|o| *o == "create").count(), 1);
    }
    // Cancelled before the create left: nothing was made, so it is plainly cancelled.
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system().after(5_000)]);
    let r = cancelled_after(&t, 1_000, &["ls6"]);
    assert_eq!(r.outcome("ls6"), &Outcome::Cancelled);
}

/// A token rejected on another system stops every request not yet sent and cuts off checks and
/// reads, but a create already on its way is left to land: its answer is the only way to know
/// whether Tapis made a key.
#[test]
fn a_token_rejection_elsewhere_lets_a_create_on_its_way_land() {
    for (answer, want) in [
        (created().after(20_000), "created"),
        (
            reply(401, "TAPIS_SECURITY_JWT_EXPIRED Token has expired").after(20_000),
            "token-rejected",
        ),
    ] {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [missing()])
            .on("get", "ls6", [tms_system()])
            .on("create", "ls6", [answer]);
        t.on("check", "slow", [ok().after(30_000)]).on(
            "check",
            "b",
            [reply(401, "TAPIS_SECURITY_JWT_EXPIRED Token has expired").after(1_000)],
        );
        let r = go(&t, &clock, &["ls6", "slow", "b"], establish());
        assert_eq!(r.outcome("ls6").state(), want);
        assert!(matches!(r.outcome("b"), Outcome::TokenRejected(_)));
        assert!(
            matches!(r.outcome("slow"), Outcome::TokenRejected(_)),
            "a check on its way is cut off"
        );
        assert_eq!(
            clock.elapsed(),
            20_200,
            "the run ends when the create lands"
        );
    }
}

#[test]
fn concurrency_bound_is_respected_and_systems_run_in_parallel() {
    let names: Vec<String> = (0..10).map(|i| format!("sys{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    for bound in [1, 3, 4, 20] {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        for (i, n) in refs.iter().enumerate() {
            if i % 2 == 0 {
                t.on("check", n, [ok().after(1_000)]);
            } else {
                t.on("check", n, [missing().after(1_000)])
                    .on("get", n, [tms_system().after(1_000)])
                    .on("create", n, [created().after(1_000)]);
            }
        }
        let r = go(
            &t,
            &clock,
            &refs,
            Options {
                concurrency: bound,
                ..establish()
            },
        );
        assert_eq!(t.max_in_flight.get(), bound.min(10), "bound {bound}");
        for (i, n) in refs.iter().enumerate() {
            let want = if i % 2 == 0 {
                (Outcome::Present, 1)
            } else {
                (Outcome::Created { replaced: false }, 3)
            };
            assert_eq!((r.outcome(n).clone(), t.ops(n).len()), want);
        }
        if bound >= 10 {
            assert_eq!(clock.elapsed(), 3_000, "all in parallel");
        }
    }
}

#[test]
fn duplicate_systems_run_once() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [ok()]);
    let r = go(&t, &clock, &["ls6", "ls6"], establish());
    assert_eq!(t.count(), 1);
    assert_eq!(r.done.len(), 1);
}

#[test]
fn jitter_is_deterministic_per_seed() {
    let times = |seed: u64| {
        let clock = FakeClock::new();
        let t = FakeTransport::new(&clock);
        t.on("check", "ls6", [error(500, "x")]);
        let r = go(
            &t,
            &clock,
            &["ls6"],
            Options {
                seed,
                ..establish()
            },
        );
        r.waits("ls6").into_iter().map(|w| w.0).collect::<Vec<_>>()
    };
    assert_eq!(times(7), times(7));
    assert_ne!(times(7), times(8));
}

#[test]
fn events_and_records_never_contain_the_token() {
    let clock = FakeClock::new();
    let t = FakeTransport::new(&clock);
    t.on("check", "ls6", [missing()])
        .on("get", "ls6", [tms_system()])
        .on("create", "ls6", [not_yet(), created()]);
    t.on(
        "check",
        "bad",
        [reply(401, "TAPIS_SECURITY_JWT_PARSE_ERROR").after(60_000)],
    );
    let c = client();
    let secret = c.token().secret().expose().to_string();
    let r = go_with(
        &t,
        &c,
        &["ls6", "bad"],
        establish(),
        &RunControl::new(),
        async {},
        |_| {},
    );
    let mut requests = 0;
    for e in &r.events {
        assert!(!format!("{e:?}").contains(&secret));
        if let Event::Request(rec) = e {
            requests += 1;
            assert!(!serde_json::to_string(rec).unwrap().contains(&secret));
            assert!(rec.path.starts_with("/v3/") && rec.system.is_some());
        }
    }
    assert_eq!(requests, t.count());
    assert!(!format!("{c:?}").contains(&secret));
    assert!(!format!("{:?}", t.sent.borrow()[0].request).contains(&secret));
}
