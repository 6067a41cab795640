//! Test tokens, shared by every crate's tests (feature `testing`): unsigned JWTs with Tapis's
//! claims. The app never verifies signatures (Tapis does), so these parse like real ones.

use crate::encoding::base64url_encode;
use crate::json::string_literal;

/// A JWT with the given claims (a JSON object's text), an RS256 header and a dummy signature.
pub fn jwt(claims_json: &str) -> String {
    format!(
        "{}.{}.c2lnbmF0dXJl",
        base64url_encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        base64url_encode(claims_json.as_bytes())
    )
}

/// The claims of a Tapis access token for `username` in `tenant`, issued by `iss`.
pub fn access_claims(username: &str, tenant: &str, iss: &str, exp: u64) -> String {
    format!(
        r#"{{"jti":"test-jti","iss":{},"sub":{},"exp":{exp},"tapis/tenant_id":{},"tapis/username":{},"tapis/token_type":"access","tapis/account_type":"user","tapis/delegation":false}}"#,
        string_literal(iss),
        string_literal(&format!("{username}@{tenant}")),
        string_literal(tenant),
        string_literal(username),
    )
}

/// An access token for `username` from issuer `iss` (tenant `designsafe`), expiring at `exp`.
pub fn access_token(username: &str, iss: &str, exp: u64) -> String {
    jwt(&access_claims(username, "designsafe", iss, exp))
}
