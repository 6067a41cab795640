//! Start-up configuration read from the page: the host element's data attributes and the URL query.
//! Kept free of browser types so it is unit-tested natively.

use tms_core::{BaseUrl, DEFAULT_BASE_URL};

/// The tenant URL to start with. The host page's `data-base-url` is trusted as given; the
/// `?tenant=` parameter only for loopback (the simulator) and Tapis's own `*.tapis.io` hosts,
/// because anyone can craft a link and the login form sends a password there.
pub fn initial_base_url(data_attr: Option<&str>, query: &str) -> String {
    let from_data = data_attr.and_then(|v| BaseUrl::parse(v).ok());
    let from_query = query_param(query, "tenant")
        .and_then(|v| BaseUrl::parse(&v).ok())
        .filter(|url| url.is_loopback() || url.host().ends_with(".tapis.io"));
    from_query.or(from_data).map_or_else(
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

/// Decodes `%XX` escapes and `+` (form encoding); `None` on malformed escapes or invalid UTF-8.
fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = input.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_base_url_cases() {
        let cases: &[(Option<&str>, &str, &str)] = &[
            (None, "", DEFAULT_BASE_URL),
            (Some(""), "", DEFAULT_BASE_URL),
            (
                Some("https://portals.tapis.io/"),
                "",
                "https://portals.tapis.io",
            ),
            (
                None,
                "?tenant=http%3A%2F%2F127.0.0.1%3A5050",
                "http://127.0.0.1:5050",
            ),
            (
                None,
                "?tenant=https://tacc.tapis.io",
                "https://tacc.tapis.io",
            ),
            // A link must not aim the login form at an arbitrary host.
            (None, "?tenant=https://evil.example", DEFAULT_BASE_URL),
            (
                None,
                "?tenant=https://tapis.io.evil.example",
                DEFAULT_BASE_URL,
            ),
            (
                Some("https://portals.tapis.io"),
                "?tenant=https://evil.example",
                "https://portals.tapis.io",
            ),
            (None, "?tenant=http://designsafe.tapis.io", DEFAULT_BASE_URL),
            (Some("not a url"), "", DEFAULT_BASE_URL),
        ];
        for (data, query, expected) in cases {
            assert_eq!(
                initial_base_url(*data, query),
                *expected,
                "data {data:?} query {query:?}"
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
