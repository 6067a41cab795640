//! The "remove credentials?" dialog in a real browser: open only while a system awaits
//! confirmation, naming it, and reporting the user's answer.
#![cfg(target_arch = "wasm32")]

use tms_core::SystemId;
use tms_credentials::components::ConfirmRemove;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlDialogElement;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

fn dialog(system: Option<&str>, confirms: &Recorder<SystemId>, cancels: &Recorder<()>) -> Html {
    let system = system.map(|s| SystemId::parse(s).unwrap());
    html! {
        <ConfirmRemove system={system} on_confirm={confirms.callback()} on_cancel={cancels.callback()} />
    }
}

fn is_open(host: &web_sys::Element) -> bool {
    get(host, "dialog#confirm-remove")
        .dyn_into::<HtmlDialogElement>()
        .unwrap()
        .open()
}

#[wasm_bindgen_test]
async fn with_a_system_the_dialog_is_open_names_it_and_confirm_emits_it() {
    let (confirms, cancels) = (Recorder::new(), Recorder::new());
    let m = Mounted::new(dialog(Some("ls6"), &confirms, &cancels)).await;

    settle_until(|| is_open(&m.host)).await;
    assert!(is_open(&m.host));
    assert_eq!(
        text(&m.host, "#confirm-remove-title"),
        "Remove credentials on ls6?"
    );
    assert!(text(&m.host, "dialog p").contains("on ls6"));

    click(&m.host, "button[data-action=confirm]");
    settle().await;
    assert_eq!(confirms.take(), vec![SystemId::parse("ls6").unwrap()]);
    assert_eq!(cancels.count(), 0);
    m.finish().await;
}

#[wasm_bindgen_test]
async fn keep_credentials_emits_cancel() {
    let (confirms, cancels) = (Recorder::new(), Recorder::new());
    let m = Mounted::new(dialog(Some("stampede3"), &confirms, &cancels)).await;

    click(&m.host, "button[data-action=cancel]");
    settle().await;
    assert_eq!(cancels.take().len(), 1);
    assert_eq!(confirms.count(), 0);
    m.finish().await;
}

#[wasm_bindgen_test]
async fn without_a_system_the_dialog_is_closed() {
    let (confirms, cancels) = (Recorder::new(), Recorder::new());
    let mut m = Mounted::new(dialog(None, &confirms, &cancels)).await;
    settle_until(|| !is_open(&m.host)).await;
    assert!(!is_open(&m.host));

    // Opens when a system is asked about, closes when the question is withdrawn.
    m.update(dialog(Some("frontera"), &confirms, &cancels))
        .await;
    settle_until(|| is_open(&m.host)).await;
    assert!(is_open(&m.host));
    assert_eq!(
        text(&m.host, "#confirm-remove-title"),
        "Remove credentials on frontera?"
    );
    m.update(dialog(None, &confirms, &cancels)).await;
    settle_until(|| !is_open(&m.host)).await;
    assert!(!is_open(&m.host));
    assert_eq!(confirms.count(), 0);
    m.finish().await;
}

/// Escape makes the browser fire `cancel` on a modal dialog (then close it): the component
/// reports that as a cancel, once. A close that is not the user's (a script's `close()`) is not.
/// (Synthetic key events do not trigger the browser's default actions, so the test fires the
/// `cancel` event Escape would; the end-to-end tests press the real key.)
#[wasm_bindgen_test]
async fn escape_reports_a_cancel_and_a_scripted_close_does_not() {
    let (confirms, cancels) = (Recorder::new(), Recorder::new());
    let m = Mounted::new(dialog(Some("ls6"), &confirms, &cancels)).await;
    settle_until(|| is_open(&m.host)).await;
    assert!(is_open(&m.host));
    let native = get(&m.host, "dialog#confirm-remove")
        .dyn_into::<HtmlDialogElement>()
        .unwrap();

    native
        .dispatch_event(&web_sys::Event::new("cancel").unwrap())
        .unwrap();
    settle().await;
    assert_eq!(cancels.take().len(), 1);

    native.close();
    settle().await;
    settle().await;
    assert_eq!(
        cancels.count(),
        0,
        "closing by script is not the user's cancel"
    );
    assert_eq!(confirms.count(), 0);
    m.finish().await;
}

/// Each answer is reported once: when the parent withdraws the question (`system` back to
/// `None`, as the app does after either answer), the component closes the dialog itself and that
/// close is not a cancel (it was reported as one before: a confirm was followed by a cancel).
#[wasm_bindgen_test]
async fn withdrawing_the_question_after_an_answer_reports_nothing_more() {
    let (confirms, cancels) = (Recorder::new(), Recorder::new());
    let mut m = Mounted::new(dialog(Some("ls6"), &confirms, &cancels)).await;

    click(&m.host, "button[data-action=confirm]");
    settle().await;
    m.update(dialog(None, &confirms, &cancels)).await;
    settle().await;
    assert_eq!(confirms.take().len(), 1);
    assert_eq!(cancels.take().len(), 0, "confirming is not cancelling");

    m.update(dialog(Some("ls6"), &confirms, &cancels)).await;
    click(&m.host, "button[data-action=cancel]");
    settle().await;
    m.update(dialog(None, &confirms, &cancels)).await;
    settle().await;
    assert_eq!(cancels.take().len(), 1, "one cancel, reported once");
    m.finish().await;
}
