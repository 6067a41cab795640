//! RS256 JWTs shaped like the ones the Tapis Tokens service issues.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::OnceLock;

pub(crate) struct Keys {
    signing: SigningKey<Sha256>,
    verifying: VerifyingKey<Sha256>,
    pub public_pem: String,
}

/// One key per process: 2048-bit generation takes about a second even optimised, and every
/// in-process test would otherwise pay it again.
pub(crate) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("RSA key generation");
        let public_pem = private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM encoding of the public key");
        Keys {
            verifying: VerifyingKey::new(private.to_public_key()),
            signing: SigningKey::new(private),
            public_pem,
        }
    })
}

pub(crate) struct Claims {
    pub username: String,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JwtError {
    Parse(String),
    /// Signature fine but `exp` passed: carries the claims, which the filter quotes.
    Expired(Value),
}

pub(crate) fn sign(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let sig = keys().signing.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

pub(crate) fn access_claims(iss: &str, tenant: &str, username: &str, jti: &str, exp: i64) -> Value {
    json!({
        "jti": jti,
        "iss": iss,
        "sub": format!("{username}@{tenant}"),
        "tapis/tenant_id": tenant,
        "tapis/token_type": "access",
        "tapis/delegation": false,
        "tapis/delegation_sub": null,
        "tapis/username": username,
        "tapis/account_type": "user",
        "exp": exp,
        "tapis/client_id": null,
        "tapis/grant_type": "password",
    })
}

/// The token's `jti`, read without any check. The site-router's revocation store keys on the
/// whole token string (tapis-project/site-router `service/db.py`); the simulator revokes by
/// `jti` (every token of a user at once), which is the same for any token it minted.
pub(crate) fn peek_jti(token: &str) -> Option<String> {
    let payload = URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1)?.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&payload).ok()?;
    claims["jti"].as_str().map(str::to_string)
}

/// Checks expiry, signature and tenant, in the order tapis-shared-java's
/// `JWTValidateRequestFilter` does: it decodes the claims unverified first and reports an
/// expired token as expired whatever its signature.
pub(crate) fn verify(token: &str, tenant: &str, now: i64) -> Result<Claims, JwtError> {
    let parse = |why: &str| JwtError::Parse(why.to_string());
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(parse("not a three-part JWT"));
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|_| parse("bad base64"))
    };
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|_| parse("bad header"))?;
    if header["alg"] != "RS256" {
        return Err(parse("unsupported algorithm"));
    }
    let claims: Value = serde_json::from_slice(&decode(p)?).map_err(|_| parse("bad claims"))?;
    let (Some(exp), Some(username), Some(_jti)) = (
        claims["exp"].as_i64(),
        claims["tapis/username"].as_str(),
        claims["jti"].as_str(),
    ) else {
        return Err(parse("missing claims"));
    };
    if exp <= now {
        return Err(JwtError::Expired(claims));
    }
    let sig = Signature::try_from(decode(s)?.as_slice()).map_err(|_| parse("bad signature"))?;
    keys()
        .verifying
        .verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| parse("signature does not verify"))?;
    // One tenant here: another tenant's key is not the site's, as an unknown signer would be.
    if claims["tapis/tenant_id"] != tenant {
        return Err(parse("token is for another tenant"));
    }
    Ok(Claims {
        username: username.to_string(),
    })
}
