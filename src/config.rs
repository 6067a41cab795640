//! Start-up configuration read from the page: the host element's data attributes and the URL query.
//! Kept free of browser types so it is unit-tested natively.

use tms_core::encoding::percent_decode;
use tms_core::{BaseUrl, DEFAULT_BASE_URL};

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
