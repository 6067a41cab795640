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
                    "data-base-url \"{raw}\" is not a tenant address: {e}"
                ));
            }
        } else if let Some(raw) = query_param(query, "tenant") {
            let base = initial_base_url(None, query, page_origin);
            if BaseUrl::parse(&raw).map_or(true, |u| u.as_str() != base) {
                problems.push(format!(
                    "?tenant=\"{raw}\" is not used: from a link only https://….tapis.io addresses (or loopback, on a loopback page) are accepted."
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
                    Err(e) => problems.push(format!("{from}: \"{id}\" is not a system id: {e}")),
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
                        "{from} \"{v}\" is not a mode (set-up or check-only); offering set-up."
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
                        "{from} \"{v}\" is not show or hide; showing the password form."
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
                    Err(why) => problems.push(format!("{from}: \"{item}\" is ignored: {why}")),
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
        return Err("\"*\" would accept any site; name each origin.".into());
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
/// `?tenant=` parameter is taken only for Tapis's own `*.tapis.io` hosts, or for loopback (the
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
                    url.host().ends_with(".tapis.io")
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
mod tests {
    use super::*;

    fn read(attrs: &[(&str, &str)], query: &str) -> Config {
        Config::read(
            |name| {
                attrs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            },
            query,
            LOCAL,
        )
    }

    #[test]
    fn defaults_without_attributes_or_parameters() {
        let c = read(&[("base-url", "")], "");
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.systems, DEFAULT_SYSTEMS);
        assert_eq!(c.mode, PageMode::SetUp);
        assert!(c.password_form);
        assert!(c.allowed_origins.is_empty());
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn the_host_element_beats_the_query_which_beats_the_default() {
        let q = "?systems=ls6&mode=check-only&password-form=hide&allowed-origins=https://a.example";
        let c = read(&[], q);
        assert_eq!(c.systems, ["ls6"]);
        assert_eq!(c.mode, PageMode::CheckOnly);
        assert!(!c.password_form);
        assert_eq!(c.allowed_origins, ["https://a.example"]);
        let c = read(
            &[
                ("systems", "vista, frontera"),
                ("mode", "set-up"),
                ("password-form", "show"),
                (
                    "allowed-origins",
                    "https://portal.example:443 http://127.0.0.1:9000",
                ),
            ],
            q,
        );
        assert_eq!(c.systems, ["vista", "frontera"]);
        assert_eq!(c.mode, PageMode::SetUp);
        assert!(c.password_form);
        assert_eq!(
            c.allowed_origins,
            ["https://portal.example", "http://127.0.0.1:9000"]
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn invalid_values_are_reported_never_silently_ignored() {
        let c = read(
            &[
                ("base-url", "ftp://x"),
                ("systems", "ls6 ../etc"),
                ("mode", "delete-all"),
                ("password-form", "maybe"),
                (
                    "allowed-origins",
                    "* http://evil.example https://a.example/path https://ok.example",
                ),
            ],
            "?tenant=https://tacc.tapis.io",
        );
        // An invalid attribute falls back to the default, not to the URL.
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.systems, ["ls6"]);
        assert_eq!(c.mode, PageMode::SetUp);
        assert!(c.password_form);
        assert_eq!(c.allowed_origins, ["https://ok.example"]);
        let all = c.problems.join("\n");
        for needle in [
            "data-base-url",
            "../etc",
            "delete-all",
            "maybe",
            "\"*\"",
            "evil.example",
            "/path",
        ] {
            assert!(all.contains(needle), "{needle} not reported in {all}");
        }
        assert_eq!(c.problems.len(), 7, "{all}");
        let c = read(&[], "?tenant=https://evil.example&systems=%2F%2F");
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
        assert_eq!(c.systems, DEFAULT_SYSTEMS);
        assert_eq!(c.problems.len(), 3, "{:?}", c.problems);
    }

    #[test]
    fn a_token_is_never_read_from_the_address() {
        let c = read(&[], "?token=eyJabc&access_token=eyJdef");
        assert_eq!(c.problems.len(), 2);
        assert!(
            c.problems.iter().all(|p| !p.contains("eyJ")),
            "{:?}",
            c.problems
        );
    }

    #[test]
    fn origins_are_normalised_as_the_browser_reports_them() {
        assert_eq!(
            parse_origin("HTTPS://Portal.Example/").unwrap(),
            "https://portal.example"
        );
        assert_eq!(
            parse_origin("http://localhost:80").unwrap(),
            "http://localhost"
        );
        assert_eq!(
            parse_origin("https://a.example:8443").unwrap(),
            "https://a.example:8443"
        );
        for bad in [
            "*",
            "null",
            "https://a.example/x",
            "http://a.example",
            "https://u@a.example",
            "",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    const DEPLOYED: &str = "https://www.designsafe-ci.org";
    const LOCAL: &str = "http://127.0.0.1:8080";

    #[test]
    fn initial_base_url_cases() {
        let cases: &[(Option<&str>, &str, &str, &str)] = &[
            (None, "", DEPLOYED, DEFAULT_BASE_URL),
            (Some(""), "", DEPLOYED, DEFAULT_BASE_URL),
            (
                Some("https://portals.tapis.io/"),
                "",
                DEPLOYED,
                "https://portals.tapis.io",
            ),
            (
                None,
                "?tenant=http%3A%2F%2F127.0.0.1%3A5050",
                LOCAL,
                "http://127.0.0.1:5050",
            ),
            (
                None,
                "?tenant=https://tacc.tapis.io",
                DEPLOYED,
                "https://tacc.tapis.io",
            ),
            // A link must not aim the login form at an arbitrary host.
            (
                None,
                "?tenant=https://evil.example",
                DEPLOYED,
                DEFAULT_BASE_URL,
            ),
            (
                None,
                "?tenant=https://tapis.io.evil.example",
                DEPLOYED,
                DEFAULT_BASE_URL,
            ),
            (
                Some("https://portals.tapis.io"),
                "?tenant=https://evil.example",
                DEPLOYED,
                "https://portals.tapis.io",
            ),
            (
                None,
                "?tenant=http://designsafe.tapis.io",
                DEPLOYED,
                DEFAULT_BASE_URL,
            ),
            (Some("not a url"), "", DEPLOYED, DEFAULT_BASE_URL),
        ];
        for (data, query, page, expected) in cases {
            assert_eq!(
                initial_base_url(*data, query, page),
                *expected,
                "data {data:?} query {query:?} page {page}"
            );
        }
    }

    /// Defect 8: the parameter overrode the host page, and aimed a deployed page at loopback.
    #[test]
    fn the_host_page_beats_the_url_parameter_and_loopback_needs_a_loopback_page() {
        let tacc = "?tenant=https://tacc.tapis.io";
        assert_eq!(
            initial_base_url(Some("https://portals.tapis.io"), tacc, DEPLOYED),
            "https://portals.tapis.io"
        );
        for local in [
            "?tenant=http://127.0.0.1:5050",
            "?tenant=http://localhost:5050",
            "?tenant=https://127.0.0.1:5050",
        ] {
            assert_eq!(
                initial_base_url(None, local, DEPLOYED),
                DEFAULT_BASE_URL,
                "{local} from a deployed page"
            );
            assert_ne!(
                initial_base_url(None, local, LOCAL),
                DEFAULT_BASE_URL,
                "{local}"
            );
        }
        for page in ["null", "", "file://", "http://evil.example"] {
            assert_eq!(
                initial_base_url(None, "?tenant=http://127.0.0.1:5050", page),
                DEFAULT_BASE_URL,
                "page {page:?}"
            );
        }
    }

    #[test]
    fn query_param_cases() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "?tenant=http%3A%2F%2F127.0.0.1%3A5050",
                "tenant",
                Some("http://127.0.0.1:5050"),
            ),
            ("tenant=a&x=b", "x", Some("b")),
            ("?a=1&tenant", "tenant", Some("")),
            ("?tenant=a+b", "tenant", Some("a b")),
            ("?tenantx=1", "tenant", None),
            ("", "tenant", None),
            ("?tenant=%zz", "tenant", None),
            ("?tenant=%E2%9C%93", "tenant", Some("\u{2713}")),
            ("?tenant=%+1", "tenant", None),
            ("?tenant=%-1x", "tenant", None),
            ("?tenant=%é", "tenant", None),
            ("?tenant=%", "tenant", None),
        ];
        for (query, name, expected) in cases {
            assert_eq!(
                query_param(query, name).as_deref(),
                *expected,
                "query {query:?}"
            );
        }
    }
}
