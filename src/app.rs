//! The root component.
use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <div class="app">
            <header class="app-header">
                <h1>{ "Set up TMS keys on your TACC systems" }</h1>
                <p class="lede">
                    { "Tapis needs Tapis-managed SSH keys (TMS keys) on each system before it can run jobs or move files there as you. \
                       This page checks every system you list and creates the keys where they are missing, talking to Tapis directly \
                       from your browser with your own token." }
                </p>
            </header>
        </div>
    }
}
