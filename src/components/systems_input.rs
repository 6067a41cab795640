use super::{children, input_value};
use std::rc::Rc;
use tms_core::SystemId;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub systems: Rc<Vec<String>>,
    pub draft: String,
    /// Why some pasted ids were left out of the list.
    #[prop_or_default]
    pub notice: Option<String>,
    /// The id last removed, announced to screen readers.
    #[prop_or_default]
    pub removed: Option<String>,
    pub on_draft: Callback<String>,
    pub on_commit: Callback<()>,
    pub on_remove: Callback<usize>,
}

/// System ids as chips: type ids separated by commas, spaces or Enter; remove with the chip's
/// button or Backspace in the empty field. Invalid ids stay visible and say what is wrong.
#[function_component]
pub fn SystemsInput(props: &Props) -> Html {
    let (chips, input) = (use_node_ref(), use_node_ref());
    // A chip's button goes with its chip: once the list has re-rendered, focus moves to the chip
    // now at that index, else the previous one, else the field. Holds the index and the length
    // before, so a removal that changed nothing moves nothing.
    let refocus = use_mut_ref(|| None::<(usize, usize)>);
    {
        let (chips, input, refocus) = (chips.clone(), input.clone(), refocus.clone());
        use_effect_with(props.systems.clone(), move |systems| {
            let pending = refocus.borrow_mut().take();
            if let Some((index, _)) = pending.filter(|&(_, before)| systems.len() < before) {
                focus_after_removal(&chips, &input, index);
            }
        });
    }
    let on_input = props.on_draft.reform(|e: InputEvent| input_value(&e));
    let on_keydown = {
        let (on_commit, on_remove) = (props.on_commit.clone(), props.on_remove.clone());
        let (draft_empty, count) = (props.draft.is_empty(), props.systems.len());
        let (chips, input) = (chips.clone(), input.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                e.prevent_default();
                on_commit.emit(());
            }
            // From the start of the field into the chips, as from the end of a text into the
            // text before it.
            "ArrowLeft" if count > 0 && caret_at_start(&input) => {
                e.prevent_default();
                focus_chip(&chips, &input, count - 1);
            }
            // Not on auto-repeat: holding it to clear the draft must not go on to empty the list.
            "Backspace" if draft_empty && !e.repeat() => {
                if let Some(last) = count.checked_sub(1) {
                    on_remove.emit(last);
                }
            }
            _ => {}
        })
    };
    let on_blur = props.on_commit.reform(|_: FocusEvent| ());
    let remove_chip = |index: usize| {
        let (on_remove, refocus, count) = (
            props.on_remove.clone(),
            refocus.clone(),
            props.systems.len(),
        );
        move || {
            *refocus.borrow_mut() = Some((index, count));
            on_remove.emit(index);
        }
    };
    let chip_click = |index: usize| {
        let remove = remove_chip(index);
        Callback::from(move |_: MouseEvent| remove())
    };
    // The chips are one stop in the Tab order (a pasted list of 200 ids would be 200 stops):
    // arrows move between them and back to the field, Delete or Backspace removes one.
    let chip_keys = |index: usize| {
        let (chips, input, remove) = (chips.clone(), input.clone(), remove_chip(index));
        Callback::from(move |e: KeyboardEvent| {
            let to = match e.key().as_str() {
                "ArrowLeft" => index.checked_sub(1),
                "ArrowRight" => Some(index + 1),
                "Home" => Some(0),
                "End" => Some(usize::MAX),
                "Delete" | "Backspace" if !e.repeat() => {
                    e.prevent_default();
                    return remove();
                }
                _ => return,
            };
            e.prevent_default();
            if let Some(to) = to {
                focus_chip(&chips, &input, to);
            }
        })
    };
    let checked: Vec<(&String, Option<String>)> = props
        .systems
        .iter()
        .map(|id| (id, SystemId::parse(id).err().map(|e| e.to_string())))
        .collect();
    let invalid = checked.iter().any(|(_, err)| err.is_some());
    let placeholder = if props.systems.is_empty() {
        "e.g. stampede3, ls6, frontera"
    } else {
        "add another"
    };

    html! {
        <div class="systems-input">
            <label for="systems">{ "Systems" }</label>
            <div class="chips" ref={chips.clone()}>
                // Keyed (the list holds each id once): a removal takes its own chip's nodes, and
                // no other chip's button is relabelled under the user's focus.
                for (i, (id, err)) in checked.iter().enumerate() {
                    <span
                        key={(*id).clone()}
                        class={classes!("chip", err.is_some().then_some("invalid"))}
                        data-chip={(*id).clone()}
                    >
                        { id }
                        <button
                            type="button"
                            tabindex="-1"
                            aria-label={match err {
                                Some(_) => format!("Remove {id} (not a valid system id)"),
                                None => format!("Remove {id}"),
                            }}
                            onclick={chip_click(i)}
                            onkeydown={chip_keys(i)}
                        >
                            { "×" }
                        </button>
                    </span>
                }
                <input
                    id="systems"
                    ref={input.clone()}
                    type="text"
                    value={props.draft.clone()}
                    spellcheck="false"
                    autocomplete="off"
                    placeholder={placeholder}
                    aria-describedby="systems-help systems-errors systems-notice"
                    aria-invalid={invalid.to_string()}
                    oninput={on_input}
                    onkeydown={on_keydown}
                    onblur={on_blur}
                />
            </div>
            <p id="systems-help" class="hint">
                { "Separate ids with commas, spaces or Enter. Backspace in the empty field removes the last one; \
                   Left arrow moves into the list, where Delete removes a system." }
            </p>
            <p id="systems-removed" class="visually-hidden" role="status">
                { props.removed.as_ref().map(|id| format!("Removed {id}.")) }
            </p>
            // Always in the page: screen readers announce a change of a live region's text, not
            // a region that appears already filled.
            <p
                id="systems-notice"
                class={props.notice.is_some().then_some("field-error")}
                role="status"
            >
                { props.notice.clone() }
            </p>
            <div id="systems-errors">
                for (id, err) in checked.iter().filter_map(|(id, err)| Some((id, err.as_ref()?))) {
                    <p class="field-error" data-invalid-system={(*id).clone()}>
                        { format!("\u{201c}{id}\u{201d}: {err}") }
                    </p>
                }
            </div>
        </div>
    }
}

/// Focuses the remove button of the chip at `index`, else of the one before it, else the field.
fn focus_after_removal(chips: &NodeRef, input: &NodeRef, index: usize) {
    let last = chip_buttons(chips).len().saturating_sub(1);
    focus_chip(chips, input, index.min(last));
}

/// Focuses the remove button of the chip at `index`; past the last chip, the field.
fn focus_chip(chips: &NodeRef, input: &NodeRef, index: usize) {
    let target = chip_buttons(chips)
        .into_iter()
        .nth(index)
        .or_else(|| input.cast::<HtmlElement>());
    if let Some(el) = target {
        let _ = el.focus();
    }
}

fn chip_buttons(chips: &NodeRef) -> Vec<HtmlElement> {
    children(chips)
        .filter(|el| el.has_attribute("data-chip"))
        .filter_map(|chip| chip.query_selector("button").ok().flatten())
        .filter_map(|b| b.dyn_into::<HtmlElement>().ok())
        .collect()
}

fn caret_at_start(input: &NodeRef) -> bool {
    input.cast::<web_sys::HtmlInputElement>().is_some_and(|i| {
        i.selection_start().ok().flatten() == Some(0) && i.selection_end().ok().flatten() == Some(0)
    })
}
