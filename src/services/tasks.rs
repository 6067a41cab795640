//! The app's asynchronous work. Each task talks to Tapis through tms-core with the browser's
//! transport and clock, and reports back only through [`Action`]s.
use super::clock::{self, BrowserClock};
use super::transport::FetchTransport;
use crate::components::LoginRequest;
use crate::state::{problem_text, Action, RunRequest};
use tms_core::engine::{self, Options, RunControl, RunSpec};
use tms_core::http::Cancel;
use tms_core::tapis::{self, Client};
use tms_core::{BaseUrl, Token};
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

/// Password grant against the tenant in the form; the password is dropped when the task ends.
pub fn login(base_url: &str, request: LoginRequest, dispatch: Callback<Action>) {
    let base = match BaseUrl::parse(base_url) {
        Ok(base) => base,
        Err(err) => return dispatch.emit(Action::LoginFailed(err.to_string())),
    };
    dispatch.emit(Action::LoginStarted);
    spawn_local(async move {
        let log = dispatch.reform(Action::Request);
        let LoginRequest { username, password } = request;
        let result = tapis::login(
            &FetchTransport,
            &BrowserClock,
            &base,
            &username,
            &password,
            |r| log.emit(r),
        )
        .await;
        dispatch.emit(match result {
            Ok(token) => Action::LoggedIn(token),
            Err(problem) => Action::LoginFailed(problem_text(&problem)),
        });
    });
}

/// "Find my systems": every system the token's user can see.
pub fn discover(tenant: Result<BaseUrl, String>, token: Option<Token>, dispatch: Callback<Action>) {
    let client = match (tenant, token) {
        (Ok(base), Some(token)) => Client::new(base, token),
        (Err(reason), _) => return dispatch.emit(Action::Discovered(Err(reason))),
        (_, None) => {
            return dispatch.emit(Action::Discovered(Err(
                "Paste your Tapis token or log in first.".into(),
            )))
        }
    };
    dispatch.emit(Action::DiscoveryStarted);
    spawn_local(async move {
        let log = dispatch.reform(Action::Request);
        let cancel = Cancel::new();
        let found = tapis::discover(&FetchTransport, &BrowserClock, &client, &cancel, |r| {
            log.emit(r)
        })
        .await;
        dispatch.emit(Action::Discovered(found.map_err(|p| problem_text(&p))));
    });
}

/// One engine run, its events fed to the reducer as they happen.
pub fn run(request: RunRequest, control: RunControl, dispatch: Callback<Action>) {
    spawn_local(async move {
        let RunRequest {
            run_id,
            mode,
            base_url,
            token,
            systems,
            ..
        } = request;
        let spec = RunSpec {
            client: Client::new(base_url, token),
            systems,
            options: Options {
                mode,
                seed: clock::now_ms(),
                ..Options::default()
            },
        };
        let on_event = |event| dispatch.emit(Action::Engine { run_id, event });
        engine::run(&FetchTransport, &BrowserClock, &spec, &control, on_event).await;
        dispatch.emit(Action::RunFinished { run_id });
    });
}
