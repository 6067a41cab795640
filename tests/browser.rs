//! Component tests in headless Chromium (wasm-bindgen-test). Run by ./test:
//! `cargo test -p tms-credentials --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

#[wasm_bindgen_test]
async fn root_component_mounts_into_host_element_and_explains_itself() {
    let host = fresh_host();
    yew::Renderer::<tms_credentials::App>::with_root(host.clone()).render();
    settle().await;

    let heading = host.query_selector("h1").unwrap().expect("a heading");
    assert!(heading.text_content().unwrap().contains("TMS keys"));
    // Mounted inside the host element, not appended to <body>.
    assert!(host.query_selector(".app").unwrap().is_some());
    host.remove();
}
