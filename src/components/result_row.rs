use crate::state::{Row, RowStatus};
use std::rc::Rc;
use tms_core::duration;
use tms_core::engine::{Outcome, Step};
use tms_core::wording::Page;
use tms_core::{Problem, SystemId};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub row: Rc<Row>,
    pub now_ms: u64,
    /// What the page offers: the next step points only at what is here.
    #[prop_or_default]
    pub page: Page,
    /// A run is under way: row actions wait for it.
    pub busy: bool,
    pub on_retry: Callback<SystemId>,
    pub on_remove: Callback<SystemId>,
    /// Ends this row's wait before a retry (e.g. a new key its host keeps refusing).
    pub on_stop_waiting: Callback<SystemId>,
}

/// One system: what is happening now, then the result, a one-line explanation and the next step.
#[function_component]
pub fn ResultRow(props: &Props) -> Html {
    let row = &props.row;
    let (badge, detail, next) = describe(row, props.now_ms, props.page);
    let system = row.system.clone();
    let name = system.as_str();
    let waiting = matches!(row.status, RowStatus::Step(Step::WaitingRetry { .. }));
    let outcome = row.outcome();
    let can_retry = outcome.is_some_and(|o| o.needs_attention() || matches!(o, Outcome::Cancelled));
    // Not where Tapis could not test a stored key (it may well work; the system's own reason,
    // disabled or not for TMS keys, may stand in for "cannot verify"), nor where removal is no
    // remedy for the system's state.
    let can_remove = !props.page.check_only
        && match outcome {
            Some(Outcome::Present | Outcome::Created { .. }) => true,
            Some(Outcome::Failed(p)) => !matches!(
                p,
                Problem::CannotVerify { .. }
                    | Problem::SystemDisabled
                    | Problem::NotLinux { .. }
                    | Problem::TmsRefused { .. }
            ),
            _ => false,
        };
    html! {
        // Focusable by script only: a retry or removal ends with focus back on its row.
        <li
            class="result"
            tabindex="-1"
            data-system={system.as_str().to_string()}
            data-state={row.state()}
            data-problem={problem_code(row)}
        >
            <div>
                <div class="system">{ system.as_str() }</div>
                <span class="badge">{ badge }</span>
            </div>
            <div>
                <p class="detail">{ detail }</p>
                if let Some(next) = next {
                    <p class="next">{ next }</p>
                }
                <span class="elapsed" aria-hidden="true">
                    { duration::human(row.elapsed_at(props.now_ms)) }
                </span>
            </div>
            <div class="row-actions">
                if waiting {
                    { action(&system, &props.on_stop_waiting, "stop-waiting", "Stop waiting", format!("Stop waiting for {name}"), false) }
                }
                if can_retry {
                    { action(&system, &props.on_retry, "retry", "Retry", format!("Retry {name}"), props.busy) }
                }
                if can_remove {
                    { action(&system, &props.on_remove, "remove", "Remove credentials", format!("Remove credentials on {name}"), props.busy) }
                }
            </div>
        </li>
    }
}

/// A row action: a button that names its system to screen readers and emits it when pressed.
fn action(
    system: &SystemId,
    on: &Callback<SystemId>,
    kind: &'static str,
    label: &'static str,
    aria_label: String,
    disabled: bool,
) -> Html {
    let onclick = {
        let (on, system) = (on.clone(), system.clone());
        Callback::from(move |_: MouseEvent| on.emit(system.clone()))
    };
    html! {
        <button
            type="button"
            class={(kind == "remove").then_some("danger")}
            data-action={kind}
            onclick={onclick}
            disabled={disabled}
            aria-label={aria_label}
        >
            { label }
        </button>
    }
}

/// The core's code for what went wrong (or what the row waits on), for hooks and tests.
fn problem_code(row: &Row) -> Option<&'static str> {
    match &row.status {
        RowStatus::Step(Step::WaitingRetry { reason, .. }) => Some(reason.code()),
        RowStatus::Step(_) => None,
        RowStatus::Done(outcome) => outcome.problem().map(|p| p.code()),
    }
}

/// Badge, detail sentence and next step for a row in any state.
fn describe(row: &Row, now_ms: u64, page: Page) -> (String, String, Option<String>) {
    let attempt = |n: u32| {
        if n > 1 {
            format!(" (attempt {n})")
        } else {
            String::new()
        }
    };
    match &row.status {
        RowStatus::Step(step) => {
            let detail = match step {
                Step::Queued => "Waiting for a free slot…".to_string(),
                Step::Checking => format!(
                    "Checking for a working key (Tapis signs in to the system as you){}…",
                    attempt(row.attempt)
                ),
                Step::ReadingSystem => "Reading how this system signs users in…".to_string(),
                Step::Creating => format!("Creating a TMS key{}…", attempt(row.attempt)),
                Step::WaitingRetry {
                    retry_at_ms,
                    reason,
                } => format!(
                    "{} Trying again in {}.",
                    reason.explanation(),
                    duration::human(retry_at_ms.saturating_sub(now_ms))
                ),
                Step::Removing => "Removing your key…".to_string(),
            };
            let badge = match step {
                Step::Queued => "Queued",
                Step::WaitingRetry {
                    reason: Problem::KeyNotYetUsable { .. },
                    ..
                } => "Waiting for system",
                Step::WaitingRetry { .. } => "Waiting to retry",
                Step::Removing => "Removing",
                Step::Creating => "Creating",
                Step::ReadingSystem => "Reading system",
                _ => "Checking",
            };
            (badge.into(), detail, None)
        }
        RowStatus::Done(outcome) => {
            let badge = match outcome {
                Outcome::Present => "Already set up",
                Outcome::Created { replaced: false } => "Created",
                Outcome::Created { replaced: true } => "Replaced",
                Outcome::Missing { rejected: false } => "Missing",
                Outcome::Missing { rejected: true } => "Key refused",
                Outcome::Removed => "Removed",
                Outcome::NotTms { .. } => "Not TMS",
                Outcome::NoAccess => "No access",
                Outcome::NotFound => "Not found",
                Outcome::TokenRejected(Problem::TokenExpired { .. }) => "Token expired",
                Outcome::TokenRejected(_) => "Token refused",
                Outcome::Failed(Problem::KeyNotAccepted { .. }) => "Key not accepted",
                Outcome::Failed(Problem::CannotVerify { .. }) => "Cannot verify",
                Outcome::Failed(Problem::CreateInterrupted) => "Interrupted",
                Outcome::Failed(_) => "Failed",
                Outcome::Cancelled => "Cancelled",
            };
            (
                badge.into(),
                outcome.explanation(),
                outcome.next_step_on(page),
            )
        }
    }
}
