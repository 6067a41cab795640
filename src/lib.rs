//! The TMS credentials web app: a thin Yew shell over the browser-free `tms-core` crate.
//!
//! Browser-free modules (`config`, `state`) are compiled and unit-tested natively; everything
//! that touches the DOM is compiled for wasm32 only.

pub mod config;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
mod hooks;
#[cfg(target_arch = "wasm32")]
mod services;
#[cfg(target_arch = "wasm32")]
pub use app::App;

/// The element the app mounts into; a host page may provide it anywhere in its DOM.
pub const MOUNT_ID: &str = "tms-credentials";

/// Mounts the app into the host element, never into `<body>` blindly: embedding pages own the rest.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a browser document");
    match document.get_element_by_id(MOUNT_ID) {
        Some(root) => {
            let app = yew::Renderer::<App>::with_root(root.clone()).render();
            // A host page removes the app with a `tms:unmount` event on the mount element: every
            // listener, observer and timer of the app goes with it (this one-shot listener too).
            let unmount = wasm_bindgen::closure::Closure::once_into_js(move || app.destroy());
            let options = web_sys::AddEventListenerOptions::new();
            options.set_once(true);
            let _ = root.add_event_listener_with_callback_and_add_event_listener_options(
                "tms:unmount",
                wasm_bindgen::JsCast::unchecked_ref(&unmount),
                &options,
            );
        }
        None => web_sys::console::error_1(
            &format!("tms-credentials: no element with id \"{MOUNT_ID}\" to mount into").into(),
        ),
    }
}
