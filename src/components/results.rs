use super::ResultRow;
use crate::state::{Row, RunPhase, Summary};
use std::rc::Rc;
use tms_core::SystemId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub rows: Rc<Vec<Rc<Row>>>,
    pub summary: Summary,
    pub phase: RunPhase,
    pub now_ms: u64,
    pub on_retry: Callback<SystemId>,
    pub on_remove: Callback<SystemId>,
    pub on_stop_waiting: Callback<SystemId>,
}

/// The overall progress and one live row per system.
#[function_component]
pub fn Results(props: &Props) -> Html {
    let heading = use_node_ref();
    let done = props.phase == RunPhase::Done;
    // When a run ends, move focus to the summary so keyboard and screen-reader users land on the result.
    {
        let heading = heading.clone();
        use_effect_with(done, move |&done| {
            // Only when focus is nowhere useful (the run button was disabled under it): never
            // pull a user out of a field they are typing in.
            if done && focus_is_idle() {
                if let Some(el) = heading.cast::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
    let s = &props.summary;
    let line = match props.phase {
        RunPhase::Idle => "Results appear here, one row per system.".to_string(),
        RunPhase::Running(_) => format!(
            "Working… {} of {} systems done. {}",
            s.done,
            s.total,
            s.sentence()
        ),
        RunPhase::Done => format!("Done: {}.", s.sentence()),
    };
    let busy = props.phase.is_running();
    html! {
        <section class="panel" aria-labelledby="results-heading">
            <h2 id="results-heading" ref={heading} tabindex="-1">{ "3. Results" }</h2>
            <div id="summary" class="summary" data-state={props.phase.as_str()}>
                <p role="status" aria-live="polite">{ line }</p>
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
            <ul class="results">
                for row in props.rows.iter() {
                    <ResultRow
                        key={row.system.as_str()}
                        row={row.clone()}
                        now_ms={props.now_ms}
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
