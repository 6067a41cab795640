use super::input_value;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub value: String,
    pub error: Option<String>,
    pub on_change: Callback<String>,
}

/// The tenant base URL, tucked under "Advanced": almost everyone uses the one from the token.
#[function_component]
pub fn TenantField(props: &Props) -> Html {
    let on_input = props.on_change.reform(|e: InputEvent| input_value(&e));
    // Opened when an error appears, so the field a refusal points to can be seen; otherwise
    // never forced open or closed: the user's toggle stands while they type.
    let details = use_node_ref();
    {
        let details = details.clone();
        use_effect_with(props.error.is_some(), move |&wrong| {
            if let (true, Some(d)) = (wrong, details.cast::<web_sys::HtmlDetailsElement>()) {
                d.set_open(true);
            }
        });
    }
    html! {
        <details class="advanced" ref={details}>
            <summary>{ "Advanced: Tapis tenant" }</summary>
            <label for="base-url">{ "Tapis tenant address" }</label>
            <input
                id="base-url"
                type="url"
                value={props.value.clone()}
                spellcheck="false"
                oninput={on_input}
                aria-invalid={props.error.is_some().to_string()}
                aria-describedby="base-url-help base-url-error"
            />
            <p id="base-url-help" class="hint">
                { "Filled in from your token. Must start with https://." }
            </p>
            if let Some(err) = &props.error {
                <p id="base-url-error" class="field-error">{ err }</p>
            }
        </details>
    }
}
