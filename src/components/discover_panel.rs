use std::rc::Rc;
use tms_core::problem::describe_authn;
use tms_core::tapis::SystemInfo;
use tms_core::wording::count;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub loading: bool,
    pub systems: Option<Rc<Vec<SystemInfo>>>,
    pub error: Option<String>,
    /// Ids already in the list, so their "Add" button is disabled.
    pub chosen: Rc<Vec<String>>,
    pub can_discover: bool,
    pub on_discover: Callback<()>,
    pub on_add: Callback<String>,
}

/// "Find my systems": the systems the user can see, with how each authenticates, so TMS_KEYS
/// ones can be added with one click and the others explain why they need another route.
#[function_component]
pub fn DiscoverPanel(props: &Props) -> Html {
    // While it searches the button stays focusable (aria-disabled): disabling the focused
    // element would drop keyboard focus to the page's start.
    let on_discover = {
        let (on_discover, loading) = (props.on_discover.clone(), props.loading);
        Callback::from(move |_: MouseEvent| {
            if !loading {
                on_discover.emit(());
            }
        })
    };
    html! {
        <div class="discover">
            <button
                id="discover"
                type="button"
                onclick={on_discover}
                disabled={!props.loading && !props.can_discover}
                aria-disabled={props.loading.then_some("true")}
            >
                { if props.loading { "Finding your systems…" } else { "Find my systems" } }
            </button>
            // A disabled button cannot say why: the page does, next to it.
            if !props.loading && !props.can_discover {
                <p class="hint">{ "Available once a token is loaded, while no run is going on." }</p>
            }
            if let Some(err) = &props.error {
                <p class="field-error" role="alert">{ err }</p>
            }
            <p class="visually-hidden" role="status">{ found(props) }</p>
            if let Some(systems) = &props.systems {
                if systems.is_empty() {
                    <p>{ "Tapis lists no systems you can use." }</p>
                } else {
                    <table class="discovered" aria-label="Systems you can see">
                        <thead>
                            <tr>
                                <th scope="col">{ "System" }</th>
                                <th scope="col">{ "Host" }</th>
                                <th scope="col">{ "Sign-in method" }</th>
                                <th scope="col"><span class="visually-hidden">{ "Action" }</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            for system in systems.iter() {
                                { row(system, props) }
                            }
                        </tbody>
                    </table>
                }
            }
        </div>
    }
}

/// What a search found, for screen readers (the table itself is not announced).
fn found(props: &Props) -> String {
    match &props.systems {
        None => String::new(),
        Some(list) if list.is_empty() => "Tapis lists no systems you can use.".into(),
        Some(list) => {
            let tms = list.iter().filter(|s| s.uses_tms_keys()).count();
            format!(
                "Found {}; {} can get TMS keys here.",
                count(list.len(), "system"),
                tms
            )
        }
    }
}

fn row(system: &SystemInfo, props: &Props) -> Html {
    let id = system.id.clone();
    let method = system.default_authn_method.clone();
    let tms = system.uses_tms_keys();
    let added = props.chosen.contains(&id);
    let label = if added { "Added" } else { "Add" };
    let on_add = {
        let (on_add, id) = (props.on_add.clone(), id.clone());
        Callback::from(move |_: MouseEvent| {
            if !added {
                on_add.emit(id.clone());
            }
        })
    };
    html! {
        <tr data-discovered={id.clone()}>
            <td class="mono">{ &id }</td>
            <td class="mono">{ system.host.clone() }</td>
            <td>{ if tms { "TMS keys (automatic)".to_string() } else { format!("Set up elsewhere ({})", describe_authn(&method)) } }</td>
            <td>
                if tms {
                    // aria-disabled, not disabled: a disabled button drops keyboard focus to <body>.
                    <button
                        type="button"
                        onclick={on_add}
                        aria-disabled={added.to_string()}
                        aria-label={format!("{label} {id}")}
                    >
                        { label }
                    </button>
                }
            </td>
        </tr>
    }
}
