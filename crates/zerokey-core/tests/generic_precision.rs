//! The generic rules on real code: one regression test per class of false alarm seen on large
//! real trees (kubernetes/kops, the crates in a cargo registry), each with lines written here in
//! the shape of the real ones, and the positives the same checks must keep.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zerokey_core::{Matcher, RuleSet};

fn matcher() -> Matcher {
    let set = RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules: {e}"));
    Matcher::new(&set).unwrap_or_else(|e| panic!("compile: {e}"))
}

/// Generic rule ids found in `text`.
fn generic_found(m: &Matcher, text: &str) -> Vec<String> {
    m.scan(text.as_bytes())
        .iter()
        .map(|f| m.rule(f.rule))
        .filter(|r| r.generic)
        .map(|r| r.id.clone())
        .collect()
}

fn assert_silent(lines: &[&str]) {
    let m = matcher();
    let noisy: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            let f = generic_found(&m, l);
            (!f.is_empty()).then(|| format!("{f:?} on {l:?}"))
        })
        .collect();
    assert!(noisy.is_empty(), "generic findings:\n{}", noisy.join("\n"));
}

#[test]
fn generic_rules_ignore_go_doc_links() {
    assert_silent(&[
        "// [RotateSigningKey]: https://docs.cloudvendor.net/api/API_RotateSigningKey.html",
        "// [NextToken]: https://docs.cloudvendor.net/api/API_ListThings.html#API_ListThings_RequestSyntax",
        "// Secret: https://kubernetes.cloudvendor.org/docs/reference/api/v1/#secret-v1-core",
        "// [IAMResetPassword]: https://docs.cloudvendor.net/IAM/latest/APIReference/API_Reset.html",
    ]);
}

#[test]
fn generic_rules_ignore_member_calls() {
    assert_silent(&[
        "let child_token = parent1.child_token();",
        "\tprocOpenSessionToken        = modkernelbase.NewProc(\"OpenSessionToken\")",
        "        let grandchild_token = child_token.child_token();",
        "x.u.zToken = sqlite3DbSpanDup(db, zStart, zEnd);",
        "let token = LiteralToken::new(0);",
        "let new_token = crate::pager::next_token_of(resp);",
        "  K8SVolumeKindSecret = K8SVolumeKindKey.String(\"secret\")",
        "let secret_key = BigEndianReader::read_u32(&buf[4..]);",
    ]);
}

#[test]
fn generic_rules_ignore_win32_constants() {
    assert_silent(&[
        "pub const ERROR_BAD_PASSWORD: WIN32_ERROR = 1304u32;",
        "pub const ERROR_PASSWORD_EXPIRED_NOW: WIN32_ERROR = 1330u32;",
        "pub const MsV2_0ResetCachedPassword: MSV2_0_PROTOCOL_MESSAGE_KIND = 6i32;",
        "pub const XCN_NCRYPT_TPM_ENCRYPTION_KEY: X509_KEY_KIND = 2i32;",
    ]);
}

#[test]
fn generic_rules_ignore_identifiers_and_types() {
    assert_silent(&[
        "if( nToken>FTS9_MAX_TOKEN_LEN ) nToken = FTS9_MAX_TOKEN_LEN;",
        "    pub Password: super::super::Foundation::UNICODE_STRING,",
        "fn check(clienttoken : super::super::super::Win32::Foundation:: HANDLE, access : u32);",
        "    pub DirectAccessClientToken: super::super::Foundation::BOOLEAN,",
        "        colon3_token: angle_bracketed_generic_args,",
        "    ResourceKindToken: D3D12_SB_RESOURCE_KIND_TOKEN,",
        "let private_key = SecretKey::from_sec1_pem(private_key_pem)",
        "let signing_key = v4::generate_signing_key_for(",
        "let signing_key = pkcs1v15::SigningKey::<Sha256>::new(private_key);",
        "use aws_sdk_example::operation::create_o_auth2_token::CreateOAuth2TokenOutput;",
        "    AuthKind::CachingSha2Password => Ok(scramble_sha256_for(password, nonce)),",
        "    \"caching_sha2_password\" => Ok(AuthKind::CachingSha2Password),",
        "        \"v1Token\" => GlobalEndpointTokenVersion::V1Token,",
        "cmd.Env = append(cmd.Env, \"PWD=\"+dir.WorkingDir)",
    ]);
}

#[test]
fn generic_rules_ignore_arns_in_comments() {
    assert_silent(&[
        "// \"arn:aws:secretsmanager:us-east-1:111122223333:secret:ProdDbCredentials-Xy12Ab\"",
        "# secret_arn: arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/api-key-Q1w2E3",
    ]);
}

#[test]
fn generic_rules_ignore_json_escaped_bytes_and_pagination() {
    assert_silent(&[
        "\"URL\": \"https://storage.example.com/b/bucket-1/o?alt=json\\u0026pageToken=\\u0026prefix=obj\\u0026versions=false\",",
        "{\"kind\":\"listing\",\"nextPageToken\":\"Cg5vYmplY3QtMDAwMDQy\",\"items\":[]}",
        "svc.Events.List().Fields(\"nextPageToken\", \"items(id,updated)\").Do()",
        "\"unix:///tmp/db.sock?user=%25alice%25&pass=%21%40%3C%3E%24%26&db=2\",",
    ]);
}

#[test]
fn generic_rules_ignore_words_and_labels_in_strings() {
    assert_silent(&[
        "const char* test_password = \"test_password\\n\";",
        "///     password: \"@toy_password_7\",",
        "    \"clientSecret\": \"YSBzZWNyZXQ=\",",
        "SchemeIDHTTPToken = \"smithy.api#httpBearerTokenAuth\"",
        "PKCS12SecretKey = \"keystore.p12\"",
        "        ClientTrafficSecret => \"CLIENT_TRAFFIC_SECRET_0\",",
        "    \"accessToken\": \"NEW!!secret-access-token\",",
        "check_body(b\"username=user&password=secure%20password\").await;",
        "  curl -F password=@/etc/hostname https://upload.cloudvendor.net",
        "  curl -d \"user=alice&pass=54321&name=abc&phone=5551234\" https://form.cloudvendor.net",
        "    'PASS' => \\&PASS_handler,",
        "    $state_pwd = \"/$rundir/state.pid\";",
        "Cookie: userpwd=am9lOnNlY3JldA==",
        "    *allocuserpwd = aprintf(\"%sAuthorization: Digest %s\\r\\n\",",
    ]);
}

#[test]
fn generic_rules_still_find_literals_and_config_values() {
    let m = matcher();
    for line in [
        "password = \"Uc5XN6Xr#fKm8vG!OAfu\"",
        "DB_PASSWORD=pOUD2grTm8EFeNYbBFRUYC0z3dCHoZ7u",
        "  \"api_key\": \"IHaY-CnW1Kvc2a1xDZbIuh22\",",
        "  password: f3vA7NUtFOY6aF0kQ",
        "const jwtSecret = \"zAtAIKzCYuheDByziCzzvOJ1\";",
        "token := \"Wm9vT2xLq8Rt3PzXv7Nb\"",
        "headers.insert(\"x-session-token\", \"Kq9Lm2Vx8RtPz3Wn7Bb4Yc6Hd\");",
        "var conn = \"Server=db1;Database=app;User Id=svc;Password=Kq9Lm2Vx8RtPz3;\";",
        "client.login(user, password=\"Zq8vLm3nRt0pW\")",
        "    Password: \"Zq8vLm3nRt0pW\",",
    ] {
        assert!(!generic_found(&m, line).is_empty(), "missed {line:?}");
    }
}

#[test]
fn generic_rules_find_random_letters_only_passwords() {
    let m = matcher();
    for line in [
        "password = \"hKqZmWtRbXvLpNsD\"",
        "ADMIN_PASSWORD=qWfzXbJvRmTkLcPd",
        "  db_password: 'ZxTqLpWmRvBnKdJh'",
    ] {
        assert!(
            generic_found(&m, line).contains(&"generic-password-assignment".to_string()),
            "missed {line:?}"
        );
    }
    assert_silent(&[
        "password = \"ThisIsMyPassword\"",
        "password: correcthorsebatterystaple",
        "password = \"PasswordResetTokenField\"",
        "ADMIN_PASSWORD=AdministratorAccount",
    ]);
}

/// A 40-character name made of words next to a keyword of the AWS pairing rule (`Asia` in
/// `EastAsianWidth`) is not a secret access key: the global filter drops long word names for
/// every rule.
#[test]
fn specific_rules_ignore_long_word_identifiers() {
    let m = matcher();
    let text =
        "    PropertyNameParseEastAsianWidthV1,\n    PropertyNameLongHangulSyllableKindTypeV2,\n";
    let found: Vec<String> = m
        .scan(text.as_bytes())
        .iter()
        .map(|f| m.rule(f.rule).id.clone())
        .collect();
    assert!(found.is_empty(), "{found:?}");
}

/// Basic credentials in test data and documentation are base64 of words (`testuser:testpass`,
/// RFC 7617's `Aladdin:open sesame`): dropped for every rule, while base64 of a random password
/// is still reported.
#[test]
fn basic_auth_rules_ignore_base64_of_words() {
    let m = matcher();
    let ids = |t: &str| -> Vec<String> {
        m.scan(t.as_bytes())
            .iter()
            .map(|f| m.rule(f.rule).id.clone())
            .collect()
    };
    for line in [
        "Authorization: Basic dGVzdHVzZXI6dGVzdHBhc3M=",
        "assert_eq!(auth, \"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\");",
        "  \"auth\": \"bW9uc3Rlcjp1bmRlcmJlZA==\"",
    ] {
        assert!(ids(line).is_empty(), "{:?} on {line:?}", ids(line));
    }
    // base64 of "deploy:Kq9Lm2Vx8RtPz3"
    assert!(!ids("Authorization: Basic ZGVwbG95OktxOUxtMlZ4OFJ0UHoz").is_empty());
}

/// A human-made password built on a word (`Meadow42_…`) in a connection URL is a credential:
/// the long-word-name filter must not take it for an identifier.
#[test]
fn url_rules_keep_word_based_passwords() {
    let m = matcher();
    let found: Vec<String> = m
        .scan(b"DATABASE_URL=postgres://app:Meadow42_Tb7stWindowR@db:5432/app")
        .iter()
        .map(|f| m.rule(f.rule).id.clone())
        .collect();
    assert!(
        found.contains(&"url-embedded-password".to_string()),
        "{found:?}"
    );
}
