//! Helpers shared by the browser tests.
#![allow(dead_code)]

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// A new, empty host element attached to the document, as an embedding page would provide.
pub fn fresh_host() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

/// Lets Yew render: its scheduler runs after the current task.
pub async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

pub fn query(host: &Element, selector: &str) -> Option<Element> {
    host.query_selector(selector).unwrap()
}

pub fn click(host: &Element, selector: &str) {
    query(host, selector)
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .dyn_into::<HtmlElement>()
        .unwrap()
        .click();
}
