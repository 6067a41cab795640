use tms_core::SystemId;
use web_sys::HtmlDialogElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The system to confirm removal for; `None` keeps the dialog closed.
    pub system: Option<SystemId>,
    pub on_confirm: Callback<SystemId>,
    pub on_cancel: Callback<()>,
}

/// A modal that names the system: credentials are only ever removed after this explicit yes.
#[function_component]
pub fn ConfirmRemove(props: &Props) -> Html {
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with(props.system.clone(), move |system| {
            if let Some(d) = dialog.cast::<HtmlDialogElement>() {
                match (system.is_some(), d.open()) {
                    (true, false) => {
                        let _ = d.show_modal();
                    }
                    (false, true) => d.close(),
                    _ => {}
                }
            }
        });
    }
    let id = props
        .system
        .as_ref()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let on_confirm = {
        let (cb, system) = (props.on_confirm.clone(), props.system.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(system) = system.clone() {
                cb.emit(system);
            }
        })
    };
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    // Escape fires `cancel` (then closes the dialog): report that as the user's "no". The
    // `close` event is not used: it also follows the close this component does itself when the
    // question is withdrawn, and could arrive after the next question was asked.
    let on_escape = props.on_cancel.reform(|_: Event| ());
    html! {
        <dialog
            id="confirm-remove"
            ref={dialog}
            aria-labelledby="confirm-remove-title"
            aria-describedby="confirm-remove-text"
            oncancel={on_escape}
        >
            <h2 id="confirm-remove-title">{ format!("Remove credentials on {id}?") }</h2>
            <p id="confirm-remove-text">{ format!("Tapis will delete the TMS key it stores for you on {id}. Jobs and file transfers on {id} \
                           stop working until you set up credentials again.") }</p>
            <div class="actions">
                // Cancel comes first and takes focus: the safe choice is the default.
                <button type="button" data-action="cancel" onclick={on_cancel} autofocus=true>
                    { "Keep credentials" }
                </button>
                <button
                    type="button"
                    class="danger primary"
                    data-action="confirm"
                    onclick={on_confirm}
                >
                    { "Remove credentials" }
                </button>
            </div>
        </dialog>
    }
}
