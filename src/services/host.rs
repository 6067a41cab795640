//! The bridge to the page that embeds the app: CustomEvents on the mount element (same page) and
//! `postMessage` to and from the allowed parent origins (framed). The contract is in README.md
//! ("Embed it"). Nothing here reads or sends the token except the one handler that hands a
//! received token to the reducer; every other path carries results or reasons only.
use crate::state::{Action, HostResult};
use crate::MOUNT_ID;
use js_sys::{Object, Reflect};
use std::rc::Rc;
use tms_core::Secret;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit, Element, MessageEvent, ResizeObserver, Window};
use yew::prelude::*;

fn mount() -> Option<Element> {
    web_sys::window()?.document()?.get_element_by_id(MOUNT_ID)
}

/// The parent window, when the app runs in a frame.
fn parent(window: &Window) -> Option<Window> {
    let parent = window.parent().ok().flatten()?;
    (!Object::is(&parent, window)).then_some(parent)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let obj = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&obj, &JsValue::from_str(key), value);
    }
    obj
}

/// Tells the host: `name` as a bubbling CustomEvent with `detail` on the mount element, and as a
/// message `{type: name, ...detail}` to each allowed parent origin (never to `"*"`).
pub fn send(name: &str, detail: &Object, origins: &[String], event: bool) {
    if event {
        if let Some(mount) = mount() {
            let init = CustomEventInit::new();
            init.set_bubbles(true);
            init.set_detail(detail);
            if let Ok(ev) = CustomEvent::new_with_event_init_dict(name, &init) {
                let _ = mount.dispatch_event(&ev);
            }
        }
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(parent) = parent(&window) else {
        return;
    };
    if origins.is_empty() {
        return;
    }
    let message = Object::assign(&object(&[("type", JsValue::from_str(name))]), detail);
    for origin in origins {
        let _ = parent.post_message(&message, origin);
    }
}

/// `tms:token-needed` with why.
pub fn ask_token(reason: &str, origins: &[String]) {
    send(
        "tms:token-needed",
        &object(&[("reason", JsValue::from_str(reason))]),
        origins,
        true,
    );
}

/// `tms:done` with `{systems: [{id, state, detail}]}`.
pub fn done(results: &[HostResult], origins: &[String]) {
    // Built by hand: serde-wasm-bindgen's serializer measured 0.9 KB gzip more wasm.
    let systems: js_sys::Array = results
        .iter()
        .map(|r| {
            let field = |text: &str| JsValue::from_str(text);
            JsValue::from(object(&[
                ("id", field(&r.id)),
                ("state", field(&r.state)),
                ("detail", field(&r.detail)),
            ]))
        })
        .collect();
    send(
        "tms:done",
        &object(&[("systems", systems.into())]),
        origins,
        true,
    );
}

/// The token string in `{token}`, if that is what `value` is.
fn token_of(value: &JsValue) -> Option<String> {
    Reflect::get(value, &JsValue::from_str("token"))
        .ok()?
        .as_string()
        .filter(|t| !t.trim().is_empty())
}

/// While mounted: takes `tms:token` events on the mount element and, when framed, `tms:token`
/// messages from the parent window on an allowed origin; announces `tms:ready`; reports the
/// content height as `tms:resize` when framed. Unmounting removes every listener and observer.
#[hook]
pub fn use_host_bridge(origins: Rc<Vec<String>>, dispatch: Callback<Action>) {
    use_effect_with(origins, move |origins| {
        let origins = origins.clone();
        let window = web_sys::window().expect("a window");
        let mount = mount();
        let framed = parent(&window).is_some() && !origins.is_empty();

        let on_token = {
            let dispatch = dispatch.clone();
            Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
                let detail = e.dyn_ref::<CustomEvent>().map(|c| c.detail());
                match detail.as_ref().and_then(token_of) {
                    Some(token) => dispatch.emit(Action::HostToken(Secret::new(token))),
                    None => dispatch.emit(Action::HostIgnored {
                        what: "tms:token event ignored".into(),
                        why: "its detail has no token".into(),
                    }),
                }
            })
        };
        if let Some(mount) = &mount {
            let _ = mount
                .add_event_listener_with_callback("tms:token", on_token.as_ref().unchecked_ref());
        }

        let on_message = framed.then(|| {
            let (dispatch, origins, window) = (dispatch.clone(), origins.clone(), window.clone());
            Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
                let origin = e.origin();
                let from_parent = match (e.source(), parent(&window)) {
                    (Some(source), Some(parent)) => Object::is(&source, &parent),
                    _ => false,
                };
                let data = e.data();
                let kind = Reflect::get(&data, &JsValue::from_str("type"))
                    .ok()
                    .and_then(|t| t.as_string());
                let why = if !origins.contains(&origin) {
                    "its origin is not allowed"
                } else if !from_parent {
                    "it is not from the parent window"
                } else if kind.as_deref() != Some("tms:token") {
                    "it is not a tms:token message"
                } else if let Some(token) = token_of(&data) {
                    return dispatch.emit(Action::HostToken(Secret::new(token)));
                } else {
                    "it has no token"
                };
                // The origin and why, never the data: it may hold a token.
                let shown = if origin.is_empty() {
                    "null".into()
                } else {
                    origin
                };
                dispatch.emit(Action::HostIgnored {
                    what: format!("message from {shown} ignored"),
                    why: why.into(),
                });
            })
        });
        if let Some(cb) = &on_message {
            let _ = window.add_event_listener_with_callback("message", cb.as_ref().unchecked_ref());
        }

        let resize = framed.then(|| {
            let origins = origins.clone();
            let last = std::cell::Cell::new(0.0);
            Closure::<dyn Fn()>::new(move || {
                let height = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.document_element())
                    .map_or(0.0, |html| html.get_bounding_client_rect().height().ceil());
                if height != last.get() {
                    last.set(height);
                    let detail = object(&[("height", JsValue::from_f64(height))]);
                    send("tms:resize", &detail, &origins, false);
                }
            })
        });
        let observer = match (&resize, &mount) {
            (Some(cb), Some(mount)) => ResizeObserver::new(cb.as_ref().unchecked_ref())
                .ok()
                .inspect(|o| o.observe(mount)),
            _ => None,
        };

        send("tms:ready", &Object::new(), &origins, true);

        move || {
            if let Some(mount) = &mount {
                let _ = mount.remove_event_listener_with_callback(
                    "tms:token",
                    on_token.as_ref().unchecked_ref(),
                );
            }
            if let Some(cb) = &on_message {
                let _ = window
                    .remove_event_listener_with_callback("message", cb.as_ref().unchecked_ref());
            }
            if let Some(observer) = observer {
                observer.disconnect();
            }
            drop((on_token, on_message, resize));
        }
    });
}
