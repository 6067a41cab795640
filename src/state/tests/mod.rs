use super::*;
use std::rc::Rc;
use tms_core::engine::{Event, Mode, Outcome, Step};
use tms_core::tapis::SystemInfo;
use tms_core::Problem;

const NOW_MS: u64 = 1_800_000_000_000;

fn token_input(raw: impl Into<String>) -> Action {
    Action::TokenInput(Secret::new(raw.into()))
}

fn jwt(username: &str, iss: &str, exp_in_secs: i64) -> String {
    let exp = (NOW_MS / 1000).saturating_add_signed(exp_in_secs);
    tms_core::testing::access_token(username, iss, exp)
}

fn with_token(exp_in_secs: i64) -> AppState {
    AppState::new(NOW_MS, "https://designsafe.tapis.io".into()).apply(token_input(jwt(
        "alice",
        "https://designsafe.tapis.io/v3/tokens",
        exp_in_secs,
    )))
}

fn id(s: &str) -> SystemId {
    SystemId::parse(s).unwrap()
}

#[test]
fn token_status_follows_the_clock() {
    let cases: &[(i64, u64, TokenStatus)] = &[
        (4 * 3600, 0, TokenStatus::Valid),
        (4 * 3600, (4 * 3600 - 300) * 1000, TokenStatus::Expiring),
        (4 * 3600, (4 * 3600 + 1) * 1000, TokenStatus::Expired),
        (300, 0, TokenStatus::Expiring),
    ];
    for (exp, later_ms, expected) in cases {
        let state = with_token(*exp).apply(Action::Tick(NOW_MS + later_ms));
        assert_eq!(
            state.token_status(),
            *expected,
            "exp {exp} later {later_ms}"
        );
    }
}

#[test]
fn token_input_states() {
    let base = AppState::new(NOW_MS, String::new());
    let cases: &[(&str, TokenStatus)] = &[
        ("", TokenStatus::None),
        ("   ", TokenStatus::None),
        ("not-a-token", TokenStatus::Malformed),
        ("a.b.c", TokenStatus::Malformed),
    ];
    for (raw, expected) in cases {
        let state = base.clone().apply(token_input(raw.to_string()));
        assert_eq!(state.token_status(), *expected, "input {raw:?}");
    }
    let expired = base.apply(token_input(jwt(
        "alice",
        "https://designsafe.tapis.io/v3/tokens",
        -60,
    )));
    assert_eq!(expired.token_status(), TokenStatus::Expired);
    // Said with the way to a fresh token this page offers.
    let said = expired
        .token_error()
        .expect("an expired token is explained");
    assert!(
        said.contains("expired") && said.contains("Log in again"),
        "{said}"
    );
    let mut fed = expired;
    fed.host.supplies_token = true;
    let said = fed.token_error().unwrap();
    assert!(
        said.contains("portal") && !said.contains("Log in"),
        "{said}"
    );
}

#[test]
fn a_token_fills_tenant_and_username_but_keeps_a_typed_username() {
    let state = AppState::new(NOW_MS, String::new()).apply(token_input(jwt(
        "alice",
        "http://127.0.0.1:5050/v3/tokens",
        3600,
    )));
    assert_eq!(state.base_url, "http://127.0.0.1:5050");
    assert_eq!(state.username, "alice");
    assert_eq!(state.username_mismatch(), None);

    let typed = state.apply(Action::SetUsername("bob".into()));
    assert_eq!(typed.username_mismatch(), Some("alice"));
    let renewed = typed.apply(token_input(jwt(
        "alice",
        "http://127.0.0.1:5050/v3/tokens",
        7200,
    )));
    assert_eq!(
        renewed.username, "bob",
        "a username the user typed is not overwritten"
    );
}

#[test]
fn forgetting_the_token_clears_it_and_the_opt_in() {
    let state = with_token(3600)
        .apply(Action::SetRemember(true))
        .apply(Action::ForgetToken);
    assert_eq!(state.token_status(), TokenStatus::None);
    assert!(!state.remember_token);
}

#[test]
fn systems_field_turns_complete_ids_into_chips() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("vista", &[], "vista"),
        ("vista,", &["vista"], ""),
        ("vista, ls6 frontera", &["vista"], "frontera"),
        ("a\nb\n", &["a", "b"], ""),
        ("stampede3,", &[], ""), // already present: not duplicated
        ("ls6x;vista;", &["ls6x", "vista"], ""),
    ];
    for (typed, added, draft) in cases {
        let state =
            AppState::new(NOW_MS, String::new()).apply(Action::SystemsDraft(typed.to_string()));
        let mut expected: Vec<&str> = DEFAULT_SYSTEMS.to_vec();
        expected.extend_from_slice(added);
        assert_eq!(*state.systems, expected, "typed {typed:?}");
        assert_eq!(state.systems_draft, *draft, "typed {typed:?}");
    }
    let state = AppState::new(NOW_MS, String::new())
        .apply(Action::SystemsDraft("vista".into()))
        .apply(Action::CommitDraft)
        .apply(Action::RemoveSystem(0))
        .apply(Action::RemoveSystem(99));
    assert_eq!(*state.systems, ["ls6", "frontera", "vista"]);

    let picked = state
        .apply(Action::SystemsDraft("corr".into()))
        .apply(Action::AddSystem("vista-gpu".into()));
    assert_eq!(*picked.systems, ["ls6", "frontera", "vista", "vista-gpu"]);
    assert_eq!(
        picked.systems_draft, "corr",
        "picking a system keeps what the user was typing"
    );
}

#[test]
fn a_run_is_refused_with_a_reason_and_nothing_changes() {
    let ok = with_token(3600);
    let cases: Vec<(&str, AppState)> =
        vec![
            (
                "no token",
                AppState::new(NOW_MS, "https://designsafe.tapis.io".into()),
            ),
            (
                "expired",
                with_token(3600).apply(Action::Tick(NOW_MS + 3601 * 1000)),
            ),
            ("malformed", ok.clone().apply(token_input("abc"))),
            (
                "invalid id",
                ok.clone().apply(Action::SystemsDraft("Stampede3,".into())),
            ),
            (
                "no systems",
                (0..3).fold(ok.clone(), |s, _| s.apply(Action::RemoveSystem(0))),
            ),
            (
                "other tenant",
                ok.clone()
                    .apply(Action::SetBaseUrl("https://tacc.tapis.io".into())),
            ),
            (
                "http tenant",
                ok.clone()
                    .apply(Action::SetBaseUrl("http://designsafe.tapis.io".into())),
            ),
            (
                "another user",
                ok.clone().apply(Action::SetUsername("bob".into())),
            ),
            (
                "issuer is not a tenant",
                AppState::new(NOW_MS, "https://designsafe.tapis.io".into())
                    .apply(token_input(jwt("alice", "not a url", 3600))),
            ),
            (
                "no username",
                ok.clone().apply(Action::SetUsername("  ".into())),
            ),
        ];
    for (name, state) in cases {
        let after = state.apply(Action::Run {
            mode: Mode::Establish,
            target: Target::All,
        });
        assert!(after.refused.is_some(), "{name}: refused with a reason");
        assert!(!after.run.is_running(), "{name}: nothing to send");
        assert!(after.rows.is_empty(), "{name}: no rows queued");
    }
}

#[test]
fn a_run_queues_rows_and_hands_the_request_over() {
    let state = with_token(3600)
        .apply(Action::SystemsDraft("vista".into()))
        .apply(Action::Run {
            mode: Mode::Establish,
            target: Target::All,
        });
    assert!(state.run.is_running());
    assert_eq!(state.run.as_str(), "running");
    let request = state.run.request().cloned().expect("a run request");
    assert_eq!(request.run_id, 1);
    assert_eq!(
        request.systems,
        [id("stampede3"), id("ls6"), id("frontera"), id("vista")]
    );
    assert!(state.rows.iter().all(|r| r.state() == "queued"));
    // A second request while running is ignored rather than starting a parallel run.
    let again = state.clone().apply(Action::Run {
        mode: Mode::CheckOnly,
        target: Target::All,
    });
    assert_eq!(again.last_task_id, 1);
}

#[test]
fn engine_events_drive_rows_summary_and_log() {
    let mut state = with_token(3600).apply(Action::Run {
        mode: Mode::Establish,
        target: Target::All,
    });
    let events = [
        Event::Step {
            system: id("stampede3"),
            step: Step::Checking,
            attempt: 1,
            elapsed_ms: 0,
        },
        Event::Done {
            system: id("stampede3"),
            outcome: Outcome::Created { replaced: false },
            elapsed_ms: 3100,
        },
        Event::Done {
            system: id("ls6"),
            outcome: Outcome::Present,
            elapsed_ms: 900,
        },
        Event::Done {
            system: id("frontera"),
            outcome: Outcome::NoAccess,
            elapsed_ms: 500,
        },
    ];
    state = state.apply(Action::Engine {
        run_id: 1,
        event: events[0].clone(),
    });
    assert_eq!(state.rows[0].state(), "checking");
    for event in &events[1..] {
        state = state.apply(Action::Engine {
            run_id: 1,
            event: event.clone(),
        });
    }
    // Events of an older run are ignored.
    state = state.apply(Action::Engine {
        run_id: 0,
        event: Event::Done {
            system: id("ls6"),
            outcome: Outcome::Cancelled,
            elapsed_ms: 1,
        },
    });
    let summary = state.summary();
    assert_eq!(
        (
            summary.done,
            summary.created,
            summary.present,
            summary.attention
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(
        summary.sentence(),
        "1 created, 1 already set up, 1 needs attention"
    );
    // Check only: a refused key is counted as its row names it, not as missing.
    let two = Summary {
        missing: 1,
        refused: 2,
        ..Summary::default()
    };
    assert_eq!(two.sentence(), "1 missing, 2 keys refused");
    let replaced = Summary {
        created: 1,
        replaced: 2,
        ..Summary::default()
    };
    assert_eq!(replaced.sentence(), "1 created, 2 replaced");
    // The running line: its count, then the sentence, with nothing dangling before any result.
    let cases = [
        (
            Summary {
                total: 1,
                ..Summary::default()
            },
            "0 of 1 system done.",
        ),
        (
            Summary {
                total: 3,
                done: 1,
                created: 1,
                ..Summary::default()
            },
            "1 of 3 systems done. 1 created",
        ),
    ];
    for (summary, line) in cases {
        assert_eq!(summary.progress(), line);
    }
    assert_eq!(state.rows[0].elapsed_ms, 3100);
    state = state.apply(Action::RunFinished { run_id: 1 });
    assert_eq!(state.run.as_str(), "done");
    assert!(
        !state.run.is_running(),
        "the finished run's copy of the token is dropped"
    );
}

#[test]
fn elapsed_time_starts_when_the_engine_takes_the_system_up() {
    let queued = Event::Step {
        system: id("ls6"),
        step: Step::Queued,
        attempt: 0,
        elapsed_ms: 0,
    };
    let checking = Event::Step {
        system: id("ls6"),
        step: Step::Checking,
        attempt: 1,
        elapsed_ms: 0,
    };
    let mut state = with_token(3600).apply(Action::Run {
        mode: Mode::Establish,
        target: Target::All,
    });
    state = state.apply(Action::Engine {
        run_id: 1,
        event: queued,
    });
    assert_eq!(state.rows[1].started_ms, None);
    assert_eq!(
        state.rows[1].elapsed_at(NOW_MS + 5000),
        0,
        "no time counts while queued"
    );
    state = state
        .apply(Action::Tick(NOW_MS + 2000))
        .apply(Action::Engine {
            run_id: 1,
            event: checking,
        });
    assert_eq!(state.rows[1].elapsed_at(NOW_MS + 5000), 3000);
}

#[test]
fn retry_and_remove_touch_only_their_row() {
    let mut state = with_token(3600).apply(Action::Run {
        mode: Mode::Establish,
        target: Target::All,
    });
    for (system, outcome) in [
        ("stampede3", Outcome::Created { replaced: false }),
        ("ls6", Outcome::Present),
        ("frontera", Outcome::NotFound),
    ] {
        state = state.apply(Action::Engine {
            run_id: 1,
            event: Event::Done {
                system: id(system),
                outcome,
                elapsed_ms: 1,
            },
        });
    }
    state = state.apply(Action::RunFinished { run_id: 1 });
    state = state.apply(Action::Run {
        mode: Mode::Remove,
        target: Target::One(id("ls6")),
    });
    assert_eq!(state.run.request().unwrap().systems, [id("ls6")]);
    let states: Vec<_> = state.rows.iter().map(|r| r.state()).collect();
    assert_eq!(states, ["created", "queued", "not-found"]);
    assert_eq!(state.rows[1].mode, Mode::Remove);
}

#[test]
fn a_run_of_one_row_hands_focus_back_to_that_row_and_a_full_run_does_not() {
    let mut state = with_token(3600).apply(Action::Run {
        mode: Mode::Establish,
        target: Target::All,
    });
    assert_eq!(state.run.request().unwrap().target, Target::All);
    state = state.apply(Action::RunFinished { run_id: 1 });
    assert_eq!(
        state.run,
        RunPhase::Done { focus_row: None },
        "a full run ends on the results heading"
    );

    state = state.apply(Action::Run {
        mode: Mode::Remove,
        target: Target::One(id("ls6")),
    });
    assert_eq!(state.run.request().unwrap().target, Target::One(id("ls6")));
    // The end of an older run is ignored.
    let stale = state.clone().apply(Action::RunFinished { run_id: 1 });
    assert!(stale.run.is_running());
    state = state.apply(Action::RunFinished { run_id: 2 });
    assert_eq!(
        state.run,
        RunPhase::Done {
            focus_row: Some(id("ls6"))
        }
    );

    state = state
        .apply(Action::Run {
            mode: Mode::CheckOnly,
            target: Target::All,
        })
        .apply(Action::RunFinished { run_id: 3 });
    assert_eq!(state.run, RunPhase::Done { focus_row: None });
}

#[test]
fn removing_a_chip_names_it_until_ids_are_added() {
    let state = AppState::new(NOW_MS, String::new());
    assert_eq!(state.systems_removed, None);
    let state = state.apply(Action::RemoveSystem(1));
    assert_eq!(state.systems_removed.as_deref(), Some("ls6"));
    // Nothing removed: the last removal still stands.
    let state = state.apply(Action::RemoveSystem(99));
    assert_eq!(state.systems_removed.as_deref(), Some("ls6"));
    // Typing without completing an id adds nothing.
    let state = state.apply(Action::SystemsDraft("ls".into()));
    assert_eq!(state.systems_removed.as_deref(), Some("ls6"));
    // Adding it back clears the line, so removing it again is a change screen readers announce.
    let state = state.apply(Action::SystemsDraft("ls6,".into()));
    assert_eq!(state.systems_removed, None);
    let state = state.apply(Action::RemoveSystem(2));
    assert_eq!(state.systems_removed.as_deref(), Some("ls6"));
    let state = state.apply(Action::AddSystem("vista".into()));
    assert_eq!(state.systems_removed, None);
}

#[test]
fn a_new_token_refills_the_username_unless_the_user_typed_one() {
    let alice = jwt("alice", "https://designsafe.tapis.io/v3/tokens", 3600);
    let bob = jwt("bob", "https://designsafe.tapis.io/v3/tokens", 3600);
    let state = AppState::new(NOW_MS, String::new()).apply(token_input(alice.clone()));
    let after_forget = state
        .clone()
        .apply(Action::ForgetToken)
        .apply(token_input(bob.clone()));
    assert_eq!(
        after_forget.username, "bob",
        "a forgotten token's user does not stick"
    );
    let replaced = state.clone().apply(token_input(bob));
    assert_eq!(replaced.username, "bob");
    let cleared = state
        .apply(Action::SetUsername("carol".into()))
        .apply(Action::SetUsername(String::new()));
    assert_eq!(
        cleared.apply(token_input(alice)).username,
        "alice",
        "an emptied field is refilled"
    );
}

#[test]
fn a_token_rejected_in_a_run_blocks_the_next_until_a_new_token() {
    let rejected = Outcome::TokenRejected(Problem::TokenRevoked {
        message: "Token is revoked.".into(),
    });
    let mut state = with_token(3600).apply(Action::Run {
        mode: Mode::Establish,
        target: Target::All,
    });
    for system in ["stampede3", "ls6", "frontera"] {
        let event = Event::Done {
            system: id(system),
            outcome: rejected.clone(),
            elapsed_ms: 1,
        };
        state = state.apply(Action::Engine { run_id: 1, event });
    }
    state = state
        .apply(Action::RunFinished { run_id: 1 })
        .apply(Action::Run {
            mode: Mode::Establish,
            target: Target::All,
        });
    assert!(!state.run.is_running() && matches!(state.refused, Some(Refusal::TokenRejected(_))));
    let fresh = state.apply(token_input(jwt(
        "alice",
        "https://designsafe.tapis.io/v3/tokens",
        7200,
    )));
    let again = fresh.apply(Action::Run {
        mode: Mode::Establish,
        target: Target::All,
    });
    assert!(again.run.is_running(), "a new token clears the rejection");
}

#[test]
fn systems_found_with_one_token_are_dropped_with_it() {
    let state = with_token(3600)
        .apply(Action::Discover)
        .apply(Action::Discovered {
            id: 1,
            result: Ok(vec![]),
        });
    assert_eq!(state.discovery, Discovery::Done(Rc::new(vec![])));
    assert_eq!(state.apply(Action::ForgetToken).discovery, Discovery::Idle);
}

#[test]
fn retrying_a_removal_asks_again_and_sends_nothing() {
    let mut state = with_token(3600).apply(Action::Run {
        mode: Mode::Remove,
        target: Target::One(id("ls6")),
    });
    let failed = Outcome::Failed(Problem::ServerError {
        status: 503,
        message: String::new(),
    });
    state = state
        .apply(Action::Engine {
            run_id: 1,
            event: Event::Done {
                system: id("ls6"),
                outcome: failed,
                elapsed_ms: 1,
            },
        })
        .apply(Action::RunFinished { run_id: 1 })
        .apply(Action::Retry(id("ls6")));
    assert_eq!(state.confirm_remove, Some(id("ls6")));
    assert!(
        !state.run.is_running() && state.last_task_id == 1,
        "no run without the confirmation"
    );

    let check = with_token(3600)
        .apply(Action::Run {
            mode: Mode::CheckOnly,
            target: Target::All,
        })
        .apply(Action::RunFinished { run_id: 1 })
        .apply(Action::Retry(id("ls6")));
    assert_eq!(
        check.run.request().unwrap().mode,
        Mode::CheckOnly,
        "other rows retry in their mode"
    );
}

#[test]
fn the_report_never_contains_the_token() {
    let raw = jwt("alice", "https://designsafe.tapis.io/v3/tokens", 3600);
    let state = AppState::new(NOW_MS, String::new())
        .apply(token_input(raw.clone()))
        .apply(Action::Run {
            mode: Mode::CheckOnly,
            target: Target::All,
        })
        .apply(Action::Engine {
            run_id: 1,
            event: Event::Done {
                system: id("ls6"),
                outcome: Outcome::Missing { rejected: false },
                elapsed_ms: 5,
            },
        });
    let report = state.report_json();
    let payload = raw.split('.').nth(1).unwrap();
    assert!(
        !report.contains(payload),
        "no part of the token in the report"
    );
    let parsed: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(parsed["username"], "alice");
    assert_eq!(parsed["results"][1]["system"], "ls6");
    assert_eq!(parsed["results"][1]["state"], "missing");
}

/// A token or password typed into the wrong field (the username, the tenant address) does not
/// reach the report either.
#[test]
fn the_report_leaves_out_a_secret_typed_into_another_field() {
    let raw = jwt("alice", "https://designsafe.tapis.io/v3/tokens", 3600);
    let state = AppState::new(NOW_MS, "https://alice:hunter2@designsafe.tapis.io".into())
        .apply(Action::SetUsername(raw.clone()));
    let report = state.report_json();
    assert!(!report.contains(raw.split('.').nth(1).unwrap()));
    assert!(!report.contains("hunter2"));
    let parsed: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert!(parsed["username"].as_str().unwrap().contains("left out"));
    assert!(parsed["tenant"].as_str().unwrap().contains("left out"));
    // Ordinary values are kept as typed (normalised for the address).
    let state = AppState::new(NOW_MS, "https://DesignSafe.tapis.io/".into())
        .apply(Action::SetUsername("jdoe_1".into()));
    let parsed: serde_json::Value = serde_json::from_str(&state.report_json()).unwrap();
    assert_eq!(parsed["username"], "jdoe_1");
    assert_eq!(parsed["tenant"], "https://designsafe.tapis.io");
    // With a token, the report names its owner, whom every request was for: a password that
    // looks like a user name, typed into the field, is not written either.
    let state = with_token(3600).apply(Action::SetUsername("Hunter2pass".into()));
    let report = state.report_json();
    assert!(!report.contains("Hunter2pass"), "{report}");
    let parsed: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(parsed["username"], state.token().unwrap().info().username);
}

mod hardening;
mod host;

/// On a page whose host hands the token over there is no "log in": every way out of a missing,
/// expired or refused token says the portal was asked; a check-only page has no set-up to offer.
#[test]
fn refusals_point_only_at_what_the_page_offers() {
    let mut state = AppState::new(0, String::new());
    let own = state.page();
    assert!(Refusal::NoToken.sentence(own).contains("log in"));
    assert!(Refusal::TokenExpired.sentence(own).contains("Log in again"));
    state.host.supplies_token = true;
    let fed = state.page();
    let owner = Refusal::OtherUser {
        owner: "ann".into(),
    };
    let rejected = Refusal::TokenRejected(Problem::TokenRevoked {
        message: "revoked".into(),
    });
    for refusal in [Refusal::NoToken, Refusal::TokenExpired, owner, rejected] {
        let text = refusal.sentence(fed);
        assert!(!text.to_lowercase().contains("log in"), "{text}");
    }
    assert!(Refusal::NoToken.sentence(fed).contains("portal"));
    let missing = Failure::Tapis(Problem::CredentialsMissing {
        message: "m".into(),
    });
    assert!(missing.sentence(fed).contains("“Set up credentials”"));
    state.check_only = true;
    let text = missing.sentence(state.page());
    assert!(text.contains("This page only checks"), "{text}");
}
