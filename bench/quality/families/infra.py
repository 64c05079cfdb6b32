"""Cloud, hosting, CI/CD, registry, secrets-manager, observability and feature-flag credentials.

Every value is generated here from the vendor's documented format (prefix, alphabet, length,
checksum or encoded payload); none is copied from another project.
"""
import base64
import json
import zlib

UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LO = UP.lower()
DG = "0123456789"
AN = UP + LO + DG
HEX = "0123456789abcdef"
B64 = AN + "+/"
B64U = AN + "-_"


def _mk(R):
    def rs(alpha, n):
        while True:
            s = "".join(R.choice(alpha) for _ in range(n))
            if n < 16 or alpha not in (AN, B64, B64U) or (
                    any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s)):
                return s

    def uuid4():
        h = "%032x" % R.getrandbits(128)
        h = h[:12] + "4" + h[13:16] + R.choice("89ab") + h[17:]
        return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])

    def hexs(n):
        return "".join(R.choice(HEX) for _ in range(n))

    return rs, uuid4, hexs


def positives(R, P):
    rs, uuid4, hexs = _mk(R)

    def glsa():
        key = "glsa_" + rs(AN, 32)
        return key + "_" + zlib.crc32(key.encode()).to_bytes(4, "little").hex()

    def glc():
        body = {"o": str(R.randint(100000, 999999)), "n": "stack-%d-ci" % R.randint(1000, 9999),
                "k": rs(AN, 24), "m": {"r": R.choice(["prod-eu-west-2", "prod-us-east-0"])}}
        return "glc_" + base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()

    def sntrys():
        body = {"iat": R.randint(1700000000, 1790000000) + 0.5, "url": "https://sentry.io",
                "region_url": "https://us.sentry.io", "org": R.choice(["acme", "globex", "initech"])}
        return "sntrys_" + base64.b64encode(json.dumps(body).encode()).decode() + "_" + rs(B64, 43)

    def ops():
        body = {"signInAddress": "my.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256",
                "iterations": 650000, "salt": rs(B64U, 22)}, "email": rs(LO, 12) + "@1passwordserviceaccounts.com",
                "srpX": hexs(64), "secretKey": "A3-%s-%s-%s" % (rs(UP + DG, 6), rs(UP + DG, 6), rs(UP + DG, 5))}
        return "ops_" + base64.b64encode(json.dumps(body).encode()).decode().rstrip("=")

    def entra():
        return rs(AN, 3) + R.choice(DG) + "Q~" + rs(AN + "_~.-", 34)

    def atatt():
        return "ATATT3xFfGF0" + rs(B64U, 168) + "=" + rs("0123456789ABCDEF", 8)

    fams = [
        ("cloudflare_token", "CLOUDFLARE_API_TOKEN", lambda: R.choice(["cfut_", "cfat_"]) + rs(AN, 46)),
        ("cloudflare_token", "CLOUDFLARE_API_TOKEN", lambda: rs(AN + "_-", 40)),
        ("cloudflare_origin_ca", "CF_ORIGIN_CA_KEY", lambda: "v1.0-%s-%s" % (hexs(24), hexs(146))),
        ("alibaba_key_id", "ALIBABA_CLOUD_ACCESS_KEY_ID", lambda: "LTAI" + rs(AN, 20)),
        ("alibaba_secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", lambda: rs(AN, 30)),
        ("tencent_secret_id", "TENCENTCLOUD_SECRET_ID", lambda: "AKID" + rs(AN, 32)),
        ("ibm_api_key", "IBMCLOUD_API_KEY", lambda: rs(AN + "_-", 44)),
        ("digitalocean_token", "DIGITALOCEAN_TOKEN", lambda: R.choice(["dop_v1_", "doo_v1_"]) + hexs(64)),
        ("linode_token", "LINODE_TOKEN", lambda: hexs(64)),
        ("hetzner_token", "HCLOUD_TOKEN", lambda: rs(AN, 64)),
        ("scaleway_key", "SCW_ACCESS_KEY", lambda: "SCW" + rs(UP + DG, 17)),
        ("scaleway_secret", "SCW_SECRET_KEY", uuid4),
        ("netlify_token", "NETLIFY_AUTH_TOKEN", lambda: "nfp_" + rs(AN, 36)),
        ("vercel_token", "VERCEL_TOKEN", lambda: rs(AN, 24)),
        ("flyio_token", "FLY_API_TOKEN", lambda: "fo1_" + rs(B64U, 43)),
        ("render_key", "RENDER_API_KEY", lambda: "rnd_" + rs(AN, 32)),
        ("heroku_token", "HEROKU_API_KEY", lambda: "HRKU-AA" + rs(B64U, 58)),
        ("atlassian_token", "JIRA_API_TOKEN", atatt),
        ("bitbucket_app_password", "BITBUCKET_APP_PASSWORD", lambda: "ATBB" + rs(AN, 24) + rs("0123456789ABCDEF", 8)),
        ("azure_devops_pat", "AZURE_DEVOPS_PAT", lambda: rs(AN, 52) + "JQQJ99" + rs(AN, 18) + "AZDO" + rs(AN, 4)),
        ("entra_client_secret", "AZURE_CLIENT_SECRET", entra),
        ("jfrog_api_key", "ARTIFACTORY_API_KEY", lambda: "AKCp" + rs(AN, 69)),
        ("circleci_token", "CIRCLECI_TOKEN", lambda: "CCIPAT_" + rs(AN, 22) + "_" + hexs(40)),
        ("buildkite_token", "BUILDKITE_API_TOKEN", lambda: "bkua_" + hexs(40)),
        ("sonarqube_token", "SONAR_TOKEN", lambda: R.choice(["squ_", "sqp_", "sqa_"]) + hexs(40)),
        ("nuget_key", "NUGET_API_KEY", lambda: "oy2" + rs(LO + DG, 43)),
        ("rubygems_key", "GEM_HOST_API_KEY", lambda: "rubygems_" + hexs(48)),
        ("crates_io_token", "CARGO_REGISTRY_TOKEN", lambda: "cio" + rs(AN, 32)),
        ("pulumi_token", "PULUMI_ACCESS_TOKEN", lambda: "pul-" + hexs(40)),
        ("vault_token", "VAULT_TOKEN", lambda: R.choice(["hvs.", "hvb."]) + rs(B64U, 90)),
        ("consul_token", "CONSUL_HTTP_TOKEN", uuid4),
        ("doppler_token", "DOPPLER_TOKEN", lambda: R.choice(["dp.scim.", "dp.audit.", "dp.st.prd."]) + rs(AN, 43)),
        ("onepassword_sa", "OP_SERVICE_ACCOUNT_TOKEN", ops),
        ("newrelic_key", "NEW_RELIC_API_KEY", lambda: "NRAK-" + rs(UP + DG, 27)),
        ("newrelic_license", "NEW_RELIC_LICENSE_KEY", lambda: hexs(36) + "NRAL"),
        ("dynatrace_token", "DT_API_TOKEN", lambda: "dt0c01.%s.%s" % (rs(UP + DG, 24), rs(UP + DG, 64))),
        ("grafana_sa_token", "GRAFANA_SERVICE_ACCOUNT_TOKEN", glsa),
        ("grafana_cloud_token", "GRAFANA_CLOUD_TOKEN", glc),
        ("sentry_org_token", "SENTRY_AUTH_TOKEN", sntrys),
        ("datadog_app_key", "DD_APP_KEY", lambda: hexs(40)),
        ("launchdarkly_key", "LAUNCHDARKLY_SDK_KEY", lambda: "sdk-" + uuid4()),
        ("rancher_token", "CATTLE_TOKEN", lambda: "token-%s:%s" % (rs(LO + DG, 5), rs(LO + DG, 54))),
        ("gitlab_token", "GITLAB_AGENT_TOKEN", lambda: "glagent-" + rs(AN + "_-", 50)),
        ("sourcegraph_token", "SRC_ACCESS_TOKEN", lambda: "sgp_%s_%s" % (hexs(16), hexs(40))),
        ("harness_key", "HARNESS_API_KEY", lambda: "pat.%s.%s.%s" % (rs(AN + "_-", 22), hexs(24), rs(AN, 20))),
        ("codecov_token", "CODECOV_TOKEN", uuid4),
        ("snyk_token", "SNYK_TOKEN", uuid4),
        ("portainer_token", "PORTAINER_API_KEY", lambda: "ptr_" + rs(B64, 43) + "="),
    ]
    out = []
    for kind, name, gen in fams:
        out.append(P("infra_" + kind, gen(), name))
    return out


def negatives(R, N):
    rs, uuid4, hexs = _mk(R)
    return [
        # Look-alike identifiers and non-secret ids next to vendor names.
        N("infra_id_lookalike", uuid4(), "SNYK_ORG_ID"),
        N("infra_id_lookalike", uuid4(), "RAILWAY_PROJECT_ID"),
        N("infra_id_lookalike", uuid4(), "NETLIFY_SITE_ID"),
        N("infra_id_lookalike", hexs(40), "CIRCLE_SHA1"),
        N("infra_id_lookalike", hexs(40), "BUILDKITE_COMMIT"),
        N("infra_id_lookalike", hexs(64), "LINODE_IMAGE_SHA256"),
        N("infra_id_lookalike", "team_" + rs(AN, 24), "VERCEL_ORG_ID"),
        N("infra_id_lookalike", "p-" + rs(LO + DG, 12), "AKEYLESS_ACCESS_ID"),
        N("infra_id_lookalike", hexs(32), "CLOUDFLARE_ZONE_ID"),
        N("infra_id_lookalike", hexs(32), "CLOUDFLARE_ACCOUNT_ID"),
        # Prefixes with placeholder or truncated bodies.
        N("infra_placeholder", "dop_v1_" + "x" * 64, "DIGITALOCEAN_TOKEN"),
        N("infra_placeholder", "cfut_<your-token>", "CLOUDFLARE_API_TOKEN"),
        N("infra_placeholder", "nfp_your_personal_access_token", "NETLIFY_AUTH_TOKEN"),
        N("infra_placeholder", "squ_<sonarqube-user-token>", "SONAR_TOKEN"),
        N("infra_placeholder", "ATATT3xFfGF0<token>", "JIRA_API_TOKEN"),
        N("infra_placeholder", "${{ secrets.VERCEL_TOKEN }}", "VERCEL_TOKEN"),
        N("infra_placeholder", "${HCLOUD_TOKEN}", "HCLOUD_TOKEN"),
        # Checksummed / structured formats with a broken checksum or payload.
        N("infra_bad_structure", "glsa_" + rs(AN, 32) + "_00000000", "GRAFANA_TOKEN"),
        N("infra_bad_structure", "glc_" + base64.b64encode(b'{"name":"dashboards"}').decode(), "GRAFANA_CLOUD_TOKEN"),
        N("infra_bad_structure", "sntrys_" + base64.b64encode(b'{"note":"not a token"}').decode() + "_" + rs(B64, 43), "SENTRY_AUTH_TOKEN"),
        N("infra_bad_structure", "ops_" + base64.b64encode(('{"user":"%s","note":"not a service account"}' % rs(AN, 160)).encode()).decode(), "OP_TOKEN"),
        # Vendor names next to values that are not credentials.
        N("infra_not_secret", "https://api.cloudflare.com/client/v4", "CLOUDFLARE_API_URL"),
        N("infra_not_secret", "kube-system/argocd-server", "ARGOCD_SERVER_KEY"),
        N("infra_not_secret", "DOCUMENTATIONONLYKEY", "SPACES_ACCESS_KEY_ID"),
    ]
