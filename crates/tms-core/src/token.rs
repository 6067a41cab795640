//! Reading a pasted Tapis JWT. The signature is not verified (Tapis does that); we only need
//! the claims to know who the user is, which tenant to talk to and when the token runs out, so
//! a bad token is caught before any request is sent.

use crate::base_url::{BaseUrl, UrlError};
use crate::encoding::base64url_decode;
use crate::secret::Secret;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// The claims the app needs. Serialize is fine here: nothing secret is in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub username: String,
    pub tenant: String,
    pub issuer: String,
    /// Unix seconds.
    pub expires_at: u64,
    pub token_type: String,
    pub subject: Option<String>,
    pub jti: Option<String>,
}

impl TokenInfo {
    /// The tenant base URL is the issuer without its `/v3/tokens` suffix.
    pub fn base_url(&self) -> Result<BaseUrl, UrlError> {
        let iss = self.issuer.trim().trim_end_matches('/');
        BaseUrl::parse(iss.strip_suffix("/v3/tokens").unwrap_or(iss))
    }

    /// Negative once expired.
    pub fn seconds_left(&self, now_unix_s: u64) -> i64 {
        self.expires_at as i64 - now_unix_s as i64
    }

    pub fn is_expired(&self, now_unix_s: u64) -> bool {
        self.seconds_left(now_unix_s) <= 0
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    secret: Secret,
    info: TokenInfo,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("secret", &self.secret)
            .field("info", &self.info)
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    Empty,
    /// A JWT has exactly three dot-separated parts.
    WrongPartCount(usize),
    EmptyPart(&'static str),
    BadBase64(&'static str),
    BadJson(&'static str),
    MissingClaim(&'static str),
    NotAccessToken(String),
    Expired {
        expired_at: u64,
        seconds_ago: u64,
    },
}

impl TokenError {
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Empty => "token-empty",
            TokenError::WrongPartCount(_) | TokenError::EmptyPart(_) => "token-malformed",
            TokenError::BadBase64(_) => "token-bad-base64",
            TokenError::BadJson(_) => "token-bad-json",
            TokenError::MissingClaim(_) => "token-missing-claim",
            TokenError::NotAccessToken(_) => "token-not-access",
            TokenError::Expired { .. } => "token-expired",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Empty => write!(f, "Paste your Tapis access token first."),
            TokenError::WrongPartCount(n) => write!(
                f,
                "This is not a Tapis token: a token has 3 parts separated by dots, this text has {n}. Copy the whole access token."
            ),
            TokenError::EmptyPart(part) => write!(
                f,
                "The token's {part} part is empty; the token was probably cut off when copying."
            ),
            TokenError::BadBase64(part) => write!(
                f,
                "The token's {part} part contains characters a token cannot have; the token was probably damaged when copying."
            ),
            TokenError::BadJson(part) => {
                write!(f, "The token's {part} part cannot be read; this is not a Tapis token.")
            }
            TokenError::MissingClaim(claim) => write!(
                f,
                "The token has no \"{claim}\" field; this does not look like a Tapis access token."
            ),
            TokenError::NotAccessToken(kind) => write!(
                f,
                "This is a Tapis {kind} token, not an access token; paste the access token instead."
            ),
            TokenError::Expired { seconds_ago, .. } => write!(
                f,
                "This token expired {} ago; log in again to get a fresh one.",
                human_duration(*seconds_ago)
            ),
        }
    }
}

impl std::error::Error for TokenError {}

/// "3 h 12 min", "45 s": for user-facing sentences.
pub fn human_duration(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

impl Token {
    /// Parses a pasted token, tolerating surrounding whitespace or quotes and a leading
    /// "Bearer ", and rejects tokens that cannot work (malformed, not access, expired).
    pub fn parse(raw: &str, now_unix_s: u64) -> Result<Token, TokenError> {
        let mut text = raw.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        if text
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("bearer"))
        {
            let rest = &text[6..];
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                text = rest.trim();
            }
        }
        if text.is_empty() {
            return Err(TokenError::Empty);
        }
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 3 {
            return Err(TokenError::WrongPartCount(parts.len()));
        }
        let names = ["header", "payload", "signature"];
        for (part, name) in parts.iter().zip(names) {
            if part.is_empty() {
                return Err(TokenError::EmptyPart(name));
            }
        }
        decode_part(parts[0], "header")?;
        let claims = decode_part(parts[1], "payload")?;
        base64url_decode(parts[2]).ok_or(TokenError::BadBase64("signature"))?;

        let string = |name: &'static str| match claims.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(TokenError::MissingClaim(name)),
        };
        let token_type = string("tapis/token_type")?;
        if token_type != "access" {
            return Err(TokenError::NotAccessToken(token_type));
        }
        let expires_at = match claims.get("exp") {
            Some(Value::Number(n)) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                .ok_or(TokenError::MissingClaim("exp"))?,
            _ => return Err(TokenError::MissingClaim("exp")),
        };
        let info = TokenInfo {
            username: string("tapis/username")?,
            tenant: string("tapis/tenant_id")?,
            issuer: string("iss")?,
            expires_at,
            token_type,
            subject: string("sub").ok(),
            jti: string("jti").ok(),
        };
        if info.is_expired(now_unix_s) {
            return Err(TokenError::Expired {
                expired_at: expires_at,
                seconds_ago: now_unix_s - expires_at,
            });
        }
        Ok(Token {
            secret: Secret::new(text.to_string()),
            info,
        })
    }

    pub fn info(&self) -> &TokenInfo {
        &self.info
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }
}

fn decode_part(part: &str, name: &'static str) -> Result<Map<String, Value>, TokenError> {
    let bytes = base64url_decode(part).ok_or(TokenError::BadBase64(name))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenError::BadJson(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::base64url_encode;
    use serde_json::json;

    const NOW: u64 = 1_700_000_000;

    fn jwt(claims: &Value) -> String {
        let header = base64url_encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = base64url_encode(claims.to_string().as_bytes());
        format!("{header}.{payload}.c2lnbmF0dXJl")
    }

    fn claims() -> Value {
        json!({
            "jti": "abc", "iss": "https://designsafe.tapis.io/v3/tokens", "sub": "jdoe@designsafe",
            "exp": NOW + 3600, "tapis/tenant_id": "designsafe", "tapis/username": "jdoe",
            "tapis/token_type": "access", "tapis/account_type": "user"
        })
    }

    fn with(key: &str, value: Value) -> String {
        let mut c = claims();
        if value.is_null() {
            c.as_object_mut().unwrap().remove(key);
        } else {
            c[key] = value;
        }
        jwt(&c)
    }

    #[test]
    fn valid_token_variants() {
        let raw = jwt(&claims());
        for input in [
            raw.clone(),
            format!("  {raw}\n"),
            format!("Bearer {raw}"),
            format!("bearer   {raw} "),
            format!("\"{raw}\""),
        ] {
            let t = Token::parse(&input, NOW).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(t.secret().expose(), raw);
            let i = t.info();
            assert_eq!(
                (i.username.as_str(), i.tenant.as_str()),
                ("jdoe", "designsafe")
            );
            assert_eq!(i.issuer, "https://designsafe.tapis.io/v3/tokens");
            assert_eq!(i.expires_at, NOW + 3600);
            assert_eq!(i.seconds_left(NOW + 600), 3000);
            assert_eq!(i.seconds_left(NOW + 3700), -100);
            assert_eq!(
                i.base_url().unwrap().as_str(),
                "https://designsafe.tapis.io"
            );
        }
        let debug = format!("{:?}", Token::parse(&raw, NOW).unwrap());
        assert!(!debug.contains(&raw) && debug.contains("[redacted]"));
    }

    #[test]
    fn rejects_with_precise_reason() {
        let payload = base64url_encode(claims().to_string().as_bytes());
        let header = base64url_encode(br#"{"alg":"RS256"}"#);
        let cases: Vec<(String, TokenError)> = vec![
            ("".into(), TokenError::Empty),
            ("Bearer ".into(), TokenError::Empty),
            ("abc".into(), TokenError::WrongPartCount(1)),
            ("a.b".into(), TokenError::WrongPartCount(2)),
            ("a.b.c.d".into(), TokenError::WrongPartCount(4)),
            (format!(".{payload}.sig"), TokenError::EmptyPart("header")),
            (format!("{header}..sig"), TokenError::EmptyPart("payload")),
            (
                format!("{header}.{payload}."),
                TokenError::EmptyPart("signature"),
            ),
            (
                format!("{header}!.{payload}.sig"),
                TokenError::BadBase64("header"),
            ),
            (
                format!("{header}.{payload}+x.sig"),
                TokenError::BadBase64("payload"),
            ),
            (
                format!("{header}.{payload}.s*g"),
                TokenError::BadBase64("signature"),
            ),
            (
                format!("{header}.bm90IGpzb24.sig"),
                TokenError::BadJson("payload"),
            ),
            (
                format!("bm90IGpzb24.{payload}.sig"),
                TokenError::BadJson("header"),
            ),
            (format!("{header}.WzFd.sig"), TokenError::BadJson("payload")),
            (
                with("tapis/username", Value::Null),
                TokenError::MissingClaim("tapis/username"),
            ),
            (
                with("tapis/tenant_id", json!("")),
                TokenError::MissingClaim("tapis/tenant_id"),
            ),
            (with("iss", json!(5)), TokenError::MissingClaim("iss")),
            (with("exp", json!("soon")), TokenError::MissingClaim("exp")),
            (with("exp", Value::Null), TokenError::MissingClaim("exp")),
            (
                with("tapis/token_type", Value::Null),
                TokenError::MissingClaim("tapis/token_type"),
            ),
            (
                with("tapis/token_type", json!("refresh")),
                TokenError::NotAccessToken("refresh".into()),
            ),
            (
                with("exp", json!(NOW - 90)),
                TokenError::Expired {
                    expired_at: NOW - 90,
                    seconds_ago: 90,
                },
            ),
            (
                with("exp", json!(NOW)),
                TokenError::Expired {
                    expired_at: NOW,
                    seconds_ago: 0,
                },
            ),
        ];
        for (input, want) in cases {
            let got = Token::parse(&input, NOW).unwrap_err();
            assert_eq!(got, want, "{input}");
            assert!(!got.to_string().is_empty() && got.code().starts_with("token-"));
        }
        let expired = TokenError::Expired {
            expired_at: 0,
            seconds_ago: 3720,
        };
        assert!(expired.to_string().contains("1 h 2 min ago"));
    }

    #[test]
    fn base_url_from_issuer() {
        let t = Token::parse(&with("iss", json!("http://127.0.0.1:8080/v3/tokens")), NOW).unwrap();
        assert_eq!(
            t.info().base_url().unwrap().as_str(),
            "http://127.0.0.1:8080"
        );
        let t = Token::parse(&with("iss", json!("http://evil.org/v3/tokens")), NOW).unwrap();
        assert!(matches!(
            t.info().base_url(),
            Err(UrlError::InsecureHttp(_))
        ));
    }
}
