use super::*;
use crate::encoding::base64url_encode;
use serde_json::{json, Value};

const NOW: u64 = 1_700_000_000;

fn jwt(claims: &Value) -> String {
    crate::testing::jwt(&claims.to_string())
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
    // RFC 7519 NumericDate may be fractional.
    let t = Token::parse(&with("exp", json!(NOW as f64 + 3600.75)), NOW).unwrap();
    assert_eq!(t.info().expires_at, NOW + 3600);
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
        (with("exp", json!(1e19)), TokenError::BadClaim("exp")),
        (
            with("exp", json!(9_223_372_036_854_775_808u64)),
            TokenError::BadClaim("exp"),
        ),
        (with("exp", json!(u64::MAX)), TokenError::BadClaim("exp")),
        (with("exp", json!(-5)), TokenError::BadClaim("exp")),
        (with("exp", json!(i64::MIN)), TokenError::BadClaim("exp")),
        (with("exp", json!(MAX_EXP + 1)), TokenError::BadClaim("exp")),
        (
            "a".repeat(MAX_TOKEN_CHARS + 1),
            TokenError::TooLong(MAX_TOKEN_CHARS + 1),
        ),
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
        assert!(!got.to_string().is_empty());
    }
    let expired = TokenError::Expired {
        expired_at: 0,
        seconds_ago: 3720,
    };
    assert!(expired.to_string().contains("1 h 02 min ago"));
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
