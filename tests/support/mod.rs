//! Helpers shared by the browser tests: a host element per test, a way to mount any markup
//! (so presentational components get exactly the props a test chooses), real DOM events, and
//! recorders for the callbacks a component emits.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::prelude::*;
use yew::AppHandle;

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

/// Settles until `done()` holds, for what the browser does in tasks of its own (dialog
/// events, effects); gives up after a bound and lets the caller's assertion report it.
pub async fn settle_until(mut done: impl FnMut() -> bool) {
    for _ in 0..50 {
        if done() {
            return;
        }
        settle().await;
    }
}

pub fn query(host: &Element, selector: &str) -> Option<Element> {
    host.query_selector(selector).unwrap()
}

/// The element `selector` matches; panics naming the selector when there is none.
pub fn get(host: &Element, selector: &str) -> Element {
    query(host, selector).unwrap_or_else(|| panic!("no element matches {selector}"))
}

pub fn query_all(host: &Element, selector: &str) -> Vec<Element> {
    let list = host.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|node| node.unchecked_into::<Element>())
        .collect()
}

/// The text of the element `selector` matches, whitespace as rendered.
pub fn text(host: &Element, selector: &str) -> String {
    get(host, selector).text_content().unwrap_or_default()
}

pub fn attr(host: &Element, selector: &str, name: &str) -> Option<String> {
    get(host, selector).get_attribute(name)
}

pub fn click(host: &Element, selector: &str) {
    get(host, selector).unchecked_into::<HtmlElement>().click();
}

pub fn input(host: &Element, selector: &str) -> HtmlInputElement {
    get(host, selector)
        .dyn_into::<HtmlInputElement>()
        .unwrap_or_else(|_| panic!("{selector} is not an <input>"))
}

/// Sets the field's value as typing would, then fires the bubbling `input` event Yew listens to.
pub fn type_into(host: &Element, selector: &str, value: &str) {
    let field = input(host, selector);
    field.set_value(value);
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    let event = web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap();
    field.dispatch_event(&event).unwrap();
}

/// Fires a bubbling, cancelable `keydown` for `key` (e.g. "Enter", "Backspace") at the element.
/// Returns false when a listener prevented the default action.
pub fn key_down(host: &Element, selector: &str, key: &str) -> bool {
    key_event(host, selector, key, false)
}

/// A keydown the browser's key auto-repeat sends while the key is held.
pub fn key_repeat(host: &Element, selector: &str, key: &str) -> bool {
    key_event(host, selector, key, true)
}

fn key_event(host: &Element, selector: &str, key: &str, repeat: bool) -> bool {
    // Built through JS: web-sys' KeyboardEventInit is not among the crate's enabled features.
    let ctor: js_sys::Function = js_sys::Reflect::get(&js_sys::global(), &"KeyboardEvent".into())
        .unwrap()
        .unchecked_into();
    let init = js_sys::Object::new();
    for (name, value) in [
        ("key", JsValue::from_str(key)),
        ("repeat", JsValue::from_bool(repeat)),
        ("bubbles", JsValue::TRUE),
        ("cancelable", JsValue::TRUE),
    ] {
        js_sys::Reflect::set(&init, &name.into(), &value).unwrap();
    }
    let event: web_sys::Event =
        js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&"keydown".into(), &init))
            .unwrap()
            .unchecked_into();
    get(host, selector).dispatch_event(&event).unwrap()
}

/// Records every value a callback is given, in order.
pub struct Recorder<T>(Rc<RefCell<Vec<T>>>);

impl<T> Clone for Recorder<T> {
    fn clone(&self) -> Self {
        Recorder(self.0.clone())
    }
}

impl<T: 'static> Recorder<T> {
    pub fn new() -> Self {
        Recorder(Rc::new(RefCell::new(Vec::new())))
    }

    pub fn callback(&self) -> Callback<T> {
        let calls = self.0.clone();
        Callback::from(move |value: T| calls.borrow_mut().push(value))
    }

    /// The calls so far, emptying the record.
    pub fn take(&self) -> Vec<T> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    pub fn count(&self) -> usize {
        self.0.borrow().len()
    }
}

#[derive(Properties, PartialEq)]
pub struct ShowProps {
    pub content: Html,
}

/// Renders the markup it is given: lets a test mount a component with any props it likes,
/// then re-render it with other props through [`Mounted::update`].
#[function_component]
pub fn Show(props: &ShowProps) -> Html {
    props.content.clone()
}

/// Markup mounted in its own fresh host element.
pub struct Mounted {
    pub host: Element,
    handle: AppHandle<Show>,
}

impl Mounted {
    pub async fn new(content: Html) -> Mounted {
        let host = fresh_host();
        let handle =
            yew::Renderer::<Show>::with_root_and_props(host.clone(), ShowProps { content })
                .render();
        // Two turns: one to render, one for effects and anything they schedule.
        settle().await;
        settle().await;
        Mounted { host, handle }
    }

    /// Re-renders with new markup; components of the same type keep their state and get new props.
    pub async fn update(&mut self, content: Html) {
        self.handle.update(ShowProps { content });
        settle().await;
        settle().await;
    }

    /// Unmounts and removes the host element, so the next test starts from a clean page.
    pub async fn finish(self) {
        self.handle.destroy();
        settle().await;
        self.host.remove();
    }
}

/// A JWT shaped like a Tapis access token (unsigned: the app only reads the claims).
pub fn jwt(claims: &serde_json::Value) -> String {
    tms_core::testing::jwt(&claims.to_string())
}

/// An access token for `username` on `tenant`, issued by `iss`, expiring at `exp` (unix s).
pub fn access_token(username: &str, tenant: &str, iss: &str, exp: u64) -> String {
    tms_core::testing::jwt(&tms_core::testing::access_claims(
        username, tenant, iss, exp,
    ))
}

/// Whether the element has `class` among its classes.
pub fn has_class(el: &Element, class: &str) -> bool {
    // `Element::class_list` needs a web-sys feature the crate does not enable.
    el.get_attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|x| x == class))
}
