//! Presentational components: props in, callbacks out. No component talks to Tapis or storage.

mod activity_log;
mod confirm_remove;
mod discover_panel;
mod result_row;
mod results;
mod run_controls;
mod systems_input;
mod tenant_field;
mod token_panel;

pub use activity_log::ActivityLog;
pub use confirm_remove::ConfirmRemove;
pub use discover_panel::DiscoverPanel;
pub use result_row::ResultRow;
pub use results::Results;
pub use run_controls::RunControls;
pub use systems_input::SystemsInput;
pub use tenant_field::TenantField;
pub use token_panel::{LoginRequest, TokenPanel};

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};
use yew::{Event, InputEvent, NodeRef, TargetCast};

/// The value of the input an `input` event came from.
pub(crate) fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// The checked state of the checkbox a `change` event came from.
pub(crate) fn checkbox_checked(e: &Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .is_some_and(|i| i.checked())
}

/// The element children of the element behind `parent` (none before it is rendered), for the
/// few places that move focus to a child after a re-render.
pub(crate) fn children(parent: &NodeRef) -> impl Iterator<Item = Element> {
    let first = parent
        .cast::<Element>()
        .and_then(|p| p.first_element_child());
    std::iter::successors(first, Element::next_element_sibling)
}
