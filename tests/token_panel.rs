//! The token panel in a real browser: what `#token-status` says in each state, and the
//! callbacks its fields and buttons emit.
#![cfg(target_arch = "wasm32")]

use tms_core::wording::Page;
use tms_core::{Token, TokenInfo};
use tms_credentials::components::{LoginRequest, TokenPanel};
use tms_credentials::state::TokenStatus;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

/// A fixed "now", so the times the panel shows do not depend on the machine's clock.
const NOW_S: u64 = 1_750_000_000;
const ISS: &str = "https://designsafe.tapis.io/v3/tokens";

/// The visible sentence of `#token-status` (the screen-reader announcement is a separate,
/// visually hidden line).
const STATUS_SENTENCE: &str = "#token-status > p:not(.visually-hidden)";

fn info_expiring_at(exp: u64) -> TokenInfo {
    // Parsed at a time the token was still good, like the app does when it is pasted.
    Token::parse(&access_token("alice", "designsafe", ISS, exp), exp - 1)
        .expect("a valid test token")
        .info()
        .clone()
}

#[derive(Clone)]
struct Spies {
    token_input: Recorder<String>,
    login: Recorder<(String, String)>,
    forget: Recorder<()>,
    remember: Recorder<bool>,
}

impl Spies {
    fn new() -> Self {
        Spies {
            token_input: Recorder::new(),
            login: Recorder::new(),
            forget: Recorder::new(),
            remember: Recorder::new(),
        }
    }
}

struct View {
    status: TokenStatus,
    info: Option<TokenInfo>,
    error: Option<String>,
    now_ms: u64,
    login_pending: bool,
    login_error: Option<String>,
    login_target: String,
    rejected: Option<String>,
    page: Page,
}

impl View {
    fn new(status: TokenStatus) -> Self {
        View {
            status,
            info: None,
            error: None,
            now_ms: NOW_S * 1000,
            login_pending: false,
            login_error: None,
            login_target: "https://designsafe.tapis.io".into(),
            rejected: None,
            page: Page::default(),
        }
    }

    fn html(self, spies: &Spies) -> Html {
        let on_login = spies
            .login
            .callback()
            .reform(|r: LoginRequest| (r.username, r.password.expose().to_string()));
        html! {
            <TokenPanel
                status={self.status}
                info={self.info}
                error={self.error}
                now_ms={self.now_ms}
                remember=false
                login_pending={self.login_pending}
                login_error={self.login_error}
                login_target={self.login_target}
                rejected={self.rejected}
                show_login={!self.page.token_from_host}
                page={self.page}
                on_token_input={spies.token_input.callback()}
                on_login={on_login}
                on_forget={spies.forget.callback()}
                on_remember={spies.remember.callback()}
            />
        }
    }
}

/// The `<dd>` that follows the `<dt>` whose text is `term`.
fn definition(host: &web_sys::Element, term: &str) -> Option<String> {
    query_all(host, "#token-status dt")
        .into_iter()
        .find(|dt| dt.text_content().as_deref() == Some(term))
        .and_then(|dt| dt.next_element_sibling())
        .and_then(|dd| dd.text_content())
}

fn warning(host: &web_sys::Element) -> Option<String> {
    query(host, "#token-status strong").and_then(|s| s.text_content())
}

#[wasm_bindgen_test]
async fn status_says_what_state_the_token_is_in() {
    let spies = Spies::new();

    // No token.
    let m = Mounted::new(View::new(TokenStatus::None).html(&spies)).await;
    assert_eq!(
        attr(&m.host, "#token-status", "data-state").as_deref(),
        Some("none")
    );
    assert_eq!(
        text(&m.host, STATUS_SENTENCE),
        "No token yet. Paste one above or log in."
    );
    assert!(
        query(&m.host, "#forget-token").is_none(),
        "nothing to forget yet"
    );
    assert_eq!(
        attr(&m.host, "#token", "aria-invalid").as_deref(),
        Some("false")
    );
    m.finish().await;

    // Valid: who, where, how long.
    let exp = NOW_S + 3 * 3600 + 12 * 60;
    let mut view = View::new(TokenStatus::Valid);
    view.info = Some(info_expiring_at(exp));
    let m = Mounted::new(view.html(&spies)).await;
    assert_eq!(
        attr(&m.host, "#token-status", "data-state").as_deref(),
        Some("valid")
    );
    assert_eq!(definition(&m.host, "User").as_deref(), Some("alice"));
    assert_eq!(definition(&m.host, "Tenant").as_deref(), Some("designsafe"));
    assert_eq!(
        definition(&m.host, "Time left").as_deref(),
        Some("3 h 12 min")
    );
    assert!(
        !definition(&m.host, "Expires")
            .unwrap_or_default()
            .is_empty(),
        "the expiry time is shown"
    );
    assert_eq!(warning(&m.host), None, "a valid token gets no warning");
    // Screen readers hear the state once, in a polite status line, not the ticking countdown.
    assert_eq!(
        text(&m.host, "#token-status [role=status]"),
        "Token for alice loaded."
    );
    assert!(query(&m.host, "#forget-token").is_some());
    m.finish().await;

    // Expiring: the time left and a warning to log in again.
    let mut view = View::new(TokenStatus::Expiring);
    view.info = Some(info_expiring_at(NOW_S + 300));
    let m = Mounted::new(view.html(&spies)).await;
    assert_eq!(
        attr(&m.host, "#token-status", "data-state").as_deref(),
        Some("expiring")
    );
    assert_eq!(definition(&m.host, "User").as_deref(), Some("alice"));
    assert_eq!(
        definition(&m.host, "Time left").as_deref(),
        Some("5 min 00 s")
    );
    assert_eq!(
        warning(&m.host).as_deref(),
        Some("Expires in 5 min 00 s. A run still going then will stop: log in again or paste a fresh token before starting a long one.")
    );
    m.finish().await;

    // Expired while the page was open: the claims stay visible, with a clear warning.
    let mut view = View::new(TokenStatus::Expired);
    view.info = Some(info_expiring_at(NOW_S - 60));
    let m = Mounted::new(view.html(&spies)).await;
    assert_eq!(
        attr(&m.host, "#token-status", "data-state").as_deref(),
        Some("expired")
    );
    assert_eq!(definition(&m.host, "User").as_deref(), Some("alice"));
    assert_eq!(definition(&m.host, "Time left").as_deref(), Some("expired"));
    assert_eq!(
        warning(&m.host).as_deref(),
        Some("Your Tapis token has expired. Log in again or paste a fresh token.")
    );
    m.finish().await;

    // Pasted already expired: no claims, the parser's sentence.
    let stale = access_token("alice", "designsafe", ISS, NOW_S - 3600);
    let error = Token::parse(&stale, NOW_S).unwrap_err().to_string();
    let mut view = View::new(TokenStatus::Expired);
    view.error = Some(error.clone());
    let m = Mounted::new(view.html(&spies)).await;
    assert_eq!(
        attr(&m.host, "#token-status", "data-state").as_deref(),
        Some("expired")
    );
    assert_eq!(text(&m.host, STATUS_SENTENCE), error);
    assert!(error.contains("expired 1 h 00 min ago"), "{error}");
    m.finish().await;

    // Malformed: the sentence that says what is wrong, and the field marked invalid.
    let error = Token::parse("eyJhbGciOi.truncated", NOW_S)
        .unwrap_err()
        .to_string();
    let mut view = View::new(TokenStatus::Malformed);
    view.error = Some(error.clone());
    let m = Mounted::new(view.html(&spies)).await;
    assert_eq!(
        attr(&m.host, "#token-status", "data-state").as_deref(),
        Some("malformed")
    );
    assert_eq!(
        text(&m.host, STATUS_SENTENCE),
        "This is not a Tapis token: a token has 3 parts separated by dots, this text has 2. Copy the whole access token."
    );
    assert_eq!(
        attr(&m.host, "#token", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(
        query(&m.host, "#forget-token").is_some(),
        "a bad token can be forgotten too"
    );
    m.finish().await;

    assert_eq!(
        spies.token_input.count() + spies.login.count() + spies.forget.count(),
        0,
        "rendering alone emits nothing"
    );
}

#[wasm_bindgen_test]
async fn typing_a_token_emits_the_text() {
    let spies = Spies::new();
    let m = Mounted::new(View::new(TokenStatus::None).html(&spies)).await;

    let token = access_token("alice", "designsafe", ISS, NOW_S + 3600);
    type_into(&m.host, "#token", &token);
    settle().await;
    assert_eq!(spies.token_input.take(), vec![token]);
    m.finish().await;
}

#[wasm_bindgen_test]
async fn login_form_hands_up_user_and_password_then_clears_the_password() {
    let spies = Spies::new();
    let m = Mounted::new(View::new(TokenStatus::None).html(&spies)).await;

    input(&m.host, "#login-username").set_value("  alice ");
    input(&m.host, "#login-password").set_value("correct horse");
    // A real submit: the button submits the form; the panel must stop the page from navigating.
    click(&m.host, "#login");
    settle().await;

    assert_eq!(
        spies.login.take(),
        vec![("alice".to_string(), "correct horse".to_string())]
    );
    assert_eq!(
        input(&m.host, "#login-password").value(),
        "",
        "the password is not kept in the form"
    );
    assert_eq!(
        input(&m.host, "#login-username").value(),
        "  alice ",
        "the username stays"
    );
    m.finish().await;
}

#[wasm_bindgen_test]
async fn login_in_progress_and_login_error_are_shown() {
    let spies = Spies::new();
    let mut view = View::new(TokenStatus::None);
    view.login_pending = true;
    view.login_error = Some("Tapis did not accept that username and password.".into());
    let m = Mounted::new(view.html(&spies)).await;

    // Still focusable (a disabled button would drop keyboard focus), but it sends nothing more.
    let login = get(&m.host, "#login");
    assert_eq!(
        login.get_attribute("aria-disabled").as_deref(),
        Some("true")
    );
    assert!(!login.has_attribute("disabled"));
    assert_eq!(text(&m.host, "#login"), "Logging in…");
    input(&m.host, "#login-username").set_value("alice");
    input(&m.host, "#login-password").set_value("pw");
    click(&m.host, "#login");
    settle().await;
    assert!(
        spies.login.take().is_empty(),
        "no second login while one is pending"
    );
    assert_eq!(
        text(&m.host, ".field-error[role=alert]"),
        "Tapis did not accept that username and password."
    );
    m.finish().await;
}

#[wasm_bindgen_test]
async fn forget_token_emits_and_empties_the_token_field() {
    let spies = Spies::new();
    let mut view = View::new(TokenStatus::Valid);
    view.info = Some(info_expiring_at(NOW_S + 7200));
    let m = Mounted::new(view.html(&spies)).await;

    input(&m.host, "#token").set_value("pasted.token.text");
    click(&m.host, "#forget-token");
    settle().await;

    assert_eq!(spies.forget.count(), 1);
    assert_eq!(input(&m.host, "#token").value(), "");
    m.finish().await;
}

#[wasm_bindgen_test]
async fn remember_checkbox_emits_its_new_state() {
    let spies = Spies::new();
    let m = Mounted::new(View::new(TokenStatus::None).html(&spies)).await;

    click(&m.host, "#remember-token");
    settle().await;
    assert_eq!(spies.remember.take(), vec![true]);
    m.finish().await;
}

/// Issue 10, defect 8: a link or host page chooses the tenant, so the form shows, next to the
/// password field, where the password will be sent.
#[wasm_bindgen_test]
async fn the_login_form_shows_where_the_password_goes() {
    let spies = Spies::new();
    let mut view = View::new(TokenStatus::None);
    view.login_target = "http://127.0.0.1:5050".into();
    let m = Mounted::new(view.html(&spies)).await;
    let target = text(&m.host, "#login-target");
    assert!(target.contains("http://127.0.0.1:5050"), "{target}");
    assert_eq!(
        attr(&m.host, "#login-password", "aria-describedby").as_deref(),
        Some("login-target"),
        "screen readers hear it with the field"
    );
    m.finish().await;
}

/// A page whose host hands the token over: no "log in" anywhere, the portal is named instead;
/// and Tapis's refusal of a token is announced, not only shown.
#[wasm_bindgen_test]
async fn a_host_fed_page_names_the_portal_and_announces_a_refused_token() {
    let spies = Spies::new();
    let fed = Page {
        token_from_host: true,
        check_only: false,
    };
    let mut view = View::new(TokenStatus::None);
    view.page = fed;
    let m = Mounted::new(view.html(&spies)).await;
    let status = text(&m.host, "#token-status");
    assert!(
        status.contains("portal") && !status.contains("log in"),
        "{status}"
    );
    assert!(query(&m.host, "#login").is_none());
    m.finish().await;

    let mut view = View::new(TokenStatus::Expiring);
    view.page = fed;
    view.info = Some(info_expiring_at(NOW_S + 300));
    let m = Mounted::new(view.html(&spies)).await;
    assert_eq!(
        warning(&m.host).as_deref(),
        Some("Expires in 5 min 00 s. The portal has been asked for a fresh token.")
    );
    m.finish().await;

    let mut view = View::new(TokenStatus::Valid);
    view.info = Some(info_expiring_at(NOW_S + 3600));
    view.rejected = Some("Tapis reports your token as revoked.".into());
    let m = Mounted::new(view.html(&spies)).await;
    assert_eq!(
        text(&m.host, "#token-status [role=status]"),
        "Tapis refused the token for alice."
    );
    m.finish().await;
}
