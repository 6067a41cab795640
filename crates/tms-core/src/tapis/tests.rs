use super::*;
use crate::testing::access_token;

fn client(user: &str) -> Client {
    let raw = access_token(user, "https://designsafe.tapis.io/v3/tokens", 4_000_000_000);
    Client::new(BaseUrl::default(), Token::parse(&raw, 0).unwrap())
}

#[test]
fn calls_pair_request_and_operation() {
    let client = client("j doe/x");
    let id = SystemId::parse("stampede3").unwrap();
    let base = "https://designsafe.tapis.io";
    let cred = "/v3/systems/credential/stampede3/user/j%20doe%2Fx";
    let cases = [
        (
            client.check(&id),
            Operation::Check,
            "POST",
            format!("{cred}/check"),
            None,
        ),
        (
            client.get_system(&id),
            Operation::GetSystem,
            "GET",
            format!("/v3/systems/stampede3?select={SYSTEM_FIELDS}"),
            None,
        ),
        (
            client.list_systems(50),
            Operation::ListSystems,
            "GET",
            format!("/v3/systems?listType=ALL&select={SYSTEM_FIELDS}&limit=50"),
            None,
        ),
        (
            client.create_tms(&id),
            Operation::Create,
            "POST",
            format!("{cred}?createTmsKeys=true"),
            Some("{}"),
        ),
        (
            client.remove(&id),
            Operation::Remove,
            "DELETE",
            cred.to_string(),
            None,
        ),
    ];
    for (call, op, method, path, body) in cases {
        let req = &call.request;
        assert_eq!(call.op, op);
        assert_eq!(req.method.as_str(), method);
        assert_eq!(req.url, format!("{base}{path}"));
        assert_eq!(req.path(), path);
        assert_eq!(req.body.as_deref(), body);
        assert_eq!(
            req.header("x-tapis-token"),
            Some(client.token().secret().expose())
        );
        assert_eq!(req.header("content-type").is_some(), body.is_some());
        assert!(req.header("X-Tapis-User").is_none() && req.header("X-Tapis-Tenant").is_none());
    }
    let pw = password_grant(&BaseUrl::default(), "jdoe", &Secret::new("p\"w".into()));
    assert_eq!(pw.op, Operation::Login);
    assert_eq!(pw.request.url, format!("{base}/v3/oauth2/tokens"));
    assert!(pw.request.header(TOKEN_HEADER).is_none());
    assert_eq!(
        pw.request.body.as_deref(),
        Some(r#"{"grant_type":"password","password":"p\"w","username":"jdoe"}"#)
    );
}

#[test]
fn system_info_takes_tapis_as_it_is() {
    let as_json = r#"{"id":"ls6","host":"ls6.tacc.utexas.edu","systemType":"LINUX","defaultAuthnMethod":"TMS_KEYS",
        "effectiveUserId":"${apiUserId}","isDynamicEffectiveUser":true,"enabled":true,"canExec":true,"extra":{"x":[1]}}"#;
    // What `select` answers: TapisSystemDTO.addDisplayField writes Boolean.toString.
    let as_strings = r#"{"id":"ls6","host":"ls6.tacc.utexas.edu","systemType":"LINUX","defaultAuthnMethod":"TMS_KEYS",
        "effectiveUserId":"${apiUserId}","isDynamicEffectiveUser":"true","enabled":"true","canExec":"true"}"#;
    let a: SystemInfo = json::parse(as_json).unwrap();
    let b: SystemInfo = json::parse(as_strings).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        (
            a.id.as_str(),
            a.default_authn_method.as_str(),
            a.can_exec,
            a.tms_problem()
        ),
        ("ls6", "TMS_KEYS", true, None)
    );
    let static_user: SystemInfo = json::parse(
        r#"{"id":"s","systemType":"LINUX","defaultAuthnMethod":"TMS_KEYS","isDynamicEffectiveUser":"false","effectiveUserId":"svc"}"#,
    )
    .unwrap();
    assert_eq!(static_user.tms_problem().unwrap().code(), "tms-refused");
    // Unexpected types in fields the decision does not need never fail the answer.
    let odd: SystemInfo =
        json::parse(r#"{"id":"x","host":null,"enabled":null,"canExec":{"a":1},"systemType":7}"#)
            .unwrap();
    assert_eq!((odd.host.as_str(), odd.system_type.as_str()), ("", ""));
    assert!(odd.enabled && odd.is_dynamic_effective_user && !odd.can_exec);
    let resp = Response::new(
        200,
        format!(
            r#"{{"status":"success","result":[{as_strings},{{"host":"no id"}}],"metadata":{{"totalCount":-1}}}}"#
        ),
    );
    assert_eq!(parse_result::<Vec<SystemInfo>>(&resp).unwrap()[0], a);
    let bad = parse_result::<Vec<SystemInfo>>(&Response::new(200, "<html>")).unwrap_err();
    assert_eq!(bad.code(), "unexpected-response");
}
