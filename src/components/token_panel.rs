use super::{checkbox_checked, input_value};
use crate::state::TokenStatus;
use tms_core::duration;
use tms_core::wording::{Page, TOKEN_EXPIRED};
use tms_core::{Secret, TokenInfo};
use yew::prelude::*;

/// What the login form hands up. The password is a [`Secret`] and leaves the form at once.
#[derive(Clone, PartialEq)]
pub struct LoginRequest {
    pub username: String,
    pub password: Secret,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub status: TokenStatus,
    pub info: Option<TokenInfo>,
    /// Why the pasted text is not a usable token.
    pub error: Option<String>,
    pub now_ms: u64,
    pub remember: bool,
    pub login_pending: bool,
    pub login_error: Option<String>,
    /// Where the login form sends the password (the tenant address), shown next to the field.
    pub login_target: String,
    /// Tapis refused this token (revoked, invalid), and what to do: shown until a new one arrives.
    #[prop_or_default]
    pub rejected: Option<String>,
    pub on_token_input: Callback<String>,
    pub on_login: Callback<LoginRequest>,
    pub on_forget: Callback<()>,
    pub on_remember: Callback<bool>,
    /// Whether the password login form is offered (the host page's `data-password-form`).
    #[prop_or(true)]
    pub show_login: bool,
    /// Who brings a fresh token: the texts say how to get one.
    #[prop_or_default]
    pub page: Page,
}

#[function_component]
pub fn TokenPanel(props: &Props) -> Html {
    let username = use_node_ref();
    let password = use_node_ref();
    let token_input = use_node_ref();

    let on_input = props.on_token_input.reform(|e: InputEvent| input_value(&e));
    let on_submit = {
        let (username, password, on_login) =
            (username.clone(), password.clone(), props.on_login.clone());
        let pending = props.login_pending;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if pending {
                return;
            }
            let (Some(user), Some(pass)) = (
                username.cast::<web_sys::HtmlInputElement>(),
                password.cast::<web_sys::HtmlInputElement>(),
            ) else {
                return;
            };
            let request = LoginRequest {
                username: user.value().trim().to_string(),
                password: Secret::new(pass.value()),
            };
            // The password is never kept: cleared from the form as soon as it is read.
            pass.set_value("");
            on_login.emit(request);
        })
    };
    let on_forget = {
        let (on_forget, token_input) = (props.on_forget.clone(), token_input.clone());
        Callback::from(move |_| {
            if let Some(input) = token_input.cast::<web_sys::HtmlInputElement>() {
                input.set_value("");
                // The button goes away with the token: keep keyboard focus in the panel.
                let _ = input.focus();
            }
            on_forget.emit(());
        })
    };
    let on_remember = props.on_remember.reform(|e: Event| checkbox_checked(&e));

    html! {
        <section class="panel" aria-labelledby="token-heading">
            <h2 id="token-heading">{ "1. Your Tapis token" }</h2>
            <label for="token">{ "Paste a Tapis access token" }</label>
            <input
                id="token"
                ref={token_input}
                type="password"
                autocomplete="off"
                spellcheck="false"
                aria-describedby="token-status"
                aria-invalid={props.error.is_some().to_string()}
                oninput={on_input}
            />
            <p class="hint">
                { "The token stays in this page and is sent only to the Tapis tenant that issued it." }
            </p>
            // A host page that hands over the token hides the password form.
            if props.show_login {
            <p class="or">{ "or log in with your Tapis account" }</p>
            <form class="row" onsubmit={on_submit} aria-label="Log in to Tapis">
                <div>
                    <label for="login-username">{ "Tapis username" }</label>
                    <input
                        id="login-username"
                        ref={username}
                        type="text"
                        autocomplete="username"
                        spellcheck="false"
                    />
                </div>
                <div>
                    <label for="login-password">{ "Password" }</label>
                    <input
                        id="login-password"
                        ref={password}
                        type="password"
                        autocomplete="current-password"
                        aria-describedby="login-target"
                    />
                    // A link or a host page chooses the tenant: the user sees where the password goes.
                    <p id="login-target" class="hint">
                        { "Sent only to " }
                        <span class="mono">{ &props.login_target }</span>
                    </p>
                </div>
                <div class="shrink">
                    // Focusable while pending (aria-disabled), so keyboard focus stays here.
                    <button
                        id="login"
                        type="submit"
                        aria-disabled={props.login_pending.then_some("true")}
                    >
                        { if props.login_pending { "Logging in…" } else { "Log in" } }
                    </button>
                </div>
            </form>
            if let Some(err) = &props.login_error {
                <p class="field-error" role="alert">{ err }</p>
            }
            }
            <div id="token-status" class="token-status" data-state={props.status.as_str()}>
                // Only changes of state are announced, not the countdown ticking inside.
                <p class="visually-hidden" role="status">{ announcement(props) }</p>
                { status_body(props) }
                if let Some(reason) = &props.rejected {
                    <p><strong>{ reason }</strong></p>
                }
            </div>
            <div class="actions">
                <label class="shrink">
                    <input
                        id="remember-token"
                        type="checkbox"
                        checked={props.remember}
                        onchange={on_remember}
                    />
                    { " Keep the token in this browser tab until I close it" }
                </label>
                if props.info.is_some() || props.error.is_some() {
                    <button id="forget-token" type="button" class="link" onclick={on_forget}>
                        { "Forget token" }
                    </button>
                }
            </div>
        </section>
    }
}

/// One sentence per token state for screen readers; it changes only when the state does.
fn announcement(props: &Props) -> String {
    let user = props.info.as_ref().map_or("", |i| i.username.as_str());
    // Tapis's verdict outranks what the page read from the token itself.
    if props.rejected.is_some() {
        return format!("Tapis refused the token for {user}.");
    }
    match props.status {
        TokenStatus::None => String::new(),
        // Read here, not yet shown to Tapis: "accepted" would claim more than the page knows.
        TokenStatus::Valid => format!("Token for {user} loaded."),
        TokenStatus::Expiring => format!("The token for {user} expires in less than 10 minutes."),
        TokenStatus::Expired => "The token has expired.".to_string(),
        TokenStatus::Malformed => "This is not a usable Tapis token.".to_string(),
    }
}

fn status_body(props: &Props) -> Html {
    let now_s = props.now_ms / 1000;
    match (&props.info, props.status) {
        (_, TokenStatus::None) if props.page.token_from_host => {
            html! { <p>{ props.page.no_token() }</p> }
        }
        (_, TokenStatus::None) => html! { <p>{ "No token yet. Paste one above or log in." }</p> },
        (Some(info), status) => {
            let left = info.seconds_left(now_s);
            let warning = match status {
                TokenStatus::Expiring => Some(format!(
                    "Expires in {}. {}",
                    duration::human_secs(u64::try_from(left).unwrap_or(0)),
                    if props.page.token_from_host {
                        "The portal has been asked for a fresh token."
                    } else {
                        "A run still going then will stop: log in again or paste a fresh token before starting a long one."
                    }
                )),
                TokenStatus::Expired => {
                    Some(format!("{TOKEN_EXPIRED} {}", props.page.fresh_token()))
                }
                _ => None,
            };
            html! {
                <>
                    <dl>
                        <dt>{ "User" }</dt><dd class="mono">{ &info.username }</dd>
                        <dt>{ "Tenant" }</dt><dd>{ &info.tenant }</dd>
                        <dt>{ "Expires" }</dt><dd>{ local_time(info.expires_at) }</dd>
                        <dt>{ "Time left" }</dt>
                        <dd>
                            if left > 0 {
                                { duration::human_secs(u64::try_from(left).unwrap_or(0)) }
                            } else {
                                { "expired" }
                            }
                        </dd>
                    </dl>
                    if let Some(w) = warning {
                        <p><strong>{ w }</strong></p>
                    }
                </>
            }
        }
        (None, _) => html! { <p>{ props.error.clone().unwrap_or_default() }</p> },
    }
}

fn local_time(unix_s: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_s as f64 * 1000.0));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}
