//! A result row in a real browser, in every state a row can be in: its `data-state`, its
//! explanation, and which actions it offers.
#![cfg(target_arch = "wasm32")]

use tms_core::engine::{Mode, Outcome, Step};
use tms_core::wording::Page;
use tms_core::{Problem, SystemId};
use tms_credentials::components::ResultRow;
use tms_credentials::state::{Row, RowStatus};
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

const NOW_MS: u64 = 1_750_000_000_000;

struct Case {
    state: &'static str,
    status: RowStatus,
    retry: bool,
    remove: bool,
}

fn case(state: &'static str, status: RowStatus, retry: bool, remove: bool) -> Case {
    Case {
        state,
        status,
        retry,
        remove,
    }
}

fn done(outcome: Outcome) -> RowStatus {
    RowStatus::Done(outcome)
}

fn step(step: Step) -> RowStatus {
    RowStatus::Step(step)
}

/// Every state, and the actions it must offer: Retry when the outcome needs attention or was
/// cancelled; Remove when there is a stored credential that may be removed (or a failure to clear).
fn cases() -> Vec<Case> {
    let msg = || String::from("from Tapis");
    vec![
        case("queued", step(Step::Queued), false, false),
        case("checking", step(Step::Checking), false, false),
        case("reading-system", step(Step::ReadingSystem), false, false),
        case("creating", step(Step::Creating), false, false),
        case(
            "waiting-retry",
            step(Step::WaitingRetry {
                retry_at_ms: NOW_MS + 4_000,
                reason: Problem::KeyNotYetUsable { message: msg() },
            }),
            false,
            false,
        ),
        case("removing", step(Step::Removing), false, false),
        case("present", done(Outcome::Present), false, true),
        case(
            "created",
            done(Outcome::Created { replaced: false }),
            false,
            true,
        ),
        case(
            "created",
            done(Outcome::Created { replaced: true }),
            false,
            true,
        ),
        case(
            "missing",
            done(Outcome::Missing { rejected: false }),
            true,
            false,
        ),
        case(
            "missing",
            done(Outcome::Missing { rejected: true }),
            true,
            false,
        ),
        case("removed", done(Outcome::Removed), false, false),
        case(
            "not-tms",
            done(Outcome::NotTms {
                authn_method: "PKI_KEYS".into(),
            }),
            true,
            false,
        ),
        case("no-access", done(Outcome::NoAccess), true, false),
        case("not-found", done(Outcome::NotFound), true, false),
        case(
            "token-rejected",
            done(Outcome::TokenRejected(Problem::TokenExpired {
                message: None,
            })),
            true,
            false,
        ),
        case(
            "failed",
            done(Outcome::Failed(Problem::HostUnreachable { message: msg() })),
            true,
            true,
        ),
        case(
            "failed",
            done(Outcome::Failed(Problem::KeyNotAccepted {
                waited_ms: 300_000,
                stopped: true,
                message: msg(),
            })),
            true,
            true,
        ),
        // The stored key may well work; Tapis only could not test it.
        case(
            "failed",
            done(Outcome::Failed(Problem::CannotVerify { message: msg() })),
            true,
            false,
        ),
        // The system's own reason can stand in for "cannot verify"; removal is no remedy there.
        case(
            "failed",
            done(Outcome::Failed(Problem::SystemDisabled)),
            true,
            false,
        ),
        case("cancelled", done(Outcome::Cancelled), true, false),
    ]
}

fn row(status: RowStatus) -> Row {
    let done = matches!(status, RowStatus::Done(_));
    Row {
        system: SystemId::parse("stampede3").unwrap(),
        mode: Mode::Establish,
        status,
        attempt: 1,
        started_ms: (!done).then_some(NOW_MS - 2_500),
        elapsed_ms: 2_500,
    }
}

fn result_row(
    status: RowStatus,
    busy: bool,
    retry: &Recorder<SystemId>,
    remove: &Recorder<SystemId>,
    stop: &Recorder<SystemId>,
) -> Html {
    html! {
        <ul>
            <ResultRow
                row={std::rc::Rc::new(row(status))}
                now_ms={NOW_MS}
                busy={busy}
                on_retry={retry.callback()}
                on_remove={remove.callback()}
                on_stop_waiting={stop.callback()}
            />
        </ul>
    }
}

#[wasm_bindgen_test]
async fn every_row_state_shows_its_state_explanation_and_actions() {
    let system = SystemId::parse("stampede3").unwrap();
    let all = cases();
    // One case per state, plus the replaced-key and refused-key variants of created and missing
    // and the never-accepted and untestable keys and a disabled system of failed.
    assert_eq!(all.len(), 21);
    let mut states: Vec<&str> = all.iter().map(|c| c.state).collect();
    states.sort_unstable();
    states.dedup();
    assert_eq!(states.len(), 16, "every state is covered");

    for Case {
        state,
        status,
        retry,
        remove,
    } in all
    {
        let (retries, removes, stops) = (Recorder::new(), Recorder::new(), Recorder::new());

        // Idle: the actions are live.
        let m = Mounted::new(result_row(
            status.clone(),
            false,
            &retries,
            &removes,
            &stops,
        ))
        .await;
        let li = get(&m.host, "li[data-system][data-state]");
        assert_eq!(
            li.get_attribute("data-system").as_deref(),
            Some("stampede3"),
            "{state}"
        );
        assert_eq!(li.get_attribute("data-state").as_deref(), Some(state));
        let detail = text(&m.host, "li .detail");
        assert!(
            !detail.trim().is_empty(),
            "{state}: the row explains itself"
        );
        assert!(
            !text(&m.host, "li .badge").trim().is_empty(),
            "{state}: a badge"
        );
        if let RowStatus::Done(Outcome::Failed(Problem::KeyNotAccepted { .. })) = &status {
            assert_eq!(
                attr(&m.host, "li", "data-problem").as_deref(),
                Some("key-not-accepted")
            );
            assert!(detail.contains("no account or allocation"), "{detail}");
            assert_eq!(text(&m.host, "li .badge"), "Key not accepted");
        }
        if state == "waiting-retry" {
            assert!(
                detail.ends_with("Trying again in 4.0 s."),
                "{state}: countdown in {detail:?}"
            );
            assert!(
                detail.starts_with(
                    "Tapis made a key, but the system refused it, so it was not saved"
                ),
                "{detail}"
            );
        }

        let retry_button = query(&m.host, "button[data-action=retry]");
        let remove_button = query(&m.host, "button[data-action=remove]");
        assert_eq!(retry_button.is_some(), retry, "{state}: Retry offered?");
        assert_eq!(remove_button.is_some(), remove, "{state}: Remove offered?");
        if retry {
            assert!(!retry_button.unwrap().has_attribute("disabled"), "{state}");
            click(&m.host, "button[data-action=retry]");
            settle().await;
            assert_eq!(
                retries.take(),
                vec![system.clone()],
                "{state}: Retry names the system"
            );
        }
        if remove {
            assert!(!remove_button.unwrap().has_attribute("disabled"), "{state}");
            click(&m.host, "button[data-action=remove]");
            settle().await;
            assert_eq!(
                removes.take(),
                vec![system.clone()],
                "{state}: Remove names the system"
            );
        }
        assert_eq!(
            retries.count() + removes.count(),
            0,
            "{state}: nothing else emitted"
        );
        m.finish().await;

        // Busy (a run is under way): the same buttons, disabled and inert.
        let m = Mounted::new(result_row(status, true, &retries, &removes, &stops)).await;
        assert_eq!(attr(&m.host, "li", "data-state").as_deref(), Some(state));
        // Waiting on a retry happens during a run: Stop waiting is live exactly then.
        let stop = query(&m.host, "button[data-action=stop-waiting]");
        assert_eq!(
            stop.is_some(),
            state == "waiting-retry",
            "{state}: Stop waiting offered?"
        );
        if stop.is_some() {
            assert_eq!(
                attr(&m.host, "li", "data-problem").as_deref(),
                Some("key-not-yet-usable")
            );
            click(&m.host, "button[data-action=stop-waiting]");
            settle().await;
            assert_eq!(
                stops.take(),
                vec![system.clone()],
                "Stop waiting names the system"
            );
        }
        for (offered, selector) in [
            (retry, "button[data-action=retry]"),
            (remove, "button[data-action=remove]"),
        ] {
            assert_eq!(
                query(&m.host, selector).is_some(),
                offered,
                "{state} busy: {selector}"
            );
            if offered {
                assert!(
                    get(&m.host, selector).has_attribute("disabled"),
                    "{state} busy: {selector} disabled"
                );
                click(&m.host, selector);
                settle().await;
            }
        }
        assert_eq!(
            retries.count() + removes.count(),
            0,
            "{state} busy: no action while busy"
        );
        m.finish().await;
    }
}

/// On a check-only page a row offers no removal, and its next step does not point at a
/// "Set up credentials" button the page does not have.
#[wasm_bindgen_test]
async fn a_check_only_page_offers_no_removal_and_no_set_up() {
    let page = Page {
        token_from_host: false,
        check_only: true,
    };
    let (retries, removes, stops) = (Recorder::new(), Recorder::new(), Recorder::new());
    for (status, next) in [
        (done(Outcome::Present), None),
        (
            done(Outcome::Missing { rejected: false }),
            Some("This page only checks"),
        ),
    ] {
        let m = Mounted::new(html! {
            <ul>
                <ResultRow
                    row={std::rc::Rc::new(row(status))}
                    now_ms={NOW_MS}
                    page={page}
                    busy=false
                    on_retry={retries.callback()}
                    on_remove={removes.callback()}
                    on_stop_waiting={stops.callback()}
                />
            </ul>
        })
        .await;
        assert!(query(&m.host, "button[data-action=remove]").is_none());
        let shown = query(&m.host, "li .next").map(|e| e.text_content().unwrap_or_default());
        match next {
            Some(start) => {
                let shown = shown.expect("a next step");
                assert!(
                    shown.starts_with(start) && !shown.contains("“Set up"),
                    "{shown}"
                );
            }
            None => assert_eq!(shown, None),
        }
        m.finish().await;
    }
}
