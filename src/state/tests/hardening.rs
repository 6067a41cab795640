//! Issue 10's defects in the reducer: each test failed before its fix.
use super::*;

fn run_all(state: AppState) -> AppState {
    state.apply(Action::Run {
        mode: Mode::Establish,
        target: Target::All,
    })
}

fn revoked() -> Problem {
    Problem::TokenRevoked {
        message: "Token is revoked.".into(),
    }
}

/// Defect 1: the split after a multi-byte separator landed inside the character and panicked.
#[test]
fn multibyte_whitespace_between_ids_does_not_panic() {
    for sep in ['\u{a0}', '\u{3000}', '\u{2003}', '\u{2028}', '\u{85}'] {
        let typed = format!("vista{sep}ls6x{sep}");
        let state = AppState::new(NOW_MS, String::new()).apply(Action::SystemsDraft(typed));
        assert!(state.systems.iter().any(|s| s == "vista"), "{sep:?}");
        assert!(state.systems.iter().any(|s| s == "ls6x"), "{sep:?}");
        assert_eq!(state.systems_draft, "", "{sep:?}");

        let partial = format!("a{sep}é{sep}日本");
        let state = AppState::new(NOW_MS, String::new()).apply(Action::SystemsDraft(partial));
        assert_eq!(
            state.systems_draft, "日本",
            "{sep:?}: the draft keeps whole characters"
        );
    }
}

/// Defect 5: the old token's rejection blocked the token the user brought during its run.
#[test]
fn a_rejection_from_the_old_tokens_run_does_not_block_a_new_token() {
    let mut state = run_all(with_token(3600));
    state = state.apply(token_input(jwt(
        "alice",
        "https://designsafe.tapis.io/v3/tokens",
        7200,
    )));
    for system in ["stampede3", "ls6", "frontera"] {
        let event = Event::Done {
            system: id(system),
            outcome: Outcome::TokenRejected(revoked()),
            elapsed_ms: 1,
        };
        state = state.apply(Action::Engine { run_id: 1, event });
    }
    state = run_all(state.apply(Action::RunFinished { run_id: 1 }));
    assert_eq!(state.refused, None, "the new token is not blocked");
    assert!(state.run.is_running());
}

/// Defect 6: Forget token left the run going with the forgotten token.
#[test]
fn forgetting_the_token_stops_the_run_that_uses_it() {
    let running = run_all(with_token(3600));
    let control = running.run.request().expect("a run").control.clone();
    let state = running.apply(Action::ForgetToken);
    assert!(control.is_cancelled(), "the engine is told to stop");
    // The run ends when the engine has wound down; then the buttons come back.
    let state = state.apply(Action::RunFinished { run_id: 1 });
    assert!(state.run.is_done());
}

/// Defect 6: a discovery answer for an old token could arrive after a token change.
#[test]
fn a_discovery_answer_for_an_old_token_is_ignored() {
    let found = vec![SystemInfo {
        id: "old-token-system".into(),
        ..SystemInfo::default()
    }];
    let asked = with_token(3600).apply(Action::Discover);
    let Discovery::Running(request) = &asked.discovery else {
        panic!("a discovery request: {:?}", asked.discovery);
    };
    let cancel = request.cancel.clone();
    let state = asked
        .apply(token_input(jwt(
            "bob",
            "https://designsafe.tapis.io/v3/tokens",
            7200,
        )))
        .apply(Action::Discovered {
            id: 1,
            result: Ok(found),
        });
    assert!(
        cancel.is_cancelled(),
        "the old token's discovery is cancelled"
    );
    assert_eq!(
        state.discovery,
        Discovery::Idle,
        "bob never sees alice's systems"
    );
}

/// Defect 6: discovery stayed available during a run, and Cancel did not stop it.
#[test]
fn discovery_waits_for_the_run_and_cancel_stops_it() {
    let running = run_all(with_token(3600));
    assert!(!running.can_discover());
    assert_eq!(running.apply(Action::Discover).discovery, Discovery::Idle);

    let discovering = with_token(3600).apply(Action::Discover);
    let Discovery::Running(request) = &discovering.discovery else {
        panic!("a discovery request");
    };
    let cancel = request.cancel.clone();
    discovering.apply(Action::Cancel);
    assert!(cancel.is_cancelled());
}

/// A revoked token found by discovery blocks runs like one found by a run.
#[test]
fn a_token_revoked_during_discovery_blocks_runs() {
    let state = with_token(3600)
        .apply(Action::Discover)
        .apply(Action::Discovered {
            id: 1,
            result: Err(revoked()),
        });
    let state = run_all(state);
    assert!(matches!(state.refused, Some(Refusal::TokenRejected(_))));
    assert!(!state.run.is_running());
}

/// Defect 9: thousands of ids froze the page (quadratic duplicate removal, every action
/// deep-copying rows and log). The list is capped with a message, and actions share what
/// they do not change.
#[test]
fn five_thousand_ids_are_capped_and_stay_fast() {
    let started = std::time::Instant::now();
    let mut ids: Vec<String> = (0..5000).map(|i| format!("sys{i}")).collect();
    ids.extend((0..5000).map(|i| format!("sys{i}"))); // every one twice
    let mut state = with_token(3600).apply(Action::SystemsDraft(ids.join(",") + ","));
    assert_eq!(state.systems.len(), MAX_SYSTEMS);
    let notice = state
        .systems_notice()
        .expect("a message about the ids left out");
    assert!(notice.contains("4503 more"), "{notice}");

    state = state.apply(Action::Run {
        mode: Mode::CheckOnly,
        target: Target::All,
    });
    let systems: Vec<SystemId> = state.rows.iter().map(|r| r.system.clone()).collect();
    for (i, system) in systems.iter().enumerate() {
        for event in [
            Event::Step {
                system: system.clone(),
                step: Step::Checking,
                attempt: 1,
                elapsed_ms: 0,
            },
            Event::Done {
                system: system.clone(),
                outcome: Outcome::Present,
                elapsed_ms: 5,
            },
        ] {
            state = state.apply(Action::Engine { run_id: 1, event });
        }
        let before = state.clone();
        state = state.apply(Action::Tick(NOW_MS + i as u64));
        assert!(
            Rc::ptr_eq(&before.rows, &state.rows),
            "a tick copies no rows"
        );
        assert!(Rc::ptr_eq(&before.log, &state.log), "nor the log");
    }
    assert_eq!(state.summary().present, MAX_SYSTEMS);
    assert!(
        started.elapsed().as_secs() < 5,
        "took {:?}",
        started.elapsed()
    );

    let fewer = state.apply(Action::RemoveSystem(0));
    assert_eq!(fewer.systems_notice(), None, "room again: the notice goes");
}
