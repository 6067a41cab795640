//! Start-up configuration read from the page: the host element's data attributes and the URL query.
//! Kept free of browser types so it is unit-tested natively.

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
    fn query_param_cases() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("?tenant=http%3A%2F%2F127.0.0.1%3A5050", "tenant", Some("http://127.0.0.1:5050")),
            ("tenant=a&x=b", "x", Some("b")),
            ("?a=1&tenant", "tenant", Some("")),
            ("?tenant=a+b", "tenant", Some("a b")),
            ("?tenantx=1", "tenant", None),
            ("", "tenant", None),
            ("?tenant=%zz", "tenant", None),
            ("?tenant=%E2%9C%93", "tenant", Some("\u{2713}")),
        ];
        for (query, name, expected) in cases {
            assert_eq!(query_param(query, name).as_deref(), *expected, "query {query:?}");
        }
    }
}
