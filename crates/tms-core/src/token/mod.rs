//! Reading a pasted Tapis JWT. The signature is not verified (Tapis does that); we only need
//! the claims to know who the user is, which tenant to talk to and when the token runs out, so
//! a bad token is caught before any request is sent.

use crate::base_url::{BaseUrl, UrlError};
use crate::encoding::base64url_decode;
use crate::json::{self, Flex};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longer than any Tapis token (about 1 KB); a paste this long is something else.
pub const MAX_TOKEN_CHARS: usize = 16 * 1024;
/// 9999-12-31T23:59:59Z: a later `exp` is not a time, it is a broken or hostile token.
pub const MAX_EXP: u64 = 253_402_300_799;

/// The claims the app needs. Serialize is fine here: nothing secret is in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub username: String,
    pub tenant: String,
    pub issuer: String,
    /// Unix seconds.
    pub expires_at: u64,
    pub token_type: String,
}

impl TokenInfo {
    /// The tenant base URL is the issuer without its `/v3/tokens` suffix.
    pub fn base_url(&self) -> Result<BaseUrl, UrlError> {
        let iss = self.issuer.trim().trim_end_matches('/');
        BaseUrl::parse(iss.strip_suffix("/v3/tokens").unwrap_or(iss))
    }

    /// Negative once expired.
    pub fn seconds_left(&self, now_unix_s: u64) -> i64 {
        let left = i128::from(self.expires_at) - i128::from(now_unix_s);
        left.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
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
    TooLong(usize),
    /// A JWT has exactly three dot-separated parts.
    WrongPartCount(usize),
    EmptyPart(&'static str),
    BadBase64(&'static str),
    BadJson(&'static str),
    MissingClaim(&'static str),
    /// Present but impossible, e.g. an `exp` beyond the year 9999 or negative.
    BadClaim(&'static str),
    NotAccessToken(String),
    Expired {
        expired_at: u64,
        seconds_ago: u64,
    },
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Empty => write!(f, "Paste your Tapis access token first."),
            TokenError::TooLong(n) => write!(
                f,
                "This text is {n} characters long, far longer than a Tapis token; copy just the access token."
            ),
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
                "The token has no “{claim}” field; this does not look like a Tapis access token."
            ),
            TokenError::BadClaim(claim) => write!(
                f,
                "The token's “{claim}” field holds an impossible value; this is not a valid Tapis token."
            ),
            TokenError::NotAccessToken(kind) => write!(
                f,
                "This is a Tapis {kind} token, not an access token; paste the access token instead."
            ),
            TokenError::Expired { seconds_ago, .. } => write!(
                f,
                "This token expired {} ago.",
                crate::duration::human_secs(*seconds_ago)
            ),
        }
    }
}

impl std::error::Error for TokenError {}

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
        if text.len() > MAX_TOKEN_CHARS {
            return Err(TokenError::TooLong(text.chars().count()));
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
        decode_part::<Header>(parts[0], "header")?;
        let claims = decode_part::<Claims>(parts[1], "payload")?;
        base64url_decode(parts[2]).ok_or(TokenError::BadBase64("signature"))?;

        let string =
            |flex: &Flex, name: &'static str| flex.text().ok_or(TokenError::MissingClaim(name));
        let token_type = string(&claims.token_type, "tapis/token_type")?;
        if token_type != "access" {
            return Err(TokenError::NotAccessToken(token_type));
        }
        let exp = claims.exp.as_f64().ok_or(TokenError::MissingClaim("exp"))?;
        // RFC 7519 allows a fractional NumericDate; anything outside 0..=MAX_EXP is not a time.
        if !(exp.is_finite() && (0.0..=MAX_EXP as f64).contains(&exp)) {
            return Err(TokenError::BadClaim("exp"));
        }
        let expires_at = exp.floor() as u64;
        let info = TokenInfo {
            username: string(&claims.username, "tapis/username")?,
            tenant: string(&claims.tenant, "tapis/tenant_id")?,
            issuer: string(&claims.issuer, "iss")?,
            expires_at,
            token_type,
        };
        if info.is_expired(now_unix_s) {
            return Err(TokenError::Expired {
                expired_at: expires_at,
                seconds_ago: now_unix_s.saturating_sub(expires_at),
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

/// Any JSON object: the header only has to be one.
#[derive(Deserialize)]
struct Header {}

/// The claims the app reads; any of them may be missing or of another type (reported as a
/// missing claim), and unknown ones are ignored.
#[derive(Deserialize)]
struct Claims {
    #[serde(default, rename = "tapis/username")]
    username: Flex,
    #[serde(default, rename = "tapis/tenant_id")]
    tenant: Flex,
    #[serde(default, rename = "tapis/token_type")]
    token_type: Flex,
    #[serde(default, rename = "iss")]
    issuer: Flex,
    #[serde(default)]
    exp: Flex,
}

fn decode_part<T: for<'de> Deserialize<'de>>(
    part: &str,
    name: &'static str,
) -> Result<T, TokenError> {
    let bytes = base64url_decode(part).ok_or(TokenError::BadBase64(name))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| TokenError::BadJson(name))?;
    json::parse_object(text).ok_or(TokenError::BadJson(name))
}

#[cfg(test)]
mod tests;
