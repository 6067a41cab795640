use super::input_value;
use std::rc::Rc;
use tms_core::SystemId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub systems: Rc<Vec<String>>,
    pub draft: String,
    /// Why some pasted ids were left out of the list.
    #[prop_or_default]
    pub notice: Option<String>,
    pub on_draft: Callback<String>,
    pub on_commit: Callback<()>,
    pub on_remove: Callback<usize>,
}

/// System ids as chips: type ids separated by commas, spaces or Enter; remove with the chip's
/// button or Backspace in the empty field. Invalid ids stay visible and say what is wrong.
#[function_component]
pub fn SystemsInput(props: &Props) -> Html {
    let on_input = props.on_draft.reform(|e: InputEvent| input_value(&e));
    let on_keydown = {
        let (on_commit, on_remove) = (props.on_commit.clone(), props.on_remove.clone());
        let (draft_empty, count) = (props.draft.is_empty(), props.systems.len());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                e.prevent_default();
                on_commit.emit(());
            }
            "Backspace" if draft_empty => {
                if let Some(last) = count.checked_sub(1) {
                    on_remove.emit(last);
                }
            }
            _ => {}
        })
    };
    let on_blur = props.on_commit.reform(|_: FocusEvent| ());
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
            <div class="chips">
                for (i, (id, err)) in checked.iter().enumerate() {
                    <span
                        class={classes!("chip", err.is_some().then_some("invalid"))}
                        data-chip={(*id).clone()}
                    >
                        { id }
                        <button
                            type="button"
                            aria-label={format!("Remove {id}")}
                            onclick={props.on_remove.reform(move |_: MouseEvent| i)}
                        >
                            { "×" }
                        </button>
                    </span>
                }
                <input
                    id="systems"
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
                { "Separate ids with commas, spaces or Enter. Backspace in the empty field removes the last one." }
            </p>
            if let Some(notice) = &props.notice {
                <p id="systems-notice" class="field-error" role="status">{ notice }</p>
            }
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
