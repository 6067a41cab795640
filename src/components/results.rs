use super::{children, ResultRow};
use crate::state::{Row, RunPhase, Summary, Target};
use std::rc::Rc;
use tms_core::wording::{count, Page};
use tms_core::SystemId;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub rows: Rc<Vec<Rc<Row>>>,
    pub summary: Summary,
    pub phase: RunPhase,
    pub now_ms: u64,
    #[prop_or_default]
    pub page: Page,
    pub on_retry: Callback<SystemId>,
    pub on_remove: Callback<SystemId>,
    pub on_stop_waiting: Callback<SystemId>,
}

/// The overall progress and one live row per system.
#[function_component]
pub fn Results(props: &Props) -> Html {
    let (heading, list) = (use_node_ref(), use_node_ref());
    // Some(the row to go back to) once the run is over.
    let done = match &props.phase {
        RunPhase::Done { focus_row } => Some(focus_row.clone()),
        _ => None,
    };
    // When a run ends, move focus to the summary so keyboard and screen-reader users land on the
    // result; after a run of one row (its buttons were gone while it ran), back to that row.
    {
        let (heading, list) = (heading.clone(), list.clone());
        use_effect_with(done, move |done| {
            // Only when focus is nowhere useful (the run button was disabled under it): never
            // pull a user out of a field they are typing in.
            if let (Some(row), true) = (done, focus_is_idle()) {
                let target = row
                    .as_ref()
                    .and_then(|system| row_element(&list, system))
                    .or_else(|| heading.cast::<HtmlElement>());
                if let Some(el) = target {
                    let _ = el.focus();
                }
            }
        });
    }
    let s = &props.summary;
    // The live region says only what holds for the whole run, then the result: a change per
    // finished system would be an announcement per system. The count below is not live.
    let status = match &props.phase {
        RunPhase::Idle => "Results appear here, one row per system.".to_string(),
        RunPhase::Running(request) => match (&request.target, request.systems.len()) {
            (Target::One(system), _) => format!("Working on {system}…"),
            (Target::All, n) => format!("Working on {}…", count(n, "system")),
        },
        RunPhase::Done { .. } => format!("Done: {}.", s.sentence()),
    };
    let busy = props.phase.is_running();
    html! {
        <section class="panel" aria-labelledby="results-heading">
            // Described by the summary line: the result is read with the focus move at the end.
            <h2
                id="results-heading"
                ref={heading}
                tabindex="-1"
                aria-describedby="summary-status"
            >
                { "3. Results" }
            </h2>
            <div id="summary" class="summary" data-state={props.phase.as_str()}>
                <p id="summary-status" role="status" aria-live="polite">{ status }</p>
                if busy {
                    <p class="progress-line">
                        { s.progress() }
                    </p>
                }
                if s.total > 0 {
                    <progress
                        max={s.total.to_string()}
                        value={s.done.to_string()}
                        aria-label="Systems finished"
                    >
                        { format!("{} of {}", s.done, s.total) }
                    </progress>
                }
            </div>
            <ul class="results" ref={list}>
                for row in props.rows.iter() {
                    <ResultRow
                        key={row.system.as_str()}
                        row={row.clone()}
                        now_ms={props.now_ms}
                        page={props.page}
                        busy={busy}
                        on_retry={props.on_retry.clone()}
                        on_remove={props.on_remove.clone()}
                        on_stop_waiting={props.on_stop_waiting.clone()}
                    />
                }
            </ul>
        </section>
    }
}

fn focus_is_idle() -> bool {
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    active.is_none_or(|el| el.tag_name() == "BODY" || el.has_attribute("disabled"))
}

/// The `<li>` of `system`'s row in the list.
fn row_element(list: &NodeRef, system: &SystemId) -> Option<HtmlElement> {
    children(list)
        .find(|li| li.get_attribute("data-system").as_deref() == Some(system.as_str()))?
        .dyn_into::<HtmlElement>()
        .ok()
}
