use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub running: bool,
    /// Why a run would be refused right now; shown so the buttons never fail silently.
    pub refused: Option<String>,
    /// Counts refusals, so the same reason given again is announced again.
    #[prop_or_default]
    pub refusals: u32,
    pub on_establish: Callback<()>,
    pub on_check: Callback<()>,
    pub on_cancel: Callback<()>,
    /// Whether "Set up credentials" is offered (the host page's `data-mode`; check-only hides it).
    #[prop_or(true)]
    pub offer_setup: bool,
}

#[function_component]
pub fn RunControls(props: &Props) -> Html {
    let unit = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    html! {
        <div class="run-controls">
            <div class="actions">
                if props.offer_setup {
                <button
                    id="establish"
                    type="button"
                    class="primary"
                    onclick={unit(&props.on_establish)}
                    disabled={props.running}
                >
                    { "Set up credentials" }
                </button>
                }
                <button
                    id="check-only"
                    type="button"
                    onclick={unit(&props.on_check)}
                    disabled={props.running}
                >
                    { "Check only" }
                </button>
                <button
                    id="cancel"
                    type="button"
                    class="danger"
                    onclick={unit(&props.on_cancel)}
                    disabled={!props.running}
                >
                    { "Cancel" }
                </button>
            </div>
            <p class="hint">
                if props.offer_setup {
                    { "“Set up credentials” checks each system and creates TMS keys where they are missing. " }
                }
                { "“Check only” changes nothing." }
            </p>
            if let Some(reason) = &props.refused {
                <p
                    id="run-refused"
                    key={props.refusals.to_string()}
                    class="field-error"
                    role="alert"
                >
                    { reason }
                </p>
            }
        </div>
    }
}
