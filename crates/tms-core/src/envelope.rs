//! Tapis's response envelope (`{status, message, result, version, commit, build, metadata}`)
//! and the text the app keeps of any answer: the whole message for classification, a short
//! excerpt for the activity log. Tapis keys errors on the HTTP status and the message, and the
//! JWT filter answers in plain text even when the Content-Type says JSON, so nothing here
//! trusts headers: a body is JSON when it parses as a JSON object.

use crate::json::{self, Flex};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Log excerpts stay short: enough to recognise the message, not a whole HTML page.
pub const EXCERPT_CHARS: usize = 300;

#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    message: Flex,
}

#[derive(Deserialize)]
struct WithResult<R> {
    result: R,
}

/// The `message` string of a JSON envelope, if the body is one.
pub fn message(body: &str) -> Option<String> {
    json::parse_object::<Head>(body)?
        .message
        .as_str()
        .map(str::to_string)
}

/// True when the body is a JSON object (an envelope), not plain text or an HTML page.
pub fn is_json_object(body: &str) -> bool {
    json::parse_object::<Head>(body).is_some()
}

/// The envelope's `result` as `R`; `None` when it is missing or of another shape.
pub fn result<R: DeserializeOwned>(body: &str) -> Option<R> {
    json::parse_object::<WithResult<R>>(body).map(|e| e.result)
}

/// The whole message: what classification reads, since Tapis nests the decisive code (e.g.
/// `SYSLIB_CRED_CONN_FAIL`) after long context that an excerpt would cut off.
pub fn full_message(body: &str) -> String {
    if let Some(m) = message(body) {
        return m;
    }
    let text = body.trim();
    if text.starts_with('<') {
        if let Some(title) = html_title(text) {
            return title.to_string();
        }
        return strip_tags(text);
    }
    text.to_string()
}

/// The message of an answer, shortened for the log and the UI. Never panics on any input.
pub fn message_excerpt(body: &str) -> String {
    excerpt(&full_message(body))
}

fn html_title(html: &str) -> Option<&str> {
    // ASCII lower-casing keeps byte offsets, so they index the original text safely.
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    Some(&html[start..end])
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whitespace folded, at most [`EXCERPT_CHARS`] characters (cut on a character boundary).
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    for (count, word) in text.split_whitespace().enumerate() {
        if count > 0 {
            out.push(' ');
        }
        push_redacted(&mut out, word);
        if out.len() > EXCERPT_CHARS * 4 {
            break; // enough: no need to fold a megabyte to keep 300 characters
        }
    }
    match out.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => {
            out.truncate(i);
            out.push('…');
            out
        }
        None => out,
    }
}

/// What replaces a token found in a message.
pub const TOKEN_REMOVED: &str = "[token removed]";

/// Appends `word` with any JWT in it replaced: a server or proxy that echoes the request's token
/// back (a JWT starts with `eyJ`, the encoding of `{"`) must not put it in the log or report.
fn push_redacted(out: &mut String, mut word: &str) {
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    while let Some(i) = word.find("eyJ") {
        let len = word[i..].find(|c| !token_char(c)).unwrap_or(word.len() - i);
        if len < 16 {
            out.push_str(&word[..i + 3]);
            word = &word[i + 3..];
            continue;
        }
        out.push_str(&word[..i]);
        out.push_str(TOKEN_REMOVED);
        word = &word[i + len..];
    }
    out.push_str(word);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_never_panic() {
        let long = "é".repeat(1000);
        let cases = [
            (
                r#"{"status":"error","message":"SYSAPI_NOSYSTEM x","version":"1"}"#.to_string(),
                "SYSAPI_NOSYSTEM x".to_string(),
            ),
            (
                "TAPIS_SECURITY_JWT_EXPIRED  token\n expired ".into(),
                "TAPIS_SECURITY_JWT_EXPIRED token expired".into(),
            ),
            (
                "<html><head><title>502 Bad Gateway</title></head></html>".into(),
                "502 Bad Gateway".into(),
            ),
            (
                "<html><body><h1>Oops</h1><p>down</p></body></html>".into(),
                "Oops down".into(),
            ),
            ("<title>".into(), "".into()),
            ("</title><title>".into(), "".into()),
            ("<TITLE>İİ</title>".into(), "İİ".into()),
            ("".into(), "".into()),
            (r#"{"message": 5}"#.into(), r#"{"message": 5}"#.into()),
            ("[1,2]".into(), "[1,2]".into()),
            (long.clone(), format!("{}…", "é".repeat(EXCERPT_CHARS))),
        ];
        for (body, want) in cases {
            assert_eq!(message_excerpt(&body), want, "{body}");
        }
    }

    #[test]
    fn results_and_objects() {
        let ok = r#"{"status":"success","message":"ok","result":{"a":1},"metadata":null}"#;
        #[derive(Deserialize, Debug, PartialEq)]
        struct A {
            a: u32,
        }
        assert_eq!(result::<A>(ok), Some(A { a: 1 }));
        assert_eq!(result::<Option<A>>(r#"{"result":null}"#), Some(None));
        assert_eq!(result::<A>(r#"{"result":"x"}"#), None);
        assert_eq!(result::<A>("TAPIS_SECURITY_JWT_EXPIRED"), None);
        assert!(is_json_object(ok) && !is_json_object("[1]") && !is_json_object("plain"));
    }

    #[test]
    fn a_token_echoed_in_a_message_is_removed() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        for (text, want) in [
            (
                format!("bad token {jwt} here"),
                format!("bad token {TOKEN_REMOVED} here"),
            ),
            (
                format!("token=\"{jwt}\"."),
                format!("token=\"{TOKEN_REMOVED}\"."),
            ),
            (format!("{jwt}{jwt}"), TOKEN_REMOVED.to_string()),
            (
                "keyJ is not one, nor eyJab".into(),
                "keyJ is not one, nor eyJab".into(),
            ),
        ] {
            assert_eq!(excerpt(&text), want);
            assert!(
                !message_excerpt(&format!("{{\"message\":\"{text}\"}}")).contains("c2lnbmF0dXJl")
            );
        }
    }
}
