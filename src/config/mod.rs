//! Start-up configuration read from the page: the host element's data attributes and the URL query.
//! Kept free of browser types so it is unit-tested natively.

use crate::state::{DEFAULT_SYSTEMS, MAX_SYSTEMS};
use tms_core::encoding::percent_decode;
use tms_core::{BaseUrl, SystemId, DEFAULT_BASE_URL};

/// What the page asked for at start-up, and what it asked for wrongly. Each setting is read from
/// the host element's `data-` attribute first, then from the URL query (the iframe case), then
/// its default. An attribute that is present but invalid is reported and its default used: a
/// crafted URL never overrides what the host page said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The tenant for the login form before a token is known.
    pub base_url: String,
    pub systems: Vec<String>,
    /// Which runs the page offers: set up (and check), or check only.
    pub mode: PageMode,
    /// Whether the password login form is shown (a host that supplies the token hides it).
    pub password_form: bool,
    /// Origins of a parent window allowed to send a token and to receive results, normalised
    /// to `scheme://host[:port]`. Empty: no messages are sent or accepted.
    pub allowed_origins: Vec<String>,
    /// What was wrong, one sentence each, shown on the page.
    pub problems: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageMode {
    SetUp,
    CheckOnly,
}

/// Query parameters that look like a credential: never read, and their presence is reported.
const TOKEN_PARAMS: [&str; 5] = [
    "token",
    "access_token",
    "jwt",
    "tapis_token",
    "x-tapis-token",
];

impl Config {
    /// `attr(name)` returns the host element's attribute (`data-…`); `query` is `location.search`.
    pub fn read(attr: impl Fn(&str) -> Option<String>, query: &str, page_origin: &str) -> Config {
        let mut problems = Vec::new();
        // An empty attribute means "not set" (index.html ships `data-base-url=""`).
        let attr = |name: &str| attr(name).filter(|v| !v.trim().is_empty());
        let setting = |name: &str, param: &str| match attr(name) {
            Some(v) => Some((format!("data-{name}"), v)),
            None => query_param(query, param).map(|v| (format!("?{param}="), v)),
        };

        let base_attr = attr("base-url");
        if let Some(raw) = &base_attr {
            if let Err(e) = BaseUrl::parse(raw) {
                problems.push(format!(
                    "data-base-url “{raw}” is not a tenant address: {e}"
                ));
            }
        } else if let Some(raw) = query_param(query, "tenant") {
            let base = initial_base_url(None, query, page_origin);
            if BaseUrl::parse(&raw).map_or(true, |u| u.as_str() != base) {
                problems.push(format!(
                    "?tenant=“{raw}” is not used: from a link only https://….tapis.io addresses (or loopback, on a loopback page) are accepted."
                ));
            }
        }
        let base_url = initial_base_url(
            base_attr.as_deref().filter(|v| BaseUrl::parse(v).is_ok()),
            if base_attr.is_some() { "" } else { query },
            page_origin,
        );

        let mut systems: Vec<String> = DEFAULT_SYSTEMS.iter().map(|s| s.to_string()).collect();
        if let Some((from, raw)) = setting("systems", "systems") {
            let mut valid = Vec::new();
            for id in raw
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
            {
                match SystemId::parse(id) {
                    Ok(id) if !valid.contains(&id.to_string()) => valid.push(id.to_string()),
                    Ok(_) => {}
                    Err(e) => problems.push(format!("{from}: “{id}” is not a system id: {e}")),
                }
            }
            if valid.len() > MAX_SYSTEMS {
                problems.push(format!(
                    "{from}: only the first {MAX_SYSTEMS} systems are used."
                ));
                valid.truncate(MAX_SYSTEMS);
            }
            if valid.is_empty() {
                problems.push(format!("{from} names no valid system; using the defaults."));
            } else {
                systems = valid;
            }
        }

        let mode = match setting("mode", "mode") {
            None => PageMode::SetUp,
            Some((from, v)) => match v.trim().to_ascii_lowercase().as_str() {
                "set-up" | "setup" => PageMode::SetUp,
                "check-only" | "check" => PageMode::CheckOnly,
                _ => {
                    problems.push(format!(
                        "{from} “{v}” is not a mode (set-up or check-only); offering set-up."
                    ));
                    PageMode::SetUp
                }
            },
        };

        let password_form = match setting("password-form", "password-form") {
            None => true,
            Some((from, v)) => match v.trim().to_ascii_lowercase().as_str() {
                "show" => true,
                "hide" => false,
                _ => {
                    problems.push(format!(
                        "{from} “{v}” is not show or hide; showing the password form."
                    ));
                    true
                }
            },
        };

        let mut allowed_origins = Vec::new();
        if let Some((from, raw)) = setting("allowed-origins", "allowed-origins") {
            for item in raw
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
            {
                match parse_origin(item) {
                    Ok(origin) if !allowed_origins.contains(&origin) => {
                        allowed_origins.push(origin)
                    }
                    Ok(_) => {}
                    Err(why) => problems.push(format!("{from}: “{item}” is ignored: {why}")),
                }
            }
        }

        for name in TOKEN_PARAMS {
            if query_param(query, name).is_some() {
                problems.push(format!(
                    "?{name}= is ignored: a token is never read from the address (it would stay in history and server logs)."
                ));
            }
        }

        Config {
            base_url,
            systems,
            mode,
            password_form,
            allowed_origins,
            problems,
        }
    }
}

/// `scheme://host[:port]` as `MessageEvent.origin` spells it; `*`, paths and plain http to a
/// non-loopback host are refused.
pub fn parse_origin(input: &str) -> Result<String, String> {
    let input = input.trim();
    if input == "*" {
        return Err("“*” would accept any site; name each origin.".into());
    }
    let url = BaseUrl::parse(input).map_err(|e| e.to_string())?;
    let origin = url.as_str();
    let (scheme, rest) = origin.split_once("://").unwrap_or(("", origin));
    if rest.contains('/') {
        return Err("an origin has no path (scheme://host[:port] only).".into());
    }
    // A default port is not part of an origin as the browser reports it.
    let origin = match (scheme, rest.rsplit_once(':')) {
        ("https", Some((host, "443"))) | ("http", Some((host, "80"))) => {
            format!("{scheme}://{host}")
        }
        _ => origin.to_string(),
    };
    Ok(origin)
}

/// The tenant URL to start with, where the login form sends the password.
///
/// The host page's `data-base-url` wins: the page embedding the app decides. Without it, the
/// `?tenant=` parameter is taken only for a Tapis tenant's own `https://<tenant>.tapis.io`, or for loopback (the
/// simulator) when the page itself is served from loopback: anyone can craft a link, and a
/// deployed page must not be aimed at a port on the user's machine.
pub fn initial_base_url(data_attr: Option<&str>, query: &str, page_origin: &str) -> String {
    let page_is_loopback = BaseUrl::parse(page_origin).is_ok_and(|url| url.is_loopback());
    let from_data = data_attr.and_then(|v| BaseUrl::parse(v).ok());
    let from_query = || {
        query_param(query, "tenant")
            .and_then(|v| BaseUrl::parse(&v).ok())
            .filter(|url| {
                if url.is_loopback() {
                    page_is_loopback
                } else {
                    url.is_tapis_tenant()
                }
            })
    };
    from_data.or_else(from_query).map_or_else(
        || DEFAULT_BASE_URL.to_string(),
        |url| url.as_str().to_string(),
    )
}

/// Returns the percent-decoded value of `name` in a URL query string (with or without the leading `?`).
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| percent_decode(key).as_deref() == Some(name))
        .and_then(|(_, value)| percent_decode(value))
}

#[cfg(test)]
mod tests;
