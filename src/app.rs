//! The root component: owns the one state value and every side effect; the markup below it is
//! made of presentational components.
use crate::components::*;
use crate::hooks::use_interval;
use crate::services::{clock, export, page, storage, tasks};
use crate::state::{mismatch_text, Action, AppState, Pending, Target, TokenField};
use std::cell::RefCell;
use std::rc::Rc;
use tms_core::engine::Mode;
use tms_core::engine::RunControl;
use tms_core::{Secret, SystemId};
use yew::prelude::*;

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Rc::unwrap_or_clone(self).apply(action))
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct Props {
    /// The tenant to log in to before any token is known (from the host page's configuration).
    #[prop_or_default]
    pub base_url: Option<String>,
}

#[function_component(App)]
pub fn app(props: &Props) -> Html {
    let state = use_reducer(|| {
        let base = props.base_url.clone().unwrap_or_else(page::base_url);
        let mut state = AppState::new(clock::now_ms(), base);
        if let Some(raw) = storage::load_token() {
            state = state
                .apply(Action::TokenInput(Secret::new(raw)))
                .apply(Action::SetRemember(true));
        }
        state
    });
    // One Callback for every action, so components and effects can `reform` it.
    let dispatch: Callback<Action> = {
        let dispatcher = state.dispatcher();
        Callback::from(move |action| dispatcher.dispatch(action))
    };
    let cancel: Rc<RefCell<RunControl>> = use_mut_ref(RunControl::new);

    use_interval(1000, dispatch.reform(|_| Action::Tick(clock::now_ms())));

    // Keep the token in sessionStorage only while the user has opted in.
    use_effect_with(
        (state.remember_token, state.token().cloned()),
        |(remember, token)| match (remember, token) {
            (true, Some(token)) => storage::save_token(token.secret().expose()),
            _ => storage::forget_token(),
        },
    );

    // The reducer decides a run; this effect carries it out. Keyed on the run id so each runs once.
    {
        let (request, dispatch, cancel) =
            (state.run_request.clone(), dispatch.clone(), cancel.clone());
        use_effect_with(state.run_id, move |_| {
            if let Some(request) = request {
                let control = RunControl::new();
                *cancel.borrow_mut() = control.clone();
                tasks::run(request, control, dispatch);
            }
        });
    }

    let on_login = {
        let (dispatch, base_url) = (dispatch.clone(), state.base_url.clone());
        Callback::from(move |req: LoginRequest| tasks::login(&base_url, req, dispatch.clone()))
    };
    let on_discover = {
        let (dispatch, state) = (dispatch.clone(), state.clone());
        Callback::from(move |_| {
            tasks::discover(state.tenant(), state.token().cloned(), dispatch.clone())
        })
    };

    let run_all = |mode: Mode| {
        dispatch.reform(move |_| Action::Run {
            mode,
            target: Target::All,
        })
    };
    let on_cancel = {
        let cancel = cancel.clone();
        Callback::from(move |_| cancel.borrow().cancel())
    };
    let on_confirm_remove = {
        let dispatch = dispatch.clone();
        Callback::from(move |system: SystemId| {
            dispatch.emit(Action::CloseRemove);
            dispatch.emit(Action::Run {
                mode: Mode::Remove,
                target: Target::One(system),
            });
        })
    };
    let report_name = format!("tms-credentials-report-{}.json", state.now_ms / 1000);
    let on_copy = {
        let state = state.clone();
        Callback::from(move |_| export::copy_text(&state.report_json()))
    };
    let on_download = {
        let state = state.clone();
        Callback::from(move |_| export::download_json(&report_name, &state.report_json()))
    };

    let token_error = match &state.token {
        TokenField::Invalid(err) => Some(err.to_string()),
        _ => None,
    };
    let tenant_error = if state.token().is_some() || !state.base_url.is_empty() {
        state.tenant().err()
    } else {
        None
    };
    let discovery = &state.discovery;

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
            <TokenPanel status={state.token_status()} info={state.token().map(|t| t.info().clone())} error={token_error} rejected={state.token_rejected.clone()}
                now_ms={state.now_ms} remember={state.remember_token}
                login_pending={state.login == Pending::Running}
                login_error={match &state.login { Pending::Failed(m) => Some(m.clone()), _ => None }}
                on_token_input={dispatch.reform(|raw| Action::TokenInput(Secret::new(raw)))} on_login={on_login}
                on_forget={dispatch.reform(|_| Action::ForgetToken)} on_remember={dispatch.reform(Action::SetRemember)} />
            <TenantField value={state.base_url.clone()} error={tenant_error} on_change={dispatch.reform(Action::SetBaseUrl)} />
            <section class="panel" aria-labelledby="systems-heading">
                <h2 id="systems-heading">{ "2. Who and where" }</h2>
                <label for="username">{ "Tapis username" }</label>
                <input id="username" type="text" value={state.username.clone()} spellcheck="false" autocomplete="off"
                    aria-describedby="username-help username-mismatch" oninput={dispatch.reform(|e: InputEvent| Action::SetUsername(input_value(&e)))} />
                <p id="username-help" class="hint">{ "Filled in from your token: Tapis creates TMS keys only for the token's own user." }</p>
                if let Some(owner) = state.username_mismatch() {
                    <p id="username-mismatch" class="field-error">{ mismatch_text(owner) }</p>
                }
                <SystemsInput systems={state.systems.clone()} draft={state.systems_draft.clone()}
                    on_draft={dispatch.reform(Action::SystemsDraft)} on_commit={dispatch.reform(|_| Action::CommitDraft)}
                    on_remove={dispatch.reform(Action::RemoveSystem)} />
                <DiscoverPanel loading={*discovery == Pending::Running}
                    systems={match discovery { Pending::Done(list) => Some(list.clone()), _ => None }}
                    error={match discovery { Pending::Failed(m) => Some(m.clone()), _ => None }}
                    chosen={state.systems.clone()} can_discover={state.token().is_some()}
                    on_discover={on_discover} on_add={dispatch.reform(Action::AddSystem)} />
                <RunControls running={state.running} refused={state.run_refused.clone()} refusals={state.refusals}
                    on_establish={run_all(Mode::Establish)} on_check={run_all(Mode::CheckOnly)} on_cancel={on_cancel} />
            </section>
            <Results rows={state.rows.clone()} summary={state.summary()} state={state.summary_state()} now_ms={state.now_ms}
                on_retry={dispatch.reform(Action::Retry)} on_remove={dispatch.reform(Action::AskRemove)} />
            <ActivityLog log={state.log.clone()} on_copy={on_copy} on_download={on_download} />
            <ConfirmRemove system={state.confirm_remove.clone()} on_confirm={on_confirm_remove}
                on_cancel={dispatch.reform(|_| Action::CloseRemove)} />
        </div>
    }
}
