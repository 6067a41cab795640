use super::input_value;
use tms_core::SystemId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub systems: Vec<String>,
    pub draft: String,
    pub on_draft: Callback<String>,
    pub on_commit: Callback<()>,
    pub on_remove: Callback<usize>,
}

/// System ids as chips: type ids separated by commas, spaces or Enter; remove with the chip's
/// button or Backspace in the empty field. Invalid ids stay visible and say what is wrong.
#[function_component(SystemsInput)]
pub fn systems_input(props: &Props) -> Html {
    let on_input = props.on_draft.reform(|e: InputEvent| input_value(&e));
    let on_keydown = {
        let (on_commit, on_remove) = (props.on_commit.clone(), props.on_remove.clone());
        let (draft_empty, count) = (props.draft.is_empty(), props.systems.len());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                e.prevent_default();
                on_commit.emit(());
            }
            "Backspace" if draft_empty && count > 0 => on_remove.emit(count - 1),
            _ => {}
        })
    };
    let on_blur = props.on_commit.reform(|_: FocusEvent| ());
    let errors: Vec<(String, String)> = props
        .systems
        .iter()
        .filter_map(|id| {
            SystemId::parse(id)
                .err()
                .map(|e| (id.clone(), e.to_string()))
        })
        .collect();

    html! {
        <div class="systems-input">
            <label for="systems">{ "Systems" }</label>
            <div class="chips">
                { for props.systems.iter().enumerate().map(|(i, id)| {
                    let invalid = SystemId::parse(id).is_err();
                    let on_remove = props.on_remove.reform(move |_: MouseEvent| i);
                    html! {
                        <span class={classes!("chip", invalid.then_some("invalid"))} data-chip={id.clone()}>
                            { id }
                            <button type="button" aria-label={format!("Remove {id}")} onclick={on_remove}>{ "×" }</button>
                        </span>
                    }
                }) }
                <input id="systems" type="text" value={props.draft.clone()} spellcheck="false" autocomplete="off"
                    placeholder={if props.systems.is_empty() { "e.g. stampede3, ls6, frontera" } else { "add another" }}
                    aria-describedby="systems-help systems-errors" aria-invalid={(!errors.is_empty()).to_string()}
                    oninput={on_input} onkeydown={on_keydown} onblur={on_blur} />
            </div>
            <p id="systems-help" class="hint">{ "Separate ids with commas, spaces or Enter. Backspace in the empty field removes the last one." }</p>
            <div id="systems-errors">
                { for errors.iter().map(|(id, err)| html! {
                    <p class="field-error" data-invalid-system={id.clone()}>{ format!("\u{201c}{id}\u{201d}: {err}") }</p>
                }) }
            </div>
        </div>
    }
}
