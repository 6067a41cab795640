//! What the hosting page tells the app at start-up.
use crate::config::initial_base_url;
use crate::MOUNT_ID;

/// The tenant to offer before a token is known: the host element's `data-base-url`, or the
/// `?tenant=` URL parameter (restricted, since a link could otherwise aim a login elsewhere).
pub fn base_url() -> String {
    let window = web_sys::window();
    let data = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(MOUNT_ID))
        .and_then(|el| el.get_attribute("data-base-url"));
    let query = window
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    initial_base_url(data.as_deref(), &query)
}
