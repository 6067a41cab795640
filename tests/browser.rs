//! The whole app in headless Chromium (wasm-bindgen-test). Run by ./test:
//! `cargo test -p tms-credentials --target wasm32-unknown-unknown`.
//! The presentational components have their own files: token_panel.rs, systems_input.rs,
//! result_row.rs, confirm_remove.rs.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

#[wasm_bindgen_test]
async fn root_component_mounts_into_host_element_and_explains_itself() {
    let host = fresh_host();
    let app = yew::Renderer::<tms_credentials::App>::with_root(host.clone()).render();
    settle().await;

    let heading = host.query_selector("h1").unwrap().expect("a heading");
    assert!(heading.text_content().unwrap().contains("TMS keys"));
    // Mounted inside the host element, not appended to <body>.
    assert!(host.query_selector(".app").unwrap().is_some());
    app.destroy();
    settle().await;
    host.remove();
}

#[wasm_bindgen_test]
async fn a_pasted_token_fills_the_username_and_an_invalid_system_id_refuses_the_run() {
    let host = fresh_host();
    let app = yew::Renderer::<tms_credentials::App>::with_root(host.clone()).render();
    settle().await;

    // Far-future expiry; the issuer is a port nothing listens on: nothing may be sent anyway.
    let token = access_token(
        "alice",
        "designsafe",
        "http://127.0.0.1:9/v3/tokens",
        4_102_444_800,
    );
    type_into(&host, "#token", &token);
    settle().await;
    settle().await;

    assert_eq!(
        attr(&host, "#token-status", "data-state").as_deref(),
        Some("valid")
    );
    assert_eq!(
        input(&host, "#username").value(),
        "alice",
        "username taken from the token"
    );

    // An id Tapis could never have, typed next to the default systems.
    type_into(&host, "#systems", "bad/id,");
    settle().await;
    assert!(has_class(&get(&host, "[data-chip='bad/id']"), "invalid"));

    click(&host, "#establish");
    settle().await;
    settle().await;

    let refused = text(&host, "#run-refused");
    assert!(
        refused.contains("bad/id"),
        "the refusal names the bad id: {refused}"
    );
    assert!(refused.starts_with("Fix or remove the system"), "{refused}");
    // Refused before anything started: no rows, no requests.
    assert!(query_all(&host, "li[data-system]").is_empty());
    assert_eq!(
        attr(&host, "#summary", "data-state").as_deref(),
        Some("idle")
    );
    assert!(!get(&host, "#establish").has_attribute("disabled"));

    app.destroy();
    settle().await;
    host.remove();
}

/// Issue 10, defect 1: ids separated by a no-break or ideographic space (pasted from documents)
/// panicked the wasm and killed the page.
#[wasm_bindgen_test]
async fn ids_pasted_with_unicode_spaces_become_chips() {
    let host = fresh_host();
    let app = yew::Renderer::<tms_credentials::App>::with_root(host.clone()).render();
    settle().await;

    type_into(&host, "#systems", "vista\u{a0}ls6x\u{3000}corral\u{2003}");
    settle().await;
    for id in ["vista", "ls6x", "corral"] {
        assert!(
            query(&host, &format!("[data-chip='{id}']")).is_some(),
            "{id} is a chip"
        );
    }
    assert_eq!(input(&host, "#systems").value(), "");

    app.destroy();
    settle().await;
    host.remove();
}
