//! The app's asynchronous work. Each task talks to Tapis through tms-core with the browser's
//! transport and clock, and reports back only through [`Action`]s.
use super::clock::{self, BrowserClock};
use super::transport::FetchTransport;
use crate::components::LoginRequest;
use crate::state::{Action, DiscoveryRequest, Failure, Refusal, RunRequest};
use std::rc::Rc;
use tms_core::engine::{self, Options, RunSpec};
use tms_core::tapis::{self, Client};
use tms_core::BaseUrl;
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

/// Password grant against the tenant in the form; the password is dropped when the task ends.
pub fn login(base_url: &str, request: LoginRequest, dispatch: Callback<Action>) {
    let base = match BaseUrl::parse(base_url) {
        Ok(base) => base,
        Err(err) => {
            let failure = Failure::Refused(Refusal::BadTenantUrl(err));
            return dispatch.emit(Action::LoginFailed(failure));
        }
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
            Err(problem) => Action::LoginFailed(Failure::Tapis(problem)),
        });
    });
}

/// "Find my systems": every system the token's user can see.
pub fn discover(request: Rc<DiscoveryRequest>, dispatch: Callback<Action>) {
    spawn_local(async move {
        let log = dispatch.reform(Action::Request);
        let client = Client::new(request.base_url.clone(), request.token.clone());
        let result = tapis::discover(
            &FetchTransport,
            &BrowserClock,
            &client,
            &request.cancel,
            |r| log.emit(r),
        )
        .await;
        dispatch.emit(Action::Discovered {
            id: request.id,
            result,
        });
    });
}

/// One engine run, its events fed to the reducer as they happen.
pub fn run(request: Rc<RunRequest>, dispatch: Callback<Action>) {
    spawn_local(async move {
        let run_id = request.run_id;
        let spec = RunSpec {
            client: Client::new(request.base_url.clone(), request.token.clone()),
            systems: request.systems.clone(),
            options: Options {
                mode: request.mode,
                seed: clock::now_ms(),
                ..Options::default()
            },
        };
        let on_event = |event| dispatch.emit(Action::Engine { run_id, event });
        engine::run(
            &FetchTransport,
            &BrowserClock,
            &spec,
            &request.control,
            on_event,
        )
        .await;
        dispatch.emit(Action::RunFinished { run_id });
    });
}
