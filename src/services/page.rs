//! What the hosting page tells the app at start-up.
use crate::config::initial_base_url;
use crate::MOUNT_ID;

/// The tenant to offer before a token is known; [`initial_base_url`] says whose word counts.
pub fn base_url() -> String {
    let window = web_sys::window();
    let data = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(MOUNT_ID))
        .and_then(|el| el.get_attribute("data-base-url"));
    let location = window.map(|w| w.location());
    let query = location.as_ref().and_then(|l| l.search().ok());
    let origin = location.as_ref().and_then(|l| l.origin().ok());
    initial_base_url(
        data.as_deref(),
        query.as_deref().unwrap_or_default(),
        origin.as_deref().unwrap_or_default(),
    )
}
