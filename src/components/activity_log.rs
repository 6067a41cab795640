use std::rc::Rc;
use tms_core::duration;
use tms_core::tapis::RequestRecord;
use tms_core::wording::count;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Times are shown relative to the first request in it.
    pub log: Rc<Vec<Rc<RequestRecord>>>,
    /// Whether the last copy reached the clipboard, once one was tried.
    #[prop_or_default]
    pub copied: Option<bool>,
    pub on_copy: Callback<()>,
    pub on_download: Callback<()>,
}

/// The table shows the latest requests only: with hundreds of systems, rendering every line on
/// each event would slow the page down. The exported report always holds all of them.
pub const SHOWN: usize = 200;

/// Every request the page sent: what a help desk needs, never the token or password.
#[function_component]
pub fn ActivityLog(props: &Props) -> Html {
    let origin = props.log.first().map_or(0, |r| r.started_ms);
    let hidden = props.log.len().saturating_sub(SHOWN);
    let unit = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    html! {
        <section class="panel" aria-labelledby="log-heading">
            <details>
                <summary>
                    <h2 id="log-heading" class="inline-heading">
                        { format!("Activity log ({})", count(props.log.len(), "request")) }
                    </h2>
                </summary>
                <div class="actions">
                    <button id="copy-log" type="button" onclick={unit(&props.on_copy)}>
                        { "Copy report" }
                    </button>
                    <button id="export-log" type="button" onclick={unit(&props.on_download)}>
                        { "Download JSON report" }
                    </button>
                </div>
                // Always in the page, so a change of its text is announced.
                <p class="hint" role="status">
                    { match props.copied {
                        Some(true) => "Report copied: paste it into your help ticket.",
                        Some(false) => "The browser did not allow copying; use “Download JSON report” instead.",
                        None => "",
                    } }
                </p>
                <p class="hint">
                    { "Download the report and attach it to a help ticket, or copy it and paste it in: it lists each request and answer, without your token or password." }
                </p>
                if hidden > 0 {
                    <p class="hint" id="log-trimmed">
                        { format!("Showing the latest {SHOWN} of {} requests; the report has all of them.", props.log.len()) }
                    </p>
                }
                <div class="log">
                    <table aria-label="Requests sent to Tapis">
                        <thead>
                            <tr>
                                <th scope="col">{ "Time" }</th>
                                <th scope="col">{ "Request" }</th>
                                <th scope="col">{ "Status" }</th>
                                <th scope="col">{ "Took" }</th>
                                <th scope="col">{ "Tapis said" }</th>
                            </tr>
                        </thead>
                        <tbody>
                            for record in props.log.iter().skip(hidden) {
                                { log_row(record, origin) }
                            }
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}

fn log_row(r: &RequestRecord, origin: u64) -> Html {
    let ok = r.status.is_some_and(|s| s < 300);
    html! {
        <tr>
            <td>{ duration::offset(r.started_ms.saturating_sub(origin)) }</td>
            <td>{ format!("{} {}", r.method, r.path) }</td>
            <td class={if ok { "status-ok" } else { "status-bad" }}>
                { r.status.map_or("—".to_string(), |s| s.to_string()) }
            </td>
            <td>{ format!("{} ms", r.duration_ms) }</td>
            <td>{ r.message.clone().unwrap_or_default() }</td>
        </tr>
    }
}
