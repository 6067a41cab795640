use super::*;
use crate::wording::Page;
use Operation::*;

const SK_ERROR: &str = "SYSAPI_CRED_ERROR Unable to operate on credential for system. System: s1 User: u Operation: createUserCredential Error: SYSLIB_CRED_SK_ERROR Error operating on credentials. See underlying exception. System: s1 Operation: setCred";

fn json(msg: &str) -> String {
    serde_json::json!({"status": "error", "message": msg, "version": "1.8.2"}).to_string()
}

#[test]
fn classification_table() {
    let not_found = json("SYSLIB_CRED_NOT_FOUND Credential not found for user jdoe");
    let rejected =
        json("SYSAPI_CRED_VALID_FAIL Validation failed. SYSLIB_CRED_VALID_FAIL auth failed");
    let conn =
        json("SYSAPI_CRED_VALID_FAIL Validation failed. SYSLIB_CRED_CONN_FAIL connection refused");
    let not_supported = json(
        "SYSAPI_CRED_VALID_FAIL Credential validation failed. Message: SYSLIB_CRED_NOT_SUPPORTED Credential validation failed. Not supported for system type.",
    );
    let tms = |code: &str| json(&format!("SYSAPI_CRED_ERROR failed. {code} details"));
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let cases: Vec<(Operation, u16, String, &str)> = vec![
        (Check, 200, json("SYSAPI_CRED_OK ok"), "ok"),
        (Create, 201, json("created"), "ok"),
        (Remove, 201, json("SYSAPI_CRED_DELETED"), "ok"),
        // A 2xx without Tapis's envelope (a portal page, a cut-off body) proves nothing.
        (Remove, 200, "".into(), "unexpected-response"),
        (
            Check,
            200,
            "<html><body>Sign in to the campus network</body></html>".into(),
            "unexpected-response",
        ),
        (
            Create,
            201,
            "{\"status\":\"succ".into(),
            "unexpected-response",
        ),
        // A cut-off JSON 401 is not the JWT filter's plain text.
        (
            Check,
            401,
            "{\"status\":\"error\",\"mess".into(),
            "unexpected-response",
        ),
        (
            Check,
            401,
            "TAPIS_SECURITY_JWT_EXPIRED Token expired".into(),
            "token-expired",
        ),
        (
            Check,
            401,
            "TAPIS_SECURITY_JWT_PARSE_ERROR bad".into(),
            "token-invalid",
        ),
        (
            GetSystem,
            401,
            "TAPIS_SECURITY_MISSING_JWT_INFO x".into(),
            "token-invalid",
        ),
        (Create, 401, "Unauthorized".into(), "token-invalid"),
        (
            ListSystems,
            401,
            json("TAPIS_SECURITY_JWT_EXPIRED x"),
            "token-expired",
        ),
        (Check, 500, json("Token is revoked."), "token-revoked"),
        (Remove, 500, json("Token is revoked."), "token-revoked"),
        (Check, 401, not_found.clone(), "credentials-missing"),
        (Check, 401, rejected.clone(), "key-rejected"),
        (Check, 401, conn.clone(), "host-unreachable"),
        (Create, 401, conn.clone(), "host-unreachable"),
        (Check, 401, json("SOMETHING_NEW"), "unexpected-response"),
        (
            Check,
            403,
            json("SYSLIB_UNAUTH not authorized"),
            "no-access",
        ),
        (GetSystem, 403, json("SYSLIB_UNAUTH"), "no-access"),
        (Create, 403, json("SYSLIB_UNAUTH"), "no-access"),
        (Check, 404, json("SYSAPI_NOSYSTEM not found"), "not-found"),
        (GetSystem, 404, json("SYSAPI_NOSYSTEM"), "not-found"),
        (Remove, 404, json("SYSAPI_NOSYSTEM"), "not-found"),
        (ListSystems, 404, html.into(), "unexpected-response"),
        (
            Check,
            500,
            json("SYSAPI_CRED_CHECK_ERROR boom"),
            "server-error",
        ),
        (Check, 502, html.into(), "server-error"),
        (Check, 503, "".into(), "server-error"),
        (Create, 401, rejected.clone(), "key-not-yet-usable"),
        // The validation wrapper alone says nothing about why: never "refused", never a create.
        (
            Create,
            401,
            json("SYSAPI_CRED_VALID_FAIL ssh failed"),
            "unexpected-response",
        ),
        (
            Check,
            401,
            json("SYSAPI_CRED_VALID_FAIL Validation failed. Message: SOMETHING_NEW"),
            "unexpected-response",
        ),
        // "Not supported" (no TMS_KEYS case in verifyConnection on tms-mvp; GLOBUS, IRODS).
        (Check, 401, not_supported.clone(), "cannot-verify"),
        (Create, 401, not_supported.clone(), "cannot-verify"),
        (
            Create,
            500,
            tms("SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED"),
            "tms-refused",
        ),
        (
            Create,
            500,
            tms("SYSLIB_CRED_TMS_KEYS_NOT_CFG"),
            "tms-refused",
        ),
        (
            Create,
            500,
            tms("SYSLIB_CRED_TMS_KEYS_INVALID_SYS_TYPE"),
            "tms-refused",
        ),
        (
            Create,
            500,
            tms("SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED"),
            "tms-refused",
        ),
        (
            Create,
            500,
            tms("SYSLIB_CRED_TMS_KEYS_HTTP_ERR"),
            "tms-refused",
        ),
        (
            Create,
            400,
            tms("SYSLIB_CRED_TMS_KEYS_BAD_ARG"),
            "tms-refused",
        ),
        (Create, 500, json("SYSAPI_CRED_ERROR other"), "server-error"),
        (Create, 500, json(SK_ERROR), "secret-store"),
        (Remove, 500, json(SK_ERROR), "secret-store"),
        // A check never meets it (a failed read is answered as "no key"); if it did, no create.
        (Check, 500, json(SK_ERROR), "server-error"),
        (Create, 400, json("bad body"), "unexpected-response"),
        (
            Login,
            401,
            json("Invalid username/password combination."),
            "login-rejected",
        ),
        (
            Login,
            400,
            json("Invalid username/password combination."),
            "login-rejected",
        ),
        (Login, 403, json("client not allowed"), "login-not-allowed"),
        (
            Login,
            400,
            json("Invalid username; user jdoe does not have access to the designsafe tenant."),
            "login-not-in-tenant",
        ),
        (
            Login,
            400,
            json("Failure to generate an access token; please try again later."),
            "server-error",
        ),
        (Login, 500, "oops".into(), "server-error"),
        (
            Remove,
            401,
            "TAPIS_SECURITY_JWT_EXPIRED".into(),
            "token-expired",
        ),
        (
            Check,
            500,
            json("SYSAPI_CHECK_ERROR Check failed. SYSLIB_UNAUTH jdoe may not read"),
            "no-access",
        ),
        (
            GetSystem,
            500,
            json("SYSAPI_SYS_GET_ERROR x. SYSLIB_UNAUTH y"),
            "no-access",
        ),
        (
            Create,
            401,
            json("SYSAPI_CRED_VALID_FAIL Validation failed. SYSLIB_CRED_NOT_FOUND no key"),
            "not-tms",
        ),
        (Create, 401, json("SOMETHING_ELSE"), "unexpected-response"),
        (
            Check,
            500,
            json("SYSAPI_CRED_CHECK_ERROR boom"),
            "server-error",
        ),
    ];
    for (op, status, body, want) in cases {
        let got = classify(op, &Ok(Response::new(status, body.clone())));
        let code = got.as_ref().map_or_else(Problem::code, |_| "ok");
        assert_eq!(code, want, "{op:?} {status} {body}");
        if let Err(p) = got {
            assert!(
                !p.explanation().contains("SYS") && !p.next_step().contains("SYS"),
                "{p:?}"
            );
        }
    }
    let transport = [
        (TransportError::Network("refused".into()), "network"),
        (TransportError::Timeout, "timeout"),
        (TransportError::Cancelled, "cancelled"),
    ];
    for (err, want) in transport {
        assert_eq!(classify(Check, &Err(err)).unwrap_err().code(), want);
    }
}

/// Tapis puts the decisive code after long context (tenant, user, system, host, ...): a
/// truncated message must not turn "host unreachable" into "key rejected" (which would
/// create a key) nor hide a TMS refusal.
#[test]
fn codes_past_the_excerpt_still_decide() {
    let context = format!("jwtTenant: designsafe jwtUserId: {} ", "x".repeat(400));
    let conn = json(&format!(
        "SYSAPI_CRED_VALID_FAIL Validation failed. {context} SYSLIB_CRED_CONN_FAIL refused"
    ));
    let got = classify(Check, &Ok(Response::new(401, conn))).unwrap_err();
    assert_eq!(got.code(), "host-unreachable");
    assert!(got.raw_message().unwrap().chars().count() <= crate::envelope::EXCERPT_CHARS + 1);
    let tms = json(&format!(
        "SYSAPI_CRED_ERROR {context} SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED x IsStaticEffectiveUser: true"
    ));
    let got = classify(Create, &Ok(Response::new(500, tms))).unwrap_err();
    assert_eq!(
        got,
        Problem::TmsRefused {
            reason: TmsRefusal::StaticUser,
            message: crate::envelope::message_excerpt(&json(&format!(
                "SYSAPI_CRED_ERROR {context} SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED x IsStaticEffectiveUser: true"
            )))
        }
    );
}

#[test]
fn tms_reasons_and_raw_messages() {
    let cases = [
        (
            "SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED",
            TmsRefusal::TenantNotAllowed,
        ),
        ("SYSLIB_CRED_TMS_KEYS_NOT_CFG", TmsRefusal::NotConfigured),
        (
            "SYSLIB_CRED_TMS_KEYS_INVALID_SYS_TYPE",
            TmsRefusal::InvalidSystemType,
        ),
        (
            "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED LoginUser: null IsStaticEffectiveUser: true",
            TmsRefusal::StaticUser,
        ),
        // tms-mvp fills in the caller as loginUser: not the system's doing.
        (
            "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED LoginUser: demo IsStaticEffectiveUser: false",
            TmsRefusal::LoginUser,
        ),
        ("SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED", TmsRefusal::LoginUser),
        ("SYSLIB_CRED_TMS_KEYS_ERR", TmsRefusal::KeyService),
        ("SYSLIB_CRED_TMS_KEYS_NO_BODY", TmsRefusal::KeyService),
        ("SYSLIB_CRED_TMS_KEYS_NULL_FIELD", TmsRefusal::KeyService),
        ("SYSLIB_CRED_TMS_KEYS_EMPTY_FIELD", TmsRefusal::KeyService),
        ("SYSLIB_CRED_TMS_KEYS_BAD_ARG", TmsRefusal::BadArgument),
        ("SYSLIB_CRED_TMS_KEYS_WHATEVER", TmsRefusal::Other),
    ];
    for (code, want) in cases {
        let msg = format!("SYSAPI_CRED_ERROR x. {code}: detail");
        assert_eq!(TmsRefusal::from_message(&msg), Some(want), "{code}");
    }
    let p = classify(
        Check,
        &Ok(Response::new(401, json("SYSLIB_CRED_NOT_FOUND jdoe"))),
    )
    .unwrap_err();
    assert_eq!(p.raw_message(), Some("SYSLIB_CRED_NOT_FOUND jdoe"));
    assert!(p.explanation().contains("No key"));
    let pki = Problem::NotTms {
        authn_method: "PKI_KEYS".into(),
    };
    assert!(pki.next_step().contains("key pair") && pki.next_step().contains("multi-factor"));
    let pw = Problem::NotTms {
        authn_method: "PASSWORD".into(),
    };
    assert!(pw.explanation().contains("password") && pw.next_step().contains("password"));
}

/// What only Tapis or TACC staff can fix sends the user to one place, the same way, with the
/// report; none says "mention this message" (the message is only in the log).
#[test]
fn staff_only_problems_point_to_a_help_ticket() {
    let m = || String::from("x");
    let staff_only = [
        Problem::CannotVerify { message: m() },
        Problem::NoAccess { message: m() },
        Problem::NotLinux {
            system_type: "S3".into(),
        },
        Problem::Unexpected {
            status: 418,
            message: m(),
        },
        Problem::TmsRefused {
            reason: TmsRefusal::TenantNotAllowed,
            message: m(),
        },
        Problem::TmsRefused {
            reason: TmsRefusal::LoginUser,
            message: m(),
        },
        Problem::TmsRefused {
            reason: TmsRefusal::KeyService,
            message: m(),
        },
    ];
    for p in staff_only {
        let next = p.next_step();
        assert!(next.contains(crate::wording::HELP_TICKET), "{p:?}: {next}");
        assert!(!next.contains("mention this message"), "{p:?}: {next}");
    }
}

/// The way out depends on the page: a host-fed page has no login and goes on by itself; a
/// check-only page has no "Set up credentials" to point at.
#[test]
fn next_steps_follow_the_page() {
    let host = Page {
        token_from_host: true,
        check_only: false,
    };
    let check_only = Page {
        token_from_host: false,
        check_only: true,
    };
    let m = || "m".to_string();
    let token_problems = [
        Problem::TokenExpired { message: None },
        Problem::TokenInvalid { message: m() },
        Problem::TokenRevoked { message: m() },
    ];
    for p in &token_problems {
        let (own, fed) = (p.next_step(), p.next_step_on(host));
        assert!(
            own.contains("Log in again") && own.contains("run it again"),
            "{own}"
        );
        assert!(fed.contains("portal") && !fed.contains("Log in"), "{fed}");
        assert!(!fed.contains("run it again"), "it goes on by itself: {fed}");
    }
    for p in [
        Problem::CredentialsMissing { message: m() },
        Problem::KeyRejected { message: m() },
    ] {
        assert!(p.next_step().contains("“Set up credentials”"));
        let step = p.next_step_on(check_only);
        assert!(
            step.starts_with("This page only checks") && !step.contains("“Set up"),
            "{step}"
        );
    }
    // Nothing else changes with the page.
    let other = Problem::HostUnreachable { message: m() };
    assert_eq!(other.next_step_on(host), other.next_step());
    assert_eq!(other.next_step_on(check_only), other.next_step());
}
