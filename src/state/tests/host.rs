//! The host page's token, its requests for a fresh one and the results it is told (issue 11).
use super::*;

const ISS: &str = "https://designsafe.tapis.io/v3/tokens";

/// The host page handing over `raw`, as its message handler does.
fn from_host(raw: impl Into<String>) -> Action {
    Action::HostToken(Secret::new(raw.into()))
}

fn host_token(exp_in_secs: i64) -> Action {
    from_host(jwt("alice", ISS, exp_in_secs))
}

fn revoked() -> Outcome {
    Outcome::TokenRejected(Problem::TokenRevoked {
        message: "Token is revoked.".into(),
    })
}

fn embedded() -> AppState {
    let mut state = AppState::new(NOW_MS, "https://designsafe.tapis.io".into());
    state.host.supplies_token = true;
    state
}

fn finish_all(mut state: AppState, run_id: u64, outcome: Outcome) -> AppState {
    for system in ["stampede3", "ls6", "frontera"] {
        let event = Event::Done {
            system: id(system),
            outcome: outcome.clone(),
            elapsed_ms: 1,
        };
        state = state.apply(Action::Engine { run_id, event });
    }
    state.apply(Action::RunFinished { run_id })
}

fn run(state: AppState, mode: Mode) -> AppState {
    state.apply(Action::Run {
        mode,
        target: Target::All,
    })
}

#[test]
fn a_host_token_is_taken_like_a_pasted_one_and_logged_without_its_text() {
    let raw = jwt("alice", ISS, 3600);
    let state = AppState::new(NOW_MS, String::new()).apply(from_host(raw.clone()));
    assert_eq!(state.token_status(), TokenStatus::Valid);
    assert_eq!(state.username, "alice");
    assert!(state.host.sent_token);
    assert_eq!(state.log.len(), 1);
    assert_eq!(state.log[0].method, "HOST");
    assert!(!format!("{:?}", state.log).contains(&raw[..20]));
    assert!(state.host.ask.is_none(), "a fresh token needs no other");
}

#[test]
fn an_ignored_message_is_noted_in_the_log() {
    let state = AppState::new(NOW_MS, String::new()).apply(Action::HostIgnored {
        what: "message from https://evil.example ignored".into(),
        why: "origin not allowed".into(),
    });
    assert_eq!(state.log.len(), 1);
    assert_eq!(state.log[0].message.as_deref(), Some("origin not allowed"));
    assert_eq!(state.token_status(), TokenStatus::None);
}

#[test]
fn an_expiring_host_token_asks_once_then_again_only_for_the_next_token() {
    let state = embedded().apply(host_token(300));
    let ask = state.host.ask.clone().expect("asked at once");
    assert_eq!((ask.seq, ask.reason), (1, "expiring"));
    // Ticks do not ask again for the same token.
    let state = state.apply(Action::Tick(NOW_MS + 5_000));
    assert_eq!(state.host.ask.as_ref().unwrap().seq, 1);
    // Another short-lived token soon after: not asked again before the interval.
    let state = state.apply(host_token(290));
    assert_eq!(state.host.ask.as_ref().unwrap().seq, 1);
    let state = state.apply(Action::Tick(NOW_MS + ASK_INTERVAL_MS + 1));
    assert_eq!(state.host.ask.as_ref().unwrap().seq, 2);
    // A long-lived one: nothing more, until it too is about to expire.
    let state = state.apply(host_token(4 * 3600));
    assert_eq!(state.host.ask.as_ref().unwrap().seq, 2);
    let later = NOW_MS + (4 * 3600 - 500) * 1000;
    let state = state.apply(Action::Tick(later));
    let ask = state.host.ask.clone().unwrap();
    assert_eq!((ask.seq, ask.reason), (3, "expiring"));
}

#[test]
fn a_pasted_token_on_a_standalone_page_never_asks_a_host() {
    let state = with_token(300).apply(Action::Tick(NOW_MS + 400_000));
    assert_eq!(state.token_status(), TokenStatus::Expired);
    assert!(state.host.ask.is_none());
}

#[test]
fn a_rejected_token_asks_the_host_and_the_run_goes_on_with_the_fresh_one() {
    let state = run(embedded().apply(host_token(3600)), Mode::CheckOnly);
    assert!(state.run.is_running());
    let state = finish_all(state, 1, revoked());
    assert_eq!(state.host.ask.as_ref().unwrap().reason, "rejected");
    assert_eq!(state.host.resume, Some(Mode::CheckOnly));
    assert_eq!(
        state.host.done_seq, 0,
        "no result while it waits for a token"
    );
    // A fresh token: another one than Tapis rejected.
    let state = state.apply(host_token(3700));
    let request = state.run.request().expect("the run goes on").clone();
    assert_eq!(request.mode, Mode::CheckOnly);
    assert_eq!(state.host.resume, None);
    let state = finish_all(state, request.run_id, Outcome::Present);
    assert_eq!(state.host.done_seq, 1);
    let results = state.host_results();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].id, "stampede3");
    assert_eq!(results[0].state, Outcome::Present.state());
    assert_eq!(results[0].detail, Outcome::Present.explanation());
}

#[test]
fn every_finished_run_is_reported_once_and_without_the_token() {
    let raw = jwt("alice", ISS, 3600);
    let state = run(embedded().apply(from_host(raw.clone())), Mode::Establish);
    let state = finish_all(state, 1, Outcome::Present);
    assert_eq!(state.host.done_seq, 1);
    let state = state.apply(Action::Tick(NOW_MS + 1000));
    assert_eq!(state.host.done_seq, 1);
    // Every field the host receives, as text.
    let json = format!("{:?}", state.host_results());
    assert!(!json.contains(&raw[..20]) && !json.contains(raw.rsplit('.').next().unwrap()));
}

/// A host that keeps handing back the token Tapis rejected starts nothing with it.
#[test]
fn the_same_rejected_token_again_changes_nothing() {
    let state = run(embedded().apply(host_token(3600)), Mode::Establish);
    let state = finish_all(state, 1, revoked());
    let before = state.token_gen;
    for again in [host_token(3600), token_input(jwt("alice", ISS, 3600))] {
        let state = state.clone().apply(again);
        assert!(!state.run.is_running(), "no run with the rejected token");
        assert!(state.token_rejected.is_some(), "the rejection stands");
        assert_eq!(state.token_gen, before);
        assert_eq!(
            state.host.resume,
            Some(Mode::Establish),
            "still waiting for a fresh one"
        );
    }
}

/// A malformed or expired token from the host does not replace the user's usable one.
#[test]
fn an_unusable_host_token_keeps_the_good_one() {
    let good = jwt("alice", ISS, 3600);
    let pasted = AppState::new(NOW_MS, String::new()).apply(token_input(good));
    for bad in [
        "not a token".to_string(),
        jwt("alice", ISS, -60),
        "  ".to_string(),
    ] {
        let state = pasted.clone().apply(from_host(bad.clone()));
        assert_eq!(state.token_status(), TokenStatus::Valid, "{bad}");
        assert_eq!(state.token_gen, pasted.token_gen);
        let note = state.log.last().unwrap();
        assert_eq!(note.path, "token from the host page ignored");
        assert!(note
            .message
            .as_deref()
            .is_some_and(|m| !m.is_empty() && !m.contains(&bad)));
    }
    // Without a usable token the host's one is shown, error and all, like a paste.
    let state = AppState::new(NOW_MS, String::new()).apply(from_host("not a token"));
    assert!(matches!(state.token, TokenField::Invalid(_)));
}

/// A page that floods the app with messages cannot grow the activity log without bound.
#[test]
fn host_notes_stop_at_a_cap() {
    let mut state = AppState::new(NOW_MS, String::new());
    for i in 0..(MAX_HOST_NOTES * 3) {
        state = state.apply(Action::HostIgnored {
            what: format!("message {i} ignored"),
            why: "origin not allowed".into(),
        });
    }
    assert_eq!(state.log.len(), MAX_HOST_NOTES);
    assert!(state.log.last().unwrap().path.contains("not logged"));
}
