//! What the hosting page tells the app at start-up; [`Config::read`] says whose word counts.
use crate::config::Config;
use crate::MOUNT_ID;

/// The whole start-up configuration: the mount element's `data-` attributes, then the query.
pub fn config() -> Config {
    let window = web_sys::window();
    let mount = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(MOUNT_ID));
    let location = window.map(|w| w.location());
    let query = location.as_ref().and_then(|l| l.search().ok());
    let origin = location.as_ref().and_then(|l| l.origin().ok());
    Config::read(
        |name| mount.as_ref()?.get_attribute(&format!("data-{name}")),
        query.as_deref().unwrap_or_default(),
        origin.as_deref().unwrap_or_default(),
    )
}

/// Sets `performance.mark("tms:ready")` once the first render is in the DOM, which is when the form
/// can be used: Yew attaches listeners as it renders. Called during that render; the mark waits
/// for the microtask after Yew's render pass, which comes before the browser's first paint. An
/// effect would come later: Yew yields to the browser (a paint) before effects when the first
/// pass runs long, and the floor page the benchmark compares with marks before its paint too.
pub fn mark_ready() {
    wasm_bindgen_futures::spawn_local(async {
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark("tms:ready");
        }
    });
}
