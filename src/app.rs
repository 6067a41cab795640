//! The root component: owns the one state value and starts its side effects; the markup below
//! it is made of presentational components.
use crate::components::*;
use crate::config::PageMode;
use crate::hooks::use_interval;
use crate::services::{clock, export, host, page, storage, tasks};
use crate::state::{Action, AppState, Discovery, Login, Refusal, Target};
use std::rc::Rc;
use tms_core::engine::Mode;
use tms_core::{BaseUrl, Secret, SystemId};
use yew::prelude::*;

impl Reducible for AppState {
    type Action = Action;

    /// Cheap even with thousands of rows and log lines: the state's lists are shared, not copied.
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

#[function_component]
pub fn App(props: &Props) -> Html {
    // Read once: the host element's attributes, then the URL (see config.rs).
    let config = use_memo((), |_| page::config());
    let state = use_reducer(|| {
        let base = props
            .base_url
            .clone()
            .unwrap_or_else(|| config.base_url.clone());
        let mut state = AppState::new(clock::now_ms(), base);
        state.systems = Rc::new(config.systems.clone());
        state.host.supplies_token = !config.password_form;
        state.check_only = config.mode == PageMode::CheckOnly;
        if let Some(raw) = storage::load_token() {
            state = state
                .apply(Action::TokenInput(Secret::new(raw)))
                .apply(Action::SetRemember(true));
        }
        state
    });
    let dispatch = state.dispatcher().to_callback();

    use_interval(1000, dispatch.reform(|_| Action::Tick(clock::now_ms())));

    // The embedding page: its token in, requests for a fresh one and the results out.
    let origins = use_memo((), |_| config.allowed_origins.clone());
    host::use_host_bridge(origins.clone(), dispatch.clone());
    use_effect_with(state.host.ask.clone(), {
        let origins = origins.clone();
        move |ask| {
            if let Some(ask) = ask {
                host::ask_token(ask.reason, &origins);
            }
        }
    });
    use_effect_with(state.host.done_seq, {
        let (origins, results) = (origins.clone(), state.host_results());
        move |seq| {
            if *seq > 0 {
                host::done(&results, &origins);
            }
        }
    });
    // Unmounting stops a run or a discovery in progress: no request (each carries the token)
    // or retry timer outlives the app.
    let live = use_mut_ref(|| (None, None));
    *live.borrow_mut() = (
        state.run.request().map(|r| r.control.clone()),
        state.discovery.cancel_flag().cloned(),
    );
    use_effect_with((), move |_| {
        move || {
            let (run, discovery) = &*live.borrow();
            if let Some(control) = run {
                control.cancel();
            }
            if let Some(cancel) = discovery {
                cancel.cancel();
            }
        }
    });

    // Start-up ends when the first render is in the DOM with its listeners (see page::mark_ready).
    use_memo((), |_| page::mark_ready());

    // Keep the token in sessionStorage only while the user has opted in.
    use_effect_with(
        (state.remember_token, state.token().cloned()),
        |(remember, token)| match (remember, token) {
            (true, Some(token)) => storage::save_token(token.secret().expose()),
            _ => storage::forget_token(),
        },
    );

    // The reducer decides a run or a discovery; these effects carry them out, once per request.
    use_effect_with(state.run.request().cloned(), {
        let dispatch = dispatch.clone();
        move |request| {
            if let Some(request) = request {
                tasks::run(request.clone(), dispatch);
            }
        }
    });
    let discovery = match &state.discovery {
        Discovery::Running(request) => Some(request.clone()),
        _ => None,
    };
    use_effect_with(discovery, {
        let dispatch = dispatch.clone();
        move |request| {
            if let Some(request) = request {
                tasks::discover(request.clone(), dispatch);
            }
        }
    });

    let on_login = {
        let (dispatch, base_url) = (dispatch.clone(), state.base_url.clone());
        Callback::from(move |req: LoginRequest| tasks::login(&base_url, req, dispatch.clone()))
    };
    let run_all = |mode: Mode| {
        dispatch.reform(move |_| Action::Run {
            mode,
            target: Target::All,
        })
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
        let (state, dispatch) = (state.clone(), dispatch.clone());
        Callback::from(move |_| {
            let (report, dispatch) = (state.report_json(), dispatch.clone());
            wasm_bindgen_futures::spawn_local(async move {
                dispatch.emit(Action::ReportCopied(export::copy_text(&report).await));
            });
        })
    };
    let on_download = {
        let state = state.clone();
        Callback::from(move |_| export::download_json(&report_name, &state.report_json()))
    };

    // What this page offers, for the ways out of problems.
    let here = state.page();
    let token_error = state.token_error();
    let tenant_error = if state.token().is_some() || !state.base_url.is_empty() {
        state.tenant().err().map(|r| r.to_string())
    } else {
        None
    };
    let login_error = match &state.login {
        Login::Failed(failure) => Some(failure.sentence(here)),
        _ => None,
    };
    let login_target = BaseUrl::parse(&state.base_url)
        .map_or_else(|_| state.base_url.clone(), |url| url.as_str().to_string());
    let rejected = state
        .token_rejected
        .clone()
        .map(|p| Refusal::TokenRejected(p).sentence(here));
    let mismatch = state.username_mismatch().map(|owner| {
        Refusal::OtherUser {
            owner: owner.to_string(),
        }
        .sentence(here)
    });
    let (discovered, discovery_error) = match &state.discovery {
        Discovery::Done(list) => (Some(list.clone()), None),
        Discovery::Failed(failure) => (None, Some(failure.sentence(here))),
        _ => (None, None),
    };

    html! {
        <div class="app">
            if !config.problems.is_empty() {
                <div id="config-problems" class="config-problems" role="alert">
                    <p>{ "This page's configuration has problems; defaults are used instead:" }</p>
                    <ul>
                        for problem in config.problems.iter() {
                            <li>{ problem }</li>
                        }
                    </ul>
                </div>
            }
            <header class="app-header">
                <h1>{ "Set up TMS keys on your TACC systems" }</h1>
                <p class="lede">
                    { "Tapis needs Tapis-managed SSH keys (TMS keys) on each system before it can run jobs or move files there as you. " }
                    { if here.check_only {
                        "This page checks every system you list for a working TMS key, talking to Tapis directly from your browser with your own token."
                    } else {
                        "This page checks every system you list and creates the keys where they are missing, talking to Tapis directly \
                         from your browser with your own token."
                    } }
                </p>
            </header>
            <TokenPanel
                status={state.token_status()}
                info={state.token().map(|t| t.info().clone())}
                error={token_error}
                rejected={rejected}
                now_ms={state.now_ms}
                remember={state.remember_token}
                login_pending={state.login == Login::Running}
                login_error={login_error}
                login_target={login_target}
                on_token_input={dispatch.reform(|raw| Action::TokenInput(Secret::new(raw)))}
                on_login={on_login}
                on_forget={dispatch.reform(|_| Action::ForgetToken)}
                on_remember={dispatch.reform(Action::SetRemember)}
                show_login={config.password_form}
                page={here}
            />
            <TenantField
                value={state.base_url.clone()}
                error={tenant_error}
                on_change={dispatch.reform(Action::SetBaseUrl)}
            />
            <section class="panel" aria-labelledby="systems-heading">
                <h2 id="systems-heading">{ "2. Who and where" }</h2>
                <label for="username">{ "Username the keys are for" }</label>
                <input
                    id="username"
                    type="text"
                    value={state.username.clone()}
                    spellcheck="false"
                    autocomplete="off"
                    aria-describedby="username-help username-mismatch"
                    aria-invalid={mismatch.is_some().to_string()}
                    oninput={dispatch.reform(|e: InputEvent| Action::SetUsername(input_value(&e)))}
                />
                <p id="username-help" class="hint">
                    { "Filled in from your token: " }
                    { tms_core::wording::OWN_USER_ONLY }
                </p>
                if let Some(mismatch) = mismatch {
                    <p id="username-mismatch" class="field-error">{ mismatch }</p>
                }
                <SystemsInput
                    systems={state.systems.clone()}
                    draft={state.systems_draft.clone()}
                    notice={state.systems_notice()}
                    removed={state.systems_removed.clone()}
                    on_draft={dispatch.reform(Action::SystemsDraft)}
                    on_commit={dispatch.reform(|_| Action::CommitDraft)}
                    on_remove={dispatch.reform(Action::RemoveSystem)}
                />
                <DiscoverPanel
                    loading={state.discovery.is_running()}
                    systems={discovered}
                    error={discovery_error}
                    chosen={state.systems.clone()}
                    can_discover={state.can_discover()}
                    on_discover={dispatch.reform(|_| Action::Discover)}
                    on_add={dispatch.reform(Action::AddSystem)}
                />
                <RunControls
                    running={state.run.is_running()}
                    refused={state.refused.as_ref().map(|r| r.sentence(here))}
                    refusals={state.refusals}
                    on_establish={run_all(Mode::Establish)}
                    on_check={run_all(Mode::CheckOnly)}
                    on_cancel={dispatch.reform(|_| Action::Cancel)}
                    offer_setup={config.mode == PageMode::SetUp}
                />
            </section>
            <Results
                rows={state.rows.clone()}
                summary={state.summary()}
                phase={state.run.clone()}
                now_ms={state.now_ms}
                page={here}
                on_retry={dispatch.reform(Action::Retry)}
                on_remove={dispatch.reform(Action::AskRemove)}
                on_stop_waiting={dispatch.reform(Action::StopWaiting)}
            />
            <ActivityLog
                log={state.log.clone()}
                copied={state.report_copied}
                on_copy={on_copy}
                on_download={on_download}
            />
            <ConfirmRemove
                system={state.confirm_remove.clone()}
                on_confirm={on_confirm_remove}
                on_cancel={dispatch.reform(|_| Action::CloseRemove)}
            />
        </div>
    }
}
