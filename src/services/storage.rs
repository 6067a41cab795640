//! Opt-in token persistence. By default the token lives only in memory; when the user ticks
//! "keep for this tab" it goes to `sessionStorage`, which the browser drops when the tab closes.
const KEY: &str = "tms-credentials.token";

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

pub fn load_token() -> Option<String> {
    session()?.get_item(KEY).ok().flatten()
}

pub fn save_token(raw: &str) {
    if let Some(storage) = session() {
        let _ = storage.set_item(KEY, raw);
    }
}

pub fn forget_token() {
    if let Some(storage) = session() {
        let _ = storage.remove_item(KEY);
    }
}
